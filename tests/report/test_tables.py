"""Tests of ebpm.report.tables: ``etable`` on results made by hand (decimals, fit rows, escaping
in Markdown, LaTeX and HTML) and the ``Table`` string that displays itself (etable on fitted
models is also checked in tests/test_comparison.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from ebpm.errors import InvalidOptionError
from ebpm.report.tables import Table, etable
from ebpm.results import EstimateResult


def _result(
    estimates: dict[str, tuple[float, float]], *, n_obs: int = 100, r2: float | None = None
) -> EstimateResult:
    """A DiD-shaped result: ``{term: (estimate, std_error)}``, intervals at ±2 standard errors."""
    rows = [
        {
            "term": term,
            "estimate": est,
            "std_error": se,
            "statistic": est / se,
            "p_value": 0.01,
            "conf_low": est - 2 * se,
            "conf_high": est + 2 * se,
        }
        for term, (est, se) in estimates.items()
    ]
    return EstimateResult(
        method="did",
        title="DiD",
        estimand="ATT",
        table=pd.DataFrame(rows),
        headline=rows[0]["term"],
        n_obs=n_obs,
        inference="cluster-robust",
        diagnostics={} if r2 is None else {"r2": r2},
    )


SMALL = _result({"treated": (-0.0225, 0.0061)}, n_obs=1234, r2=0.91)
LARGE = _result({"treated": (12.5, 3.25), "x_1": (0.5, 0.1)}, n_obs=56)


# --- Table ----------------------------------------------------------------------------------
@pytest.mark.parametrize("markup", ["html", "markdown", "latex"])
def test_a_table_displays_itself_in_its_own_markup_only(markup: str) -> None:
    table = Table("text")
    table.markup = markup
    shown = {
        "html": table._repr_html_(),
        "markdown": table._repr_markdown_(),
        "latex": table._repr_latex_(),
    }
    assert shown == {m: ("text" if m == markup else None) for m in shown}
    assert table == "text"
    assert Table("x").markup == "markdown"


# --- decimals and fit rows ------------------------------------------------------------------
def test_a_small_estimate_keeps_its_significant_decimals() -> None:
    lines = etable(SMALL, format="markdown").splitlines()
    assert lines[:5] == [
        "|  | (1) |",
        "|---|---:|",
        "| treated | -0.0225 |",  # 3 decimals, plus one for the leading zero after the point
        "|  | (0.0061) |",
        "|  | [-0.0347, -0.0103] |",
    ]
    assert etable(SMALL, format="markdown", digits=2).splitlines()[2] == "| treated | -0.022 |"


def test_decimals_follow_the_largest_estimate_of_a_term() -> None:
    text = etable([SMALL, LARGE], format="markdown", names=["small", "large"])
    lines = text.splitlines()
    assert lines[0] == "|  | small | large |"
    assert lines[1] == "|---|---:|---:|"
    assert lines[2:8] == [
        "| treated | -0.022 | 12.500 |",  # 12.5 sets 3 decimals for the row
        "|  | (0.006) | (3.250) |",
        "|  | [-0.035, -0.010] | [6.000, 19.000] |",
        "| x_1 |  | 0.500 |",  # a term only one result has: blank elsewhere
        "|  |  | (0.100) |",
        "|  |  | [0.300, 0.700] |",
    ]
    assert lines[8:] == [
        "| estimand | ATT | ATT |",
        "| method | DiD | DiD |",
        "| observations | 1,234 | 56 |",  # with a thousands separator
        "| inference | cluster-robust | cluster-robust |",
        "| confidence level | 95% | 95% |",
        "| R² | 0.910 |  |",  # a diagnostic only one result has
    ]


def test_terms_selects_rows_and_a_missing_estimate_is_blank() -> None:
    only = etable({"a": SMALL, "b": LARGE}, format="markdown", terms=["x_1"]).splitlines()
    assert only[2:5] == ["| x_1 |  | 0.500 |", "|  |  | (0.100) |", "|  |  | [0.300, 0.700] |"]
    assert not any(line.startswith("| treated ") for line in only)
    nan = _result({"treated": (float("nan"), float("nan"))})
    assert etable(nan, format="markdown").splitlines()[2:5] == [
        "| treated |  |",
        "|  |  |",
        "|  |  |",
    ]


# --- the three markups ----------------------------------------------------------------------
def test_markdown_caption_and_escaped_cells() -> None:
    piped = _result({"a|b": (0.5, 0.25)})
    text = etable(piped, format="markdown", caption="Effect of a|b")
    lines = text.splitlines()
    assert lines[:2] == ["**Effect of a|b**", ""]
    assert lines[4] == "| a\\|b | 0.500 |"  # a | inside a cell would start a new column
    assert text.markup == "markdown"
    header = etable({"A|B": SMALL}, format="markdown").splitlines()[0]
    assert header == "|  | A\\|B |"  # in the header too


def test_latex_escapes_special_characters() -> None:
    odd = _result({"$x_1 # 100%\\": (1.5, 0.25)}, r2=0.5)
    text = etable(odd, format="latex", caption="A & B")
    lines = text.splitlines()
    assert lines[:5] == [
        r"\begin{table}[ht]\centering",
        r"\caption{A \& B}",
        r"\begin{tabular}{lc}",
        r"\hline",
        r" & (1) \\",
    ]
    assert r"\$x\_1 \# 100\%\textbackslash{} & 1.500 \\" in lines
    assert r"R$^2$ & 0.500 \\" in lines
    assert lines[-3:] == [r"\hline", r"\end{tabular}", r"\end{table}"]
    assert text.markup == "latex"
    assert text._repr_latex_() == str(text)


def test_latex_escapes_tildes_carets_and_braces() -> None:
    text = etable({"{m}~^": SMALL}, format="latex", caption="y ~ x^2 {a}")
    lines = text.splitlines()
    assert lines[1] == r"\caption{y \textasciitilde{} x\textasciicircum{}2 \{a\}}"
    assert lines[4] == r" & \{m\}\textasciitilde{}\textasciicircum{} \\"
    back = etable({"a\\{b}": SMALL}, format="latex").splitlines()[3]  # no caption
    assert back == r" & a\textbackslash{}\{b\} \\"  # the braces of \textbackslash{} stay


def test_html_escapes_header_cells_and_caption() -> None:
    text = etable({"<A>": SMALL}, format="html", caption="x < y & z")
    assert text.startswith(
        '<table class="ebpm-etable"><caption>x &lt; y &amp; z</caption>'
        "<thead><tr><th></th><th>&lt;A&gt;</th></tr></thead><tbody>"
        "<tr><td>treated</td><td>-0.0225</td></tr>"
    )
    assert text.endswith("<tr><td>R²</td><td>0.910</td></tr></tbody></table>")
    assert text._repr_html_() == str(text)
    assert text._repr_markdown_() is None


def test_an_unknown_format_suggests_the_close_one() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^format='HTML' is not supported\. Did you mean 'html'\? Choose one of: 'html', "
        r"'markdown', 'latex'\.$",
    ):
        etable(SMALL, format="HTML")


def test_on_a_japanese_page_the_fit_rows_read_in_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    ja = dataclasses.replace(
        SMALL,
        translations={"ja": {"estimand": "処置群平均処置効果", "inference": "クラスター頑健"}},
    )
    monkeypatch.setenv("EBPM_LANG", "ja")
    text = str(etable(ja, format="markdown"))
    assert "| 推定対象 | 処置群平均処置効果 |" in text
    assert "| 手法 | 差の差分法（二方向固定効果） |" in text
    assert "| 推論 | クラスター頑健 |" in text
    assert "| 観測数 | 1,234 |" in text
    assert "| 信頼水準 | 95% |" in text
    assert "| treated | -0.0225 |" in text  # the numbers as in English
    assert str(etable(ja, format="markdown", lang="en")).count("| estimand | ATT |") == 1
