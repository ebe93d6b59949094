"""Text in the diagram: caller text cleaned for XML, widths estimated (the reader's font is
unknown), labels wrapped with the basic Japanese line-breaking rules, numbers formatted."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from ebpm._format import decimals_for, fixed
from ebpm.kpi.diagram._style import _BOLD

_NO_START = frozenset(
    "、。，．,.)）]］｝〕〉》」』】〙〗〟’”｠»ゝゞーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ"
    "々〻‐゠–〜～？！?!‼⁇⁈⁉・:;：；／…‥%％"
)
_NO_END = frozenset("([（［｛〔〈《「『【〘〖〝‘“｟«")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(value: Any) -> str:
    """Caller text as one string: XML-illegal characters replaced, line ends unified."""
    text = _INVALID_XML.sub("\ufffd", str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def _esc(text: str) -> str:
    return html.escape(_clean(text), quote=True)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _char_em(ch: str) -> float:
    """Estimated advance of one character, in em (a wide character is two units of 0.5 em)."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0
    if _is_wide(ch):
        return 1.0
    if ch == " ":
        em = 0.33
    elif ch in "iljtfrI.,:;!|'`()[]":
        em = 0.38
    elif ch in "mwMW@%&—":
        em = 0.95
    elif ch in "−+=<>~±×÷✓✗":
        em = 0.86
    elif ch.isupper():
        em = 0.7
    elif ch.isdigit():
        em = 0.65
    else:
        em = 0.59
    return em * 1.06  # 6% to spare in DejaVu Sans, a wide fallback font


def _em(text: str) -> float:
    return sum(_char_em(c) for c in text)


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    return _em(text) * size * (_BOLD if bold else 1.0)


def _tokens(paragraph: str) -> list[str]:
    """Split at spaces (kept as " ") and around every East Asian wide character."""
    out: list[str] = []
    word = ""
    for ch in paragraph:
        if ch.isspace():
            if word:
                out.append(word)
                word = ""
            if out and out[-1] != " ":
                out.append(" ")
        elif _char_em(ch) == 0.0 and not word and out and out[-1] != " ":
            out[-1] += ch  # a combining mark stays with its base
        elif _is_wide(ch):
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        elif ch in "-/_" and len(word) > 1:  # break after a hyphen, slash or underscore
            out.append(word + ch)
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    while out and out[-1] == " ":
        out.pop()
    return out


def _wrap(text: str, width: float, size: float, *, bold: bool = False, first: float | None = None):
    """Wrap ``text`` into lines no wider than ``width`` px (``first`` px for the first line).

    Breaks at spaces, after hyphens, slashes and underscores (task names) and between East
    Asian characters; a word wider than a line
    is cut. A closing mark (、。」…) hangs at the end of a line rather than start the next one,
    an opening mark (「（…) moves to the next line with what follows it, and a lone East Asian
    character does not make a last line of its own.
    """
    scale = size * (_BOLD if bold else 1.0)
    done: list[list[str]] = []  # lines as tokens (" " between words)

    def limit() -> float:
        return (first if first is not None and not done else width) / scale

    def em(line: list[str]) -> float:
        return _em("".join(line))

    line: list[str] = []

    def place(tok: str) -> None:
        nonlocal line
        if em(line) + _em(tok) <= limit():
            line.append(tok)
            return
        for ch in tok:  # cut a word wider than the line
            if "".join(line).strip() and em(line) + _char_em(ch) > limit():
                done.append(line)
                line = []
            line.append(ch)

    for paragraph in _clean(text).split("\n"):
        start = len(done)
        line = []
        for tok in _tokens(paragraph):
            if tok == " ":
                if line:
                    line.append(" ")
                continue
            fits = em(line) + _em(tok) <= limit()
            opening = all(t[-1] in _NO_END for t in line if t != " ")  # blank, or only 「
            if fits or opening:
                place(tok)
                continue
            while line and line[-1] == " ":
                line.pop()
            if tok[0] in _NO_START and _em(tok) <= 1.0:
                line.append(tok)  # hangs past the edge, into the padding
                continue
            carry: list[str] = []
            if len(line) > 1 and line[-1][-1] in _NO_END:
                carry = [line.pop()]
            done.append(line)
            line = carry
            place(tok)
        done.append(line)
        last = [t for t in done[-1] if t != " "]
        if len(done) - start > 1 and len(last) == 1 and _is_wide(last[0][0]):
            prev = done[-2]  # a widow: bring a character (two if needed) down with it
            moved: list[str] = []
            while len(prev) > 2 and _is_wide(prev[-1][0]) and (not moved or moved[0] in _NO_START):
                moved.insert(0, prev.pop())
            if moved and moved[0] not in _NO_START:
                done[-1] = moved + done[-1]
            else:
                prev.extend(moved)
    return ["".join(line).rstrip() for line in done]


def _number(x: float, decimals: int) -> str:
    return fixed(x, decimals, thousands=True, minus=True)


def _estimate_text(ev: Mapping[str, Any]) -> str | None:
    """``−19.6 [−30.1, −9.2]`` (None when there is neither estimate nor interval)."""
    est, low, high = ev.get("estimate"), ev.get("low"), ev.get("high")
    if est is None and low is None and high is None:
        return None
    d = decimals_for(est, low, high)
    head = "–" if est is None else _number(est, d)
    if low is None and high is None:
        return head
    lo = "–" if low is None else _number(low, d)
    hi = "–" if high is None else _number(high, d)
    return f"{head} [{lo}, {hi}]"


def _fmt(v: float) -> str:
    text = f"{v:.1f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text
