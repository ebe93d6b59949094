"""The record of municipal changes since 1970, replayed into code versions, and the lookups on it.

The replay turns the start table (codes in force on :data:`RECORD_START`) and the change events
into *versions*, each one place under one code over an interval (see :mod:`ebpm.japan.history`
for how the record is read), and the edges between them, at ward and at municipality level.
Everything else in :mod:`ebpm.japan.history` asks :func:`_record` and the lookups here: a date
in the record, the version of a code on a date, a name on a date.
"""

from __future__ import annotations

import functools
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import InvalidCodeError, InvalidDateError, SourceFormatError, did_you_mean

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
    replay = _Replay()
    replay.start(start)
    for when, rows in events.groupby("date", sort=True):
        replay.day(when, rows)

    by_code: dict[str, list[int]] = defaultdict(list)
    for v in replay.versions:
        by_code[v.code].append(v.id)
    record = _Record(replay.versions, events, [], replay.raw, dict(by_code))
    record.edges = _lift(record, replay.raw)
    return record


@dataclass
class _Day:
    """The changes of one date while they are applied."""

    before: dict[str, int]  # code → version in force the day before
    created: dict[str, int] = field(default_factory=dict)  # code → version created on the day
    ending: set[str] = field(default_factory=set)  # codes whose version the day ends
    designations: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (pref, city name) → predecessor version


@dataclass
class _Replay:
    """The replay so far: every version, the version in force under each code, the edges."""

    versions: list[_Version] = field(default_factory=list)
    current: dict[str, int] = field(default_factory=dict)
    city_of: dict[tuple[str, str], str] = field(
        default_factory=dict
    )  # (pref, designated-city name) → its code
    raw: list[_Edge] = field(default_factory=list)  # ward level

    def new(self, code: str, pref: str, name: str, kana: str, group: str, when: date | None) -> int:
        kind = _kind(code, name, group)
        display = group if kind == "designated_city" else name
        v = _Version(
            len(self.versions), code, pref, kind, when, names=[(when, display, kana, group)]
        )
        if kind == "designated_city":
            v.names = [(when, group, "", "")]
            self.city_of[(pref, group)] = code
        self.versions.append(v)
        return v.id

    def start(self, start: pd.DataFrame) -> None:
        """The versions in force on :data:`RECORD_START`."""
        for row in start.itertuples(index=False):
            kind = _kind(row.city_code, row.city_name, row.city_desig_name)
            if kind == "county" or row.city_code == "13100":
                continue  # counties, and 特別区部 (the 23 special wards as one statistical area)
            vid = self.new(
                row.city_code,
                row.pref_name,
                row.city_name,
                row.city_name_kana,
                row.city_desig_name,
                None,
            )
            self.current[row.city_code] = vid
        for v in self.versions:  # wards of the designated cities of 1970
            if v.kind == "ward":
                v.parent = self.city_of.get((v.pref, v.name_at(None)[2]))

    def day(self, when: date, rows: pd.DataFrame) -> None:
        """Apply the change events of one date."""
        day = _Day(before=dict(self.current))
        for i, r in rows.iterrows():
            self._change(day, when, i, r)
        self._close(day, when)
        self._link_new_wards(day, when, rows)

    def _change(self, day: _Day, when: date, i: Any, r: pd.Series) -> None:
        """One event row: a change in place, or an edge to an absorbing or a new version."""
        before, created = day.before, day.created
        if (
            r["type"] in _SKIP
            or _kind(r["from_code"] or r["to_code"], r["from_name"] or r["to_name"], "x")
            == "county"
        ):
            return  # a county (郡) renamed or abolished: no municipality changes
        src = None
        if not _blank(r["from_code"]) and _blank(r["from_name"]) and r["to_name"]:
            # a few county moves name the county as the from side; the wording has the town
            r = r.copy()
            r["from_code"] = _from_in_wording(r["event"], r["to_code"]) or r["from_code"]
        if r["type"] == "郡の区域変更" and _from_in_wording(r["event"], r["to_code"]) not in (
            None,
            r["from_code"],
        ):
            return  # the source pairs every town with every town of a moved group
        if not _blank(r["from_code"]):
            src = before.get(r["from_code"], created.get(r["from_code"]))
            if src is None:
                raise SourceFormatError(
                    f"the change record is inconsistent: {r['from_code']} changes on {when} "
                    "but is not in force then; the shipped file may be damaged"
                )
        to = r["to_code"]
        if r["type"] in _IN_PLACE and src is not None and r["from_code"] == to:
            self.versions[src].names.append((when, r["to_name"], r["to_kana"], r["to_county"]))
            self.versions[src].renames.append((when, i))
            return
        if r["type"] == _ABSORB:
            dst = created.get(to, before.get(to))
            if dst is None:
                raise SourceFormatError(
                    f"the change record is inconsistent: {to} absorbs on {when} but is not "
                    "in force then; the shipped file may be damaged"
                )
        else:
            if to not in created:
                created[to] = self.new(
                    to, r["to_pref"], r["to_name"], r["to_kana"], r["to_county"], when
                )
            dst = created[to]
        if src is not None:
            self.raw.append(_Edge(src, dst, when, i))
            if r["type"] != _BRANCH:
                day.ending.add(r["from_code"])
            if r["type"] == _DESIGNATE:
                day.designations[(r["to_pref"], r["to_county"])] = src

    def _close(self, day: _Day, when: date) -> None:
        """End the versions the day ended or replaced; put the day's new versions in force."""
        versions, current = self.versions, self.current
        for code in day.ending:
            ended = day.before.get(code)
            if ended is not None and versions[ended].end is None:
                versions[ended].end = when
                if current.get(code) == ended:
                    del current[code]
        for code, vid in day.created.items():
            old = current.get(code)
            if old is not None and old != vid and versions[old].end is None:
                versions[old].end = when
            current[code] = vid
        for vid in day.created.values():  # a new ward's city (created on this date, or before)
            ward = versions[vid]
            if ward.kind == "ward":
                ward.parent = self.city_of.get((ward.pref, ward.names[0][3]))

    def _link_new_wards(self, day: _Day, when: date, rows: pd.DataFrame) -> None:
        """Edges to the wards created on the day from where they came."""
        for i, r in rows.iterrows():  # where a new ward came from
            if r["type"] != _NEW_WARDS or r["to_code"] not in day.created:
                continue  # not a new ward, or a new county (郡の新設)
            ward = self.versions[day.created[r["to_code"]]]
            pred = day.designations.get((r["to_pref"], r["to_county"]))
            if r["type"] == _NEW_WARDS and pred is not None:
                self.raw.append(_Edge(pred, ward.id, when, i))
            elif r["type"] == _NEW_WARDS and ward.parent in day.before:
                self.raw.append(_Edge(day.before[ward.parent], ward.id, when, i))


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
