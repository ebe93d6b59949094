"""Municipality codes through time: the national record of municipal changes since 1970.

A municipality code means a different place before and after a merger (平成の大合併 took Japan
from 3,232 municipalities in 1999 to 1,718 in 2014), so every year-to-year join of municipal
data breaks on it. This module replays the record of every change (廃置分合) since 1 April 1970
and answers, for any two dates in the record:

* :func:`codes_in_force` — every municipality on a date, with its name and prefecture;
* :func:`changes` — the change events, as a frame;
* :func:`convert_codes` — a crosswalk between the codes of one date and those of another,
  forward (old → new) or backward (new → its predecessors), with the events that link them;
* :func:`municipality_code` — a name as it was on a date → its code.

The record
    総務省統計局 / e-Stat「市区町村を探す」廃置分合等情報, as processed by the R package
    jpcity 0.3.0 (MIT licence), converted to CSV without changing values and shipped in
    ``ebpm/data/japan/`` with pinned sha256 hashes (a changed file raises
    :class:`~ebpm.errors.IntegrityError`). Licence 政府標準利用規約（第2.0版）, compatible with
    CC BY 4.0; credit line :data:`CREDIT`. It starts from the codes in force on 1970-04-01
    and holds 2,803 events to 2024-01-01.

How the record is read
    Each code *version* is one place in force over an interval: a merger that creates a new
    municipality (新設合併) ends the old versions and starts a new one, even when the new
    municipality reuses an old code (静岡市 22201 in 2003); an absorption (編入合併) ends the
    absorbed versions and the absorbing one continues; a town becoming a city under the same code
    (市制施行, 町制施行) or a rename keeps its version. Designated cities (政令指定都市) have a
    city code (22100) and ward codes (22101 ...); a change at ward level (a town absorbed into a
    ward, a ward split off) reaches the city at municipality level.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import InvalidCodeError, InvalidDateError, SourceFormatError, did_you_mean

__all__ = [
    "CREDIT",
    "RECORD_END",
    "RECORD_START",
    "changes",
    "codes_in_force",
    "convert_codes",
    "merger_cohorts",
    "mergers",
    "municipality_code",
    "record_origin",
]

logger = logging.getLogger(__name__)

RECORD_START = date(1970, 4, 1)
"""The record's first date: the codes in force on 1 April 1970."""
RECORD_END = date(2024, 1, 1)
"""The record's last event (浜松市's wards reorganised); later dates are not covered."""
CREDIT = "出典：政府統計の総合窓口(e-Stat)（https://www.e-stat.go.jp/）市区町村を探す"
"""The credit line the publisher asks for."""

_DIR = "data/japan/municipal_changes"
_PINS = {  # sha256 of the shipped files; a mismatch raises IntegrityError
    "codes_in_force_1970.csv": "a62519b89539a088ac8f19caec119ac7ae23923207d38d4e3b4686fc0e0a5d73",
    "codes_in_force_latest.csv": "1bac41daecfb636ae3165c4609e71e4f2210fd86c54b94bad80078648a9a9a65",
    "municipal_changes.csv": "7ab1e71626846ae1af74bd83f55994d4bbc5cf316b471362839c193cbb628486",
}
# Changes that keep a municipality's version when its code stays: same place, new name or status.
_IN_PLACE = {"名称変更", "市制施行", "町制施行", "郡の区域変更"}
_ABSORB = "編入合併"
_BRANCH = "分離"  # a ward splits off part of another, which continues
_NEW_WARDS = "区の新設|郡の新設"
_DESIGNATE = "政令指定都市施行"
_SKIP = {"郡の廃止"}  # a county code, not a municipality


# --- reading the record --------------------------------------------------------------------
@functools.cache
def _read(name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    from ebpm._package_data import package_file

    f = package_file("ebpm", f"{_DIR}/{name}", sha256=_PINS[name])
    origin = {"kind": "package", **{k: v for k, v in f.items() if k != "bytes"}}
    return pd.read_csv(io.BytesIO(f["bytes"]), dtype=str, keep_default_na=False), origin


def record_origin() -> list[dict[str, Any]]:
    """Provenance of the change record: one dict per file (path, sha256, package version)."""
    return [_read(name)[1] for name in _PINS]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _kind(code: str, name: str, group: str) -> str:
    """designated_city, ward, special_ward, city, town, village or county."""
    if not name:
        return "designated_city" if code[2] == "1" else "county"
    if code[2] == "1":
        return "special_ward" if code.startswith("131") and not group else "ward"
    return {"市": "city", "町": "town", "村": "village", "区": "ward"}.get(name[-1], "town")


@dataclass
class _Version:
    """One code in force over [start, end): a place with its names through time."""

    id: int
    code: str
    pref: str
    kind: str
    start: date | None  # None: in force on RECORD_START
    end: date | None = None  # exclusive; None: in force at the end of the record
    names: list[tuple[date | None, str, str, str]] = field(default_factory=list)
    parent: str | None = None  # a ward's designated-city code
    renames: list[tuple[date, int]] = field(default_factory=list)  # in-place changes, event row

    def in_force(self, d: date) -> bool:
        return (self.start is None or self.start <= d) and (self.end is None or d < self.end)

    def kind_at(self, d: date | None) -> str:
        """The kind on ``d``: a village that became a town (町制施行) kept its version."""
        if self.kind not in ("city", "town", "village"):
            return self.kind
        name = self.name_at(d)[0]
        return {"市": "city", "町": "town", "村": "village"}.get(name[-1:], self.kind)

    def name_at(self, d: date | None) -> tuple[str, str, str]:
        """(name, kana, group) on ``d``: group is the county, or a ward's designated city."""
        chosen = self.names[0]
        for entry in self.names:
            if d is None or entry[0] is None or entry[0] <= d:
                chosen = entry
        return chosen[1], chosen[2], chosen[3]


@dataclass(frozen=True)
class _Edge:
    src: int
    dst: int
    date: date
    event: int  # row of the events frame


@dataclass
class _Record:
    versions: list[_Version]
    events: pd.DataFrame
    edges: list[_Edge]  # municipality level (wards lifted to their city)
    ward_edges: list[_Edge]  # ward level
    by_code: dict[str, list[int]]  # code → version ids, in time order


def _to_date(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()


@functools.cache
def _record() -> _Record:
    start, _ = _read("codes_in_force_1970.csv")
    events, _ = _read("municipal_changes.csv")
    events = events.drop_duplicates(["date", "type", "from_code", "to_code"], ignore_index=True)
    events["date"] = pd.to_datetime(events["date"]).dt.date
    versions: list[_Version] = []
    current: dict[str, int] = {}
    city_of: dict[tuple[str, str], str] = {}  # (pref, designated-city name) → its code

    def new(code: str, pref: str, name: str, kana: str, group: str, when: date | None) -> int:
        kind = _kind(code, name, group)
        display = group if kind == "designated_city" else name
        v = _Version(len(versions), code, pref, kind, when, names=[(when, display, kana, group)])
        if kind == "designated_city":
            v.names = [(when, group, "", "")]
            city_of[(pref, group)] = code
        versions.append(v)
        return v.id

    for row in start.itertuples(index=False):
        kind = _kind(row.city_code, row.city_name, row.city_desig_name)
        if kind == "county" or row.city_code == "13100":
            continue  # counties, and 特別区部 (the 23 special wards as one statistical area)
        vid = new(
            row.city_code,
            row.pref_name,
            row.city_name,
            row.city_name_kana,
            row.city_desig_name,
            None,
        )
        current[row.city_code] = vid
    for v in versions:  # wards of the designated cities of 1970
        if v.kind == "ward":
            v.parent = city_of.get((v.pref, v.name_at(None)[2]))

    raw: list[_Edge] = []
    for when, rows in events.groupby("date", sort=True):
        before = dict(current)
        created: dict[str, int] = {}
        ending: set[str] = set()
        designations: dict[tuple[str, str], int] = {}  # (pref, city name) → predecessor version
        for i, r in rows.iterrows():
            if (
                r["type"] in _SKIP
                or _kind(r["from_code"] or r["to_code"], r["from_name"] or r["to_name"], "x")
                == "county"
            ):
                continue  # a county (郡) renamed or abolished: no municipality changes
            src = None
            if not _blank(r["from_code"]) and _blank(r["from_name"]) and r["to_name"]:
                # a few county moves name the county as the from side; the wording has the town
                r = r.copy()
                r["from_code"] = _from_in_wording(r["event"], r["to_code"]) or r["from_code"]
            if r["type"] == "郡の区域変更" and _from_in_wording(r["event"], r["to_code"]) not in (
                None,
                r["from_code"],
            ):
                continue  # the source pairs every town with every town of a moved group
            if not _blank(r["from_code"]):
                src = before.get(r["from_code"], created.get(r["from_code"]))
                if src is None:
                    raise SourceFormatError(
                        f"the change record is inconsistent: {r['from_code']} changes on {when} "
                        "but is not in force then; the shipped file may be damaged"
                    )
            to = r["to_code"]
            if r["type"] in _IN_PLACE and src is not None and r["from_code"] == to:
                versions[src].names.append((when, r["to_name"], r["to_kana"], r["to_county"]))
                versions[src].renames.append((when, i))
                continue
            if r["type"] == _ABSORB:
                dst = created.get(to, before.get(to))
                if dst is None:
                    raise SourceFormatError(
                        f"the change record is inconsistent: {to} absorbs on {when} but is not "
                        "in force then; the shipped file may be damaged"
                    )
            else:
                if to not in created:
                    created[to] = new(
                        to, r["to_pref"], r["to_name"], r["to_kana"], r["to_county"], when
                    )
                dst = created[to]
            if src is not None:
                raw.append(_Edge(src, dst, when, i))
                if r["type"] != _BRANCH:
                    ending.add(r["from_code"])
                if r["type"] == _DESIGNATE:
                    designations[(r["to_pref"], r["to_county"])] = src
        for code in ending:
            ended = before.get(code)
            if ended is not None and versions[ended].end is None:
                versions[ended].end = when
                if current.get(code) == ended:
                    del current[code]
        for code, vid in created.items():
            old = current.get(code)
            if old is not None and old != vid and versions[old].end is None:
                versions[old].end = when
            current[code] = vid
        for vid in created.values():  # a new ward's city (created on this date, or before)
            ward = versions[vid]
            if ward.kind == "ward":
                ward.parent = city_of.get((ward.pref, ward.names[0][3]))
        for i, r in rows.iterrows():  # where a new ward came from
            if r["type"] != _NEW_WARDS or r["to_code"] not in created:
                continue  # not a new ward, or a new county (郡の新設)
            ward = versions[created[r["to_code"]]]
            pred = designations.get((r["to_pref"], r["to_county"]))
            if r["type"] == _NEW_WARDS and pred is not None:
                raw.append(_Edge(pred, ward.id, when, i))
            elif r["type"] == _NEW_WARDS and ward.parent in before:
                raw.append(_Edge(before[ward.parent], ward.id, when, i))

    by_code: dict[str, list[int]] = defaultdict(list)
    for v in versions:
        by_code[v.code].append(v.id)
    record = _Record(versions, events, [], raw, dict(by_code))
    record.edges = _lift(record, raw)
    return record


def _from_in_wording(event: str, to_code: str) -> str | None:
    """The from code paired with ``to_code`` in "A(1)、B(2)がC(3)、D(4)に..." wording."""
    left, _, right = event.partition("が")
    froms, tos = re.findall(r"\(([0-9]{5})\)", left), re.findall(r"\(([0-9]{5})\)", right)
    if to_code in tos and len(froms) == len(tos):
        return froms[tos.index(to_code)]
    return None


def _lift(record: _Record, raw: list[_Edge]) -> list[_Edge]:
    """Edges at municipality level: a ward stands for its designated city."""

    def up(vid: int, d: date) -> int:
        v = record.versions[vid]
        if v.kind != "ward" or v.parent is None:
            return vid
        for cid in record.by_code.get(v.parent, []):
            if record.versions[cid].in_force(d):
                return cid
        return vid

    lifted: dict[tuple[int, int, date], _Edge] = {}
    for e in raw:
        src_v = record.versions[e.src]
        # the version a ward belonged to just before the change (its city was in force then)
        src = up(e.src, src_v.end if src_v.end and src_v.end <= e.date else e.date)
        if src_v.kind == "ward" and src == e.src:
            src = up(e.src, _day_before(e.date))
        dst = up(e.dst, e.date)
        if src != dst and record.versions[dst].kind != "ward":
            lifted.setdefault((src, dst, e.date), _Edge(src, dst, e.date, e.event))
    return list(lifted.values())


def _day_before(d: date) -> date:
    return date.fromordinal(d.toordinal() - 1)


# --- dates and codes -------------------------------------------------------------------------
def _as_date(value: Any, what: str) -> date:
    if isinstance(value, str) and value.strip().lower() == "latest":
        return RECORD_END
    try:
        if isinstance(value, datetime | pd.Timestamp):
            d = value.date()
        elif isinstance(value, date):
            d = value
        elif isinstance(value, np.datetime64):
            d = pd.Timestamp(value).date()
        elif isinstance(value, str):
            d = pd.Timestamp(value.strip()).date()
        else:
            raise TypeError
    except (TypeError, ValueError) as err:
        raise InvalidDateError(
            f"{what}={value!r} is not a date; pass one like '2006-04-01' (or 'latest')"
        ) from err
    if pd.isna(pd.Timestamp(d)):
        raise InvalidDateError(f"{what}={value!r} is missing; pass a date like '2006-04-01'")
    if d < RECORD_START:
        raise InvalidDateError(
            f"{what}={d.isoformat()} is before the record of municipal changes, which starts "
            f"with the codes in force on {RECORD_START.isoformat()}; pass a date on or after it"
        )
    if d > RECORD_END:
        raise InvalidDateError(
            f"{what}={d.isoformat()} is after the record of municipal changes, whose last event "
            f"is on {RECORD_END.isoformat()}; pass a date up to it, or 'latest'"
        )
    return d


def _code5(code: Any) -> tuple[str, Any]:
    if isinstance(code, str):
        return _code5_text(code), code
    return _code5_any(code), code


@functools.lru_cache(maxsize=65536)
def _code5_text(code: str) -> str:
    return _code5_any(code)


def _code5_any(code: Any) -> str:
    from ebpm.japan.codes import normalize_code

    if isinstance(code, str) and re.fullmatch(r"\s*[0-9]{6}\s*", code):
        return normalize_code(code.strip())  # 6 digits: the check digit is verified
    return normalize_code(code, level="municipality")


def _intervals(vids: Iterable[int]) -> str:
    parts = []
    for vid in vids:
        v = _record().versions[vid]
        name = v.name_at(v.end and _day_before(v.end))[0]
        a = (v.start or RECORD_START).isoformat()
        b = f"until {_day_before(v.end).isoformat()}" if v.end else "to the end of the record"
        parts.append(f"{name} from {a}{' (or earlier)' if v.start is None else ''} {b}")
    return "; ".join(parts)


def _version_on(code: Any, d: date) -> int:
    code5, original = _code5(code)
    record = _record()
    vids = record.by_code.get(code5)
    if not vids:
        pref = code5[:2]
        nearby = [
            c
            for c, ids in record.by_code.items()
            if c.startswith(pref) and any(record.versions[i].in_force(d) for i in ids)
        ]
        raise InvalidCodeError(
            f"code {original!r} is not in the record of municipal changes since 1970: no "
            f"municipality or ward ever had it.{did_you_mean(code5, nearby)} Check the code "
            "(5 digits, or 6 with its check digit)"
        )
    for vid in vids:
        if record.versions[vid].in_force(d):
            return vid
    raise InvalidCodeError(
        f"code {original!r} was not in force on {d.isoformat()}: {_intervals(vids)}. Pass a "
        "date when it was in force, or the code in force on that date"
    )


# --- public functions ------------------------------------------------------------------------
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
    out.attrs["ebpm"] = {"origin": record_origin(), "credit": CREDIT}
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
    out.attrs["ebpm"] = {"origin": record_origin(), "credit": CREDIT, "date": d.isoformat()}
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
    from ebpm.errors import InvalidOptionError
    from ebpm.japan.codes import check_digit

    t0, t1 = _as_date(from_date, "from_date"), _as_date(to_date, "to_date")
    if digits not in (5, 6):
        raise InvalidOptionError(f"digits={digits!r} must be 5 or 6 (with the check digit)")
    if not isinstance(wards, bool):
        raise InvalidOptionError(f"wards={wards!r} must be True or False")
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
    out.attrs["ebpm"] = {
        "origin": record_origin(),
        "credit": CREDIT,
        "from_date": t0.isoformat(),
        "to_date": t1.isoformat(),
        "direction": "forward" if t1 >= t0 else "backward",
    }
    return out


@functools.cache
def _steps() -> dict[int, tuple[date, str]]:
    """Event row → (date, type)."""
    ev = _record().events
    return dict(zip(ev.index, zip(ev["date"], ev["type"], strict=True), strict=True))


def _display(v: _Version, d: date) -> str:
    """Name on ``d``; a ward with its city (札幌市中央区)."""
    name = v.name_at(d)[0]
    if v.kind == "ward" and v.parent:
        for cid in _record().by_code.get(v.parent, []):
            city = _record().versions[cid]
            if city.in_force(d) or city.end == d:
                return city.name_at(d)[0] + name
    return name


def _county(v: _Version, d: date) -> str:
    """The county (郡) of a town or village on ``d``, else ""."""
    group = v.name_at(d)[2]
    return group if group and v.kind_at(d) in ("town", "village") else ""


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


# --- names -----------------------------------------------------------------------------------
# Old (旧字体) and variant forms of kanji found in municipal names, folded to one form; small
# kana written large (ヶ/ケ/が are one name in official usage: 市ヶ谷, 市ケ谷).
_VARIANTS = str.maketrans(
    {
        "ヶ": "ケ",
        "ヵ": "カ",
        "が": "ケ",
        "檮": "梼",
        "檜": "桧",
        "曾": "曽",
        "澤": "沢",
        "濱": "浜",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斉",
        "龍": "竜",
        "嶋": "島",
        "嶌": "島",
        "德": "徳",
        "眞": "真",
        "條": "条",
        "國": "国",
        "廣": "広",
        "當": "当",
        "藏": "蔵",
        "櫻": "桜",
        "冨": "富",
        "舘": "館",
        "萬": "万",
        "壽": "寿",
        "禮": "礼",
        "惠": "恵",
        "﨑": "崎",
        "嵜": "崎",
        "碕": "崎",
        "髙": "高",
        "淵": "渕",
        "會": "会",
        "驒": "騨",
    }
)
_SUFFIX = re.compile(r"(市|区|町|村)$")
_KANA_SUFFIX = re.compile(r"(し|く|まち|ちょう|むら|そん)$")


def _fold(text: str) -> str:
    """NFKC, no spaces, katakana → hiragana, variant kanji folded."""
    from ebpm.japan.romaji import _to_hiragana

    text = re.sub(r"[\s\u3000・･]+", "", unicodedata.normalize("NFKC", str(text)))
    return _to_hiragana(text.translate(_VARIANTS)).translate(_VARIANTS)


@functools.cache
def _names_on(d: date) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Folded names (kanji, kana; a ward with its city) → versions in force on ``d``, and the
    same without the suffix (市, 区, 町, 村) for names given without one."""
    record = _record()
    full: dict[str, list[int]] = defaultdict(list)
    stems: dict[str, list[int]] = defaultdict(list)
    for v in record.versions:
        if not v.in_force(d):
            continue
        name, kana, group = v.name_at(d)
        if v.kind == "ward":
            name, kana = _display(v, d), ""  # a ward only with its city: 中央区 is not unique
        county = _fold(group + name) if group and v.kind_at(d) in ("town", "village") else ""
        for index, keys in (
            (full, {_fold(name), _fold(kana), county}),
            (stems, {_fold(_SUFFIX.sub("", name)), _fold(_KANA_SUFFIX.sub("", kana))}),
        ):
            for key in keys:
                if key and v.id not in index[key]:
                    index[key].append(v.id)
    return dict(full), dict(stems)


def _pref_code(pref: Any) -> str:
    """prefecture_code, cached for the names and numbers a loop over a table repeats."""
    from ebpm.japan.areas import prefecture_code

    if isinstance(pref, str | int) and not isinstance(pref, bool):
        return _pref_code_cached(pref)
    return prefecture_code(pref)


@functools.lru_cache(maxsize=512)
def _pref_code_cached(pref: str | int) -> str:
    from ebpm.japan.areas import prefecture_code

    return prefecture_code(pref)


def municipality_code(
    name: str, *, pref: Any = None, date: Any = None, prefecture: Any = None
) -> str:
    """The 5-digit code of a municipality, by its name as it was on a date.

    Parameters
    ----------
    name : str
        The name as written on ``date``: kanji with or without the suffix (``"平泉町"``,
        ``"平泉"``), hiragana or katakana (``"ひらいずみちょう"``), old or new kanji forms
        (``"龍ケ崎市"``/``"竜ヶ崎市"``) and ヶ/ケ/が alike; a ward with its city
        (``"札幌市中央区"``). Without ``date``, also the romaji of
        :func:`ebpm.japan.municipalities` (today's names only).
    pref : str or int, optional
        The prefecture (code or name); needed when the name is not unique (府中市, 伊達市).
    date : date or str, optional
        The date the name is read on (1970-04-01 to :data:`RECORD_END`). Without it, today's
        municipalities are searched.
    prefecture : str or int, optional
        Old name of ``pref``, kept for one release.

    Returns
    -------
    str
        The 5-digit code in force on ``date`` under that name.

    Raises
    ------
    InvalidCodeError
        No municipality had the name on that date (close names are suggested, and a
        municipality that had it on another date is named), or several did (the candidates are
        listed: pass ``pref=``).
    InvalidDateError
        ``date`` is outside the record.
    """
    from ebpm.japan.areas import prefecture_name

    if pref is None:
        pref = prefecture
    if date is None:
        from ebpm.japan.areas import _municipality_code_today

        return _municipality_code_today(name, prefecture=pref)
    if not isinstance(name, str) or not name.strip():
        raise InvalidCodeError(
            f"municipality name {name!r} is not a name; pass one like '平泉町' (or use "
            "convert_codes for codes)"
        )
    d = _as_date(date, "date")
    pcode = _pref_code(pref) if pref is not None else None
    record = _record()
    full, stems = _names_on(d)
    key = _fold(name)
    hits = full.get(key, [])
    if not hits and not _SUFFIX.search(name.strip()):  # 平泉 for 平泉町; 那珂川市 is not 那珂川町
        hits = stems.get(key, [])
    hits = [h for h in hits if pcode is None or record.versions[h].code.startswith(pcode)]
    hits = list(dict.fromkeys(hits))
    where = f" in {prefecture_name(pcode)}" if pcode else ""
    if len(hits) == 1:
        return record.versions[hits[0]].code
    if len(hits) > 1:
        found = [record.versions[h] for h in hits]
        listing = ", ".join(f"{v.code} {v.pref}{_county(v, d)}{_display(v, d)}" for v in found)
        fix = (
            "pass pref= (--pref on the command line) to choose one"
            if len({v.pref for v in found}) > 1
            else "write the county with the name (e.g. "
            f"{_county(found[0], d) + _display(found[0], d)!r}) or use the code"
        )
        raise InvalidCodeError(
            f"{len(hits)} municipalities were named {name!r}{where} on {d.isoformat()} "
            f"({listing}); {fix}"
        )
    in_pref = [
        v for v in record.versions if v.in_force(d) and (pcode is None or v.code.startswith(pcode))
    ]
    names = [_display(v, d) for v in in_pref]
    other = [
        v
        for v in record.versions
        if (pcode is None or v.code.startswith(pcode))
        and any(_fold(n[1]) == key or _fold(_SUFFIX.sub("", n[1])) == key for n in v.names)
    ]
    wards_now = [v for v in other if v.kind == "ward" and v.in_force(d)]
    if wards_now:
        listing = ", ".join(f"{v.code} {_display(v, d)}" for v in wards_now[:5])
        raise InvalidCodeError(
            f"{name!r}{where} is the name of a ward of a designated city on {d.isoformat()} "
            f"({listing}); write the ward with its city, e.g. {_display(wards_now[0], d)!r}"
        )
    elsewhere = ""
    if other:
        elsewhere = " It was in force at other times: " + _intervals(v.id for v in other[:3]) + "."
    raise InvalidCodeError(
        f"no municipality was named {name!r}{where} on {d.isoformat()}.{elsewhere}"
        f"{did_you_mean(unicodedata.normalize('NFKC', name).strip(), names)} Check the name "
        "and the date (names change with mergers)"
    )


# --- mergers -------------------------------------------------------------------------------
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
    rows = []
    for code, part in xw.groupby("from_code", sort=True):
        dates = sorted(
            {
                pd.Timestamp(step[:10])
                for text in part["changes"]
                for step in text.split("; ")
                if step and step[11:] in _MERGERS
            }
        )
        preds = sorted(part["to_code"].dropna())
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
    out.attrs["ebpm"] = {
        "origin": record_origin(),
        "credit": CREDIT,
        "since": t0.isoformat(),
        "to": t1.isoformat(),
    }
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
    if not (isinstance(first, int) and isinstance(last, int)) or first > last:
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
    m.attrs["ebpm"] = {**m.attrs.get("ebpm", {}), "first": first, "last": last}
    return m
