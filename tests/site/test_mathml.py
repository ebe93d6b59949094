"""Tests of TeX to MathML (ebpm.site.mathml): delimiters, code left alone, alttext, reports."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from ebpm.site import mathml

_NS = 'xmlns="http://www.w3.org/1998/Math/MathML"'


def test_display_and_inline_math_become_mathml_with_the_tex_as_alttext() -> None:
    out = mathml.markdown_math_to_mathml("for unit $i$:\n\n$$Y_{it} = \\alpha_i + \\tau D_{it}$$\n")
    maths = re.findall(r"<math\b[^>]*>.*?</math>", out, re.S)
    assert len(maths) == 2
    inline, block = (ET.fromstring(m) for m in maths)
    assert inline.get("display") == "inline"
    assert inline.get("alttext") == "i"
    assert block.get("display") == "block"
    assert block.get("alttext") == "Y_{it} = \\alpha_i + \\tau D_{it}"
    assert '<div class="ebpm-math-block">' in out
    assert "α" in "".join(block.itertext())  # \alpha became the Greek letter


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10.",  # currency: a space before the closing $, a digit after
        "a lone $ sign",
        "escaped \\$x\\$ dollars",
        "code `$x$` stays",
        "$ x$ has a space after the opening $",
        "no math at all",
    ],
)
def test_text_that_is_not_math_is_left_alone(text: str) -> None:
    assert mathml.markdown_math_to_mathml(text) == text


def test_fenced_code_blocks_are_left_alone() -> None:
    src = "before $a$\n\n```python\nprice = '$x$'\n```\n\n~~~\n$$y$$\n~~~\nafter $b$\n"
    out = mathml.markdown_math_to_mathml(src)
    assert "price = '$x$'" in out
    assert "\n$$y$$\n" in out
    assert out.count("<math") == 2


def test_tex_latex2mathml_cannot_read_stays_as_source() -> None:
    assert mathml.tex_to_mathml("\\frac{1}{") is None
    assert mathml.markdown_math_to_mathml("see $\\frac{1}{$ here") == "see $\\frac{1}{$ here"


def test_alttext_is_escaped() -> None:
    out = mathml.tex_to_mathml('a < b "c"')
    assert out is not None
    assert 'alttext="a &lt; b &quot;c&quot;"' in out


def test_reports_carry_mathml_and_no_mathjax() -> None:
    import nbformat

    from ebpm.site.render import report_page

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Model\n\n$$y = \\beta x$$"),
        nbformat.v4.new_code_cell(
            "display(Markdown('effect $\\\\tau$'))",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/markdown": "effect $\\tau$", "text/plain": "x"}
                )
            ],
        ),
    ]
    page = report_page(nb, title="t")
    assert page.count("<math") == 2
    assert "mathjax" not in page.lower()
    assert "<script src=" not in page


def test_tex_to_mathml_inline_and_display() -> None:
    assert mathml.tex_to_mathml("x") == (
        f'<math alttext="x" {_NS} display="inline"><mrow><mi>x</mi></mrow></math>'
    )
    assert mathml.tex_to_mathml(" x^2 ", display=True) == (  # the TeX is stripped
        f'<math alttext="x^2" {_NS} display="block">'
        "<mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>"
    )


def test_a_digit_after_the_closing_dollar_keeps_it_text() -> None:
    out = mathml.markdown_math_to_mathml("$x$5 and $y$.")
    assert out == (
        f'$x$5 and <math alttext="y" {_NS} display="inline"><mrow><mi>y</mi></mrow></math>.'
    )


def test_display_math_may_span_lines_and_becomes_its_own_block() -> None:
    out = mathml.markdown_math_to_mathml("$$\na+b\n$$")
    assert out == (
        f'\n\n<div class="ebpm-math-block"><math alttext="a+b" {_NS} display="block">'
        "<mrow><mi>a</mi><mo>&#x0002B;</mo><mi>b</mi></mrow></math></div>\n\n"
    )


def test_math_inside_japanese_text() -> None:
    out = mathml.markdown_math_to_mathml("効果は$\\tau$です")
    assert out == (
        f'効果は<math alttext="\\tau" {_NS} display="inline">'
        "<mrow><mi>&#x003C4;</mi></mrow></math>です"
    )


def test_a_shorter_fence_does_not_close_a_longer_one() -> None:
    src = "````\n$a$\n```\n$b$\n````\n$c$"
    out = mathml.markdown_math_to_mathml(src)
    assert out.startswith("````\n$a$\n```\n$b$\n````\n")  # all inside the four-backtick fence
    assert out.count("<math") == 1
    assert 'alttext="c"' in out


def test_a_fence_of_tildes_is_not_closed_by_backticks() -> None:
    src = "~~~\n$a$\n```\n$b$\n~~~\n$c$\n"
    out = mathml.markdown_math_to_mathml(src)
    assert out.startswith("~~~\n$a$\n```\n$b$\n~~~\n")
    assert re.findall(r'alttext="(\w)"', out) == ["c"]


def test_a_fence_line_with_an_info_string_does_not_close_a_fence() -> None:
    src = "```\n$a$\n```python\n$b$\n```\n"
    assert mathml.markdown_math_to_mathml(src) == src


def test_a_shorter_fence_does_not_close_a_fence() -> None:
    src = "````\n$a$\n```\n$b$\n````\nafter $c$\n"
    out = mathml.markdown_math_to_mathml(src)
    assert out.startswith("````\n$a$\n```\n$b$\n````\n")
    assert out.count("<math") == 1
