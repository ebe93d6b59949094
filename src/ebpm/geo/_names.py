"""Area names and labels as :func:`ebpm.geo.attach` reads them: names folded for lookup
(kanji, kana, romaji; a prefecture or county in front, a suffix left out or in English),
e-Stat's combined labels (``"13000_東京都"``), and the code → name labels of its messages."""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from ebpm import japan
from ebpm.errors import did_you_mean

#: Columns of a geometry table whose names are matched too (municipality level).
NAME_COLUMNS = ("name_ja", "name", "name_en", "muni_name")


# A key is (code, None) when resolved, or (None, reason) when not.
Key = tuple[str | None, str | None]


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


# --- names ----------------------------------------------------------------------------------
def _name_key(text: str) -> str:
    """A name folded for lookup: NFKC, no spaces, katakana as hiragana, ヶ as ケ; romaji
    lowercase without accents, hyphens or apostrophes (``"Chūō-ku"`` → ``"chuoku"``)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    ascii_form = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    if ascii_form.isascii():
        return re.sub(r"[^a-z0-9]", "", ascii_form.lower())
    text = text.replace("ヶ", "ケ").replace("ヵ", "カ")
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


@functools.cache
def _japan_index() -> dict[str, frozenset[str]]:
    """Folded municipality name (kanji, kana, romaji) → codes, from :mod:`ebpm.japan`."""
    table = japan.municipalities()
    index: dict[str, set[str]] = {}
    for column in ("name_ja", "name_kana", "name_en"):
        for code, name in zip(table["code"], table[column], strict=True):
            index.setdefault(_name_key(str(name)), set()).add(str(code))
    return {k: frozenset(v) for k, v in index.items()}


@functools.cache
def _ward_index() -> dict[str, frozenset[str]]:
    """A designated city's ward by its own name (鶴見区, つるみく, Tsurumi-ku) → codes.

    Consulted only when the full name finds nothing, since the short names repeat (中央区 is a
    ward of eight cities and one of Tokyo's special wards).
    """
    table = japan.municipalities()
    by_code = table.set_index("code")
    index: dict[str, set[str]] = {}
    for row in table[table["kind"] == "ward"].itertuples():
        city = by_code.loc[row.parent_code]
        names = (
            row.name_ja.removeprefix(city["name_ja"]),
            row.name_kana.removeprefix(city["name_kana"]),
            row.name_en.split(" ")[-1],
        )
        for name in names:
            index.setdefault(_name_key(name), set()).add(str(row.code))
    return {k: frozenset(v) for k, v in index.items()}


@functools.cache
def _prefecture_prefixes() -> tuple[tuple[str, str], ...]:
    """(full kanji name, code), longest first, to split 東京都千代田区 into 東京都 + 千代田区."""
    table = japan.prefectures()
    pairs = zip(table["name_ja"], table["code"], strict=True)
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def _split_prefecture(text: str) -> tuple[str | None, str]:
    stripped = unicodedata.normalize("NFKC", text).strip()
    for full, code in _prefecture_prefixes():
        if stripped.startswith(full) and len(stripped) > len(full):
            return code, stripped[len(full) :].strip()
    return None, stripped


# --- e-Stat's combined labels and English suffixes ------------------------------------------
#: e-Stat's combined area label, after NFKC: a code, a separator and a name ("13000_東京都",
#: "01 北海道", "13101_千代田区"). The name must not start with a digit or a separator.
LABEL = re.compile(r"([0-9]{2,6})[\s_:\-]+([^\s_:\-0-9].*)")
#: English suffixes and the romaji ones they stand for ("Chiyoda City" is 千代田区).
ENGLISH_SUFFIXES = {
    "city": ("shi", "ku"),
    "ward": ("ku",),
    "town": ("machi", "cho"),
    "village": ("mura", "son"),
}
_ENGLISH = re.compile(r"[\s\-_]+(city|ward|town|village)\b", flags=re.IGNORECASE)
#: Suffixes tried after a name that matched nothing ("八王子" → 八王子市, "Hachioji" → ...-shi).
KANJI_SUFFIXES = ("市", "区", "町", "村", "し", "く", "まち", "ちょう", "むら", "そん")
ROMAJI_SUFFIXES = ("shi", "ku", "machi", "cho", "mura", "son")


def _split_label(value: Any) -> tuple[str, str] | None:
    """``(code, name)`` of a combined label such as ``"13000_東京都"``, else ``None``."""
    if not isinstance(value, str):
        return None
    found = LABEL.fullmatch(unicodedata.normalize("NFKC", value).strip())
    return (found.group(1), found.group(2).strip()) if found else None


def _english_variants(text: str) -> list[str]:
    """``text`` with English suffixes in romaji: "Chiyoda City" → Chiyoda-shi, Chiyoda-ku."""
    parts = _ENGLISH.split(text)  # [before, suffix, between, suffix, ..., after]
    if len(parts) == 1 or len(parts) > 7:  # none, or more than three: not a place name
        return []
    options = [
        [part] if i % 2 == 0 else [f"-{s}" for s in ENGLISH_SUFFIXES[part.lower()]]
        for i, part in enumerate(parts)
    ]
    return ["".join(choice) for choice in itertools.product(*options)]


def _suffixed(text: str) -> list[str]:
    """``text`` with each suffix a municipality's name may end in, in its own script."""
    if not text.strip():
        return []
    suffixes = ROMAJI_SUFFIXES if _name_key(text).isascii() else KANJI_SUFFIXES
    return [f"{text}{s}" for s in suffixes]


class _Names:
    """Municipality names → codes, from ebpm.japan and from the geometry's own name columns."""

    def __init__(self, geometry: Any | None, codes: list[str] | None):
        self.geometry_codes = frozenset(codes) if codes is not None else None
        self.index: dict[str, set[str]] = {k: set(v) for k, v in _japan_index().items()}
        self.labels: dict[str, str] = dict(_labels())  # code → a readable name, for messages
        self.choices: list[str] = list(japan.municipalities()["name_ja"])
        if geometry is not None and codes is not None:
            own: list[str] = []
            for column in NAME_COLUMNS:
                if column not in geometry.columns:
                    continue
                for code, name in zip(codes, geometry[column], strict=True):
                    if isinstance(name, str) and name.strip():
                        self.index.setdefault(_name_key(name), set()).add(code)
                        own.append(name.strip())
                        self.labels.setdefault(code, name.strip())
            if own:
                self.choices = own

    def resolve(self, value: Any) -> Key:
        if _is_missing(value):
            return None, "missing value"
        if not isinstance(value, str):
            return None, f"not a name ({type(value).__name__}); join numbers with code="
        pref, rest = _split_prefecture(value)
        codes: set[str] = set()
        for texts in ([rest], _english_variants(rest), _suffixed(rest)):
            codes = set().union(*(self._find(text, pref) for text in texts))
            if codes:  # the full name first; 八王子 + 市 only when 八王子 is nothing
                break
        if len(codes) > 1 and self.geometry_codes is not None:
            codes = (codes & self.geometry_codes) or codes
        if len(codes) == 1:
            return next(iter(codes)), None
        if not codes:
            hint = did_you_mean(rest, self.choices)
            return None, f"no municipality is named {value!r}.{hint}".rstrip(".")
        ordered = sorted(codes)
        listing = ", ".join(f"{c} {self.labels.get(c, '')}".strip() for c in ordered)
        example = self.labels.get(ordered[-1], "東京都府中市")
        return None, (
            f"{value!r} names {len(codes)} municipalities ({listing}); write the one meant in "
            f"full with its prefecture (e.g. {example!r}) or join by code="
        )

    def candidates(self, value: str) -> set[str]:
        """Every code ``value`` could name, by any rule (to check a label's code against)."""
        pref, rest = _split_prefecture(value)
        texts = [rest, *_english_variants(rest), *_suffixed(rest)]
        return set().union(*(self._find(text, pref, every=True) for text in texts))

    def _find(self, text: str, pref: str | None, *, every: bool = False) -> set[str]:
        """Codes named ``text``: the full name, else without its county (西多摩郡瑞穂町 → 瑞穂町,
        but not 郡山市), else a designated city's ward by its own name (鶴見区 for 横浜市鶴見区).
        ``every=True`` takes all three."""
        codes = self._lookup(text, pref)
        if not codes or every:
            county = re.fullmatch(r"(.+?郡)(.+[町村])", text)
            if county:
                codes |= self._lookup(county.group(2), pref)
        if not codes or every:
            codes |= self._in_pref(set(_ward_index().get(_name_key(text), ())), pref)
        return codes

    def _lookup(self, text: str, pref: str | None) -> set[str]:
        return self._in_pref(set(self.index.get(_name_key(text), ())), pref)

    @staticmethod
    def _in_pref(codes: set[str], pref: str | None) -> set[str]:
        return codes if pref is None else {c for c in codes if c.startswith(pref)}


@functools.cache
def _labels() -> dict[str, str]:
    """Code → its name with the prefecture (``"13101"`` → ``"東京都千代田区"``, ``"13"`` →
    ``"東京都"``), for messages."""
    table = japan.municipalities()
    labels = {
        str(code): f"{pref}{name}"
        for code, pref, name in zip(
            table["code"], table["prefecture_ja"], table["name_ja"], strict=True
        )
    }
    prefs = japan.prefectures()
    labels.update(zip(prefs["code"], prefs["name_ja"], strict=True))
    labels["13100"] = "東京都特別区部"
    return labels
