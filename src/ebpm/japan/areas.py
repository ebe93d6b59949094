"""Prefectures and municipalities of today (japancode's tables): the tables, and names ↔ codes.

Names in kanji, kana and romaji are read the way people write them (東京, とうきょうと,
``"Tokyo-to"``, ``"Toukyou"``); names through time (as they were on a date since 1970) are
:func:`ebpm.japan.municipality_code` with ``date=``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

import pandas as pd

from ebpm.errors import InvalidCodeError, check_option, did_you_mean
from ebpm.japan.codes import normalize_code
from ebpm.japan.romaji import _ascii_fold, _to_hiragana
from ebpm.japan.tables import (
    _municipality_by_code,
    _municipality_keys,
    _municipality_table,
    _prefecture_keys,
    _prefecture_table,
)

Lang = Literal["ja", "kana", "en"]


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
