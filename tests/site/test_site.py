"""Tests of the report site (ebpm.site), rendering (ebpm.site.render) and ebpm._io."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from ebpm import _io, site
from ebpm._io import atomic_write_bytes, atomic_write_json, atomic_write_text
from ebpm.site.index import _FILTER_JS
from ebpm.site.render import error_of, render_html, strip_ansi

# A 1x1 PNG.
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJg"
    "gg=="
)


def _headline(estimate: float, se: float, low: float, high: float, label: str) -> dict[str, Any]:
    return {
        "estimand": "ATT",
        "conf_level": 0.95,
        "label": label,
        "headline": {
            "term": "treated",
            "estimate": estimate,
            "std_error": se,
            "conf_low": low,
            "conf_high": high,
        },
    }


ORGAN = _headline(-0.022459, 0.006131, -0.035062, -0.009856, "Organ donations")
PROP99 = _headline(-27.349, 2.802, -33.022, -21.676, "Prop 99")


def _ok(run_id: str, headline: dict[str, Any], report: str) -> dict[str, Any]:
    return {
        "status": "ok",
        "run_id": run_id,
        "finished_at": "2026-01-02T03:04:05+00:00",
        "duration_s": 3.2,
        "notebook": "notebooks/did.py",
        "parameters": {"dataset": "studies.organ_donations"},
        "headline": headline,
        "datasets": [
            {
                "entry": "studies.organ_donations",
                "sha256": "af5dff31de5bdf09" * 4,
                "package": "causaldata",
                "package_version": "0.1.5",
            }
        ],
        "report": report,
        "report_run_id": run_id,
        "report_headline": headline,
        "failure": None,
    }


def _failed(run_id: str, failure: str | None) -> dict[str, Any]:
    return {
        "status": "failed",
        "run_id": run_id,
        "finished_at": "2026-01-03T00:00:00+00:00",
        "duration_s": 1.0,
        "notebook": "notebooks/did.py",
        "parameters": {"fail": True},
        "headline": None,
        "datasets": [],
        "failure": failure,
        "reason": "cell In [3] raised ValueError: boom",
    }


def _record(state: dict[str, Any], task: str, record: dict[str, Any], pipeline: str = "demo"):
    return site.record_task(
        state, pipeline=pipeline, description="The demo.", task=task, record=record
    )


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# --- state ------------------------------------------------------------------------------------
def test_new_site_has_empty_state(tmp_path: Path) -> None:
    assert site.load_state(tmp_path / "site") == {"pipelines": {}}


def test_state_roundtrips_through_its_file(tmp_path: Path) -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    site.save_state(tmp_path, state)
    assert (tmp_path / "_ebpm" / "state.json").is_file()
    assert site.load_state(tmp_path) == state
    assert _no_temp_files(tmp_path)


def test_ok_record_is_stored_as_given() -> None:
    record = _ok("r1", ORGAN, "reports/demo/organ.html")
    state = _record({"pipelines": {}}, "organ", record)
    assert state["pipelines"]["demo"] == {"tasks": {"organ": record}, "description": "The demo."}


def test_failure_keeps_the_last_good_report() -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    state = _record(state, "organ", _failed("r2", "failures/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert merged["status"] == "failed"
    assert merged["run_id"] == "r2"
    assert merged["failure"] == "failures/demo/organ.html"
    assert merged["headline"] is None
    assert merged["report"] == "reports/demo/organ.html"
    assert merged["report_run_id"] == "r1"
    assert merged["report_headline"] == ORGAN


def test_two_failures_in_a_row_still_keep_the_last_good_report() -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    state = _record(state, "organ", _failed("r2", "failures/demo/organ.html"))
    state = _record(state, "organ", _failed("r3", "failures/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert (merged["run_id"], merged["report_run_id"]) == ("r3", "r1")
    assert merged["report_headline"] == ORGAN


def test_failure_without_an_earlier_report_has_none() -> None:
    state = _record({"pipelines": {}}, "organ", _failed("r1", "failures/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert merged["report"] is None
    assert merged["report_run_id"] is None
    assert merged["report_headline"] is None


def test_success_after_a_failure_replaces_everything() -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    state = _record(state, "organ", _failed("r2", "failures/demo/organ.html"))
    newer = _headline(-0.03, 0.01, -0.05, -0.01, "Organ donations")
    state = _record(state, "organ", _ok("r3", newer, "reports/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert merged["status"] == "ok"
    assert merged["report_run_id"] == "r3"
    assert merged["report_headline"] == newer
    assert merged["failure"] is None


def test_record_task_keeps_other_tasks_and_pipelines() -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    state = _record(state, "prop99", _ok("r1", PROP99, "reports/demo/prop99.html"))
    state = _record(state, "x", _failed("r9", None), pipeline="other")
    assert set(state["pipelines"]) == {"demo", "other"}
    assert set(state["pipelines"]["demo"]["tasks"]) == {"organ", "prop99"}


# --- the index --------------------------------------------------------------------------------
def test_empty_index_says_how_to_start(tmp_path: Path) -> None:
    path = site.build_index(tmp_path)
    assert path == tmp_path / "index.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "No reports yet. Run <code>ebpm run PIPELINE</code>." in text


def test_index_lists_ok_reports_with_their_estimates(tmp_path: Path) -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    state = _record(state, "prop99", _ok("r1", PROP99, "reports/demo/prop99.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert "<h2>demo</h2>" in text
    assert '<p class="muted">The demo.</p>' in text
    assert '<a href="reports/demo/organ.html">organ</a>' in text
    assert (
        '<td class="num" data-key="-0.022459">ATT -0.0225 <span class="muted">(0.0061)<br>95% CI '
        "[-0.0351, -0.0099]</span></td>"
    ) in text
    assert (
        '<td class="num" data-key="-27.349">ATT -27.349 <span class="muted">(2.802)<br>95% CI '
        "[-33.022, -21.676]"
    ) in text
    assert text.count('<span class="ok">ok</span>') == 2
    assert '<span class="muted">Organ donations</span>' in text

    assert (
        '<code>studies.organ_donations</code> <span class="muted">sha256 af5dff31de5b; '
        "causaldata 0.1.5</span>"  # the data vintage: the package version it shipped in
    ) in text
    assert text.index("organ.html") < text.index("prop99.html")  # tasks sorted
    assert "<code>r1</code>" in text
    assert "2026-01-02T03:04:05+00:00" in text


def test_index_names_each_evaluation_s_design(tmp_path: Path) -> None:
    headline = {**ORGAN, "title": "Difference-in-differences <two-way FE>"}
    state = _record({"pipelines": {}}, "organ", _ok("r1", headline, "reports/demo/organ.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert (
        '<span class="muted">Organ donations<br><span class="design">'
        "Difference-in-differences &lt;two-way FE&gt;</span></span>"
    ) in text


def test_index_reads_the_saved_state_by_default(tmp_path: Path) -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r7", ORGAN, "reports/demo/organ.html"))
    site.save_state(tmp_path, state)
    text = site.build_index(tmp_path).read_text(encoding="utf-8")
    assert '<a href="reports/demo/organ.html">organ</a>' in text
    assert "<code>r7</code>" in text


def test_index_shows_a_failure_and_the_last_good_report(tmp_path: Path) -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    state = _record(state, "organ", _failed("r2", "failures/demo/organ.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert '<span class="failed">failed</span> <a href="failures/demo/organ.html">why</a>' in text
    assert (
        '<br><span class="muted">last good report: <a href="reports/demo/organ.html">run r1</a>'
        "</span>"
    ) in text
    assert '<td class="num" data-key="-0.022459">ATT -0.0225 ' in text  # the last good estimate
    assert "(from the last good report)" in text  # ... labelled as such
    assert "<td>organ<br>" in text  # the name itself is not a link to a report of this run
    assert "<code>r2</code>" in text


def test_index_shows_a_failure_without_any_report(tmp_path: Path) -> None:
    state = _record({"pipelines": {}}, "organ", _failed("r1", "failures/demo/organ.html"))
    state = _record(state, "bare", _failed("r1", None))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert '<a href="failures/demo/organ.html">why</a>' in text
    assert '<td><span class="failed">failed</span></td>' in text  # no failure page: no link
    assert "last good report:" not in text
    assert "(from the last good report)" not in text
    assert '<td class="num">–</td>' in text


def test_index_escapes_names_and_descriptions(tmp_path: Path) -> None:
    state = site.record_task(
        {"pipelines": {}},
        pipeline="p<1>",
        description="a & b <script>",
        task='t"<x>',
        record=_ok("r1", {**ORGAN, "label": "<b>label</b>"}, 'reports/p/t".html'),
    )
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert text.count("<script>") == 1  # ebpm's own filter and sort script, nothing else
    assert f"<script>{_FILTER_JS}</script>" in text
    assert "a &amp; b &lt;script&gt;" in text
    assert "<h2>p&lt;1&gt;</h2>" in text
    assert 'href="reports/p/t&quot;.html"' in text
    assert "&lt;b&gt;label&lt;/b&gt;" in text


def test_index_formats_large_numbers_and_missing_values(tmp_path: Path) -> None:
    big = _headline(1234.56, 150.0, float("nan"), float("inf"), "big")
    big["conf_level"] = 0.9
    state = _record({"pipelines": {}}, "big", _ok("r1", big, "reports/demo/big.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert 'ATT 1234.6 <span class="muted">(150.0)<br>90% CI [–, –]</span>' in text


def test_site_writes_leave_no_temp_files(tmp_path: Path) -> None:
    state = _record({"pipelines": {}}, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    for _ in range(3):
        site.save_state(tmp_path, state)
        site.build_index(tmp_path, state)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "_ebpm",
        "_ebpm/state.json",
        "evidence.csv",
        "evidence.json",
        "index.html",
    ]


# --- failure pages ----------------------------------------------------------------------------
ERROR = {
    "cell_index": 3,
    "execution_count": 2,
    "source": 'if fail:\n    raise ValueError(f"boom: {x}")',
    "ename": "ValueError",
    "evalue": "boom: <x>",
    "traceback": "Traceback (most recent call last)\nValueError: boom: <x>",
}


def test_failure_page_shows_cell_error_parameters_and_last_good_report() -> None:
    page = site.failure_page(
        pipeline="demo",
        task="organ",
        run_id="r2",
        notebook="notebooks/did.py",
        parameters={"fail": True, "title": "東京"},
        error=ERROR,
        reason="cell In [3] raised ValueError: boom: <x>",
        last_good="reports/demo/organ.html",
        executed_notebook="runs/demo/r2/organ.ipynb",
    )
    assert "<title>organ failed</title>" in page
    assert '<a href="../../index.html">← all reports</a>' in page
    assert "<h1>organ failed</h1>" in page
    assert (
        "Pipeline <code>demo</code>, run <code>r2</code>, notebook <code>notebooks/did.py" in page
    )
    assert "<strong>cell In [3] raised ValueError: boom: &lt;x&gt;</strong>" in page
    assert (
        "Failing cell (In [2], cell 4 of the notebook):</p>"
        "<pre>if fail:\n    raise ValueError(f&quot;boom: {x}&quot;)" in page
    )
    assert "<code>ValueError: boom: &lt;x&gt;</code>" in page
    assert "<summary>Traceback</summary><pre>Traceback (most recent call last)" in page
    assert '"fail": true' in page.replace("&quot;", '"')
    assert "東京" in page  # parameters are not \u-escaped
    assert "<code>runs/demo/r2/organ.ipynb</code>" in page
    assert '<a href="../../reports/demo/organ.html">reports/demo/organ.html</a>' in page
    assert "no earlier good report" not in page
    assert "<x>" not in page


def test_failure_page_without_error_details_or_earlier_report() -> None:
    page = site.failure_page(
        pipeline="demo",
        task="organ",
        run_id="r1",
        notebook="notebooks/did.py",
        parameters={},
        error=None,
        reason="NoSuchKernel: No such kernel named nope",
        last_good=None,
        executed_notebook=None,
    )
    assert "<strong>NoSuchKernel: No such kernel named nope</strong>" in page
    assert "Failing cell" not in page
    assert "Traceback" not in page
    assert "executed notebook" not in page
    assert "This task has no earlier good report." in page


# --- atomic writes ----------------------------------------------------------------------------
def test_atomic_write_text_creates_parents_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "page.html"
    assert atomic_write_text(path, "first") == path
    atomic_write_text(path, "second 東京")
    assert path.read_bytes() == "second 東京".encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert os.listdir(path.parent) == ["page.html"]


def test_atomic_write_json_is_indented_utf8_with_a_newline(tmp_path: Path) -> None:
    path = atomic_write_json(tmp_path / "m.json", {"name": "東京", "path": Path("/x"), "n": 1})
    text = path.read_text(encoding="utf-8")
    assert text == '{\n  "name": "東京",\n  "path": "/x",\n  "n": 1\n}\n'
    assert json.loads(text) == {"name": "東京", "path": "/x", "n": 1}


def test_failed_write_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.html"
    atomic_write_bytes(path, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(_io.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["index.html"]


def test_interrupted_write_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    atomic_write_text(path, "{}")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_io.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, '{"half": ')
    assert path.read_text(encoding="utf-8") == "{}"
    assert os.listdir(tmp_path) == ["state.json"]


# --- rendering --------------------------------------------------------------------------------
def _executed_notebook():
    code = new_code_cell(
        'data = catalog.load("studies.prop99")\nprint("visible output")',
        execution_count=1,
        outputs=[
            new_output("stream", name="stdout", text="visible output\n"),
            new_output("stream", name="stderr", text="DeprecationWarning: noisy\n"),
            new_output(
                "stream",
                name="stderr",
                text="/x/did.py:1: FewClustersWarning: only 27 clusters of 'State'\n",
            ),
            new_output(
                "execute_result",
                data={"text/html": "<p>estimate <b>-0.0225</b></p>", "text/plain": "-0.0225"},
                execution_count=1,
            ),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        ],
    )
    return new_notebook(cells=[new_markdown_cell("# Organ donations\n\nThe design."), code])


def test_render_html_hides_code_and_stderr() -> None:
    nb = _executed_notebook()
    page = render_html(nb, title="demo: organ")
    assert "<title>demo: organ</title>" in page
    assert "Organ donations" in page
    assert "The design." in page
    assert "visible output" in page
    assert "<b>-0.0225</b>" in page
    assert "<img" in page
    assert PNG[:40] in page  # the image is embedded, the page stands alone
    assert "catalog.load(" not in page
    assert "studies.prop99" not in page
    assert "noisy" not in page
    # ebpm's own warnings are part of the evidence: a reader must see them
    assert "FewClustersWarning: only 27 clusters" in page
    assert "In&nbsp;[1]" not in page
    assert "Out[1]" not in page


def test_render_html_does_not_change_the_notebook() -> None:
    nb = _executed_notebook()
    render_html(nb, title="changed?")
    assert len(nb.cells[1].outputs) == 5
    assert "title" not in nb.metadata


def test_render_html_can_show_code() -> None:
    page = render_html(_executed_notebook(), show_code=True)
    assert "studies.prop99" in page
    assert "noisy" not in page


def test_error_of_finds_the_first_error_without_colour_codes() -> None:
    tb = ["\x1b[0;31mValueError\x1b[0m Traceback", "\x1b[1;32m----> 2\x1b[0m raise ValueError"]
    nb = new_notebook(
        cells=[
            new_markdown_cell("text"),
            new_code_cell("x = 1", execution_count=1, outputs=[]),
            new_code_cell(
                "raise ValueError('boom')",
                execution_count=2,
                outputs=[new_output("error", ename="ValueError", evalue="boom", traceback=tb)],
            ),
            new_code_cell(
                "raise KeyError('later')",
                outputs=[new_output("error", ename="KeyError", evalue="later", traceback=[])],
            ),
        ]
    )
    assert error_of(nb) == {
        "cell_index": 2,
        "execution_count": 2,
        "source": "raise ValueError('boom')",
        "ename": "ValueError",
        "evalue": "boom",
        "traceback": "ValueError Traceback\n----> 2 raise ValueError",
    }


def test_error_of_a_clean_notebook_is_none() -> None:
    assert error_of(_executed_notebook()) is None


def test_strip_ansi() -> None:
    assert strip_ansi("\x1b[0;31mred\x1b[0m and \x1b[1mbold\x1b[22m") == "red and bold"
    assert strip_ansi("plain [1] text") == "plain [1] text"


def test_index_names_an_interval_that_is_not_a_confidence_interval(tmp_path: Path) -> None:
    """Moran's I: the result says its interval is a band under the null; the index does not
    call it a CI (results without the field, recorded before it existed, are CIs)."""
    band = "intervals: I ± z × sd of the permutation distribution, a rough guide"
    moran = {**_headline(0.412, 0.05, 0.1, 0.2, "Tokyo"), "interval_label": band}
    state = _record({"pipelines": {}}, "moran", _ok("r1", moran, "reports/demo/moran.html"))
    state = _record(state, "organ", _ok("r1", ORGAN, "reports/demo/organ.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert f'<br>95% <abbr title="{band}">interval</abbr> [0.1000, 0.2000]' in text
    assert text.count(" CI [") == 1  # organ donations' interval is a confidence interval
