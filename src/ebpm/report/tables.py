"""Regression tables for reports: several specifications side by side."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from ebpm._format import fixed
from ebpm._lang import check_lang, current_lang
from ebpm.comparison import _named, compare
from ebpm.errors import InvalidOptionError, did_you_mean
from ebpm.results import EstimateResult

__all__ = ["Table", "etable"]

Format = Literal["html", "markdown", "latex"]
FORMATS = ("html", "markdown", "latex")


class Table(str):
    """A rendered table: a plain ``str`` that notebooks display as HTML or Markdown.

    ``markup`` says which of ``"html"``, ``"markdown"`` or ``"latex"`` the text is (it is not
    called ``format``, which would hide :meth:`str.format`).
    """

    markup: Format = "markdown"

    def _repr_html_(self) -> str | None:
        return str(self) if self.markup == "html" else None

    def _repr_markdown_(self) -> str | None:
        return str(self) if self.markup == "markdown" else None

    def _repr_latex_(self) -> str | None:
        return str(self) if self.markup == "latex" else None


#: LaTeX for the characters it reserves (and ², which its fonts may lack).
_TEX_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "_": r"\_",
        "#": r"\#",
        "$": r"\$",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        "²": r"$^2$",
    }
)


def _num(x: Any, digits: int) -> str:
    if isinstance(x, float):
        return fixed(x, digits)
    return "" if x is None else str(x)


#: The fit rows' labels on a Japanese page (the table's words; the values are the estimators').
FIT_LABELS_JA = {
    "estimand": "推定対象",
    "method": "手法",
    "observations": "観測数",
    "inference": "推論",
    "confidence level": "信頼水準",
    "R²": "R²",
    "R² within": "R²（グループ内）",
    "pre-period RMSPE": "処置前のRMSPE",
    "placebo p-value": "プラセボのp値",
    "treated observations": "処置群の観測数",
}


def _in_japanese(fit_rows: list[list[str]], results: list[EstimateResult]) -> list[list[str]]:
    """The fit rows of :func:`_cells` with Japanese labels, and each estimator's own words
    (estimand, method, inference) in Japanese where it gives them."""
    words = {
        "estimand": [r.said("ja")["estimand"] for r in results],
        "method": [r.title_in("ja") for r in results],
        "inference": [r.said("ja")["inference"] for r in results],
    }
    out = []
    for row in fit_rows:
        label = row[0]
        if label in words:
            row = [label, *words[label]]
        out.append([FIT_LABELS_JA.get(label, label), *row[1:]])
    return out


def _cells(frame: pd.DataFrame, base: int) -> list[list[str]]:
    """Rows of display text: term, (se), [ci] per term, then the fit rows."""
    out: list[list[str]] = []
    cols = list(frame.columns)
    terms = [s for s in dict.fromkeys(frame.index.get_level_values(0)) if s != "fit"]
    for term in terms:
        # decimals per term, from the largest estimate: -0.0225 keeps its 4 decimals
        values = [v for v in frame.loc[(term, "estimate")] if isinstance(v, float) and v == v]
        biggest = max((abs(v) for v in values), default=1.0)
        digits = base + (max(0, -math.floor(math.log10(biggest)) - 1) if 0 < biggest < 1 else 0)
        est = [_num(frame.at[(term, "estimate"), c], digits) for c in cols]
        se = [frame.at[(term, "std_error"), c] for c in cols]
        lo = [frame.at[(term, "conf_low"), c] for c in cols]
        hi = [frame.at[(term, "conf_high"), c] for c in cols]
        out.append([str(term), *est])
        out.append(["", *[f"({_num(s, digits)})" if _num(s, digits) else "" for s in se]])
        out.append(
            [
                "",
                *[
                    f"[{_num(a, digits)}, {_num(b, digits)}]" if _num(a, digits) else ""
                    for a, b in zip(lo, hi, strict=True)
                ],
            ]
        )
    for label in frame.loc["fit"].index:
        values = frame.loc[("fit", label)]
        if label == "confidence level":
            text = [f"{v:.0%}" if isinstance(v, float) else "" for v in values]
        elif label == "observations":
            text = [f"{int(v):,}" if v == v and v is not None else "" for v in values]
        else:
            text = [_num(v, base) for v in values]
        out.append([str(label), *text])
    return out


def etable(
    results: Sequence[EstimateResult] | Mapping[str, EstimateResult] | EstimateResult,
    *,
    format: Format = "html",
    names: Sequence[str] | None = None,
    terms: Sequence[str] | None = None,
    digits: int = 3,
    caption: str | None = None,
    lang: str | None = None,
) -> Table:
    """Render results side by side as an HTML, Markdown or LaTeX table.

    Each term shows its estimate, its standard error in parentheses and its confidence interval
    in brackets; below come the estimand, method, observations, inference and diagnostics rows of
    :func:`ebpm.compare`. In a notebook the returned :class:`Table` displays itself. ``lang``
    ("en" or "ja"; default the site's, :func:`ebpm.report.language`) is the language of the
    row labels and of what each estimator says in words (estimand, method, inference).
    """
    if format not in FORMATS:
        raise InvalidOptionError(
            f"format={format!r} is not supported.{did_you_mean(str(format), FORMATS)} "
            f"Choose one of: {', '.join(map(repr, FORMATS))}."
        )
    frame = compare(results, names=names, terms=terms)
    rows = _cells(frame, digits)
    if check_lang(lang if lang is not None else current_lang()) == "ja":
        fit = len(frame.loc["fit"])
        rows = rows[:-fit] + _in_japanese(rows[-fit:], list(_named(results, names).values()))
    header = ["", *map(str, frame.columns)]
    if format == "markdown":
        lines = [
            "| " + " | ".join(h.replace("|", "\\|") for h in header) + " |",
            "|" + "---|" + "---:|" * (len(header) - 1),
        ]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
        text = "\n".join(([f"**{caption}**", ""] if caption else []) + lines)
    elif format == "latex":

        def tex(s: str) -> str:
            return s.translate(_TEX_ESCAPES)  # one pass: "{}" of \textbackslash{} stays

        body = [" & ".join(tex(c) for c in r) + r" \\" for r in rows]
        lines = [
            r"\begin{table}[ht]\centering",
            *([rf"\caption{{{tex(caption)}}}"] if caption else []),
            r"\begin{tabular}{l" + "c" * (len(header) - 1) + "}",
            r"\hline",
            " & ".join(tex(h) for h in header) + r" \\",
            r"\hline",
            *body,
            r"\hline",
            r"\end{tabular}",
            r"\end{table}",
        ]
        text = "\n".join(lines)
    else:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        cells = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
        cap = f"<caption>{esc(caption)}</caption>" if caption else ""
        text = (
            f'<table class="ebpm-etable">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{cells}</tbody></table>"
        )
    table = Table(text)
    table.markup = format
    return table
