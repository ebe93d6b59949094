"""Kana and romaji: katakana as hiragana, romaji folded to plain ASCII, and the modified
Hepburn romanisation (without macrons) of the municipality names in :mod:`ebpm.japan.tables`."""

from __future__ import annotations

import unicodedata


def _to_hiragana(text: str) -> str:
    """Katakana → hiragana (the kana blocks are 0x60 apart); other characters unchanged."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _ascii_fold(text: str) -> str:
    """Lowercase ASCII form of a romaji name: macrons and other accents removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


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


_SUFFIXES = {"市": ("し",), "区": ("く",), "町": ("まち", "ちょう"), "村": ("むら", "そん")}


def _romanize_name(name_ja: str, kana: str) -> str:
    """Romaji of one municipality or ward name, its suffix split off: ``Chiyoda-ku``."""
    for suffix in _SUFFIXES.get(name_ja[-1], ()):
        if kana.endswith(suffix) and len(kana) > len(suffix):
            stem = _romanize(kana[: -len(suffix)])
            return f"{stem.capitalize()}-{_romanize(suffix)}"
    return _romanize(kana).capitalize()
