"""Codes between two dates: the change events, the codes in force on a date, and the crosswalk
(:func:`convert_codes`) found by walking the record's edges forward or backward."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ebpm._attrs import record as frozen
from ebpm.japan.history.record import (
    CREDIT,
    _as_date,
    _code5,
    _day_before,
    _display,
    _Edge,
    _record,
    _steps,
    _version_on,
    record_origin,
)


def changes(pref: Any = None, start: Any = None, end: Any = None) -> pd.DataFrame:
    """The change events (廃置分合) of the record, as a frame.

    Parameters
    ----------
    pref : str or int, optional
        Only events in one prefecture (anything :func:`ebpm.japan.prefecture_code` accepts).
    start, end : date or str, optional
        Only events on or after ``start`` and on or before ``end``.

    Returns
    -------
    pandas.DataFrame
        One row per (event, from code, to code): ``date`` (datetime64), ``type`` (新設合併,
        編入合併, 市制施行, 町制施行, 名称変更, 政令指定都市施行, 区の新設|郡の新設, 分割, 分離,
        郡の区域変更, 沖縄返還, 北方領土, 区の再編, 郡の廃止), ``event`` (the official wording),
        ``from_code``, ``from_pref``, ``from_name``, ``to_code``, ``to_pref``, ``to_name`` and
        the county or designated city of each side (``from_county``, ``to_county``); a missing
        side is ``<NA>``. A merger of n municipalities is n rows with the same ``to_code`` and
        date.

    Raises
    ------
    InvalidDateError
        ``start`` or ``end`` is not a date in the record.
    InvalidCodeError
        ``pref`` names no prefecture.
    """
    from ebpm.japan.areas import prefecture_code, prefecture_name

    df = _record().events.copy()
    keep = pd.Series(True, index=df.index)
    if pref is not None:
        name = prefecture_name(prefecture_code(pref))
        keep &= (df["from_pref"] == name) | (df["to_pref"] == name)
    if start is not None:
        keep &= df["date"] >= _as_date(start, "start")
    if end is not None:
        keep &= df["date"] <= _as_date(end, "end")
    out = df.loc[keep].reset_index(drop=True)
    out["date"] = pd.to_datetime(out["date"])
    cols = [c for c in out.columns if c not in ("date", "type", "event")]
    out[cols] = out[cols].replace("", pd.NA)
    out.attrs["ebpm"] = frozen({"origin": record_origin(), "credit": CREDIT})
    return out


def codes_in_force(date: Any, *, wards: bool = True, pref: Any = None) -> pd.DataFrame:
    """Every municipality (and ward of a designated city) in force on a date.

    Parameters
    ----------
    date : date or str
        A date from 1970-04-01 to the end of the record (:data:`RECORD_END`), or ``"latest"``.
    wards : bool
        ``True`` (default) lists the wards of designated cities as well as the cities;
        ``False`` leaves the wards out.
    pref : str or int, optional
        Only one prefecture.

    Returns
    -------
    pandas.DataFrame
        One row per code, in code order: ``code`` (5-digit), ``lg_code`` (6-digit, with check
        digit), ``pref_code``, ``pref_name``, ``name`` (as written on that date: 札幌市, 中央区),
        ``full_name`` (a ward with its city: 札幌市中央区), ``kana``, ``county`` (郡 or 支庁 of a
        town or village), ``kind`` (designated_city, ward, special_ward, city, town, village),
        ``parent_code`` (a ward's city), ``valid_from`` and ``valid_to`` (the last day in force;
        both ``NaT`` where the record is open).

    Raises
    ------
    InvalidDateError
        The date is not in the record.

    Examples
    --------
    >>> len(codes_in_force("2006-03-31", wards=False))  # doctest: +SKIP
    1850

    (1,821 municipalities, Tokyo's 23 special wards and the 6 villages of the Northern
    Territories, which the record lists and official counts leave out.)
    """
    from ebpm.japan.areas import prefecture_code

    d = _as_date(date, "date")
    if not isinstance(wards, bool):
        from ebpm.errors import InvalidOptionError

        raise InvalidOptionError(f"wards={wards!r} must be True or False")
    pcode = prefecture_code(pref) if pref is not None else None
    out = _in_force(d, wards, pcode).copy()
    out.attrs["ebpm"] = frozen({"origin": record_origin(), "credit": CREDIT, "date": d.isoformat()})
    return out


@functools.lru_cache(maxsize=64)
def _in_force(d: date, wards: bool, pcode: str | None) -> pd.DataFrame:
    from ebpm.japan.codes import check_digit

    rows = []
    for v in _record().versions:
        if not v.in_force(d) or (not wards and v.kind == "ward"):
            continue
        if pcode is not None and not v.code.startswith(pcode):
            continue
        name, kana, group = v.name_at(d)
        ward = v.kind == "ward"
        city = _record().versions[_version_on(v.parent, d)].name_at(d)[0] if ward else ""
        rows.append(
            {
                "code": v.code,
                "lg_code": v.code + check_digit(v.code),
                "pref_code": v.code[:2],
                "pref_name": v.pref,
                "name": name,
                "full_name": city + name,
                "kana": kana or pd.NA,
                "county": group if v.kind in ("town", "village") and group else pd.NA,
                "kind": v.kind_at(d),
                "parent_code": v.parent if ward else pd.NA,
                "valid_from": pd.Timestamp(v.start) if v.start else pd.NaT,
                "valid_to": pd.Timestamp(_day_before(v.end)) if v.end else pd.NaT,
            }
        )
    return pd.DataFrame(rows, columns=_IN_FORCE_COLUMNS).sort_values("code", ignore_index=True)


_IN_FORCE_COLUMNS = [
    "code",
    "lg_code",
    "pref_code",
    "pref_name",
    "name",
    "full_name",
    "kana",
    "county",
    "kind",
    "parent_code",
    "valid_from",
    "valid_to",
]


# --- walking the record ----------------------------------------------------------------------
@functools.cache
def _adjacency(ward_level: bool, forward: bool) -> dict[int, list[_Edge]]:
    record = _record()
    adj: dict[int, list[_Edge]] = defaultdict(list)
    for e in record.ward_edges if ward_level else record.edges:
        adj[e.src if forward else e.dst].append(e)
    return dict(adj)


def _walk(vid: int, t0: date, t1: date, *, ward_level: bool) -> dict[int, set[int]]:
    """Versions in force on ``t1`` linked to ``vid`` (in force on ``t0``), with their events."""
    record = _record()
    forward = t1 >= t0
    adj = _adjacency(ward_level, forward)
    lo, hi = min(t0, t1), max(t0, t1)

    def renamed(v: int) -> set[int]:  # renames and status changes under one code in the window
        return {i for d, i in record.versions[v].renames if lo < d <= hi}

    found: dict[int, set[int]] = {}
    # (version, date reached, reached by a change on that date, events on the way). Changes on
    # one day can chain (波崎町 absorbed into 神栖町 as it became 神栖市), so a version reached by
    # a change on day D may take another change of day D; the start takes only later ones
    # (forward: the version in force on t0 already reflects t0's changes; backward: it may
    # have been created on t0).
    stack: list[tuple[int, date, bool, frozenset[int]]] = [(vid, t0, not forward, frozenset())]
    seen: set[tuple[int, date, bool, frozenset[int]]] = set()
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        node, when, same_day, path = state
        if record.versions[node].in_force(t1):
            found.setdefault(node, set()).update(path, renamed(vid), renamed(node))
        for e in adj.get(node, ()):
            if e.event in path:
                continue
            if forward and e.date <= t1 and (when < e.date or (same_day and e.date == when)):
                stack.append((e.dst, e.date, True, path | {e.event}))
            elif not forward and t1 < e.date and (e.date < when or (same_day and e.date == when)):
                stack.append((e.src, e.date, True, path | {e.event}))
    return found


def convert_codes(
    codes: Any,
    *,
    from_date: Any,
    to_date: Any,
    wards: bool = False,
    digits: int = 5,
) -> pd.DataFrame:
    """A crosswalk between the municipality codes of two dates.

    Parameters
    ----------
    codes : str, int or list-like of them
        Codes in force on ``from_date``: 5-digit JIS X 0402 codes (``"22201"``, also as ints)
        or 6-digit 全国地方公共団体コード (``"222011"``, the check digit is verified).
    from_date, to_date : date or str
        Dates in the record (1970-04-01 to :data:`RECORD_END`, or ``"latest"``). ``to_date``
        after ``from_date`` converts forward (old → new: a merged town to the municipality it
        became part of); before it, backward (a municipality to its predecessors).
    wards : bool
        ``False`` (default): a code answers at its own level: a municipality's successors or
        predecessors are municipalities, a designated city being one (its city code, 22100),
        and a ward's are wards where wards existed. ``True``: a designated city in the result
        is given as its wards instead (one row per ward).
    digits : {5, 6}
        Width of the codes returned: 5 (default) or 6 with the check digit.

    Returns
    -------
    pandas.DataFrame
        One row per (from_code, to_code) pair: ``from_code``, ``from_name`` (on ``from_date``),
        ``to_code``, ``to_name`` (on ``to_date``; missing when the place was not in the record
        on ``to_date``: Okinawa before its return on 1972-05-15, the Northern Territories'
        villages before 1983, a ward created from nothing the record names), ``n_to`` (how
        many codes ``from_code`` maps to: more than one is a split, and values must be
        allocated with weights), ``n_from`` (how many codes of the input map to this
        ``to_code``), ``changes`` (the events that link the two,
        ``"2005-04-01 政令指定都市施行; ..."``; empty when nothing changed),
        ``first_change`` and ``last_change`` (dates, ``NaT`` when nothing changed).
        ``attrs["ebpm"]`` names the record and the dates.

    Raises
    ------
    InvalidCodeError
        A code is malformed, never existed, or was not in force on ``from_date`` (the message
        gives the dates it was in force).
    InvalidDateError
        A date is outside the record.

    Notes
    -----
    A municipality absorbed (編入) into another, or merged into a new one (新設), maps forward to
    the one it became part of; backward, a municipality maps to every municipality in force on
    ``to_date`` whose area it now holds, itself included when it continued. A town absorbed
    into a ward of a designated city reaches the city at municipality level. Where the record
    says one municipality's area went to several (上九一色村 in 2006, 北区 of 浜松市 in 2024),
    the code maps to each (``n_to > 1``); the record does not say in what shares.

    Wards: the record links a ward created when its city became designated (区の新設) to the
    whole city before, without saying which predecessor became which ward. So a ward traced back
    past that date maps to every predecessor of its city (相模原市中央区 to 相模原市 and the four
    towns that in fact went into 緑区), and a city converted forward with ``wards=True`` maps to
    all its wards. A town absorbed into a named ward later maps to that ward.

    Examples
    --------
    >>> convert_codes("22382", from_date="2006-01-01", to_date="2010-01-01")  # doctest: +SKIP
      from_code from_name to_code to_name  n_to  n_from                 changes ...
    0     22382      蒲原町   22100     静岡市     1       1  2006-03-31 編入合併 ...
    """
    from ebpm.errors import InvalidCodeError, InvalidOptionError
    from ebpm.japan.codes import check_digit

    t0, t1 = _as_date(from_date, "from_date"), _as_date(to_date, "to_date")
    if digits not in (5, 6):
        raise InvalidOptionError(f"digits={digits!r} must be 5 or 6 (with the check digit)")
    if not isinstance(wards, bool):
        raise InvalidOptionError(f"wards={wards!r} must be True or False")
    if not isinstance(codes, str | int | np.integer) and not np.iterable(codes):
        raise InvalidCodeError(
            f"codes={codes!r} is not a code or a list of codes; pass a code like '22201' (or "
            "222011 with its check digit) or a list-like of them"
        )
    items = [codes] if isinstance(codes, str | int | np.integer) else list(codes)
    record = _record()
    events = record.events
    steps_of = _steps()
    rows = []
    # one answer per code, however it was written ("22201", 22201, "222011")
    unique = {_code5(c)[0]: c for c in reversed(items)}
    for code in reversed(list(unique.values())):
        vid = _version_on(code, t0)
        # a ward answers with wards; wards=True follows the record to the ward a town joined
        ward_level = wards or record.versions[vid].kind == "ward"
        found = _walk(vid, t0, t1, ward_level=ward_level)
        if wards:
            found = _expand_cities(found, t1)
        src = record.versions[vid]
        if not found:  # created after to_date from nothing in the record (沖縄返還, 北方領土)
            born = events[(events["to_code"] == src.code) & (events["date"] == src.start)]
            steps = [f"{d.isoformat()} {t}" for d, t in zip(born.date, born.type, strict=True)][:1]
            rows.append(
                {
                    "from_code": src.code,
                    "from_name": _display(src, t0),
                    "to_code": pd.NA,
                    "to_name": pd.NA,
                    "changes": "; ".join(steps),
                    "first_change": pd.Timestamp(src.start) if src.start else pd.NaT,
                    "last_change": pd.Timestamp(src.start) if src.start else pd.NaT,
                }
            )
        for dst_id, path in sorted(found.items(), key=lambda kv: record.versions[kv[0]].code):
            dst = record.versions[dst_id]
            pairs = sorted({steps_of[i] for i in path})
            steps = [f"{d.isoformat()} {t}" for d, t in pairs]
            rows.append(
                {
                    "from_code": src.code,
                    "from_name": _display(src, t0),
                    "to_code": dst.code,
                    "to_name": _display(dst, t1),
                    "changes": "; ".join(steps),
                    "first_change": pd.Timestamp(pairs[0][0]) if path else pd.NaT,
                    "last_change": pd.Timestamp(pairs[-1][0]) if path else pd.NaT,
                }
            )
    cols = ["from_code", "from_name", "to_code", "to_name", "changes", "first_change"]
    out = pd.DataFrame(rows, columns=[*cols, "last_change"])
    n_to = out.groupby("from_code")["to_code"].transform("count")
    n_from = out.groupby("to_code", dropna=False)["from_code"].transform("size")
    out.insert(4, "n_to", n_to.astype("int64"))
    out.insert(5, "n_from", n_from.where(out["to_code"].notna(), 0).astype("int64"))
    if digits == 6:
        for col in ("from_code", "to_code"):
            out[col] = [c if pd.isna(c) else c + check_digit(c) for c in out[col]]
    out.attrs["ebpm"] = frozen(
        {
            "origin": record_origin(),
            "credit": CREDIT,
            "from_date": t0.isoformat(),
            "to_date": t1.isoformat(),
            "direction": "forward" if t1 >= t0 else "backward",
        }
    )
    return out


def _expand_cities(found: dict[int, set[int]], d: date) -> dict[int, set[int]]:
    """A designated city in ``found`` replaced by its wards in force on ``d``."""
    record = _record()
    out: dict[int, set[int]] = {}
    for vid, path in found.items():
        v = record.versions[vid]
        if v.kind != "designated_city":
            out.setdefault(vid, set()).update(path)
            continue
        for w in record.versions:
            if w.kind == "ward" and w.parent == v.code and w.in_force(d):
                out.setdefault(w.id, set()).update(path)
    return out
