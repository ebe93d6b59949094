"""和暦 ↔ 西暦: the Japanese eras from 明治 to 令和 (:data:`ERAS`), :func:`to_seireki` and
:func:`to_wareki`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import InvalidDateError, check_option
from ebpm.japan._values import _as_date, _map_series
from ebpm.japan.romaji import _ascii_fold

WarekiStyle = Literal["kanji", "romaji", "short"]


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
