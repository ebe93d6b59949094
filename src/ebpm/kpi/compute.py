"""KPI follow-up: actual values per period against the straight path from baseline to target.

:func:`compute` reads each KPI's dataset from the catalog (or takes the frames given), keeps the
rows of its ``filter``, turns the ``time`` column into periods of the KPI's frequency and the
``value`` column into one number per period, and compares it with the target path:

* **target path** — the straight line from (baseline date, baseline value) to (target date,
  target value), in steps of one period. Before the baseline there is no target (NaN); after the
  target date the target value holds.
* **gap** — actual − target path.
* **status** — ``"on track"`` when the actual is at least as good as the path (``>=`` when
  higher is better, ``<=`` when lower is, allowing 1e-9 relative for rounding); ``"off track"``
  otherwise; ``"no data"`` for a period between the baseline and the latest period with a value
  that has no value; ``"before baseline"`` for values before the baseline (kept as history).

:func:`changes` compares two follow-ups (:meth:`KPIReport.to_dict`, e.g. this quarter's and the
last one's): new periods, revised values, status changes.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ebpm._format import significant
from ebpm._json import jsonable
from ebpm._lang import CHANGES, check_lang
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    InvalidDateError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    did_you_mean,
)
from ebpm.kpi.diagram import STATUSES as _STATUS_WORDS
from ebpm.kpi.model import KPI, LogicModel, parse_period, period_label
from ebpm.kpi.model._periods import period_text
from ebpm.results import ResultDisplay

__all__ = ["REPORT_VERSION", "STATUSES", "KPIReport", "changes", "compute"]

#: The status of a period (and of a KPI, its latest period's).
STATUSES: tuple[str, ...] = ("on track", "off track", "no data", "before baseline")
#: Version of the :meth:`KPIReport.to_dict` layout.
REPORT_VERSION = 1

_TIDY = ["kpi", "period", "actual", "target_path", "gap", "status", "period_start"]
_SUMMARY = [
    "kpi",
    "name",
    "node",
    "unit",
    "direction",
    "frequency",
    "baseline_period",
    "baseline_value",
    "target_period",
    "target_value",
    "latest_period",
    "latest_actual",
    "target_path",
    "gap",
    "status",
    "previous_period",
    "previous_actual",
    "change",
    "progress",
]
_REL_TOL = 1e-6  # float32 data: 1988's 90.1 is stored as 90.09999847


# --- the report ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class KPIReport(ResultDisplay):
    """The follow-up of a policy's KPIs: one table of periods and one summary per KPI.

    Build it with :func:`compute`. ``tables[kpi_id]`` is the KPI's tidy table (use
    :meth:`tidy` for all of them, a copy); ``summaries[kpi_id]`` its summary row;
    ``sources[kpi_id]`` where the data came from (dataset, parameters, sha256 of the bytes read
    when the catalog recorded it).
    """

    model: LogicModel
    tables: Mapping[str, pd.DataFrame]
    summaries: Mapping[str, dict[str, Any]]
    sources: Mapping[str, dict[str, Any]]

    def tidy(self) -> pd.DataFrame:
        """Every KPI's periods: ``kpi, period, actual, target_path, gap, status, period_start``.

        ``period`` is the period's label (``1988``, ``FY2024``, ``2024Q1``, ``2024-03``);
        ``period_start`` its first day, for plotting KPIs of different frequencies together.
        """
        frames = [self.tables[k.id] for k in self.model.kpis]
        if not frames:
            return pd.DataFrame(columns=_TIDY)
        return pd.concat(frames, ignore_index=True)

    def table(self, kpi_id: str) -> pd.DataFrame:
        """One KPI's periods (a copy of its part of :meth:`tidy`)."""
        return self.tables[self.model.kpi(kpi_id).id].copy()

    def glance(self) -> pd.DataFrame:
        """One row per KPI: where it stands at its latest period with a value.

        Columns: ``kpi, name, node, unit, direction, frequency``; ``baseline_period,
        baseline_value, target_period, target_value``; ``latest_period, latest_actual,
        target_path, gap, status`` (of the latest period with a value; status ``"no data"`` when
        there is none since the baseline); ``previous_period, previous_actual, change`` (the
        period with a value before it, and latest − previous); ``progress``, the percentage of
        the way from the baseline value to the target value (100 = target reached; negative =
        moved away from it; NaN when the target is not better than the baseline, e.g. a floor
        on a decline: "higher is better" with a target below the baseline).
        """
        return pd.DataFrame([self.summaries[k.id] for k in self.model.kpis], columns=_SUMMARY)

    def status(self, kpi_id: str) -> str:
        """The KPI's status at its latest period: ``"on track"``, ``"off track"`` or
        ``"no data"``.

        Raises
        ------
        InvalidOptionError
            The model has no KPI ``kpi_id``.
        """
        return str(self.summaries[self.model.kpi(kpi_id).id]["status"])

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able data (NaN as None), to keep beside a follow-up and compare
        with the next one through :func:`changes`."""
        kpis = {}
        for k in self.model.kpis:
            table = self.tables[k.id]
            kpis[k.id] = {
                "name": k.name,
                "name_ja": k.name_ja,
                "node": k.node,
                "unit": k.unit,
                "direction": k.direction,
                "frequency": k.frequency,
                "baseline": {"period": k.baseline.label, "value": k.baseline.value},
                "target": {"period": k.target.label, "value": k.target.value},
                "source": {
                    key: jsonable(v) for key, v in self.sources[k.id].items() if key != "provenance"
                },
                "summary": {
                    key: jsonable(v) for key, v in self.summaries[k.id].items() if key != "kpi"
                },
                "periods": [
                    {
                        "period": row.period,
                        "actual": jsonable(row.actual),
                        "target_path": jsonable(row.target_path),
                        "gap": jsonable(row.gap),
                        "status": row.status,
                    }
                    for row in table.itertuples(index=False)
                ],
            }
        return {
            "version": REPORT_VERSION,
            "policy": self.model.policy,
            "title": self.model.title,
            "kpis": kpis,
        }

    def summary(self) -> str:
        """Each KPI in one line: its status at its latest period, the target path and gap, and
        the target (the table is :meth:`glance`)."""
        lines = [f"KPI follow-up: {self.model.title} ({self.model.policy})"]
        for k in self.model.kpis:
            s = self.summaries[k.id]
            if s["latest_period"] is None:
                lines.append(f"  {k.id}: no data")
                continue
            unit = f" {k.unit}" if k.unit else ""
            where = (
                f", target path {_fmt(s['target_path'])}, gap {_fmt(s['gap'], sign=True)}"
                if not _missing(s["target_path"])
                else ""
            )
            lines.append(
                f"  {k.id}: {s['status']} at {s['latest_period']}: {_fmt(s['latest_actual'])}"
                f"{unit}{where}; target {_fmt(k.target.value)} by {k.target.label}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.glance().to_html(index=False, na_rep="–")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _fmt(value: Any, *, sign: bool = False, digits: int = 6) -> str:
    """``digits`` significant digits with thousands separators (727,277; -47,137.1; 41.6)."""
    return significant(value, digits, sign=sign)


def _fmt_pair(old: Any, new: Any) -> tuple[str, str]:
    """Two values with as many digits as it takes to tell them apart (a revision of 150,000.2
    to 150,000.4 must not read "from 150,000 to 150,000")."""
    for digits in range(6, 16):
        a, b = _fmt(old, digits=digits), _fmt(new, digits=digits)
        if a != b:
            return a, b
    return a, b


# --- reading the data ------------------------------------------------------------------------
def _dataset(model: LogicModel, kpi: KPI) -> pd.DataFrame:
    from ebpm.catalog import catalog_dir, open_catalog
    from ebpm.errors import CatalogError

    try:
        folder = catalog_dir(model.root or Path.cwd())
        return open_catalog(folder).load(kpi.source.dataset, **kpi.source.parameters)
    except CatalogError as err:
        # say which KPI of which file needs the data: several KPIs often read one table
        err.args = (f"KPI {kpi.id!r} ({model.where(kpi, 'dataset')}): {err}", *err.args[1:])
        raise


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (messages show 1970, not np.int64(1970))."""
    return value.item() if isinstance(value, np.generic) else value


def _sample(values: Any, n: int = 8) -> str:
    shown = [repr(_plain(v)) for v in list(values)[:n]]
    more = f", ... ({len(values)} values)" if len(values) > n else ""
    return "[" + ", ".join(shown) + more + "]"


def _observations(model: LogicModel, kpi: KPI, frame: pd.DataFrame, origin: str) -> pd.Series:
    """One value per period (a float Series on a PeriodIndex) from ``frame``."""
    _check_columns(model, kpi, frame, origin)
    rows = _filtered(model, kpi, frame, origin)
    value = _values(model, kpi, rows, origin)
    periods = _periods(model, kpi, rows, origin)
    return _one_per_period(model, kpi, rows, periods, value, origin)


def _check_columns(model: LogicModel, kpi: KPI, frame: pd.DataFrame, origin: str) -> None:
    """The ``filter``, ``time`` and ``value`` columns are in ``frame``, which has rows."""
    src = kpi.source
    head = f"KPI {kpi.id!r}"
    columns = [str(c) for c in frame.columns]
    wanted = [("filter", key, f"filter.{key}") for key in src.filter]
    wanted += [("time", src.time, "time"), ("value", src.value, "value")]
    missing = [(role, col, key) for role, col, key in wanted if col not in frame.columns]
    if missing:
        parts = [
            f"the {role} column {col!r} is not in {origin}.{did_you_mean(str(col), columns)}"
            for role, col, _ in missing
        ]
        fix = ", ".join(dict.fromkeys(f"`source.{role}`" for role, _, _ in missing))
        raise ColumnNotFoundError(
            f"{model.where(kpi, missing[0][2])}: {head}: {' '.join(parts)} Its columns are "
            f"{columns}. Fix {fix} in the policy file."
        )
    if frame.empty:
        raise DataError(f"{model.where(kpi)}: {head}: {origin} has no rows; check the dataset")


def _filtered(model: LogicModel, kpi: KPI, frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """The rows of ``frame`` that every ``filter`` keeps; an error when none are left."""
    head = f"KPI {kpi.id!r}"
    rows = frame
    for i, (col, want) in enumerate(kpi.source.filter.items()):
        values = want if isinstance(want, list) else [want]
        column = rows[col]
        mask = column.isin([v for v in values if v is not None])
        if any(v is None for v in values):
            mask = mask | column.isna()
        kept = rows[mask.to_numpy(dtype=bool)]
        if kept.empty:
            present = pd.unique(column.dropna())
            shown = [str(v) for v in present]
            after = " (with the filters before it)" if i else ""
            typed = ""
            for v in values:
                if v is not None and str(v) in shown and not (column == v).any():
                    typed = (
                        f" The column holds {column.dtype} values and {v!r} is a "
                        f"{type(v).__name__}; write it as the column does (quotes or none)."
                    )
                    break
            op = "is one of" if isinstance(want, list) else "=="
            raise DataError(
                f"{model.where(kpi, f'filter.{col}')}: {head}: the filter {col} {op} {want!r} "
                f"leaves no rows of {origin}{after}; {col!r} holds {_sample(present)}."
                f"{did_you_mean(str(values[0]), shown)}{typed} Fix `source.filter` in the "
                "policy file."
            )
        rows = kept
    return rows


def _values(model: LogicModel, kpi: KPI, rows: pd.DataFrame, origin: str) -> pd.Series:
    """The ``value`` column as numbers; an error when it holds anything else."""
    src = kpi.source
    value = rows[src.value]
    if pd.api.types.is_bool_dtype(value) or not pd.api.types.is_numeric_dtype(value):
        bad = [
            v
            for v in value.dropna()
            if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real)
        ]
        if bad or pd.api.types.is_bool_dtype(value):
            example = f", e.g. {bad[0]!r}" if bad else ""
            raise NonNumericError(
                f"{model.where(kpi, 'value')}: KPI {kpi.id!r}: the value column {src.value!r} "
                f"of {origin} is not numeric (dtype {value.dtype}{example}); name a column of "
                "numbers in `source.value`, or convert the column in the catalog entry"
            )
        value = value.astype(float)
    return value


def _periods(model: LogicModel, kpi: KPI, rows: pd.DataFrame, origin: str) -> pd.PeriodIndex:
    """The period of each row, at the KPI's frequency, from the ``time`` column."""
    src = kpi.source
    head = f"KPI {kpi.id!r}"
    time = rows[src.time]
    if time.isna().any():
        n = int(time.isna().sum())
        raise MissingValueError(
            f"{model.where(kpi, 'time')}: {head}: the time column {src.time!r} of {origin} is "
            f"empty in {n} of the {len(time)} rows kept; fill it in, or filter those rows out "
            "with `source.filter`"
        )
    if pd.api.types.is_datetime64_any_dtype(time):
        if time.dt.tz is not None:
            time = time.dt.tz_localize(None)
        return pd.PeriodIndex(time.dt.to_period(kpi.freq))
    mapping = {}
    for u in pd.unique(time):
        try:
            mapping[u] = parse_period(u, kpi.frequency)
        except InvalidDateError as err:
            raise InvalidDateError(
                f"{model.where(kpi, 'time')}: {head}: the time column {src.time!r} of "
                f"{origin} holds {_plain(u)!r}, which is not one {kpi.frequency} period: "
                f"{err}. "
                "Fix the data, `source.time`, or the KPI's `frequency`."
            ) from err
    return pd.PeriodIndex([mapping[v] for v in time], freq=kpi.freq)


def _one_per_period(
    model: LogicModel,
    kpi: KPI,
    rows: pd.DataFrame,
    periods: pd.PeriodIndex,
    value: pd.Series,
    origin: str,
) -> pd.Series:
    """The values by period, sorted: combined by ``aggregate``, else one row per period."""
    src = kpi.source
    obs = pd.DataFrame({"period": periods, "value": value.to_numpy(dtype=float)})
    counts = obs.groupby("period").size()
    several = counts[counts > 1]
    if len(several) and src.aggregate is None:
        first = several.index[0]
        same = rows[(periods == first)]
        varying = [
            str(c)
            for c in same.columns
            if c not in (src.time, src.value) and same[c].nunique(dropna=False) > 1
        ]
        tell = f" (columns that tell them apart: {', '.join(varying)})" if varying else ""
        others = f" and {len(several) - 1} other periods" if len(several) > 1 else ""
        raise DuplicateRowsError(
            f"{model.where(kpi)}: KPI {kpi.id!r}: {several.iloc[0]} rows of {origin} fall in "
            f"period {period_label(first)}{others}; add a `source.filter`{tell}, or set "
            "`source.aggregate: sum` or `source.aggregate: mean` to combine them"
        )
    grouped = obs.groupby("period")["value"]
    if src.aggregate == "sum":
        series = grouped.sum(min_count=1)
    elif src.aggregate == "mean":
        series = grouped.mean()
    else:
        series = obs.set_index("period")["value"]
    series.index = pd.PeriodIndex(series.index, freq=kpi.freq)
    return series.sort_index().astype(float)


# --- the follow-up table ---------------------------------------------------------------------
def _table(kpi: KPI, series: pd.Series) -> pd.DataFrame:
    valued = series.dropna()
    base, target = kpi.baseline, kpi.target
    periods = set(valued.index)
    if len(valued) and valued.index.max() >= base.period:
        periods |= set(pd.period_range(base.period, valued.index.max(), freq=kpi.freq))
    index = pd.PeriodIndex(sorted(periods), freq=kpi.freq)
    actual = valued.reindex(index).to_numpy(dtype=float)
    ordinal = np.asarray(index.asi8, dtype=float)
    b0, t0 = float(base.period.ordinal), float(target.period.ordinal)
    with np.errstate(invalid="ignore"):
        path = np.where(
            ordinal < b0,
            np.nan,
            np.where(
                ordinal >= t0,
                target.value,
                base.value + (target.value - base.value) * (ordinal - b0) / (t0 - b0),
            ),
        )
        gap = actual - path
        tol = _REL_TOL * np.maximum(1.0, np.abs(path))
        better = gap >= -tol if kpi.direction == "higher" else gap <= tol
    status = np.select(
        [ordinal < b0, np.isnan(actual), better],
        ["before baseline", "no data", "on track"],
        "off track",
    )
    return pd.DataFrame(
        {
            "kpi": kpi.id,
            "period": [period_label(p) for p in index],
            "actual": actual,
            "target_path": path,
            "gap": gap,
            "status": status.astype(object),
            "period_start": index.start_time,
        },
        columns=_TIDY,
    )


def _summarise(kpi: KPI, table: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kpi": kpi.id,
        "name": kpi.name,
        "node": kpi.node,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "frequency": kpi.frequency,
        "baseline_period": kpi.baseline.label,
        "baseline_value": kpi.baseline.value,
        "target_period": kpi.target.label,
        "target_value": kpi.target.value,
        "latest_period": None,
        "latest_actual": math.nan,
        "target_path": math.nan,
        "gap": math.nan,
        "status": "no data",
        "previous_period": None,
        "previous_actual": math.nan,
        "change": math.nan,
        "progress": math.nan,
    }
    valued = table[table["actual"].notna()]
    if valued.empty:
        return out
    latest = valued.iloc[-1]
    out.update(
        latest_period=latest["period"],
        latest_actual=float(latest["actual"]),
        target_path=float(latest["target_path"]),
        gap=float(latest["gap"]),
    )
    if latest["status"] != "before baseline":
        out["status"] = latest["status"]
        span = kpi.target.value - kpi.baseline.value
        better = span > 0 if kpi.direction == "higher" else span < 0
        if better:  # a target worse than the baseline is a floor: "the way to it" means nothing
            out["progress"] = (float(latest["actual"]) - kpi.baseline.value) / span * 100
    if len(valued) > 1:
        previous = valued.iloc[-2]
        out.update(
            previous_period=previous["period"],
            previous_actual=float(previous["actual"]),
            change=float(latest["actual"]) - float(previous["actual"]),
        )
    return out


def compute(model: LogicModel, *, data: Mapping[str, pd.DataFrame] | None = None) -> KPIReport:
    """Follow up every KPI of a logic model: actual values per period against the target path.

    Parameters
    ----------
    model : LogicModel
        From :func:`ebpm.kpi.load`.
    data : mapping of KPI id to DataFrame, optional
        Frames to use instead of the catalog, e.g. in tests or a notebook. Each goes through
        the KPI's ``filter``, ``time``, ``value`` and ``aggregate`` like the catalog entry
        would; KPIs not in the mapping are read from the catalog (the project's ``catalogs/``,
        as :func:`ebpm.kpi.load` found it). Frames are not changed.

    Returns
    -------
    KPIReport
        ``tidy()`` (one row per KPI and period), ``summary()`` (one row per KPI),
        ``status(kpi_id)``, ``to_dict()``.

    Raises
    ------
    InvalidOptionError
        ``data`` has a key that is not a KPI id of the model.
    ColumnNotFoundError
        A ``filter``, ``time`` or ``value`` column is not in the data (the message lists the
        columns there).
    DataError
        A filter leaves no rows (the message shows the values the column holds), or the data
        has no rows.
    NonNumericError
        The value column does not hold numbers.
    MissingValueError
        The time column is empty in some of the rows kept.
    InvalidDateError
        A time value is not a period of the KPI's frequency.
    DuplicateRowsError
        Several rows are left for one period and ``aggregate`` is not set.
    CatalogError
        Reading a dataset failed (not found, offline, integrity, remote errors).

    Notes
    -----
    The target path runs straight from (baseline period, baseline value) to (target period,
    target value) in steps of one period: at period *p* it is
    ``baseline + (target − baseline) · (p − p_baseline) / (p_target − p_baseline)``. It is NaN
    before the baseline and the target value after the target period. A period is on track when
    its actual is at least as good as the path (by ``direction``). Periods between the baseline
    and the latest period with a value that have no value are "no data"; values before the
    baseline are kept as history with status "before baseline".
    """
    given = dict(data or {})
    ids = [k.id for k in model.kpis]
    for key, frame in given.items():
        if key not in ids:
            raise InvalidOptionError(
                f"data has {key!r}, which is not a KPI of policy {model.policy!r}."
                f"{did_you_mean(str(key), ids)} KPIs: {', '.join(ids) or 'none'}. Key the "
                "frames by KPI id."
            )
        if not isinstance(frame, pd.DataFrame):
            raise DataError(
                f"data[{key!r}] is a {type(frame).__name__}, not a pandas DataFrame; pass the "
                "table the KPI's `source` describes"
            )
    tables: dict[str, pd.DataFrame] = {}
    summaries: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, Any]] = {}
    for kpi in model.kpis:
        if kpi.id in given:
            frame = given[kpi.id]
            origin = f"the data given for KPI {kpi.id!r}"
            sources[kpi.id] = {"dataset": None, "given": True}
        else:
            frame = _dataset(model, kpi)
            origin = f"dataset {kpi.source.dataset!r}"
            prov = dict(getattr(frame, "attrs", {}).get("ebpm", {}))
            sources[kpi.id] = {
                "dataset": kpi.source.dataset,
                "parameters": dict(kpi.source.parameters),
                "sha256": prov.get("sha256"),
                "provenance": prov,  # the catalog's record, for the report's footer
            }
        series = _observations(model, kpi, frame, origin)
        tables[kpi.id] = _table(kpi, series)
        summaries[kpi.id] = _summarise(kpi, tables[kpi.id])
    return KPIReport(model=model, tables=tables, summaries=summaries, sources=sources)


# --- comparing follow-ups --------------------------------------------------------------------
def _check_report(report: Any, name: str) -> dict[str, Any]:
    if not isinstance(report, Mapping) or not isinstance(report.get("kpis"), Mapping):
        raise DataError(
            f"`{name}` is not a KPIReport.to_dict() result (it has no 'kpis' mapping); pass what "
            "KPIReport.to_dict() returned, or its JSON read back"
        )
    version = report.get("version", REPORT_VERSION)
    if version != REPORT_VERSION:
        raise DataError(
            f"`{name}` has report layout version {version!r}; this ebpm reads version "
            f"{REPORT_VERSION}. Compute the report again with this version."
        )
    return dict(report)


def _same(a: Any, b: Any) -> bool:
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    return math.isclose(float(a), float(b), rel_tol=_REL_TOL, abs_tol=1e-12)


#: The sentences of :func:`changes`, in English and Japanese.
_SAY = CHANGES


def _change(kpi: str, kind: str, period: Any, previous: Any, current: Any, message: str) -> dict:
    return {
        "kpi": kpi,
        "change": kind,
        "period": period,
        "previous": previous,
        "current": current,
        "message": message,
    }


def changes(
    current: Mapping[str, Any], previous: Mapping[str, Any] | None, *, lang: str = "en"
) -> list[dict]:
    """What changed since the last follow-up.

    Parameters
    ----------
    current, previous : dict
        Two :meth:`KPIReport.to_dict` results (or their JSON read back), this follow-up and the
        last one. ``previous=None`` (a first follow-up) compares with an empty report.
    lang : {"en", "ja"}
        Language of the messages. English ones start with the KPI's id
        (``"sales_per_capita: 1994: revised from 58.6 to 60"``), Japanese ones with its
        Japanese name (``name_ja``, else its name).

    Returns
    -------
    list of dict
        One per change, with keys ``kpi``, ``change``, ``period``, ``previous``, ``current``
        and ``message`` (a sentence). ``change`` is one of

        * ``"new kpi"`` / ``"removed kpi"`` — a KPI appeared or went (period None);
        * ``"target"`` — the baseline or target changed (previous/current: both, as text);
        * ``"new period"`` — a period has a value now and had none (or was not there);
        * ``"revised"`` — a period's value changed (previous/current: the values);
        * ``"removed period"`` — a period had a value and has none now;
        * ``"status"`` — the KPI's status changed (previous/current: the statuses; period: the
          latest period now).

        Ordered by KPI (this follow-up's order, then removed ones), then as listed above.

    Raises
    ------
    DataError
        An argument is not a ``to_dict()`` result, or the two are of different policies.
    InvalidOptionError
        ``lang`` is not "en" or "ja".
    """
    say = _SAY[check_lang(lang)]
    cur = _check_report(current, "current")
    prev = (
        _check_report(previous, "previous")
        if previous is not None
        else {"policy": cur.get("policy"), "kpis": {}}
    )
    if cur.get("policy") != prev.get("policy"):
        raise DataError(
            f"the follow-ups are of different policies ({prev.get('policy')!r} before, "
            f"{cur.get('policy')!r} now); compare reports of the same policy"
        )
    out: list[dict] = []
    cur_kpis, prev_kpis = cur["kpis"], prev["kpis"]
    for kpi_id, now in cur_kpis.items():
        out.extend(_kpi_changes(kpi_id, now, prev_kpis.get(kpi_id), say, lang))
    for kpi_id, before in prev_kpis.items():
        if kpi_id not in cur_kpis:
            name = _kpi_name(kpi_id, before, lang)
            out.append(
                _change(
                    kpi_id,
                    "removed kpi",
                    None,
                    before.get("name"),
                    None,
                    say["kpi"].format(kpi=name, message=say["removed kpi"]),
                )
            )
    return out


#: A change of one KPI before it is named: (change, period, previous, current, message).
_Found = tuple[str, Any, Any, Any, str]


def _kpi_name(kpi_id: str, kpi: Mapping[str, Any], lang: str) -> str:
    """How messages name a KPI: its id, in Japanese its Japanese name (else its name)."""
    return (kpi.get("name_ja") or kpi.get("name") or kpi_id) if lang == "ja" else kpi_id


def _kpi_changes(
    kpi_id: str, now: Mapping[str, Any], before: Any, say: dict[str, str], lang: str
) -> list[dict]:
    """What changed for one KPI of this follow-up (``before``: the last one's, or None)."""
    found: list[_Found] = []
    if before is None:
        valued = [p for p in now.get("periods", []) if not _missing(p.get("actual"))]
        found.append(("new kpi", None, None, now.get("name"), say["new kpi"].format(n=len(valued))))
        before = {"periods": [], "summary": {}}
    else:
        found += _target_changes(before, now, say)
    found += _period_changes(before, now, say)
    found += _status_change(before, now, say, lang)
    name = _kpi_name(kpi_id, now, lang)
    if lang == "ja":  # fiscal years as Japanese readers name them: 2024年度（令和6年度）
        found = [
            (k, p, o, n, _FY.sub(lambda m: period_text(m.group(0), "ja"), msg))
            for k, p, o, n, msg in found
        ]
    return [
        _change(kpi_id, kind, period, old, new, say["kpi"].format(kpi=name, message=message))
        for kind, period, old, new, message in found
    ]


#: A fiscal-year label in a message (``FY2024``).
_FY = re.compile(r"\bFY\d{4}\b")


def _target_changes(
    before: Mapping[str, Any], now: Mapping[str, Any], say: dict[str, str]
) -> list[_Found]:
    """A changed baseline or target, each as text (value and period)."""
    found: list[_Found] = []
    for key in ("baseline", "target"):
        old, new = before.get(key) or {}, now.get(key) or {}
        if old.get("period") != new.get("period") or not _same(old.get("value"), new.get("value")):
            old_text = say["at"].format(value=_fmt(old.get("value")), period=old.get("period"))
            new_text = say["at"].format(value=_fmt(new.get("value")), period=new.get("period"))
            what = say[key]
            found.append(
                (
                    "target",
                    None,
                    {key: old_text},
                    {key: new_text},
                    say["target changed"].format(what=what, old=old_text, new=new_text),
                )
            )
    return found


def _period_changes(
    before: Mapping[str, Any], now: Mapping[str, Any], say: dict[str, str]
) -> list[_Found]:
    """New, revised and removed values, period by period, then periods gone from the table."""
    found: list[_Found] = []
    old_periods = {p["period"]: p for p in before.get("periods", [])}
    for p in now.get("periods", []):
        label, value = p["period"], p.get("actual")
        old = old_periods.pop(label, None)
        old_value = None if old is None else old.get("actual")
        if _missing(old_value) and not _missing(value):
            message = say["new period"].format(period=label, value=_fmt(value))
            found.append(("new period", label, None, value, message))
        elif not _missing(old_value) and _missing(value):
            message = say["removed period"].format(period=label, value=_fmt(old_value))
            found.append(("removed period", label, old_value, None, message))
        elif not _same(old_value, value):
            a, b = _fmt_pair(old_value, value)
            message = say["revised"].format(period=label, old=a, new=b)
            found.append(("revised", label, old_value, value, message))
    for label, old in old_periods.items():  # periods no longer in the table at all
        if not _missing(old.get("actual")):
            message = say["removed period"].format(period=label, value=_fmt(old.get("actual")))
            found.append(("removed period", label, old.get("actual"), None, message))
    return found


def _status_change(
    before: Mapping[str, Any], now: Mapping[str, Any], say: dict[str, str], lang: str
) -> list[_Found]:
    """The KPI's status, when it changed, named as the diagram names it."""
    old_status = (before.get("summary") or {}).get("status")
    new_status = (now.get("summary") or {}).get("status")
    if old_status is None or old_status == new_status:
        return []
    latest = (now.get("summary") or {}).get("latest_period")
    message = say["status"].format(
        old=_status_word(old_status, lang), new=_status_word(new_status, lang)
    ) + (say["latest"].format(period=latest) if latest else "")
    return [("status", latest, old_status, new_status, message)]


def _status_word(value: Any, lang: str) -> str:
    """A status as the diagram names it (in Japanese, its Japanese name)."""
    return _STATUS_WORDS.get(value, ("", str(value)))[1] if lang == "ja" else str(value)
