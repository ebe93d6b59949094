"""The Heisei mergers as treatment: which municipalities merged since a date, and when
(:func:`mergers`), and the cohorts of a staggered evaluation (:func:`merger_cohorts`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ebpm._attrs import record as frozen
from ebpm.errors import InvalidDateError
from ebpm.japan.history.convert import codes_in_force, convert_codes
from ebpm.japan.history.record import CREDIT, _as_date, record_origin

_MERGERS = ("新設合併", "編入合併")


def mergers(*, to: Any = "latest", since: Any = "1999-04-01") -> pd.DataFrame:
    """Which municipalities of a date were formed by mergers since another date, and when.

    Parameters
    ----------
    to : date or str
        The municipalities described: those in force on ``to`` (default the end of the
        record), designated cities as one unit.
    since : date or str
        Mergers after this date count (default 1999-04-01, the start of the Heisei mergers
        平成の大合併, when Japan had 3,232 municipalities).

    Returns
    -------
    pandas.DataFrame
        One row per municipality in force on ``to``, in code order: ``code``, ``name``,
        ``pref_code``, ``merged`` (bool: a 新設合併 or 編入合併 formed or enlarged it after
        ``since``), ``n_predecessors`` (municipalities in force on ``since`` whose area it
        holds, itself included when it continued; 1 when not merged), ``n_mergers`` (distinct
        merger dates), ``first_merger`` and ``last_merger`` (dates, ``NaT`` when not merged),
        ``first_merger_fy`` (the Japanese fiscal year of the first merger, April to March;
        ``<NA>`` when not merged) and ``predecessors`` (their codes, ``;``-separated).

    Raises
    ------
    InvalidDateError
        A date is outside the record, or ``since`` is not before ``to``.
    """
    t1, t0 = _as_date(to, "to"), _as_date(since, "since")
    if t0 >= t1:
        raise InvalidDateError(
            f"since={t0.isoformat()} must be before to={t1.isoformat()}; mergers are counted "
            "between the two"
        )
    now = codes_in_force(t1, wards=False)
    xw = convert_codes(now["code"], from_date=t1, to_date=t0)
    # Plain lists, not a groupby: 1,700 small frames cost more than the work done on them.
    steps: dict[str, list[str]] = {}
    successors: dict[str, list[str]] = {}
    for code, text, pred in zip(xw["from_code"], xw["changes"], xw["to_code"], strict=True):
        steps.setdefault(code, []).append(text)
        successors.setdefault(code, [])
        if not pd.isna(pred):
            successors[code].append(pred)
    rows = []
    for code in sorted(steps):
        dates = sorted(
            {
                pd.Timestamp(step[:10])
                for text in steps[code]
                for step in text.split("; ")
                if step and step[11:] in _MERGERS
            }
        )
        preds = sorted(successors[code])
        first = dates[0] if dates else pd.NaT
        fy = first.year - (first.month < 4) if dates else pd.NA
        rows.append(
            {
                "code": code,
                "merged": bool(dates),
                "n_predecessors": len(preds),
                "n_mergers": len(dates),
                "first_merger": first,
                "last_merger": dates[-1] if dates else pd.NaT,
                "first_merger_fy": fy,
                "predecessors": ";".join(preds),
            }
        )
    out = now[["code", "name", "pref_code"]].merge(pd.DataFrame(rows), on="code", how="left")
    out["first_merger_fy"] = out["first_merger_fy"].astype("Int64")
    out.attrs["ebpm"] = frozen(
        {"origin": record_origin(), "credit": CREDIT, "since": t0.isoformat(), "to": t1.isoformat()}
    )
    return out


def merger_cohorts(
    *, to: Any = "latest", since: Any = "1999-04-01", first: int, last: int
) -> pd.DataFrame:
    """Cohorts for a staggered evaluation of mergers: each municipality's first merger year.

    Parameters
    ----------
    to : date or str
        The boundaries of the panel (its units are the municipalities in force on ``to``).
    since : date or str
        Mergers after this date count (default 1999-04-01, the start of the Heisei mergers).
    first, last : int
        The fiscal years of the mergers evaluated (e.g. 2006 and 2010).

    Returns
    -------
    pandas.DataFrame
        :func:`mergers` with two more columns: ``status`` — ``"treated"`` (first merged in a
        fiscal year from ``first`` to ``last``, and not again after ``last``),
        ``"never_merged"`` (no merger since ``since``: the comparison group),
        ``"merged_before"`` (already merged before fiscal year ``first``: treated before the
        panel can see it, so left out) or ``"merged_after"`` (a merger after fiscal year
        ``last``, left out) — and ``cohort`` (the fiscal year of the first merger for the
        treated, 0 for the never merged, ``<NA>`` for those left out).

    Raises
    ------
    InvalidDateError
        ``first`` is after ``last``, or a date is outside the record.
    """
    years_ok = all(isinstance(y, int) and not isinstance(y, bool) for y in (first, last))
    if not years_ok or first > last:
        raise InvalidDateError(
            f"first={first!r} and last={last!r} must be fiscal years with first <= last, e.g. "
            "first=2006, last=2010"
        )
    m = mergers(to=to, since=since)
    last_fy = m["last_merger"].map(lambda d: d.year - (d.month < 4) if pd.notna(d) else pd.NA)
    status = np.select(
        [
            ~m["merged"],
            m["first_merger_fy"].fillna(0).astype(int) < first,
            last_fy.fillna(0).astype(int) > last,
        ],
        ["never_merged", "merged_before", "merged_after"],
        default="treated",
    )
    m["status"] = status
    m["cohort"] = pd.array(
        [
            0 if s == "never_merged" else (int(fy) if s == "treated" else pd.NA)
            for s, fy in zip(status, m["first_merger_fy"], strict=True)
        ],
        dtype="Int64",
    )
    m.attrs = dict(m.attrs)
    m.attrs["ebpm"] = frozen({**m.attrs.get("ebpm", {}), "first": first, "last": last})
    return m
