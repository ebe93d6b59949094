"""Japanese administrative codes and calendar helpers, fully offline.

Codes
    Prefecture codes (JIS X 0401, ``"13"``), municipality codes (JIS X 0402, ``"13101"``) and the
    6-digit 全国地方公共団体コード (``"131016"``: the 5-digit code plus a check digit); conversion
    between them, validation of the check digit, and name lookups. The tables come from the
    ``japancode`` package's bundled JSON files, read through
    :func:`ebpm._package_data.package_file` with pinned sha256 hashes, so a changed package
    raises :class:`~ebpm.errors.IntegrityError` instead of quietly changing results. See
    :data:`DATA_COVERAGE` for what the tables cover.

Codes through time (:mod:`ebpm.japan.history`, :mod:`ebpm.japan.panel`)
    The record of every municipal change since 1970: :func:`codes_in_force` on a date,
    :func:`changes`, :func:`convert_codes` (a crosswalk between two dates, forward or backward),
    :func:`municipality_code` with ``date=`` (a name as it was on a date), and :func:`harmonize`
    (a municipal panel restated on one set of boundaries).

Calendar
    和暦 ↔ 西暦 (:func:`to_seireki`, :func:`to_wareki`) for the eras from 明治 to 令和, and the
    Japanese fiscal year (年度, April to March): :func:`fiscal_year`, :func:`fiscal_year_range`,
    :func:`fiscal_year_label`.

Errors are :class:`~ebpm.errors.InvalidCodeError` for codes and names and
:class:`~ebpm.errors.InvalidDateError` for dates and era years; both are ``ValueError``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm._lazy import exports
from ebpm.errors import (
    InvalidCodeError,
    InvalidDateError,
    InvalidOptionError,
    check_option,
    did_you_mean,
)

__all__ = [
    # municipality codes through time (ebpm.japan.history, ebpm.japan.panel)
    "CREDIT",
    "DATA_COVERAGE",
    "ERAS",
    "RECORD_END",
    "RECORD_START",
    "REGIONS",
    "Era",
    "changes",
    "check_digit",
    "codes_in_force",
    "convert_codes",
    "fiscal_year",
    "fiscal_year_label",
    "fiscal_year_range",
    "harmonize",
    "merger_cohorts",
    "merger_panel",
    "mergers",
    "municipalities",
    "municipality_code",
    "municipality_name",
    "normalize_code",
    "prefecture_code",
    "prefecture_name",
    "prefectures",
    "to_lg_code",
    "to_seireki",
    "to_wareki",
    "validate_lg_code",
]

# Names that live in submodules, imported on first use (the change record loads only then).
_WHERE = {
    "CREDIT": "history",
    "RECORD_END": "history",
    "RECORD_START": "history",
    "changes": "history",
    "codes_in_force": "history",
    "convert_codes": "history",
    "merger_cohorts": "history",
    "mergers": "history",
    "municipality_code": "history",
    "harmonize": "panel",
    "merger_panel": "panel",
}


__getattr__, __dir__ = exports(
    __name__, {k: f".{v}" for k, v in _WHERE.items()}, eager=[n for n in __all__ if n not in _WHERE]
)


logger = logging.getLogger(__name__)

CodeLevel = Literal["prefecture", "municipality"]
Lang = Literal["ja", "kana", "en"]
WarekiStyle = Literal["kanji", "romaji", "short"]
FiscalLabelStyle = Literal["ja", "en", "wareki"]

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

_WEIGHTS = (6, 5, 4, 3, 2)
_N_PREFECTURES = 47


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _map_series(series: pd.Series, func: Callable[[Any], Any], dtype: str) -> pd.Series:
    """Apply ``func`` to each non-missing value; errors name the row that failed."""
    out = []
    for label, value in series.items():
        if _is_missing(value):
            out.append(pd.NA)
            continue
        try:
            out.append(func(value))
        except (InvalidCodeError, InvalidDateError) as err:
            raise type(err)(f"{err} (at index {label!r})") from err
    return pd.Series(out, index=series.index, name=series.name, dtype=dtype)


# ===========================================================================================
# Codes
# ===========================================================================================
def _digit_string(code: Any, *, what: str) -> tuple[str, bool]:
    """Return the code's digits as text, and whether it came from a number (so lost its zeros)."""
    if isinstance(code, bool):
        raise InvalidCodeError(
            f"{what} {code!r} is a boolean, not a code; pass a string like '13101'"
        )
    if isinstance(code, int | np.integer):
        if code < 0:
            raise InvalidCodeError(f"{what} {code!r} is negative; codes are digits like '13101'")
        return str(int(code)), True
    if isinstance(code, float | np.floating):
        if not math.isfinite(code) or code != int(code) or code < 0:
            raise InvalidCodeError(
                f"{what} {code!r} is not a whole number; codes are digits like '13101' (read the "
                "column as text, e.g. pd.read_csv(..., dtype={'code': str}))"
            )
        return str(int(code)), True
    if isinstance(code, str):
        text = unicodedata.normalize("NFKC", code).strip()
        if not re.fullmatch(r"[0-9]+", text):
            raise InvalidCodeError(
                f"{what} {code!r} is not a string of digits; pass a code like '13101', '131016' "
                "or '13'"
            )
        return text, False
    raise InvalidCodeError(
        f"{what} {code!r} has type {type(code).__name__}; pass a string like '13101' or an int"
    )


def check_digit(code5: str | int) -> str:
    """Return the check digit that turns a 5-digit code into a 全国地方公共団体コード.

    Parameters
    ----------
    code5 : str or int
        A 5-digit JIS X 0402 municipality code (``"13101"``) or a 5-digit prefecture-level code
        (``"13000"``). An int is zero-padded to 5 digits (``1100`` is ``"01100"``).

    Returns
    -------
    str
        One digit, ``"0"`` to ``"9"``.

    Raises
    ------
    InvalidCodeError
        When ``code5`` is not 5 digits.

    Notes
    -----
    The rule (総務省, 全国地方公共団体コード): multiply the five digits by the weights 6, 5, 4,
    3, 2 and sum; let ``r`` be the sum modulo 11; the check digit is the last digit of
    ``11 - r``, i.e. ``(11 - r) % 10``. So ``r = 0`` gives ``1`` (11 → 1) and ``r = 1`` gives
    ``0`` (10 → 0); otherwise it is ``11 - r``. The ``r = 0`` and ``r = 1`` cases were checked
    against the data: of the 1,916 codes in japancode, the 177 with ``r = 0`` all end in 1 and
    the 184 with ``r = 1`` all end in 0, and every one of the 1,916 check digits follows the rule.

    Examples
    --------
    >>> check_digit("13101")
    '6'
    >>> check_digit("01100")
    '2'
    """
    text, from_int = _digit_string(code5, what="code")
    if from_int and len(text) < 5:
        text = text.zfill(5)
    if len(text) != 5:
        raise InvalidCodeError(
            f"check_digit needs a 5-digit code, got {code5!r} ({len(text)} digits); use "
            "to_lg_code() to convert a 2- or 6-digit code"
        )
    r = sum(int(d) * w for d, w in zip(text, _WEIGHTS, strict=True)) % 11
    return str((11 - r) % 10)


def _check_structure(code5: str, original: Any, *, five_digits: bool = False) -> None:
    """Raise unless ``code5`` has a valid prefecture part and municipality part.

    ``five_digits``: the input had exactly five digits, so it may be a 6-digit code that lost its
    leading zero; the message then says so.
    """
    pref, part = int(code5[:2]), int(code5[2:])
    if code5 == "00000":
        return
    if not 1 <= pref <= _N_PREFECTURES:
        raise InvalidCodeError(
            f"code {original!r} starts with prefecture {code5[:2]!r}, but prefecture codes run "
            "from '01' (北海道) to '47' (沖縄県); check the code"
        )
    if 0 < part < 100:
        hint = (
            f"If it is a 6-digit 全国地方公共団体コード that lost its leading zero, pass "
            f"{'0' + code5!r}"
            if five_digits
            else "Check the code"
        )
        raise InvalidCodeError(
            f"code {original!r} is not a valid municipality code: JIS X 0402 numbers "
            f"municipalities from 100, and '{code5[2:]}' is below that. {hint}"
        )


def normalize_code(code: Any, *, level: CodeLevel | None = None) -> Any:
    """Return a prefecture or municipality code in its standard 5-digit (or 2-digit) form.

    Parameters
    ----------
    code : str, int or pandas.Series
        One of

        * a prefecture code, ``"13"``, ``"1"``, ``13``, ``"JP-13"`` (ISO 3166-2);
        * a 5-digit code (JIS X 0402 municipality code ``"13101"``, or an e-Stat area code:
          ``"13000"`` for a prefecture, ``"00000"`` for the whole country), also with its
          leading zero lost: ``"1100"`` or ``1100`` is ``"01100"``;
        * a 6-digit 全国地方公共団体コード ``"131016"`` (its check digit is verified).

        Full-width digits are accepted. A Series is converted element by element (missing
        values stay missing).
    level : {None, "prefecture", "municipality"}
        ``None`` (default) returns the 5-digit code, prefecture-level codes included
        (``"13"`` → ``"13000"``). ``"municipality"`` also returns 5 digits but rejects
        prefecture-level and national codes. ``"prefecture"`` returns the 2-digit prefecture
        code; for a municipality code that is its prefecture (``"13101"`` → ``"13"``).

    Returns
    -------
    str or pandas.Series
        The normalised code(s).

    Raises
    ------
    InvalidCodeError
        When the code has the wrong number of digits, a prefecture outside 01–47, a
        municipality number 001–099 (unused by JIS X 0402, so most often a 6-digit code that lost
        its leading zero), a wrong check digit, or does not fit ``level``.
    InvalidOptionError
        When ``level`` is not one of the values above.

    Notes
    -----
    Only the form of the code is checked, not whether the municipality exists today: old codes of
    merged municipalities stay valid input. A 5-digit number is always read as a JIS X 0402 code;
    a 6-digit 全国地方公共団体コード stored as an int loses its leading zero and must be passed as
    a string (or through :func:`validate_lg_code`, which pads to 6 digits).

    Examples
    --------
    >>> normalize_code(1100)
    '01100'
    >>> normalize_code("131016")
    '13101'
    >>> normalize_code("13101", level="prefecture")
    '13'
    """
    if level is not None:
        check_option("level", level, CodeLevel)
    if isinstance(code, pd.Series):
        return _map_series(code, lambda c: normalize_code(c, level=level), "str")
    if isinstance(code, str):
        iso = re.fullmatch(r"JP-?([0-9]{2})", unicodedata.normalize("NFKC", code).strip().upper())
        if iso:
            code = iso.group(1)
    text, from_int = _digit_string(code, what="code")
    n = len(text)
    if n in (1, 2):
        if not 1 <= int(text) <= _N_PREFECTURES:
            raise InvalidCodeError(
                f"prefecture code {code!r} is out of range; prefecture codes run from '01' "
                "(北海道) to '47' (沖縄県)"
            )
        code5 = text.zfill(2) + "000"
    elif n == 4:
        code5 = text.zfill(5)
    elif n == 5:
        code5 = text
    elif n == 6:
        code5 = validate_lg_code(text)[:5]
    else:
        how = "a number" if from_int else "a string"
        raise InvalidCodeError(
            f"code {code!r} ({how} of {n} digits) is not a prefecture code (2 digits), a "
            "municipality code (5 digits) or a 全国地方公共団体コード (6 digits); check the value"
        )
    _check_structure(code5, code, five_digits=n == 5)
    if level == "prefecture":
        if code5 == "00000":
            raise InvalidCodeError(
                f"code {code!r} is the national code (全国), which has no prefecture; pass a "
                "prefecture or municipality code"
            )
        return code5[:2]
    if level == "municipality" and code5.endswith("000"):
        raise InvalidCodeError(
            f"code {code!r} is a prefecture-level or national code, not a municipality; pass a "
            "municipality code like '13101', or use level='prefecture'"
        )
    return code5


def to_lg_code(code: Any) -> str:
    """Return the 6-digit 全国地方公共団体コード (5-digit code plus check digit).

    Parameters
    ----------
    code : str or int
        Any form :func:`normalize_code` accepts: ``"13101"`` → ``"131016"``, ``"13"`` →
        ``"130001"`` (the prefecture's own code), ``1100`` → ``"011002"``.

    Returns
    -------
    str
        Six digits.

    Raises
    ------
    InvalidCodeError
        When :func:`normalize_code` rejects ``code``.

    Examples
    --------
    >>> to_lg_code("13101")
    '131016'
    """
    code5 = normalize_code(code)
    return code5 + check_digit(code5)


def validate_lg_code(code6: str | int) -> str:
    """Check a 全国地方公共団体コード and return it as a 6-character string.

    Parameters
    ----------
    code6 : str or int
        Six digits (``"131016"``). An int is zero-padded to 6 digits, since a code like
        ``"011002"`` loses its leading zero when stored as a number.

    Returns
    -------
    str
        The code, six digits.

    Raises
    ------
    InvalidCodeError
        When ``code6`` is not six digits or its check digit is wrong (the message gives the
        expected digit and the corrected code).

    See Also
    --------
    check_digit : the rule.
    """
    text, from_int = _digit_string(code6, what="全国地方公共団体コード")
    if from_int and len(text) < 6:
        text = text.zfill(6)
    if len(text) == 5:
        raise InvalidCodeError(
            f"全国地方公共団体コード {code6!r} has 5 digits: that is a JIS X 0402 code without a "
            f"check digit (use to_lg_code({code6!r}) to add one), or a 6-digit code that lost its "
            f"leading zero (then pass {'0' + text!r})"
        )
    if len(text) != 6:
        raise InvalidCodeError(
            f"全国地方公共団体コード {code6!r} has {len(text)} digits; it must have 6 (5-digit "
            "code plus a check digit, e.g. '131016')"
        )
    _check_structure(text[:5], code6)
    expected = check_digit(text[:5])
    if text[5] != expected:
        raise InvalidCodeError(
            f"全国地方公共団体コード {code6!r} has check digit {text[5]}, but {text[:5]} needs "
            f"{expected}: the code is mistyped. If {text[:5]} is right, the code is "
            f"{text[:5] + expected!r}"
        )
    return text


# --- the tables ----------------------------------------------------------------------------
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


_SUFFIXES = {"市": ("し",), "区": ("く",), "町": ("まち", "ちょう"), "村": ("むら", "そん")}


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


def prefectures() -> pd.DataFrame:
    """Return the 47 prefectures with their codes and names.

    Returns
    -------
    pandas.DataFrame
        One row per prefecture in code order, columns ``code`` (JIS X 0401, ``"01"``–``"47"``),
        ``lg_code`` (6-digit 全国地方公共団体コード, ``"010006"``), ``name_ja`` (東京都),
        ``name_kana`` (とうきょうと), ``name_en`` (Tokyo), ``iso3166_2`` (``"JP-13"``) and
        ``region`` (one of the 8 conventional regions: Hokkaido, Tohoku, Kanto, Chubu, Kinki,
        Chugoku, Shikoku, Kyushu-Okinawa). ``attrs["ebpm"]["origin"]`` records the source file,
        package version and sha256.

    Raises
    ------
    ebpm.errors.CatalogError
        When japancode is not installed.
    ebpm.errors.IntegrityError
        When its data file is not the one this module was written for.
    """
    df = _prefecture_table()
    return df.drop(columns=["_short_ja", "_short_kana"])


def municipalities(prefecture: Any = None, *, wards: bool = True) -> pd.DataFrame:
    """Return the municipalities (市区町村), optionally of one prefecture.

    Parameters
    ----------
    prefecture : str or int, optional
        Anything :func:`prefecture_code` accepts (``"東京都"``, ``"Tokyo"``, ``13``, ``"13"``).
        ``None`` (default) returns the whole country.
    wards : bool
        Keep the wards of the designated cities (政令市の区, ``kind == "ward"``). With
        ``wards=False`` the table holds the 1,741 municipalities that official counts use
        (1,718 市町村 and 23 特別区).

    Returns
    -------
    pandas.DataFrame
        One row per area in code order, columns

        ``code``
            5-digit JIS X 0402 code (``"13101"``).
        ``lg_code``
            6-digit 全国地方公共団体コード, its check digit verified on load.
        ``prefecture_code``, ``prefecture_ja``
            ``"13"``, 東京都.
        ``name_ja``, ``name_kana``
            札幌市, さっぽろし; a ward is written with its city, 札幌市中央区.
        ``name_en``
            Romaji derived from the kana reading with a modified-Hepburn converter, without
            macrons (おおさかし → ``"Osaka-shi"``), the suffix from the reading: 市 ``-shi``,
            区 ``-ku``, 町 ``-machi`` or ``-cho``, 村 ``-mura`` or ``-son``; a ward is
            ``"Sapporo-shi Chuo-ku"``. **Not** the official English names, which differ in places
            (小海町 is officially Koumi, here ``"Komi-machi"``).
        ``kind``
            ``"designated_city"``, ``"ward"`` (of a designated city), ``"city"``,
            ``"special_ward"`` (Tokyo's 23), ``"town"`` or ``"village"``.
        ``parent_code``
            For a ward, the code of its designated city; otherwise missing.
        ``lat``, ``lon``
            A representative point from japancode (undocumented there; it matches the municipal
            office, e.g. 札幌市役所 at 43.062, 141.354).

    Raises
    ------
    InvalidCodeError
        When ``prefecture`` names no prefecture.

    Notes
    -----
    The table is a snapshot: see :data:`DATA_COVERAGE` (municipalities in force 2018-10-01 to
    2023-12-31, with the designated cities' wards).
    """
    df = _municipality_table()
    keep = pd.Series(True, index=df.index)
    if prefecture is not None:
        keep &= df["prefecture_code"] == prefecture_code(prefecture)
    if not wards:
        keep &= df["kind"] != "ward"
    out = df.loc[keep].reset_index(drop=True)
    out.attrs = {"ebpm": dict(df.attrs["ebpm"])}
    return out


# --- names ---------------------------------------------------------------------------------
def _to_hiragana(text: str) -> str:
    """Katakana → hiragana (the kana blocks are 0x60 apart); other characters unchanged."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _ascii_fold(text: str) -> str:
    """Lowercase ASCII form of a romaji name: macrons and other accents removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


@functools.cache
def _prefecture_keys() -> dict[str, str]:
    """Every accepted prefecture name (kanji, kana, romaji; full and short) → code."""
    keys: dict[str, str] = {}
    for row in _prefecture_table().to_dict("records"):
        for name in (row["name_ja"], row["_short_ja"], row["name_kana"], row["_short_kana"]):
            keys[name] = row["code"]
        keys[_ascii_fold(row["name_en"])] = row["code"]
    return keys


_ROMAJI_SUFFIX = re.compile(r"[\s\-_]+(to|do|fu|ken|prefecture|pref\.?|metropolis)$")


def prefecture_code(x: Any) -> str:
    """Return the 2-digit prefecture code (JIS X 0401) of a name or code.

    Parameters
    ----------
    x : str or int
        A name in kanji (``"東京都"`` or ``"東京"``), kana (``"とうきょうと"``, ``"トウキョウ"``) or
        romaji (``"Tokyo"``, ``"tokyo"``, ``"Tokyo-to"``, ``"Tōkyō"``, ``"Toukyou"``,
        ``"Osaka Prefecture"``),
        an ISO 3166-2 code (``"JP-13"``), or any code :func:`normalize_code` accepts (``13``,
        ``"13"``, ``"13101"``, ``"131016"``); a municipality code gives its prefecture.

    Returns
    -------
    str
        ``"01"`` to ``"47"``.

    Raises
    ------
    InvalidCodeError
        When ``x`` is no prefecture name (the message suggests close names) or a bad code.

    Examples
    --------
    >>> prefecture_code("Tokyo-to")
    '13'
    """
    if not isinstance(x, str) or re.fullmatch(r"\s*(JP-?)?[0-9０-９]+\s*", x, flags=re.IGNORECASE):
        return normalize_code(x, level="prefecture")
    keys = _prefecture_keys()
    text = unicodedata.normalize("NFKC", x).strip()
    romaji = _ROMAJI_SUFFIX.sub("", _ascii_fold(text))
    long_vowels = re.sub(r"o[ou]|uu", lambda m: m[0][0], romaji)  # Toukyou, Oosaka, Hokkaidou
    candidates = [text, _to_hiragana(text)]
    if romaji.isascii():  # folding strips dakuten from kana too; only romaji may use it
        candidates += [romaji, long_vowels]
    for candidate in candidates:
        if candidate in keys:
            return keys[candidate]
    table = _prefecture_table()
    raise InvalidCodeError(
        f"{x!r} is not a prefecture name (kanji 東京都/東京, kana, romaji 'Tokyo', or a code "
        f"like '13')." + did_you_mean(text, [*table["name_ja"], *table["name_en"]])
    )


def prefecture_name(x: Any, *, lang: Lang = "ja") -> str:
    """Return the name of a prefecture given by name or code.

    Parameters
    ----------
    x : str or int
        Anything :func:`prefecture_code` accepts.
    lang : {"ja", "kana", "en"}
        東京都, とうきょうと or Tokyo.

    Returns
    -------
    str

    Raises
    ------
    InvalidCodeError
        When ``x`` is no prefecture.
    InvalidOptionError
        When ``lang`` is not one of the values above.
    """
    check_option("lang", lang, Lang)
    code = prefecture_code(x)
    row = _prefecture_table().iloc[int(code) - 1]
    return str(row[{"ja": "name_ja", "kana": "name_kana", "en": "name_en"}[lang]])


def municipality_name(code: Any, *, lang: Lang = "ja") -> str:
    """Return the name of the municipality (or designated-city ward) with a code.

    Parameters
    ----------
    code : str or int
        A municipality code in any form :func:`normalize_code` accepts (``"13101"``,
        ``"131016"``, ``1100``).
    lang : {"ja", "kana", "en"}
        千代田区, ちよだく or ``"Chiyoda-ku"`` (romaji derived from kana, not official).

    Returns
    -------
    str

    Raises
    ------
    InvalidCodeError
        When the code is malformed, is a prefecture-level code, or is not in the table (for
        example the code of a municipality merged before the table's date; see
        :data:`DATA_COVERAGE`).
    InvalidOptionError
        When ``lang`` is not one of the values above.
    """
    check_option("lang", lang, Lang)
    code5 = normalize_code(code)
    if code5.endswith("000"):
        raise InvalidCodeError(
            f"code {code!r} is a prefecture-level or national code, not a municipality; use "
            "prefecture_name() for a prefecture"
        )
    row = _municipality_by_code().get(code5)
    if row is None:
        raise InvalidCodeError(
            f"municipality code {code5!r} is not in the table, which lists the municipalities in "
            "force 2018-10-01 to 2023-12-31 and their wards; a code of a merged or reorganised "
            "municipality is not there. Check the code, or map old codes to current ones first"
        )
    return str(row[{"ja": "name_ja", "kana": "name_kana", "en": "name_en"}[lang]])


def _municipality_code_today(name: str, *, prefecture: Any = None) -> str:
    """Return the 5-digit code of a municipality given by its name today (japancode's table).

    :func:`ebpm.japan.municipality_code` calls this when no ``date`` is given.

    Parameters
    ----------
    name : str
        The name in kanji (``"千代田区"``; a designated-city ward with its city,
        ``"札幌市中央区"``, a space allowed), kana (``"ちよだく"``, katakana too) or the romaji of
        :func:`municipalities` (``"Chiyoda-ku"``, any case). The suffix (市, 区, 町, 村) is part of
        the name.
    prefecture : str or int, optional
        Restrict the search to one prefecture (anything :func:`prefecture_code` accepts).
        Needed when the name is not unique, e.g. 府中市 (東京都 and 広島県) or 伊達市.

    Returns
    -------
    str
        The JIS X 0402 code.

    Raises
    ------
    InvalidCodeError
        When no area has the name (the message suggests close names) or several do (the message
        lists them and asks for ``prefecture``).
    """
    if not isinstance(name, str):
        raise InvalidCodeError(
            f"municipality name {name!r} is not a string; pass a name like '千代田区' (or use "
            "normalize_code for codes)"
        )
    pref = prefecture_code(prefecture) if prefecture is not None else None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    keys = _municipality_keys()
    codes = {*keys.get(text, ()), *keys.get(_to_hiragana(text), ())}
    if text.isascii():
        codes |= set(keys.get(_ascii_fold(text), ()))
    by_code = _municipality_by_code()
    hits = [by_code[c] for c in sorted(codes) if pref is None or c.startswith(pref)]
    where = f" in {prefecture_name(pref)}" if pref is not None else ""
    if not hits:
        names = [
            r["name_ja"] for r in by_code.values() if pref is None or r["code"].startswith(pref)
        ]
        raise InvalidCodeError(
            f"no municipality is named {name!r}{where}; names include their suffix (市, 区, 町, "
            "村) and a ward its city (札幌市中央区)." + did_you_mean(text, names)
        )
    if len(hits) > 1:
        listing = ", ".join(f"{r['code']} {r['prefecture_ja']}{r['name_ja']}" for r in hits)
        raise InvalidCodeError(
            f"{len(hits)} municipalities are named {name!r}{where} ({listing}); pass "
            "prefecture= to choose one"
        )
    return str(hits[0]["code"])


# --- romaji (modified Hepburn, no macrons) ---------------------------------------------------
_KANA_ROWS = (  # (kana, romaji for each, space-separated)
    ("あいうえお", "a i u e o"),
    ("かきくけこ", "ka ki ku ke ko"),
    ("さしすせそ", "sa shi su se so"),
    ("たちつてと", "ta chi tsu te to"),
    ("なにぬねの", "na ni nu ne no"),
    ("はひふへほ", "ha hi fu he ho"),
    ("まみむめも", "ma mi mu me mo"),
    ("やゆよ", "ya yu yo"),
    ("らりるれろ", "ra ri ru re ro"),
    ("わゐゑをん", "wa i e o n"),
    ("がぎぐげご", "ga gi gu ge go"),
    ("ざじずぜぞ", "za ji zu ze zo"),
    ("だぢづでど", "da ji zu de do"),
    ("ばびぶべぼ", "ba bi bu be bo"),
    ("ぱぴぷぺぽ", "pa pi pu pe po"),
    ("ゔぁぃぅぇぉ", "vu a i u e o"),
)
_KANA = {k: r for kana, rom in _KANA_ROWS for k, r in zip(kana, rom.split(), strict=True)}
_YOUON = {"ゃ": "a", "ゅ": "u", "ょ": "o"}


def _syllables(kana: str) -> list[str]:
    """Split hiragana into romaji syllables (youon joined, っ kept as a marker)."""
    out: list[str] = []
    for ch in _to_hiragana(kana):
        if ch in _YOUON and out and out[-1].endswith("i") and len(out[-1]) > 1:
            stem = out[-1][:-1]  # ki → k, shi → sh, chi → ch, ji → j
            out[-1] = stem + ("" if stem.endswith(("sh", "ch", "j")) else "y") + _YOUON[ch]
        elif ch == "っ":
            out.append("っ")
        elif ch in _KANA:
            out.append(_KANA[ch])
        elif ch in _YOUON:
            out.append("y" + _YOUON[ch])
        elif ch == "ー":
            continue  # long-vowel mark: the vowel is written once
        else:
            raise ValueError(f"cannot romanize {ch!r} in {kana!r}")
    return out


def _romanize(kana: str) -> str:
    """Modified Hepburn without macrons.

    さっぽろ → sapporo (っ doubles the next consonant, っち → tchi), ちゅうおう → chuo (ou, oo and
    uu are written as one vowel; ei and ii are kept), しんおんせん → shin'onsen (ん before a vowel
    or y takes an apostrophe).
    """
    syl = _syllables(kana)
    out: list[str] = []
    for i, s in enumerate(syl):
        nxt = syl[i + 1] if i + 1 < len(syl) else ""
        prev = syl[i - 1] if i else ""
        if s == "っ":
            if nxt and nxt[0] not in "aiueo":
                out.append("t" if nxt.startswith("ch") else nxt[0])
        elif s == "n" and nxt and nxt[0] in "aiueoy":
            out.append("n'")
        elif (s == "u" and prev.endswith(("o", "u"))) or (s == "o" and prev.endswith("o")):
            continue  # long vowel ou, uu, oo written as one letter
        else:
            out.append(s)
    return "".join(out)


def _romanize_name(name_ja: str, kana: str) -> str:
    """Romaji of one municipality or ward name, its suffix split off: ``Chiyoda-ku``."""
    for suffix in _SUFFIXES.get(name_ja[-1], ()):
        if kana.endswith(suffix) and len(kana) > len(suffix):
            stem = _romanize(kana[: -len(suffix)])
            return f"{stem.capitalize()}-{_romanize(suffix)}"
    return _romanize(kana).capitalize()


# ===========================================================================================
# Calendar
# ===========================================================================================
@dataclass(frozen=True)
class Era:
    """A Japanese era (元号).

    Attributes
    ----------
    name_ja, name_en, abbr : str
        令和, Reiwa, R.
    start : datetime.date
        First day (Gregorian).
    end : datetime.date or None
        Last day; ``None`` for the current era.
    """

    name_ja: str
    name_en: str
    abbr: str
    start: date
    end: date | None

    @property
    def last_year(self) -> int | None:
        """The era's last year number (平成 → 31), ``None`` for the current era."""
        return None if self.end is None else self.end.year - self.start.year + 1

    def to_seireki(self, year: int) -> int:
        """Western year of this era's ``year`` (平成 30 → 2018), without range checks."""
        return self.start.year + year - 1


ERAS: tuple[Era, ...] = (
    Era("明治", "Meiji", "M", date(1868, 1, 25), date(1912, 7, 29)),
    Era("大正", "Taisho", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "Showa", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "Heisei", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "Reiwa", "R", date(2019, 5, 1), None),
)
"""The eras from 明治 on, oldest first.

明治 starts on 1868-01-25, the Gregorian date of 明治元年1月1日: the era was proclaimed on
1868-10-23 (慶応4年9月8日) and made to run from the first day of that lunisolar year. Japan
switched to the Gregorian calendar on 明治6年1月1日 (1873-01-01), so for earlier dates only the
era *year* is exact; months and days in Meiji 1–5 sources are lunisolar and differ from the
Gregorian dates used here. Each later era starts on the day of accession (大正 1912-07-30,
昭和 1926-12-25, 平成 1989-01-08) or, for 令和, on 2019-05-01."""


def _era_by_name(token: str) -> Era | None:
    key = _ascii_fold(unicodedata.normalize("NFKC", token))
    key = key.replace("ou", "o")  # taishou, shouwa
    for era in ERAS:
        if key in (era.name_ja, era.name_en.lower(), era.abbr.lower()):
            return era
    return None


_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _era_year_number(token: str, original: Any) -> int:
    """元 → 1, "5" → 5, 五 → 5, 三十一 → 31, 六十四 → 64."""
    token = token.strip()
    if token in ("元", "gannen", "gan"):
        return 1
    if token.isascii() and token.isdigit():
        return int(token)
    if token and all(c in _KANJI_DIGITS or c == "十" for c in token):
        if "十" in token:
            tens, _, ones = token.partition("十")
            if len(tens) <= 1 and len(ones) <= 1 and "十" not in ones:
                return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (
                    _KANJI_DIGITS[ones] if ones else 0
                )
        else:
            return int("".join(str(_KANJI_DIGITS[c]) for c in token))
    raise InvalidDateError(
        f"cannot read the year number {token!r} in {original!r}; write it as digits (5), 元 "
        "or kanji numerals (五, 三十一)"
    )


_WAREKI = re.compile(
    r"""^\s*(?P<era>明治|大正|昭和|平成|令和|[mtshr]\.?|meiji|taish[oō]u?|sh[oō]u?wa|heisei|reiwa)
    \s*-?\s*(?P<year>元|gannen|[0-9]+|[〇一二三四五六七八九十]+)\s*(?:年度?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def _check_era_year(era: Era, year: int, original: Any) -> int:
    if year < 1:
        raise InvalidDateError(
            f"{original!r}: era years start at 1 (元年); {era.name_ja}{year}年 does not exist"
        )
    last = era.last_year
    if last is not None and year > last:
        seireki = era.to_seireki(year)
        raise InvalidDateError(
            f"{original!r}: {era.name_ja} ({era.name_en}) ended in its year {last} "
            f"({era.end}), so {era.name_ja}{year}年 does not exist. Documents printed before the "
            f"change sometimes use it for {seireki}; if that is meant, write "
            f"{to_wareki(seireki)} or pass {seireki}"
        )
    return era.to_seireki(year)


def to_seireki(text_or_era: Any, year: int | str | None = None) -> Any:
    """Convert a Japanese-era year (和暦) to the Western year (西暦).

    Parameters
    ----------
    text_or_era : str or pandas.Series
        An era year as text: ``"令和5年"``, ``"令和元年"``, ``"令和５年"`` (full width),
        ``"令和五年"`` (kanji numerals), ``"R5"``, ``"r.5"``, ``"H31"``, ``"Reiwa 5"``,
        ``"Heisei31"``, ``"㋿5"``; a trailing 年 or 年度 is allowed. With ``year`` given, the era
        alone: ``"平成"``, ``"Heisei"`` or ``"H"``. A Series of such texts is converted element by
        element (missing values stay missing).
    year : int or str, optional
        The year within the era (``30``, ``"30"``, ``"元"``) when ``text_or_era`` is an era name.

    Returns
    -------
    int or pandas.Series
        The Western year (``Int64`` Series for Series input).

    Raises
    ------
    InvalidDateError
        When the text cannot be read, or the year does not exist in the era: 平成32年 (平成
        ended in its 31st year), 令和0年.

    Examples
    --------
    >>> to_seireki("令和元年")
    2019
    >>> to_seireki("平成", 30)
    2018
    """
    if isinstance(text_or_era, pd.Series):
        if year is not None:
            raise InvalidDateError(
                "to_seireki takes `year` only with a single era name, not with a Series; put the "
                "era and year together in the Series (令和5年)"
            )
        return _map_series(text_or_era, to_seireki, "Int64")
    if not isinstance(text_or_era, str):
        raise InvalidDateError(
            f"to_seireki reads era years written as text like '令和5年' or 'R5', got "
            f"{text_or_era!r} ({type(text_or_era).__name__})"
        )
    if year is not None:
        era = _era_by_name(text_or_era.strip().rstrip("."))
        if era is None:
            raise InvalidDateError(
                f"{text_or_era!r} is not an era name; use one of "
                + ", ".join(f"{e.name_ja}/{e.name_en}/{e.abbr}" for e in ERAS)
            )
        if isinstance(year, bool) or not isinstance(year, int | str | np.integer):
            raise InvalidDateError(f"year {year!r} must be an int or a string like '5' or '元'")
        number = (
            int(year)
            if not isinstance(year, str)
            else _era_year_number(unicodedata.normalize("NFKC", year).removesuffix("年"), year)
        )
        return _check_era_year(era, number, f"{text_or_era}{year}")
    match = _WAREKI.match(unicodedata.normalize("NFKC", text_or_era))
    if match is None:
        raise InvalidDateError(
            f"cannot read {text_or_era!r} as a Japanese-era year; write it like '令和5年', "
            "'令和元年', 'R5' or 'Heisei 31' (eras: "
            + ", ".join(f"{e.name_ja} {e.name_en} {e.abbr}" for e in ERAS)
            + ")"
        )
    era = _era_by_name(match["era"].rstrip("."))
    if era is None:  # the pattern lists only era names; keep the guard for safety
        raise InvalidDateError(f"unknown era {match['era']!r} in {text_or_era!r}")
    number = _era_year_number(match["year"].lower(), text_or_era)
    return _check_era_year(era, number, text_or_era)


def _as_date(value: Any, *, func: str) -> date:
    """A scalar date-like value as a ``datetime.date`` (errors say what ``func`` accepts)."""
    if isinstance(value, pd.Timestamp | datetime):
        if value is pd.NaT:
            raise InvalidDateError(f"{func} got a missing date (NaT); drop or fill it first")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InvalidDateError(f"{func} got a missing date (NaT); drop or fill it first")
        return pd.Timestamp(value).date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError as err:
            raise InvalidDateError(
                f"{func} cannot read {value!r} as a date; use ISO form '2024-04-01', a "
                "datetime.date or a pandas.Timestamp"
            ) from err
    raise InvalidDateError(
        f"{func} needs a date (datetime.date, pandas.Timestamp or '2024-04-01'), got {value!r} "
        f"({type(value).__name__})"
    )


def _era_of_date(d: date, original: Any) -> Era:
    for era in reversed(ERAS):
        if d >= era.start:
            return era
    raise InvalidDateError(
        f"{original!r} is before 明治 (which starts on {ERAS[0].start}); eras before 明治 are not "
        "supported"
    )


def _format_wareki(era: Era, number: int, style: str, gannen: bool) -> str:
    if style == "kanji":
        return f"{era.name_ja}{'元' if number == 1 and gannen else number}年"
    if style == "romaji":
        return f"{era.name_en} {number}"
    return f"{era.abbr}{number}"


def to_wareki(date_or_year: Any, *, style: WarekiStyle = "kanji", gannen: bool = True) -> Any:
    """Convert a date or Western year (西暦) to a Japanese-era year (和暦).

    Parameters
    ----------
    date_or_year : date, datetime, pandas.Timestamp, str, int or pandas.Series
        A date (also an ISO string ``"2019-05-01"``), or a year as an int (or a whole float,
        as in a column of years with gaps). A Series (or
        DatetimeIndex) of dates or of int years is converted element by element; missing values
        stay missing.
    style : {"kanji", "romaji", "short"}
        ``"令和元年"``, ``"Reiwa 1"`` or ``"R1"``.
    gannen : bool
        In the kanji style, write the first year as 元年 (default) rather than 1年.

    Returns
    -------
    str or pandas.Series

    Raises
    ------
    InvalidDateError
        When the date is before 明治 (1868-01-25; an int year before 1868) or cannot be read.
    InvalidOptionError
        When ``style`` is not one of the values above.

    Notes
    -----
    A date maps to the era in force on that day: 2019-04-30 is 平成31年 and 2019-05-01 is
    令和元年. An int year has no day, so it maps to the era in force at the **end** of that year
    (31 December): 2019 → 令和元年, 1989 → 平成元年, 1926 → 昭和元年. That is the convention of
    Japanese official statistics, which label 2019 as 令和元年, and it makes
    ``to_seireki(to_wareki(y)) == y`` for every year.

    Examples
    --------
    >>> to_wareki(date(2019, 4, 30))
    '平成31年'
    >>> to_wareki(2023, style="short")
    'R5'
    """
    check_option("style", style, WarekiStyle)
    if isinstance(date_or_year, pd.Index):
        date_or_year = pd.Series(date_or_year)
    if isinstance(date_or_year, pd.Series):
        series = date_or_year
        if pd.api.types.is_datetime64_any_dtype(series):
            series = series.dt.date.astype(object)
        return _map_series(series, lambda v: to_wareki(v, style=style, gannen=gannen), "str")
    whole_float = isinstance(date_or_year, float | np.floating) and float(date_or_year).is_integer()
    if whole_float or (
        isinstance(date_or_year, int | np.integer) and not isinstance(date_or_year, bool)
    ):  # a year (a float one comes from a column of years with gaps)
        y = int(date_or_year)
        if y < ERAS[0].start.year:
            raise InvalidDateError(
                f"year {y} is before 明治 (which starts in {ERAS[0].start.year}); eras before "
                "明治 are not supported"
            )
        era = _era_of_date(date(y, 12, 31), date_or_year)
        return _format_wareki(era, y - era.start.year + 1, style, gannen)
    d = _as_date(date_or_year, func="to_wareki")
    era = _era_of_date(d, date_or_year)
    return _format_wareki(era, d.year - era.start.year + 1, style, gannen)


# --- fiscal year ---------------------------------------------------------------------------
def _check_start_month(start_month: Any) -> None:
    if (
        isinstance(start_month, bool)
        or not isinstance(start_month, int)
        or not (1 <= start_month <= 12)
    ):
        raise InvalidOptionError(
            f"start_month={start_month!r} must be a month number from 1 to 12 (4 for the "
            "Japanese 年度)"
        )


def fiscal_year(dates: Any, *, start_month: int = 4) -> Any:
    """Return the fiscal year (年度) of dates: the calendar year in which the fiscal year starts.

    Parameters
    ----------
    dates : date, datetime, pandas.Timestamp, str, pandas.Series or pandas.DatetimeIndex
        Date(s); strings in ISO form. A Series of strings or dates is parsed with
        :func:`pandas.to_datetime`.
    start_month : int
        First month of the fiscal year: 4 (default) for the Japanese 年度, April to March.

    Returns
    -------
    int, pandas.Series or pandas.Index
        2024-03-31 → 2023, 2024-04-01 → 2024. A Series gives an ``Int64`` Series with the same
        index (missing dates stay missing); a DatetimeIndex gives an ``Int64`` Index.

    Raises
    ------
    InvalidDateError
        When a value is not a date (a bare year is rejected: it is ambiguous).
    InvalidOptionError
        When ``start_month`` is not 1 to 12.

    Notes
    -----
    A fiscal year is named after the year in which it starts (2023年度 runs from 2023-04-01 to
    2024-03-31), the Japanese convention; the US federal government names its fiscal years after
    the year in which they end.
    """
    _check_start_month(start_month)
    if isinstance(dates, pd.DatetimeIndex):
        years = dates.year - (dates.month < start_month).astype(int)
        return pd.Index(years, dtype="Int64", name=dates.name).where(~dates.isna(), pd.NA)
    if isinstance(dates, pd.Series):
        if pd.api.types.is_datetime64_any_dtype(dates):
            parsed = dates
        elif pd.api.types.is_numeric_dtype(dates) and not dates.isna().all():
            raise InvalidDateError(
                f"fiscal_year needs dates, but Series {dates.name!r} holds numbers "
                f"({dates.dtype}); convert it with pd.to_datetime first"
            )
        else:
            try:
                parsed = pd.to_datetime(dates)
            except (ValueError, TypeError) as err:
                raise InvalidDateError(
                    f"fiscal_year cannot read Series {dates.name!r} as dates ({err}); convert it "
                    "with pd.to_datetime(..., format=...) first"
                ) from err
        years = parsed.dt.year - (parsed.dt.month < start_month).astype("Int64")
        return years.astype("Int64").rename(dates.name)
    d = _as_date(dates, func="fiscal_year")
    return d.year if d.month >= start_month else d.year - 1


def _check_fiscal_year(fy: Any) -> int:
    if isinstance(fy, bool) or not isinstance(fy, int | np.integer) or not 1 <= fy <= 9998:
        raise InvalidDateError(
            f"fiscal year {fy!r} must be a year as an int, like 2023 (for 2023年度)"
        )
    return int(fy)


def fiscal_year_range(fy: int, *, start_month: int = 4) -> tuple[date, date]:
    """Return the first and last day of a fiscal year.

    Parameters
    ----------
    fy : int
        The fiscal year, named after the year it starts in (2023 for 2023年度).
    start_month : int
        First month of the fiscal year (4, the default, for the Japanese 年度).

    Returns
    -------
    tuple of datetime.date
        ``(date(fy, 4, 1), date(fy + 1, 3, 31))`` for the default ``start_month``.

    Raises
    ------
    InvalidDateError
        When ``fy`` is not an int year.
    InvalidOptionError
        When ``start_month`` is not 1 to 12.
    """
    _check_start_month(start_month)
    fy = _check_fiscal_year(fy)
    first = date(fy, start_month, 1)
    next_first = date(fy + 1, start_month, 1) if start_month > 1 else date(fy + 1, 1, 1)
    return first, next_first - timedelta(days=1)


def fiscal_year_label(fy: Any, *, style: FiscalLabelStyle = "ja") -> Any:
    """Return the label of a fiscal year: ``"2023年度"``, ``"FY2023"`` or ``"令和5年度"``.

    Parameters
    ----------
    fy : int or pandas.Series
        The fiscal year (2023 for April 2023 to March 2024), or a Series of them.
    style : {"ja", "en", "wareki"}
        ``"2023年度"``, ``"FY2023"``, or the era form ``"令和5年度"``.

    Returns
    -------
    str or pandas.Series

    Raises
    ------
    InvalidDateError
        When ``fy`` is not an int year (or, for ``"wareki"``, is before 明治).
    InvalidOptionError
        When ``style`` is not one of the values above.

    Notes
    -----
    The era of a fiscal year in the ``"wareki"`` style is that of the calendar year ``fy`` (see
    :func:`to_wareki`): FY2019 is 令和元年度, as later statistics write it, although budget
    documents of early 2019 called it 平成31年度.
    """
    check_option("style", style, FiscalLabelStyle)
    if isinstance(fy, pd.Series):
        return _map_series(fy, lambda v: fiscal_year_label(v, style=style), "str")
    fy = _check_fiscal_year(fy)
    if style == "ja":
        return f"{fy}年度"
    if style == "en":
        return f"FY{fy}"
    return to_wareki(fy) + "度"
