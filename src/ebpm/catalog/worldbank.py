"""World Bank indicators (World Development Indicators and other sources) as tidy frames.

Reads the World Bank Indicators API v2 (``https://api.worldbank.org/v2``, no key needed):
``/country/{JPN;USA}/indicator/{id}?format=json&per_page=1000&date=2000:2020&page=N``. Every
page is a download through :func:`ebpm.catalog.cache.fetch` (cached, retried, offline-aware) and
the parsed table is kept as Parquet by :func:`ebpm.catalog.cache.cached_table`.

The API answers with a two-element JSON list: a header (``page``, ``pages``, ``per_page``,
``total``, ``sourceid``, ``sourcename``, ``lastupdated``) and the observations (``indicator``,
``country``, ``countryiso3code``, ``date``, ``value``, ``unit``, ``obs_status``, ``decimal``). It
reports errors inside a one-element list, usually with HTTP 200::

    [{"message": [{"id": "120", "key": "Invalid value",
                   "value": "The provided parameter value is not valid"}]}]

and a query without data as ``[{..., "total": 0}, null]``.

Environment
-----------
``EBPM_WORLDBANK_API``
    Base URL of the API (default ``https://api.worldbank.org/v2``), for a mirror or a test
    server.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog import cache
from ebpm.catalog.provenance import finish, remote_origin
from ebpm.errors import (
    InvalidOptionError,
    MissingCountryWarning,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
)

__all__ = [
    "API_ENV",
    "COLUMNS",
    "DEFAULT_API",
    "MissingCountryWarning",
    "WorldBankIndicator",
    "worldbank",
]

log = logging.getLogger(__name__)

API_ENV = "EBPM_WORLDBANK_API"
DEFAULT_API = "https://api.worldbank.org/v2"
#: Rows per page asked of the API (it pages larger answers).
PER_PAGE = 1000
#: Version of the parser below; part of the table cache key.
FORMAT = 1
#: Columns of every frame :func:`worldbank` returns, in order.
COLUMNS = (
    "country_code",
    "country",
    "indicator",
    "indicator_name",
    "year",
    "value",
    "obs_status",
    "decimal",
)

INDICATOR_SEARCH = "https://data.worldbank.org/indicator"
COUNTRY_LIST = "https://api.worldbank.org/v2/country?format=json&per_page=400"
DEFAULT_SOURCE = "World Development Indicators"
LICENCE = "CC BY 4.0"

_INDICATOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]*$")
_COUNTRY_RE = re.compile(r"^[A-Za-z0-9]{2,3}$")
_YEAR_RE = re.compile(r"^\d{4}$")


# --- input checks ---------------------------------------------------------------------------
def _indicators(indicator: str | Sequence[str]) -> list[str]:
    items = [indicator] if isinstance(indicator, str) else list(indicator)
    if not items:
        raise InvalidOptionError(
            "no indicator given; pass an id such as 'NY.GDP.PCAP.CD' (search at "
            f"{INDICATOR_SEARCH})"
        )
    out = []
    for item in items:
        text = str(item).strip() if isinstance(item, str) else None
        if not text or not _INDICATOR_RE.match(text):
            raise InvalidOptionError(
                f"indicator {item!r} is not a World Bank indicator id; ids look like "
                f"'NY.GDP.PCAP.CD' or 'SP.POP.TOTL' (search at {INDICATOR_SEARCH})"
            )
        if text not in out:
            out.append(text)
    return out


def _countries(countries: str | Sequence[str]) -> list[str] | str:
    if isinstance(countries, str):
        if countries.strip().lower() == "all":
            return "all"
        items = [c for c in re.split(r"[;,\s]+", countries.strip()) if c]
    else:
        items = list(countries)
    if not items:
        raise InvalidOptionError(
            "no country given; pass 'all', a code such as 'JPN', or a list ['JPN', 'USA']"
        )
    out = []
    for item in items:
        if not isinstance(item, str) or not _COUNTRY_RE.match(item.strip()):
            raise InvalidOptionError(
                f"country {item!r} is not a World Bank country code; use ISO 3166 alpha-3 "
                "('JPN') or alpha-2 ('JP') codes, World Bank aggregate codes ('WLD', 'OED'), "
                f"or 'all' (codes listed at {COUNTRY_LIST})"
            )
        code = item.strip().upper()
        if code == "ALL":
            return "all"
        if code not in out:
            out.append(code)
    return out


def _year(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer | str):
        raise InvalidOptionError(
            f"years: {what} {value!r} is not a year; give a four-digit year such as 2000"
        )
    text = str(value).strip()
    if not _YEAR_RE.match(text):
        raise InvalidOptionError(
            f"years: {what} {value!r} is not a year; give a four-digit year such as 2000"
        )
    return int(text)


def _years(years: Any) -> tuple[int, int] | None:
    """``None``, a year, ``(start, end)`` (inclusive), a ``range`` or ``"2000:2020"``."""
    if years is None:
        return None
    if isinstance(years, range):
        if len(years) == 0 or years.step != 1:
            raise InvalidOptionError(
                f"years={years!r} is empty or has a step; use range(2000, 2021) for 2000-2020, "
                "or a (start, end) pair"
            )
        return years[0], years[-1]
    if isinstance(years, str) and ":" in years:
        years = years.split(":", 1)
    if isinstance(years, list | tuple):
        if len(years) != 2:
            raise InvalidOptionError(
                f"years={years!r} must be (start, end), e.g. (2000, 2020), or one year"
            )
        start, end = _year(years[0], "start"), _year(years[1], "end")
        if start > end:
            raise InvalidOptionError(
                f"years: start {start} is after end {end}; swap them: years=({end}, {start})"
            )
        return start, end
    one = _year(years, "year")
    return one, one


# --- reading the API ------------------------------------------------------------------------
def _forget(fetched: cache.Fetched) -> None:
    """Drop a cached answer that is an error, so the next call asks the API again."""
    cache.forget(fetched)


def _describe(indicator: str, countries: list[str] | str, years: tuple[int, int] | None) -> str:
    where = "all countries" if countries == "all" else ";".join(countries)
    when = "" if years is None else f", {years[0]}-{years[1]}"
    return f"World Bank indicator {indicator} ({where}{when})"


def _api_error(
    message: Any, indicator: str, countries: list[str] | str, what: str
) -> SourceStatusError:
    items = message if isinstance(message, list) else [message]
    parts = []
    ids = set()
    for m in items:
        if isinstance(m, dict):
            ids.add(str(m.get("id", "")))
            parts.append(
                f"{m.get('key', '')}: {m.get('value', '')} (id {m.get('id', '?')})".strip(": ")
            )
        else:
            parts.append(str(m))
    said = "; ".join(parts) or "an error without a message"
    if "175" in ids or "not found" in said.lower():
        fix = (
            f"indicator {indicator!r} does not exist or was archived; find the current id at "
            f"{INDICATOR_SEARCH} and pass it as `indicator`"
        )
    else:
        fix = _fix(indicator, countries)
    return SourceStatusError(f"{what}: the World Bank API answered with an error: {said}. {fix}")


def _fix(indicator: str, countries: list[str] | str) -> str:
    if countries == "all":
        return f"check the indicator id {indicator!r} (search at {INDICATOR_SEARCH}) and the years"
    return (
        f"check the country codes {countries} (the World Bank's list: {COUNTRY_LIST}) and "
        f"the indicator id {indicator!r} (search at {INDICATOR_SEARCH})"
    )


def _get_page(
    url: str,
    params: dict[str, Any],
    page: int,
    *,
    indicator: str,
    countries: list[str] | str,
    what: str,
    refresh: bool,
) -> tuple[cache.Fetched, dict[str, Any], list[dict[str, Any]] | None]:
    req = cache.Request.get(url, {**params, "page": page})
    try:
        fetched = cache.fetch(req, what=f"{what}, page {page}", refresh=refresh)
    except RemoteError as err:
        status = getattr(err, "status", None)
        if status is None and (m := re.search(r"answered HTTP (\d{3})", str(err))):
            status = int(m.group(1))
        if status in (400, 404):
            raise SourceStatusError(
                f"{what}: the World Bank API rejected the request (HTTP {status}); "
                f"{_fix(indicator, countries)}"
            ) from err
        raise
    try:
        answer = json.loads(fetched.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        head = fetched.read_bytes()[:60].decode("utf-8", "replace")
        _forget(fetched)
        raise SourceFormatError(
            f"{what}: page {page} from {fetched.url} is not JSON (it starts {head!r}); the API "
            "may be down or the base URL wrong (check EBPM_WORLDBANK_API), try again later"
        ) from err
    first = answer[0] if isinstance(answer, list) and answer else None
    if isinstance(first, dict) and "message" in first:
        _forget(fetched)
        raise _api_error(first["message"], indicator, countries, what)
    if (
        not isinstance(answer, list)
        or len(answer) != 2
        or not isinstance(answer[0], dict)
        or not (answer[1] is None or isinstance(answer[1], list))
    ):
        _forget(fetched)
        raise SourceFormatError(
            f"{what}: page {page} from {fetched.url} is not the World Bank's "
            "[header, observations] list; check EBPM_WORLDBANK_API points at the v2 API "
            f"({DEFAULT_API})"
        )
    return fetched, answer[0], answer[1]


def _as_int(value: Any, name: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SourceFormatError(
            f"{what}: the answer's header has {name}={value!r}, not a number; the API format "
            "changed, please report it"
        ) from None


def _rows(records: list[dict[str, Any]], what: str, seen: set[str]) -> list[dict[str, Any]]:
    """Observations as row dicts; adds every country id and ISO code met to ``seen``."""
    rows = []
    for rec in records:
        try:
            ind, ctry, date = rec["indicator"], rec["country"], str(rec["date"])
        except (KeyError, TypeError) as err:
            raise SourceFormatError(
                f"{what}: an observation lacks {err}; the API format changed, please report it"
            ) from None
        if not _YEAR_RE.match(date):
            raise SourceFormatError(
                f"{what}: observation date {date!r} is not a year; only annual indicators are "
                "supported, pick an annual one (most World Development Indicators are)"
            )
        value = rec.get("value")
        status = rec.get("obs_status")
        seen.update(str(c).upper() for c in (ctry.get("id"), rec.get("countryiso3code")) if c)
        rows.append(
            {
                "country_code": (rec.get("countryiso3code") or ctry.get("id") or "").upper(),
                "country": ctry.get("value"),
                "indicator": ind.get("id"),
                "indicator_name": ind.get("value"),
                "year": int(date),
                "value": np.nan if value is None or value == "" else float(value),
                "obs_status": status if status not in (None, "") else None,
                "decimal": rec.get("decimal"),
            }
        )
    return rows


def _one_indicator(
    base: str,
    indicator: str,
    countries: list[str] | str,
    years: tuple[int, int] | None,
    refresh: bool,
    seen: set[str],
) -> tuple[list[dict[str, Any]], list[cache.Fetched], dict[str, Any]]:
    what = _describe(indicator, countries, years)
    where = "all" if countries == "all" else ";".join(countries)
    url = f"{base}/country/{where}/indicator/{indicator}"
    params: dict[str, Any] = {"format": "json", "per_page": PER_PAGE}
    if years is not None:
        params["date"] = f"{years[0]}:{years[1]}"
    get_page = partial(
        _get_page, url, params, indicator=indicator, countries=countries, what=what, refresh=refresh
    )
    fetched, header, records = get_page(1)
    pages = _as_int(header.get("pages", 0), "pages", what)
    total = _as_int(header.get("total", 0), "total", what)
    if records is None or total == 0:
        _forget(fetched)
        raise SourceStatusError(
            f"{what}: the World Bank has no observations for this query. Widen `years`, check "
            f"the country codes, or check the indicator's coverage at {INDICATOR_SEARCH}/"
            f"{indicator}"
        )
    got = [fetched]
    rows = _rows(records, what, seen)
    for page in range(2, pages + 1):
        more, _, recs = get_page(page)
        got.append(more)
        rows.extend(_rows(recs or [], what, seen))
    if len(rows) != total:
        raise SourceFormatError(
            f"{what}: the answer announced {total} observations over {pages} pages but held "
            f"{len(rows)}; the data changed while paging. Run again with refresh=True"
        )
    return rows, got, header


def _check_countries(df: pd.DataFrame, countries: list[str] | str, seen: set[str]) -> None:
    if countries == "all":
        return
    missing = [c for c in countries if c not in seen]
    if missing:
        warnings.warn(
            f"country codes {missing} returned no rows from the World Bank; they may be "
            f"unknown codes (the World Bank's list: {COUNTRY_LIST}). The frame holds "
            f"{sorted(set(df['country_code']))} only.",
            MissingCountryWarning,
            stacklevel=4,
        )


def _build(
    indicators: list[str],
    countries: list[str] | str,
    years: tuple[int, int] | None,
    refresh: bool,
) -> pd.DataFrame:
    base = cache.base_url(API_ENV, DEFAULT_API)
    rows: list[dict[str, Any]] = []
    fetched: list[cache.Fetched] = []
    names: dict[str, str] = {}
    sources: list[str] = []
    updated: list[str] = []
    seen: set[str] = set()
    for ind in indicators:
        got_rows, got, header = _one_indicator(base, ind, countries, years, refresh, seen)
        rows.extend(got_rows)
        fetched.extend(got)
        names[ind] = next((r["indicator_name"] for r in got_rows if r["indicator_name"]), ind)
        source = header.get("sourcename") or DEFAULT_SOURCE
        if source not in sources:
            sources.append(source)
        if header.get("lastupdated"):
            updated.append(str(header["lastupdated"]))
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    df["decimal"] = df["decimal"].astype("Int64")
    df["obs_status"] = df["obs_status"].astype(
        "string"
    )  # "str" would turn None into "None" on pandas 2
    df = df.sort_values(["indicator", "country_code", "year"], kind="stable").reset_index(drop=True)
    _check_countries(df, countries, seen)
    source_text = ", ".join(sources)
    attribution = "; ".join(
        f"The World Bank: {names[i]} ({i}), {source_text}, {LICENCE}" for i in indicators
    )
    what = ", ".join(_describe(i, countries, years) for i in indicators)
    origin = remote_origin(
        fetched,
        what=what,
        source=f"World Bank, {source_text}",
        licence=LICENCE,
        attribution=attribution,
        url=f"{INDICATOR_SEARCH}/{indicators[0]}" if len(indicators) == 1 else INDICATOR_SEARCH,
        title="; ".join(names[i] for i in indicators),
        publisher_updated=max(updated) if updated else None,
        extra={"indicators": indicators},
    )
    df.attrs["ebpm"] = {"origin": origin}
    return df


def _load(
    indicator: str | Sequence[str],
    countries: str | Sequence[str],
    years: Any,
    refresh: bool,
    columns: Iterable[str] | None,
) -> pd.DataFrame:
    indicators = _indicators(indicator)
    codes = _countries(countries)
    span = _years(years)
    parts = {
        "source": "worldbank",
        "api": cache.base_url(API_ENV, DEFAULT_API),
        "indicators": indicators,
        "countries": codes,
        "years": list(span) if span else None,
        "format": FORMAT,
    }
    return cache.cached_table(
        parts, lambda: _build(indicators, codes, span, refresh), refresh=refresh, columns=columns
    )


def worldbank(
    indicator: str | Sequence[str],
    *,
    countries: str | Sequence[str] = "all",
    years: int | tuple[int, int] | range | None = None,
    refresh: bool = False,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Download World Bank indicator(s) as a long, tidy frame with provenance.

    Parameters
    ----------
    indicator : str or list of str
        Indicator id(s), e.g. ``"NY.GDP.PCAP.CD"`` (GDP per capita, current US$) or
        ``["NY.GDP.PCAP.CD", "SP.POP.TOTL"]``; search at https://data.worldbank.org/indicator.
    countries : str or list of str
        ``"all"`` (default; countries and aggregates), one code (``"JPN"``) or several
        (``["JPN", "USA"]`` or ``"JPN;USA"``). ISO alpha-3 or alpha-2 codes and World Bank
        aggregate codes (``"WLD"``, ``"OED"``) are accepted.
    years : int, (start, end), range or None
        A year, an inclusive ``(start, end)`` pair, ``range(2000, 2021)`` or ``None`` (every
        year published).
    refresh : bool
        Download again even when cached.
    columns : list of str, optional
        Return only these columns (read from the Parquet cache).

    Returns
    -------
    pandas.DataFrame
        One row per indicator, country and year: ``country_code`` (ISO alpha-3; aggregates keep
        their World Bank id), ``country``, ``indicator``, ``indicator_name``, ``year`` (int),
        ``value`` (float, NaN where the World Bank has no value), ``obs_status``, ``decimal``.
        ``attrs["ebpm"]`` holds the provenance (request URLs, sha256, retrieval time, the
        World Bank's ``lastupdated`` as ``publisher_updated``, licence CC BY 4.0 and the
        attribution the World Bank asks for).

    Raises
    ------
    InvalidOptionError
        A malformed indicator id, country code or year range (start after end).
    SourceStatusError
        The API answered with an error (unknown indicator or country code) or with no data.
    OfflineError
        ``EBPM_OFFLINE`` is set and the data are not cached.
    RemoteError
        The API could not be reached.

    Notes
    -----
    World Bank data are licensed CC BY 4.0 (https://datacatalog.worldbank.org/public-licenses),
    except some indicators from third parties with their own terms; check the indicator's
    page before republishing. Values come as published: no scaling or gap filling.

    Examples
    --------
    >>> gdp = worldbank("NY.GDP.PCAP.CD", countries=["JPN", "USA"], years=(2000, 2020))
    ... # doctest: +SKIP
    """
    df = _load(indicator, countries, years, refresh, columns)
    params = {
        "indicator": indicator if isinstance(indicator, str) else list(indicator),
        "countries": countries if isinstance(countries, str) else list(countries),
        "years": list(span) if (span := _years(years)) else None,
    }
    return finish(df, params=params)


class WorldBankIndicator(BaseReader):
    """A World Bank indicator (or several) as a tidy frame; see :func:`worldbank`.

    Keyword arguments (the entry's ``kwargs`` and the user's parameters): ``indicator``,
    ``countries`` (default ``"all"``), ``years``, ``refresh``, ``columns``.
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas"}

    def _read(
        self,
        *,
        indicator: str | list[str],
        countries: str | list[str] = "all",
        years: Any = None,
        refresh: bool = False,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        return _load(indicator, countries, years, refresh, columns)
