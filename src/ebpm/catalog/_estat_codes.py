"""e-Stat's area and time codes decoded: area levels that do not overlap, years, fiscal years,
months and quarters.

:func:`decode_area` and :func:`decode_time` are re-exported by :mod:`ebpm.catalog.estat`, whose
module notes describe the codes.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pandas as pd

from ebpm.japan import municipalities

_QUARTERS = {("01", "03"): 1, ("04", "06"): 2, ("07", "09"): 3, ("10", "12"): 4}

#: The area levels of :func:`decode_area`; rows of one level, except ``aggregate``, never overlap.
AREA_LEVELS = ("national", "prefecture", "municipality", "ward", "aggregate")
_AREA_COLUMNS = ("area_level", "pref_code", "muni_code", "city_code")
_AREA_RE = re.compile(r"\d{2}(?:\d{3})?")
_TOKYO_WARDS_TOTAL = "13100"  # 特別区部: the 23 special wards together


@functools.cache
def _area_index() -> tuple[dict[str, str | None], dict[str, tuple[str, ...]]]:
    """Known 5-digit codes → parent city (wards) or None; each prefecture's designated cities.

    From :func:`ebpm.japan.municipalities` (municipalities in force 2018-10 to 2023-12 and the
    wards of the designated cities).
    """
    table = municipalities()
    parent: dict[str, str | None] = {}
    cities: dict[str, list[str]] = {}
    for code, kind, city in zip(table["code"], table["kind"], table["parent_code"], strict=True):
        parent[code] = city if kind == "ward" else None
        if kind == "designated_city":
            cities.setdefault(code[:2], []).append(code)
    return parent, {pref: tuple(sorted(codes)) for pref, codes in cities.items()}


def _ward_city(code: str) -> str | None:
    """The designated city of a ward code (None for any other municipality)."""
    parent, cities = _area_index()
    if code in parent:
        return parent[code]
    # Not in the 2018–2023 table (a new ward such as 浜松市中央区 22138, or an old code): a code
    # 101–199 of a prefecture with a designated city is a ward of the nearest city code below it.
    if 101 <= int(code[2:]) <= 199:
        below = [c for c in cities.get(code[:2], ()) if c < code]
        if below:
            return below[-1]
    return None


def decode_area(code: str) -> dict[str, Any]:
    """Decode an e-Stat area code into ``area_level``, ``pref_code``, ``muni_code``, ``city_code``.

    Within ``national``, ``prefecture``, ``municipality`` or ``ward`` no area holds another, so
    summing the rows of one of these levels counts no one twice (``aggregate`` rows are totals of
    other rows and may overlap each other; keep them out of sums):

    ``national``
        ``00000`` Japan.
    ``prefecture``
        ``PP000`` (or ``PP``) with PP in 01–47; ``pref_code`` is PP.
    ``municipality``
        Every other local government of a prefecture, counted once: ordinary cities, towns and
        villages, each designated city as a whole (``14100`` 横浜市) and Tokyo's special wards
        (``13101``–``13123``); ``muni_code`` is the code.
    ``ward``
        A ward of a designated city (政令市の区, ``14101`` 横浜市鶴見区), which is part of a
        ``municipality`` row; ``muni_code`` is the ward's code and ``city_code`` its city's.
    ``aggregate``
        A total that is not a local government: ``13100`` 特別区部 (``pref_code`` 13), a
        prefecture's ``PP001``–``PP099`` (市部, 郡部 …; ``pref_code`` PP) and Japan's
        ``00001``–``00999`` (全国市部, 全国郡部 …; no ``pref_code``).

    ``city_code`` is NA except for wards, ``muni_code`` NA except for municipalities and wards.
    Anything else (regional blocks, mesh codes, prefecture codes above 47) gives NA throughout.

    Notes
    -----
    Wards and designated cities are known from :func:`ebpm.japan.municipalities` (2018–2023).
    A code outside that table is a ward when it lies in 101–199 of a prefecture with a designated
    city whose code is lower (its ``city_code`` the nearest such city); otherwise a municipality
    (e.g. one merged away before 2018).
    """
    out: dict[str, Any] = dict.fromkeys(_AREA_COLUMNS, pd.NA)
    code = str(code).strip()
    if not _AREA_RE.fullmatch(code):
        return out
    pref = code[:2]
    if code == "00000":
        return {**out, "area_level": "national"}
    if pref == "00" and len(code) == 5:
        return {**out, "area_level": "aggregate"}
    if not 1 <= int(pref) <= 47:
        return out
    if len(code) == 2 or code.endswith("000"):
        return {**out, "area_level": "prefecture", "pref_code": pref}
    if code == _TOKYO_WARDS_TOTAL or int(code[2:]) < 100:
        return {**out, "area_level": "aggregate", "pref_code": pref}
    city = _ward_city(code)
    if city is not None:
        ward = {"area_level": "ward", "pref_code": pref, "muni_code": code, "city_code": city}
        return ward
    return {**out, "area_level": "municipality", "pref_code": pref, "muni_code": code}


def decode_time(code: str) -> dict[str, Any]:
    """Decode a 10-digit e-Stat time code into ``time_kind`` and its year, month or quarter.

    ``YYYY000000`` → year; ``YYYY100000`` → fiscal_year (年度, April to March);
    ``YYYY00MMMM`` → month; ``YYYY00AABB`` with AA–BB one of 01–03, 04–06, 07–09, 10–12 →
    quarter. Other codes keep NA in every field (no guess).
    """
    out: dict[str, Any] = {
        "time_kind": pd.NA,
        "year": pd.NA,
        "fiscal_year": pd.NA,
        "month": pd.NA,
        "quarter": pd.NA,
    }
    code = str(code).strip()
    if not re.fullmatch(r"\d{10}", code):
        return out
    year, kind, a, b = int(code[:4]), code[4:6], code[6:8], code[8:]
    if kind == "10" and a == b == "00":
        return {**out, "time_kind": "fiscal_year", "fiscal_year": year}
    if kind != "00":
        return out
    if a == b == "00":
        return {**out, "time_kind": "year", "year": year}
    if a == b and 1 <= int(a) <= 12:
        return {**out, "time_kind": "month", "year": year, "month": int(a)}
    if (a, b) in _QUARTERS:
        return {**out, "time_kind": "quarter", "year": year, "quarter": _QUARTERS[a, b]}
    return out
