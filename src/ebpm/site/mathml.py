"""TeX in markdown cells turned into MathML, so published reports show equations offline.

nbconvert leaves ``$...$`` for MathJax, a script fetched from a CDN; a published report must
work from ``file://`` and any static host, so ebpm drops that script and converts the TeX here
instead (with latex2mathml). Browsers draw MathML themselves (MathML Core: Chromium 109+,
Firefox, Safari). A formula latex2mathml cannot convert stays as its TeX source.

Delimiters follow pandoc's ``tex_math_dollars``: ``$$...$$`` is display math; ``$...$`` is
inline math when the opening ``$`` has a non-space character right after it and the closing
one a non-space character right before it and no digit right after it, so "$5 and $10" stays
text. ``\\$`` is a literal dollar. Code spans and fenced code blocks are left alone.
"""

from __future__ import annotations

import html
import re

__all__ = ["markdown_math_to_mathml", "tex_to_mathml"]

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
_TOKENS = re.compile(
    r"(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|(?P<escaped>\\\$)"
    r"|\$\$(?P<block>.+?)\$\$"
    r"|(?<!\$)\$(?P<inline>(?=\S)[^$\n]*?[^\s\\])\$(?!\d)",
    re.S,
)


def tex_to_mathml(tex: str, *, display: bool = False) -> str | None:
    """MathML for ``tex``, with the TeX as its ``alttext`` (read by screen readers); None
    when latex2mathml cannot convert it."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of errors for TeX it does not know
        return None
    alt = html.escape(tex.strip(), quote=True)
    return mathml.replace("<math ", f'<math alttext="{alt}" ', 1)


def _convert_text(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group("code") or m.group("escaped"):
            return m.group(0)
        if m.group("block") is not None:
            mathml = tex_to_mathml(m.group("block"), display=True)
            if mathml is None:
                return m.group(0)
            # an HTML block of its own: markdown leaves it as it is
            return f'\n\n<div class="ebpm-math-block">{mathml}</div>\n\n'
        mathml = tex_to_mathml(m.group("inline"))
        return m.group(0) if mathml is None else mathml

    return _TOKENS.sub(one, text)


def markdown_math_to_mathml(source: str) -> str:
    """``source`` (a markdown cell) with its TeX math replaced by MathML.

    Examples
    --------
    >>> out = markdown_math_to_mathml("The effect $\\\\tau$ costs $5 and $10.")
    >>> out.count("<math"), "$5 and $10" in out
    (1, True)
    """
    if "$" not in source:
        return source
    out: list[str] = []
    text: list[str] = []
    fence: str | None = None
    for line in source.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            out.append(_convert_text("".join(text)))
            text = []
            fence = m.group(2)[0] * len(m.group(2))
            out.append(line)
        elif fence is not None:
            out.append(line)
            # a closing fence: as long as the opening one at least, and no info string
            if m and m.group(2).startswith(fence) and not line[m.end() :].strip():
                fence = None
        else:
            text.append(line)
    out.append(_convert_text("".join(text)))
    return "".join(out)
