"""Names through time: :func:`municipality_code`, a municipality's code from its name as it was
on a date (variant kanji, kana, a name without its suffix, a ward with its city)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from datetime import date
from typing import Any

from ebpm.errors import InvalidCodeError, did_you_mean
from ebpm.japan.history.record import _as_date, _county, _display, _intervals, _record

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
