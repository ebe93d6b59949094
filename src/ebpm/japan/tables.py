"""The japancode tables behind :mod:`ebpm.japan`: the two bundled JSON files, read with pinned
sha256 hashes, and the prefecture and municipality frames (and name indexes) built from them.

:data:`DATA_COVERAGE` says what the tables cover; :data:`REGIONS` groups the prefectures.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

import pandas as pd

from ebpm.japan.codes import validate_lg_code
from ebpm.japan.romaji import _ascii_fold, _romanize_name

logger = logging.getLogger(__name__)

#: The 8 conventional regions of Japan (八地方区分), by prefecture number.
REGIONS: dict[str, range] = {
    "Hokkaido": range(1, 2),
    "Tohoku": range(2, 8),
    "Kanto": range(8, 15),
    "Chubu": range(15, 24),
    "Kinki": range(24, 31),
    "Chugoku": range(31, 36),
    "Shikoku": range(36, 40),
    "Kyushu-Okinawa": range(40, 48),
}


DATA_COVERAGE = (
    "Municipality table from the japancode package (0.1.0, data/municipalities.json): the 1,741 "
    "municipalities in force between 2018-10-01 (那珂川町 became 那珂川市) and 2023-12-31 "
    "(792 cities including the 20 designated cities 政令指定都市, 743 towns, 183 villages and "
    "the 23 special wards 特別区 of Tokyo), plus the 175 wards of the designated cities "
    "(政令市の区), among them the seven Hamamatsu wards that were reorganised into three on "
    "2024-01-01. The six villages of the Northern Territories (01695-01700) are not included. "
    "Prefecture table: the 47 prefectures from japancode's data/prefectures.json."
)
"""What the code tables cover (checked against the data: 那珂川市 is present, the old Hamamatsu
wards are present, and the row counts match the official counts of that period)."""


_PACKAGE = "japancode"
_PINS = {  # sha256 of the japancode 0.1.0 files; a mismatch raises IntegrityError
    "data/prefectures.json": "4d0ff360ee69afb71ee2fdd1e9b8986db536c067c88b6a6bcc4a23adb0472d3c",
    "data/municipalities.json": "2c7c897c11a0b4f5fc2be1715cfc49b2b0d8f11450d8ac4480a339bfb507986f",
}


@functools.cache
def _read_json(resource: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of one japancode data file and its provenance (sha256 pinned)."""
    from ebpm._package_data import package_file

    f = package_file(_PACKAGE, resource, sha256=_PINS[resource])
    logger.debug("read %s/%s (sha256 %s)", _PACKAGE, resource, f["sha256"])
    origin = {"kind": "package", **{k: v for k, v in f.items() if k != "bytes"}}
    return json.loads(f["bytes"]), origin


@functools.cache
def _prefecture_table() -> pd.DataFrame:
    rows, origin = _read_json("data/prefectures.json")
    region_of = {i: name for name, r in REGIONS.items() for i in r}
    records = []
    for row in rows:
        code = row["pid"].zfill(2)
        records.append(
            {
                "code": code,
                "lg_code": validate_lg_code(row["lgcode"].zfill(6)),
                "name_ja": row["pref"],
                "name_kana": row["prefkana"],
                "name_en": row["pref_en"],
                "iso3166_2": row["ISO3166-2"],
                "region": region_of[int(code)],
                "_short_ja": row["prefshort"],
                "_short_kana": row["prefshortkana"],
            }
        )
    df = pd.DataFrame(records).sort_values("code", ignore_index=True)
    df.attrs["ebpm"] = {"origin": origin}
    return df


@functools.cache
def _municipality_table() -> pd.DataFrame:
    rows, origin = _read_json("data/municipalities.json")
    designated = {(r["pid"], r["city"].split(" ")[0]) for r in rows if " " in r["city"]}
    records = []
    for row in rows:
        lg = validate_lg_code(row["lgcode"].zfill(6))  # japancode drops the leading zero
        parts_ja, parts_kana = row["city"].split(" "), row["citykana"].split(" ")
        if len(parts_ja) == 2:
            kind = "ward"
        elif (row["pid"], row["city"]) in designated:
            kind = "designated_city"
        else:
            kind = {"市": "city", "区": "special_ward", "町": "town", "村": "village"}[
                row["city"][-1]
            ]
        records.append(
            {
                "code": lg[:5],
                "lg_code": lg,
                "prefecture_code": row["pid"].zfill(2),
                "prefecture_ja": row["pref"],
                "name_ja": "".join(parts_ja),
                "name_kana": "".join(parts_kana),
                "name_en": " ".join(
                    _romanize_name(ja, kana) for ja, kana in zip(parts_ja, parts_kana, strict=True)
                ),
                "kind": kind,
                "parent_code": parts_ja[0] if kind == "ward" else None,  # city name for now
                "lat": float(row["lat"]),
                "lon": float(row["lng"]),
            }
        )
    city_code = {
        (r["prefecture_code"], r["name_ja"]): r["code"]
        for r in records
        if r["kind"] == "designated_city"
    }
    for r in records:
        if r["kind"] == "ward":
            r["parent_code"] = city_code[(r["prefecture_code"], r["parent_code"])]
    df = pd.DataFrame(records).sort_values("code", ignore_index=True)
    df.attrs["ebpm"] = {"origin": origin}
    return df


@functools.cache
def _municipality_by_code() -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in _municipality_table().to_dict("records")}


@functools.cache
def _municipality_keys() -> dict[str, list[str]]:
    """Name (kanji, hiragana, lowercase romaji without spaces) → codes with that name."""
    keys: dict[str, list[str]] = {}
    for code, row in _municipality_by_code().items():
        romaji = _ascii_fold(row["name_en"]).replace(" ", "")
        for name in {row["name_ja"], row["name_kana"], romaji}:
            keys.setdefault(name, []).append(code)
    return keys


@functools.cache
def _prefecture_keys() -> dict[str, str]:
    """Every accepted prefecture name (kanji, kana, romaji; full and short) → code."""
    keys: dict[str, str] = {}
    for row in _prefecture_table().to_dict("records"):
        for name in (row["name_ja"], row["_short_ja"], row["name_kana"], row["_short_kana"]):
            keys[name] = row["code"]
        keys[_ascii_fold(row["name_en"])] = row["code"]
    return keys
