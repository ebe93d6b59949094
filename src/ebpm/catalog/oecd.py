"""OECD data (the OECD Data Explorer's SDMX REST API) as tidy frames.

Reads ``https://sdmx.oecd.org/public/rest/data/{agency},{dataflow},{version}/{key}`` with
``startPeriod``/``endPeriod``, ``dimensionAtObservation=AllDimensions`` and
``format=csvfilewithlabels`` (SDMX-CSV, one row per observation). No key is needed. The
download goes through :func:`ebpm.catalog.cache.fetch` (cached, retried, offline-aware) and the
parsed table is kept as Parquet by :func:`ebpm.catalog.cache.cached_table`.

The CSV starts with ``STRUCTURE`` (``DATAFLOW``), ``STRUCTURE_ID``
(``OECD.SDD.NAD:DSD_NAMAIN1@DF_QNA(1.1)``), ``STRUCTURE_NAME`` (the dataflow's name) and
``ACTION``; then every component (dimensions, ``TIME_PERIOD``, ``OBS_VALUE``, attributes such as
``OBS_STATUS`` and ``UNIT_MULT``) as a code column immediately followed, with labels, by a column
holding its name in English (``REF_AREA,Reference area``).

The OECD answers HTTP 404 when nothing matches (an unknown dataflow, or a key or period without
observations), 400/422 for a malformed query, 413 for a query too large and 429 past its rate
limit (60 downloads an hour in 2025).

Environment
-----------
``EBPM_OECD_API``
    Base URL of the API (default ``https://sdmx.oecd.org/public/rest``), for a mirror or a test
    server.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog import cache
from ebpm.catalog.provenance import finish, remote_origin
from ebpm.errors import (
    InvalidOptionError,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
)

__all__ = ["API_ENV", "DEFAULT_API", "OECDData", "explorer_url", "oecd", "parse_dataflow"]

log = logging.getLogger(__name__)

API_ENV = "EBPM_OECD_API"
DEFAULT_API = "https://sdmx.oecd.org/public/rest"
#: Version of the parser below; part of the table cache key.
FORMAT = 1

EXPLORER = "https://data-explorer.oecd.org/vis"
SOURCE = "OECD Data Explorer (SDMX)"
#: The OECD's terms for Data (Terms and Conditions in force since 1 July 2024): reuse for any
#: purpose, commercial included, crediting the OECD. Written content published since that date
#: is CC BY 4.0 by default; the data terms are CC BY-like but are the OECD's own.
LICENCE = (
    "OECD Terms and Conditions: reuse for any purpose, including commercial, with credit to the "
    "OECD (https://www.oecd.org/en/about/terms-conditions.html)"
)
EXAMPLE = "OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA,1.1"

_PREFIX = ("STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION")
_ID_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_AGENCY = r"[A-Za-z][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*"
_FLOW = r"[A-Za-z0-9_\-]+(?:@[A-Za-z0-9_\-]+)?"
_VERSION = r"\d+(?:\.\d+){0,2}"
_FLOW_RE = re.compile(rf"^(?P<agency>{_AGENCY}),(?P<id>{_FLOW})(?:,(?P<version>{_VERSION})?)?$")
_STRUCTURE_RE = re.compile(rf"^(?P<agency>{_AGENCY}):(?P<id>{_FLOW})\((?P<version>{_VERSION})\)$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_@+.\-*]+$")
_PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<sub>Q[1-4]|S[12]|W\d{2}|\d{2}(?:-\d{2})?))?$")
_HTTP_RE = re.compile(r"answered HTTP (\d{3})")


# --- input checks ---------------------------------------------------------------------------
def parse_dataflow(dataflow: str) -> tuple[str, str, str | None]:
    """``(agency, dataflow id, version or None)`` from ``"AGENCY,DSD@DF,VERSION"``.

    Also accepts the ``STRUCTURE_ID`` form found in OECD CSV files,
    ``"OECD.SDD.NAD:DSD_NAMAIN1@DF_QNA(1.0)"``. Without a version, the OECD serves the latest.
    """
    fix = (
        "write it as 'AGENCY,DATAFLOW_ID,VERSION', e.g. "
        f"{EXAMPLE!r}; the OECD Data Explorer shows it under 'Developer API'"
    )
    if not isinstance(dataflow, str) or not dataflow.strip():
        raise InvalidOptionError(f"dataflow {dataflow!r} is not an OECD dataflow id; {fix}")
    text = dataflow.strip()
    m = _FLOW_RE.match(text) or _STRUCTURE_RE.match(text)
    if m:
        return m["agency"], m["id"], m["version"]
    if "," not in text and ":" not in text and re.match(rf"^{_FLOW}$", text):
        raise InvalidOptionError(
            f"dataflow {dataflow!r} lacks its agency (such as 'OECD.SDD.NAD'); {fix}"
        )
    raise InvalidOptionError(f"dataflow {dataflow!r} is not a complete OECD dataflow id; {fix}")


def _key(key: str | None) -> str:
    if key is None or (isinstance(key, str) and key.strip() in ("", "all")):
        return "all"
    if not isinstance(key, str) or not _KEY_RE.match(key.strip()):
        raise InvalidOptionError(
            f"key {key!r} is not an SDMX key; give one part per dimension in the dataflow's "
            "order, separated by '.', codes joined by '+' and empty for all (e.g. "
            "'Q.Y.JPN+USA.S1..B1GQ'), or 'all'"
        )
    return key.strip()


def _period(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer | str):
        raise InvalidOptionError(
            f"{what}={value!r} is not a period; use a year (2015), a quarter ('2015-Q1'), a "
            "month ('2015-01') or a day ('2015-01-31')"
        )
    text = str(value).strip()
    if not _PERIOD_RE.match(text):
        raise InvalidOptionError(
            f"{what}={value!r} is not a period; use a year (2015), a quarter ('2015-Q1'), a "
            "month ('2015-01') or a day ('2015-01-31')"
        )
    return text


def _months(period: str) -> tuple[int, int, int, int]:
    """``(year, first month, year, last month)`` covered by an SDMX period string."""
    m = _PERIOD_RE.match(period)
    if m is None:
        raise InvalidOptionError(f"{period!r} is not an SDMX period such as 2015 or '2015-Q1'")
    year, sub = int(m["year"]), m["sub"]
    if sub is None:
        return year, 1, year, 12
    if sub.startswith("Q"):
        q = int(sub[1])
        return year, 3 * q - 2, year, 3 * q
    if sub.startswith("S"):
        s = int(sub[1])
        return year, 6 * s - 5, year, 6 * s
    if sub.startswith("W"):
        monday = date.fromisocalendar(year, int(sub[1:]), 1)
        return monday.year, monday.month, monday.year, monday.month
    month = int(sub[:2])
    return year, month, year, month


def _span(start: Any, end: Any) -> tuple[str | None, str | None]:
    first, last = _period(start, "start"), _period(end, "end")
    if first and last:
        a = _months(first)
        b = _months(last)
        if (a[0], a[1]) > (b[2], b[3]):
            raise InvalidOptionError(
                f"start {first!r} is after end {last!r}; swap them: start={last!r}, end={first!r}"
            )
    return first, last


# --- URLs and errors ------------------------------------------------------------------------
def explorer_url(agency: str, flow_id: str, version: str | None, key: str = "all") -> str:
    """The dataflow's page in the OECD Data Explorer (with the key's selection when given)."""
    query = {
        "lc": "en",
        "df[ds]": "dsDisseminateFinalDMZ",
        "df[id]": flow_id,
        "df[ag]": agency,
    }
    if version:
        query["df[vs]"] = version
    if key != "all":
        query["dq"] = key
    return f"{EXPLORER}?{urlencode(query)}"


def _flowref(agency: str, flow_id: str, version: str | None) -> str:
    return f"{agency},{flow_id},{version}" if version else f"{agency},{flow_id}"


def _status(err: RemoteError) -> int | None:
    """The HTTP status of a failed download (``err.status``, else read from the message)."""
    status = getattr(err, "status", None)
    if isinstance(status, int):
        return status
    m = _HTTP_RE.search(str(err))
    return int(m.group(1)) if m else None


def _http_error(err: RemoteError, *, what: str, flow: str, key: str, page: str) -> Exception:
    status = _status(err)
    if status == 404:
        return SourceStatusError(
            f"{what}: the OECD API found no data (HTTP 404). Either dataflow {flow!r} does not "
            f"exist (check the agency, id and version in the Data Explorer's 'Developer API' "
            f"panel: {page}), or no observation matches key {key!r} in the period asked for; "
            "try key='all' or a wider start/end"
        )
    if status in (400, 422):
        return SourceStatusError(
            f"{what}: the OECD API rejected the query (HTTP {status}). Key {key!r} must have "
            "one part per dimension of the dataflow, in order, separated by '.', codes joined "
            f"by '+' (e.g. 'Q.Y.JPN+USA.S1..B1GQ'); check it against the dimensions shown at {page}"
        )
    if status == 413:
        return SourceStatusError(
            f"{what}: the OECD API refused the query as too large (HTTP 413); narrow the key "
            "(fewer countries or measures) or the period"
        )
    if status == 429:
        return SourceStatusError(
            f"{what}: the OECD API's rate limit was reached (HTTP 429; it allows about 60 "
            "downloads an hour). Wait, then retry; tables already loaded are cached and do "
            "not count"
        )
    return err


def _forget(fetched: cache.Fetched) -> None:
    """Drop a cached answer that is not data, so the next call asks the API again."""
    cache.forget(fetched)


# --- parsing --------------------------------------------------------------------------------
def _components(header: list[str]) -> list[tuple[str, int, int | None]]:
    """``(component id, code column, label column or None)`` in file order."""
    out = []
    for i, name in enumerate(header):
        if name in _PREFIX or not _ID_RE.match(name):
            continue
        nxt = header[i + 1] if i + 1 < len(header) else None
        label = i + 1 if nxt is not None and nxt not in _PREFIX and not _ID_RE.match(nxt) else None
        out.append((name, i, label))
    return out


def _first_day(period: str) -> date:
    """The first day of an SDMX period string (already checked against ``_PERIOD_RE``)."""
    sub = period[5:]
    if sub.startswith("W"):
        return date.fromisocalendar(int(period[:4]), int(sub[1:]), 1)
    if len(sub) == 5:
        return date.fromisoformat(period)
    year, month, _, _ = _months(period)
    return date(year, month, 1)


def _periods(times: pd.Series, what: str) -> tuple[pd.Series, pd.Series]:
    """``year`` (int) and ``period``: a pandas Period when every row has one frequency (annual,
    quarterly, monthly or daily), else the period's first day as a Timestamp."""
    parts = times.str.extract(_PERIOD_RE)
    bad = times[parts["year"].isna()]
    if len(bad):
        raise SourceFormatError(
            f"{what}: TIME_PERIOD {bad.iloc[0]!r} is not a period ebpm reads (years, "
            "quarters, months, days, half-years and weeks); please report the dataflow"
        )
    year = parts["year"].astype("int64")
    sub = parts["sub"].fillna("")
    kinds = np.select(
        [
            sub.eq(""),
            sub.str.startswith("Q"),
            sub.str.fullmatch(r"\d{2}"),
            sub.str.len().eq(5),
            sub.str.startswith("S"),
        ],
        ["Y", "Q", "M", "D", "S"],
        default="W",
    )
    found = sorted(set(kinds))
    if len(found) == 1 and found[0] in ("Y", "Q", "M", "D"):
        text = times.str.replace("-Q", "Q", regex=False)
        period = pd.Series(pd.PeriodIndex(text.tolist(), freq=found[0]), index=times.index)
        return year, period
    log.warning(
        "%s: periods of frequency %s, not one of annual, quarterly, monthly or daily; "
        "`period` holds each period's first day",
        what,
        "+".join(found),
    )
    starts = pd.to_datetime([_first_day(t) for t in times])
    return year, pd.Series(starts, index=times.index)


def _values(raw: pd.Series, what: str) -> pd.Series:
    text = raw.str.strip()
    missing = text.isin(["", "NaN", "nan", "NA"])
    value = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = text[value.isna() & ~missing]
    if len(bad):
        raise SourceFormatError(
            f"{what}: OBS_VALUE {bad.iloc[0]!r} is not a number; this dataflow holds text "
            "observations, which ebpm does not read"
        )
    return value.astype("float64")


def _parse(body: bytes, *, what: str, labels: bool) -> tuple[pd.DataFrame, dict[str, str | None]]:
    try:
        raw = pd.read_csv(
            io.BytesIO(body),
            header=None,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise SourceFormatError(
            f"{what}: the answer is not an SDMX-CSV table ({err}); check EBPM_OECD_API points "
            f"at the OECD's SDMX REST API ({DEFAULT_API})"
        ) from err
    header = [str(h).strip() for h in raw.iloc[0]]
    if header[0] != "STRUCTURE" or "OBS_VALUE" not in header or "TIME_PERIOD" not in header:
        raise SourceFormatError(
            f"{what}: the answer is not an SDMX-CSV time series (its header starts "
            f"{header[:4]}); check EBPM_OECD_API and that the dataflow has TIME_PERIOD and "
            "OBS_VALUE"
        )
    data = raw.iloc[1:].reset_index(drop=True)
    meta: dict[str, str | None] = {"name": None, "structure_id": None}
    for col, field in (("STRUCTURE_NAME", "name"), ("STRUCTURE_ID", "structure_id")):
        if col in header:
            found = [v for v in data[header.index(col)] if v]
            meta[field] = found[0] if found else None
    comps = _components(header)
    t_at = next(i for i, (c, _, _) in enumerate(comps) if c == "TIME_PERIOD")
    dims = [c.lower() for c, _, _ in comps[:t_at] if c != "OBS_VALUE"]
    cols: dict[str, Any] = {}
    for comp, code_at, label_at in comps:
        column = data[code_at].str.strip()
        if comp == "TIME_PERIOD":
            cols["time_period"] = column
            cols["year"], cols["period"] = _periods(column, what)
        elif comp == "OBS_VALUE":
            cols["value"] = _values(column, what)
        else:
            name = comp.lower()
            cols[name] = column.replace("", None)
            if labels and label_at is not None:
                cols[f"{name}_label"] = data[label_at].str.strip().replace("", None)
    df = pd.DataFrame(cols)
    df = df.sort_values([*dims, "time_period"], kind="stable").reset_index(drop=True)
    return df, meta


def _build(
    base: str,
    agency: str,
    flow_id: str,
    version: str | None,
    key: str,
    start: str | None,
    end: str | None,
    labels: bool,
    refresh: bool,
) -> pd.DataFrame:
    flow = _flowref(agency, flow_id, version)
    when = f", {start or '...'} to {end or '...'}" if start or end else ""
    what = f"OECD dataflow {flow} (key {key}{when})"
    page = explorer_url(agency, flow_id, version, key)
    req = cache.Request.get(
        f"{base}/data/{flow}/{key}",
        {
            "startPeriod": start,
            "endPeriod": end,
            "dimensionAtObservation": "AllDimensions",
            "format": "csvfilewithlabels" if labels else "csvfile",
        },
    )
    try:
        fetched = cache.fetch(req, what=what, refresh=refresh)
    except RemoteError as err:
        raise _http_error(err, what=what, flow=flow, key=key, page=page) from err
    try:
        df, meta = _parse(fetched.read_bytes(), what=what, labels=labels)
    except SourceFormatError:
        _forget(fetched)
        raise
    if df.empty:
        _forget(fetched)
        raise SourceStatusError(
            f"{what}: the OECD API answered with no observations; try key='all' or a wider "
            f"start/end, and check the selection at {page}"
        )
    served = _STRUCTURE_RE.match(meta["structure_id"] or "")
    served_version = served["version"] if served else version
    name = meta["name"] or flow_id
    url = explorer_url(agency, flow_id, served_version)
    accessed = fetched.retrieved_at[:10]
    origin = remote_origin(
        [fetched],
        what=what,
        source=SOURCE,
        licence=LICENCE,
        attribution=f"OECD ({accessed[:4]}), {name}, {url} (accessed on {accessed})",
        url=url,
        title=name,
        # the CSV carries no update date; the server's Last-Modified is the closest we have
        publisher_updated=fetched.headers.get("Last-Modified"),
        extra={"dataflow": _flowref(agency, flow_id, served_version), "key": key},
    )
    df.attrs["ebpm"] = {"origin": origin}
    return df


def _load(
    dataflow: str,
    key: str | None,
    start: Any,
    end: Any,
    labels: bool,
    refresh: bool,
    columns: Iterable[str] | None,
) -> pd.DataFrame:
    agency, flow_id, version = parse_dataflow(dataflow)
    sel = _key(key)
    first, last = _span(start, end)
    if not isinstance(labels, bool):
        raise InvalidOptionError(f"labels={labels!r} must be True or False")
    base = cache.base_url(API_ENV, DEFAULT_API)
    if version is None:
        log.info("%s,%s: no version given, the OECD serves the latest", agency, flow_id)
    parts = {
        "source": "oecd",
        "api": base,
        "dataflow": _flowref(agency, flow_id, version),
        "key": sel,
        "start": first,
        "end": last,
        "labels": labels,
        "format": FORMAT,
    }
    return cache.cached_table(
        parts,
        lambda: _build(base, agency, flow_id, version, sel, first, last, labels, refresh),
        refresh=refresh,
        columns=columns,
    )


def oecd(
    dataflow: str,
    key: str = "all",
    *,
    start: int | str | None = None,
    end: int | str | None = None,
    labels: bool = True,
    refresh: bool = False,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Download an OECD dataflow (or a selection of it) as a tidy frame with provenance.

    Parameters
    ----------
    dataflow : str
        ``"AGENCY,DATAFLOW_ID,VERSION"``, e.g. ``"OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA,1.1"``
        (quarterly national accounts); the Data Explorer shows it under "Developer API".
        Without the version the OECD serves its latest, which may change the dimensions.
    key : str
        The selection: one part per dimension in the dataflow's order, separated by ``.``,
        codes joined by ``+``, empty for all (``"Q.Y.JPN+USA.S1..B1GQ......"``), or ``"all"``.
    start, end : int or str, optional
        First and last period: a year (``2015``), quarter (``"2015-Q1"``), month
        (``"2015-01"``) or day.
    labels : bool
        Add an English label column ``<dimension>_label`` beside each code column.
    refresh : bool
        Download again even when cached.
    columns : list of str, optional
        Return only these columns (read from the Parquet cache).

    Returns
    -------
    pandas.DataFrame
        One row per observation: every dimension and attribute as a lower-case code column
        (``ref_area``, ``freq``, ..., ``obs_status``, ``unit_mult``) with its ``_label``,
        ``time_period`` (as published: ``"2020"``, ``"2020-Q1"``, ``"2020-01"``), ``year``
        (int), ``period`` (a pandas Period of the data's frequency; with mixed frequencies the
        period's first day) and ``value`` (float; NaN where missing). Values are as published:
        multiply by ``10 ** unit_mult`` yourself where that matters. ``attrs["ebpm"]`` holds
        the provenance, with the OECD's citation format as attribution.

    Raises
    ------
    InvalidOptionError
        A malformed dataflow id, key or period, or ``start`` after ``end``.
    SourceStatusError
        The OECD answered 404 (unknown dataflow or no matching data), 400/422 (bad key), 413
        (too large) or 429 (rate limit), or with no observations.
    SourceFormatError
        The answer is not an SDMX-CSV time series.
    OfflineError
        ``EBPM_OFFLINE`` is set and the data are not cached.

    Notes
    -----
    OECD data may be reused for any purpose, commercial included, with credit in the form
    "OECD (year), (dataset name), (data source) DOI or URL (accessed on (date))" (OECD Terms
    and Conditions, https://www.oecd.org/en/about/terms-conditions.html). The API is rate
    limited; loaded tables are cached, so repeated runs do not download again.

    Examples
    --------
    Real GDP of Japan and the United States, quarterly, from the quarterly national accounts:

    >>> gdp = oecd(
    ...     "OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA,1.1",
    ...     "Q.Y.JPN+USA.S1..B1GQ._Z._Z._Z.USD_PPP.LR.LA.T0102",
    ...     start="2015-Q1",
    ... )  # doctest: +SKIP
    """
    df = _load(dataflow, key, start, end, labels, refresh, columns)
    params = {"dataflow": dataflow, "key": _key(key), "start": start, "end": end}
    if not labels:
        params["labels"] = False
    return finish(df, params=params)


class OECDData(BaseReader):
    """An OECD dataflow (or a selection of it) as a tidy frame; see :func:`oecd`.

    Keyword arguments (the entry's ``kwargs`` and the user's parameters): ``dataflow``, ``key``
    (default ``"all"``), ``start``, ``end``, ``labels`` (default True), ``refresh``, ``columns``.
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas"}

    def _read(
        self,
        *,
        dataflow: str,
        key: str = "all",
        start: int | str | None = None,
        end: int | str | None = None,
        labels: bool = True,
        refresh: bool = False,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        return _load(dataflow, key, start, end, labels, refresh, columns)
