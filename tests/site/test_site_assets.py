"""What published pages carry with them: Japanese glyphs, math as MathML, run-history pages."""

from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ebpm import site
from ebpm.report import fonts
from ebpm.site import history as runs
from ebpm.site import mathml

# --- Japanese glyphs embedded in each page ---------------------------------------------------


def _embedded_font(css: str):
    from fontTools.ttLib import TTFont

    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", css)
    assert m, css[:200]
    return TTFont(io.BytesIO(base64.b64decode(m.group(1))))


def test_glyphs_needed_are_the_distinct_japanese_characters_sorted() -> None:
    text = "<p>失業率 (unemployment) 失業 – ½ α ｱ</p>"
    assert fonts.glyphs_needed(text) == "".join(sorted("失業率ｱ"))


def test_a_page_without_japanese_embeds_no_font() -> None:
    assert fonts.font_face_css("<p>Proposition 99 – α ≥ 0.05 ½</p>") == ""


def test_the_embedded_font_has_exactly_the_page_glyphs() -> None:
    css = fonts.font_face_css("<h1>政策評価の一覧</h1><p>都道府県</p>")
    assert css.startswith('@font-face{font-family:"ebpm-ja";font-display:block;')
    font = _embedded_font(css)
    cmap = set(font.getBestCmap())
    assert {ord(c) for c in "政策評価の一覧都道府県"} <= cmap
    assert ord("人") not in cmap  # nothing the page does not use
    assert len(css) < 40_000  # a few kB, not the 6 MB font


def test_a_character_the_font_lacks_is_left_to_the_readers_fonts() -> None:
    css = fonts.font_face_css("東京 \U0001f600")  # an emoji: not in IPAexGothic
    font = _embedded_font(css)
    assert ord("東") in font.getBestCmap()
    assert 0x1F600 not in font.getBestCmap()


def test_the_font_cache_is_keyed_by_characters(tmp_path: Path) -> None:
    first = fonts.font_face_css("東京都", cache_dir=tmp_path)
    cached = list(tmp_path.glob("*.woff"))
    assert len(cached) == 1
    assert fonts.font_face_css("<p>都京東</p>", cache_dir=tmp_path) == first  # same characters
    cached[0].write_bytes(b"wOFF-not-really")  # a cache hit does no font work at all
    assert "d09GRi1ub3QtcmVhbGx5" in fonts.font_face_css("京都東", cache_dir=tmp_path)
    fonts.font_face_css("大阪", cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.woff"))) == 2


def test_every_site_page_uses_the_stack_with_the_embedded_font_last(tmp_path: Path) -> None:
    page = site.failure_page(
        pipeline="p",
        task="t",
        run_id="r1",
        notebook="nb.py",
        parameters={},
        error=None,
        reason="失敗",
        last_good=None,
        executed_notebook=None,
    )
    assert '"ebpm-ja",sans-serif' in page
    assert "@font-face" in page
    stack = fonts.FONT_STACK.split(",")
    assert stack.index('"ebpm-ja"') == len(stack) - 2  # readers' own Japanese fonts first


# --- math ---------------------------------------------------------------------------------


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


# --- run history ---------------------------------------------------------------------------


def _manifest(out: Path, run_id: str, tasks: list[dict], **extra) -> None:
    folder = out / "runs" / "demo" / run_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "pipeline": "demo",
                "run_id": run_id,
                "finished_at": f"2026-{run_id[4:6]}-01T06:00:00+00:00",
                "tasks": tasks,
                **extra,
            }
        ),
        encoding="utf-8",
    )


def _task(name: str, status: str, estimate: float | None = None, **extra) -> dict:
    headline = (
        {
            "headline": {
                "estimate": estimate,
                "std_error": 1.0,
                "conf_low": estimate - 2,
                "conf_high": estimate + 2,
            },
            "conf_level": 0.9,
            "estimand": "ATT",
        }
        if estimate is not None
        else None
    )
    return {
        "name": name,
        "status": status,
        "headline": headline,
        "datasets": [{"entry": "studies.prop99", "sha256": "ab" * 32}],
        **extra,
    }


@pytest.fixture
def three_runs(tmp_path: Path) -> Path:
    _manifest(tmp_path, "2026010100", [_task("its", "ok", -20.0), _task("did", "ok", 3.0)])
    _manifest(
        tmp_path,
        "2026040100",
        [
            _task("its", "unchanged", unchanged_since="2026010100"),
            _task("did", "failed", reason="kernel died <oops>"),
        ],
    )
    _manifest(
        tmp_path,
        "2026070100",
        [
            _task(
                "its",
                "ok",
                -25.0,
                revision={"old": {"estimate": -20.0}, "previous_run": "2026010100"},
            ),
            _task("pending_one", "pending"),
        ],
        rerun_of="2026010100",
    )
    return tmp_path


def test_task_history_reads_every_run_oldest_first(three_runs: Path) -> None:
    from ebpm.pipeline.history import task_history

    h = task_history(three_runs, "demo")
    assert sorted(h) == ["did", "its"]  # a task never run (pending) has no history
    assert [e["status"] for e in h["its"]] == ["ok", "unchanged", "ok"]
    assert [e["run_id"] for e in h["did"]] == ["2026010100", "2026040100"]
    first = h["its"][0]["headline"]
    assert first == {
        "estimate": -20.0,
        "std_error": 1.0,
        "conf_low": -22.0,
        "conf_high": -18.0,
        "conf_level": 0.9,
        "estimand": "ATT",
    }
    assert h["its"][1]["unchanged_since"] == "2026010100"
    assert h["its"][2]["rerun_of"] == "2026010100"
    assert h["did"][1]["reason"] == "kernel died <oops>"
    assert h["its"][0]["datasets"] == [{"entry": "studies.prop99", "sha256": "ab" * 6}]


def test_the_chart_has_a_point_per_estimate_and_a_cross_per_failure(three_runs: Path) -> None:
    from ebpm.pipeline.history import task_history

    h = task_history(three_runs, "demo")
    svg = ET.fromstring(runs.estimate_chart(h["its"]))
    ns = "{http://www.w3.org/2000/svg}"
    circles = svg.findall(f"{ns}circle")
    assert [c.get("data-run") for c in circles] == ["2026010100", "2026040100", "2026070100"]
    assert [c.get("fill") for c in circles] == ["#0072B2", "#fff", "#0072B2"]  # unchanged: hollow
    ys = [float(c.get("cy")) for c in circles]
    assert ys[0] == ys[1]  # the unchanged run shows the estimate it kept
    assert ys[2] > ys[0]  # -25 sits below -20
    assert "2026070100: -25.000" in svg.find(f"{ns}desc").text
    did = ET.fromstring(runs.estimate_chart(h["did"]))
    crosses = [p for p in did.findall(f"{ns}path") if p.get("data-run")]
    assert [p.get("data-run") for p in crosses] == ["2026040100"]


def test_no_estimate_means_no_chart() -> None:
    assert runs.estimate_chart([{"run_id": "r", "status": "failed", "headline": None}]) == ""


def test_history_page_lists_runs_newest_first_escaped(three_runs: Path) -> None:
    from ebpm.pipeline.history import task_history

    h = task_history(three_runs, "demo")
    page = runs.history_page("demo", "did", h["did"], report="reports/demo/did.html")
    table = page.split("<tbody>", 1)[1]
    assert table.index("2026040100") < table.index("2026010100")
    assert "kernel died &lt;oops&gt;" in page
    assert "<oops>" not in page
    assert 'href="../../reports/demo/did.html"' in page
    assert "did: run history" in page
    its = runs.history_page("demo", "its", h["its"], lang="ja")
    assert "its: 実行履歴" in its
    assert "変更なし（実行 2026010100 のレポートを継続）" in its
    assert "実行 2026010100 の再実行" in its
    assert "@font-face" in its  # Japanese glyphs travel with the page


def test_history_pages_are_written_and_linked_from_the_index(three_runs: Path) -> None:
    from ebpm.pipeline.history import task_history

    out = three_runs / "site"
    state = {
        "pipelines": {
            "demo": {
                "description": "",
                "tasks": {
                    "its": {"status": "ok", "report": "reports/demo/its.html", "run_id": "r"},
                    "did": {"status": "failed", "failure": "failures/demo/did.html"},
                },
            }
        }
    }
    written = runs.write_history_pages(out, "demo", task_history(three_runs, "demo"), state)
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "history/demo/did.html",
        "history/demo/its.html",
    ]
    index = site.build_index(out, state).read_text(encoding="utf-8")
    assert 'href="history/demo/its.html"' in index
    assert 'href="history/demo/did.html"' in index


def test_failure_page_in_japanese() -> None:
    page = site.failure_page(
        pipeline="demo",
        task="its",
        run_id="r9",
        notebook="notebooks/its.py",
        parameters={"token": "s3cret", "x": 1},
        error={
            "cell_index": 2,
            "execution_count": 5,
            "source": "1/0",
            "ename": "ZeroDivisionError",
            "evalue": "division by zero",
            "traceback": "Traceback ...",
        },
        reason="the notebook raised an error",
        last_good="reports/demo/its.html",
        executed_notebook="runs/demo/r9/its.ipynb",
        lang="ja",
    )
    assert '<html lang="ja">' in page
    assert "its の実行に失敗しました" in page
    assert "失敗したセル（In [5]、ノートブックの 3 番目のセル）:" in page
    assert "トレースバック" in page
    assert "直近の正常なレポートは引き続き公開されています" in page
    assert "s3cret" not in page
    assert 'href="../../history/demo/its.html"' in page
