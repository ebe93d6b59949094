"""Tests of run-history pages (ebpm.site.history): the estimate chart, the page, writing them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ebpm import site
from ebpm.site import history as runs

_SVG = "{http://www.w3.org/2000/svg}"


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


def _entry(run_id: str, status: str = "ok", **numbers: Any) -> dict[str, Any]:
    """One history entry as :func:`ebpm.pipeline.history.task_history` makes it."""
    return {
        "run_id": run_id,
        "status": status,
        "finished_at": f"2026-{run_id[1:]:0>2}-01T00:00:00+00:00",
        "headline": numbers or None,
        "datasets": [],
    }


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
    assert h["its"][0]["datasets"] == [
        {
            "entry": "studies.prop99",
            "sha256": "ab" * 32,
            "package": None,
            "package_version": None,
            "kind": None,
        }
    ]


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


def test_history_href() -> None:
    assert runs.history_href("demo", "its") == "history/demo/its.html"


def test_the_chart_scale_keeps_zero_in_view() -> None:
    """One run, estimate 2 in [1, 3]: the axis runs from -0.24 to 3.24 (zero plus 8% padding),
    so on a 176-pixel plot from y=16, 2 sits at 78.7 and zero at 179.9."""
    svg = runs.estimate_chart([_entry("r3", estimate=2.0, conf_low=1.0, conf_high=3.0)])
    root = ET.fromstring(svg)
    (circle,) = root.findall(f"{_SVG}circle")
    assert (circle.get("cx"), circle.get("cy")) == ("344.0", "78.7")
    assert circle.find(f"{_SVG}title").text == "r3: 2.000 (95% CI 1.000 to 3.000)"
    zero, _axis, interval = root.findall(f"{_SVG}line")
    assert (zero.get("y1"), zero.get("stroke-dasharray")) == ("179.9", "4 3")
    assert (interval.get("y1"), interval.get("y2")) == ("28.1", "129.3")
    ticks = [t.text for t in root.findall(f"{_SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["0.0000", "1.000", "2.000", "3.000"]
    assert root.find(f"{_SVG}title").text == "Estimate and interval, run by run"
    assert root.find(f"{_SVG}desc").text == "r3: 2.000"


def test_the_chart_speaks_japanese_and_names_the_interval_level() -> None:
    entry = _entry("r1", estimate=-0.5, conf_low=-0.8, conf_high=-0.2, conf_level=0.9)
    root = ET.fromstring(runs.estimate_chart([entry], lang="ja"))
    assert root.find(f"{_SVG}title").text == "推定値と信頼区間の推移"
    assert root.find(f"{_SVG}circle/{_SVG}title").text == "r1: -0.5000 (90% CI -0.8000 to -0.2000)"


def test_a_long_history_labels_every_other_run() -> None:
    entries = [_entry(f"r{i}", estimate=float(i)) for i in range(1, 14)]  # 13 runs
    root = ET.fromstring(runs.estimate_chart(entries))
    dates = [t.text for t in root.findall(f"{_SVG}text") if t.get("text-anchor") == "middle"]
    assert dates == [f"2026-{m:02d}-01" for m in (1, 3, 5, 7, 9, 11, 13)]
    assert len(root.findall(f"{_SVG}circle")) == 13
    # no interval recorded: no interval lines, only the zero line and the axis
    assert len(root.findall(f"{_SVG}line")) == 2


def test_history_page_rows_show_estimate_se_interval_data_and_notes() -> None:
    entries = [
        {
            **_entry("r1", estimate=123.456, std_error=0.5, conf_low=122.0, conf_high=124.9),
            "datasets": [{"entry": "estat.x", "sha256": "abcdef123456"}],
        },
        {
            **_entry("r2", estimate=-0.5),
            "revision": {"old": {"estimate": 123.456}, "previous_run": "r1"},
        },
        {**_entry("r3", "skipped"), "reason": "upstream <a> failed"},
    ]
    page = runs.history_page("demo", "t", entries)
    rows = re.findall(r"<tr><td>.*?</tr>", page.split("<tbody>", 1)[1])
    assert rows == [
        '<tr><td><code>r3</code></td><td>2026-03-01T00:00:00+00:00</td><td><span class="failed">'
        'skipped</span></td><td class="num">–</td><td class="num">–</td><td>–</td>'
        "<td>upstream &lt;a&gt; failed</td></tr>",
        '<tr><td><code>r2</code></td><td>2026-02-01T00:00:00+00:00</td><td><span class="ok">ok'
        '</span></td><td class="num">-0.5000</td><td class="num">–</td><td>–</td>'
        '<td><span class="failed">revised</span> was 123.5 in run r1</td></tr>',
        '<tr><td><code>r1</code></td><td>2026-01-01T00:00:00+00:00</td><td><span class="ok">ok'
        '</span></td><td class="num">123.5 <span class="muted">(0.5000)</span></td>'
        '<td class="num">[122.0, 124.9]</td><td><code>estat.x</code> '
        '<span class="muted">sha256 abcdef123456</span></td><td></td></tr>',
    ]
    assert "(3 runs)" in page
    assert "latest report" not in page  # no report given: no link to one


def test_history_page_escapes_the_task_and_pipeline() -> None:
    page = runs.history_page("p<1>", "t<2>", [_entry("r1", estimate=1.0)])
    assert "<title>t&lt;2&gt;: run history</title>" in page
    assert "<h1>t&lt;2&gt;: run history</h1>" in page
    assert "pipeline p&lt;1&gt; (1 runs)" in page
    assert "<1>" not in page
    assert "<2>" not in page


def test_write_history_pages_skips_empty_histories_and_follows_the_state(tmp_path: Path) -> None:
    state = {
        "lang": "ja",
        "pipelines": {"demo": {"tasks": {"its": {"report": "reports/demo/its.html"}}}},
    }
    histories = {"its": [_entry("r1", estimate=1.0)], "never": []}
    written = runs.write_history_pages(tmp_path, "demo", histories, state)
    assert written == [tmp_path / "history" / "demo" / "its.html"]
    page = written[0].read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    assert '<a href="../../reports/demo/its.html">最新のレポート</a>' in page
    assert not (tmp_path / "history" / "demo" / "never.html").exists()


def test_an_unchanged_history_page_is_not_written_again(tmp_path: Path) -> None:
    state = {"lang": "ja", "pipelines": {}}
    histories = {"its": [_entry("r1", estimate=1.0)]}
    (path,) = runs.write_history_pages(tmp_path, "demo", histories, state)
    assert list((tmp_path / "_ebpm" / "fonts").glob("*.woff"))  # its glyphs, in the site's cache
    stamp = path.stat().st_mtime_ns
    assert runs.write_history_pages(tmp_path, "demo", histories, state) == []
    assert path.stat().st_mtime_ns == stamp
    histories["its"].append(_entry("r2", estimate=2.0))  # a new run: the page changes
    assert runs.write_history_pages(tmp_path, "demo", histories, state) == [path]
    assert "r2" in path.read_text(encoding="utf-8")
