"""Municipality codes through time: the national record of municipal changes since 1970.

A municipality code means a different place before and after a merger (平成の大合併 took Japan
from 3,232 municipalities in 1999 to 1,718 in 2014), so every year-to-year join of municipal
data breaks on it. This package replays the record of every change (廃置分合) since 1 April 1970
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

Modules
    :mod:`~ebpm.japan.history.record` (reading and replaying the record, lookups on it),
    :mod:`~ebpm.japan.history.convert` (events, codes in force, crosswalks),
    :mod:`~ebpm.japan.history.names` (names through time) and
    :mod:`~ebpm.japan.history.cohorts` (mergers and merger cohorts).
"""

from __future__ import annotations

from ebpm.japan.history.cohorts import merger_cohorts, mergers
from ebpm.japan.history.convert import changes, codes_in_force, convert_codes
from ebpm.japan.history.names import municipality_code
from ebpm.japan.history.record import (
    CREDIT,
    RECORD_END,
    RECORD_START,
    record_origin,
)

# bench/bench_japan.py times the first replay of the record on its own
from ebpm.japan.history.record import _record as _record

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
