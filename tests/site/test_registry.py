"""The evidence registry (site/evidence.json, evidence.csv) and the diagnostics status."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ebpm import site
from ebpm.report.evidence import diagnostics
from ebpm.site.registry import COLUMNS, evidence_rows, write_registry


def _head(method: str, diag: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "method": method,
        "title": extra.pop("title", method),
        "label": extra.pop("label", "a question"),
        "estimand": "ATT",
        "conf_level": 0.95,
        "inference": "cluster-robust",
        "headline": {"estimate": -1.5, "std_error": 0.5, "conf_low": -2.5, "conf_high": -0.5},
        "diagnostics": diag,
        **extra,
    }


@pytest.mark.parametrize(
    ("method", "diag", "expected"),
    [
        (
            "event_study",
            {"pretrend": {"p_value": 0.1811}},
            [
                (
                    "pre-trends",
                    "pass",
                    "pre-trends: p = 0.181 (no evidence against parallel pre-trends)",
                )
            ],
        ),
        (
            "staggered_did",
            {"pretrend": {"p_value": 0.012}},
            [("pre-trends", "warn", "pre-trends: p = 0.012 (pre-period effects differ from zero)")],
        ),
        (
            "rdd",
            {"density_test": {"p_value": 0.3814}},
            [
                (
                    "density test",
                    "pass",
                    "density test: p = 0.381 (no sign of sorting at the cutoff)",
                )
            ],
        ),
        (
            "synthetic_control",
            {"p_value": 0.0769, "in_time_placebo": {"estimate": -4.93, "treatment_time": 1979}},
            [
                (
                    "placebo (in-space permutation)",
                    "info",
                    "placebo p = 0.0769 (share of units "
                    "whose post/pre RMSPE ratio is at least the treated unit's)",
                ),
                ("in-time placebo", "info", "in-time placebo at 1979: -4.93"),
            ],
        ),
        (
            "its",
            {"residual_autocorrelation": {"ljung_box_pvalue": {"1": 8.4e-05, "4": 0.0001}}},
            [
                (
                    "residual autocorrelation",
                    "info",
                    "Ljung-Box p = 8.4e-05: residuals are "
                    "autocorrelated; the HAC errors allow for it",
                )
            ],
        ),
        (
            "moran",
            {"p_sim": 0.001, "permutations": 999},
            [("permutation test", "info", "permutation p = 0.001 (999 permutations)")],
        ),
        ("did", {"r2": 0.9}, []),
        ("event_study", {"pretrend": {"p_value": float("nan")}}, []),
    ],
)
def test_diagnostics_per_design(method: str, diag: dict, expected: list) -> None:
    got = [(c["check"], c["status"], c["text"]) for c in diagnostics(_head(method, diag))]
    assert got == expected


def test_no_headline_has_no_diagnostics() -> None:
    assert diagnostics(None) == []
    assert diagnostics({}) == []


def _state() -> dict[str, Any]:
    state: dict[str, Any] = {"pipelines": {}}
    ok = {
        "status": "ok",
        "run_id": "R2",
        "report_run_id": "R2",
        "finished_at": "2026-11-26T01:02:03+00:00",
        "parameters": {"title": "禁煙政策の効果", "policy": "たばこ税 (1989)"},
        "headline": _head("event_study", {"pretrend": {"p_value": 0.01}}, label="売上への効果"),
        "report": "reports/p/es.html",
        "datasets": [
            {
                "entry": "estat.sales",
                "publisher_updated": "2026-10-31",
                "sha256": "a" * 64,
            },
            {"entry": "studies.prop99", "package": "synthdid-py", "package_version": "0.1.0"},
        ],
        "revision": {
            "previous_run": "R1",
            "old": {"estimate": -1.2},
            "new": {"estimate": -1.5},
        },
    }
    good_rd = {
        **ok,
        "run_id": "R1",
        "report_run_id": "R1",
        "headline": _head("rdd", {"density_test": {"p_value": 0.5}}),
        "report": "reports/p/rd.html",
        "revision": None,
    }
    good_rd["report_headline"] = good_rd["headline"]
    failed = {
        "status": "failed",
        "run_id": "R3",
        "finished_at": "2026-11-26T02:00:00+00:00",
        "parameters": {},
        "headline": None,
        "datasets": [],
    }
    site.record_task(state, pipeline="p", description="", task="es", record=ok)
    site.record_task(state, pipeline="p", description="", task="rd", record=good_rd)
    site.record_task(state, pipeline="p", description="", task="rd", record=failed)
    return state


def test_rows_describe_each_evaluation() -> None:
    es, rd = evidence_rows(_state())
    assert list(es) == list(COLUMNS)
    assert es["question"] == "売上への効果"
    assert es["policy"] == "たばこ税 (1989)"
    assert (es["estimate"], es["conf_low"], es["conf_high"]) == (-1.5, -2.5, -0.5)
    assert es["diagnostics_status"] == "warn"
    # the event study's design is SMS 3, one level down for its failed pre-trend test
    assert (es["grade"], es["grade_scale"]) == (2, "Maryland SMS")
    assert es["grade_reasons"] == [
        "event study: the treated before and after against a comparison group, period by "
        "period (SMS 3)",
        "one level down: the pre-trend test rejects parallel trends (p = 0.01)",
    ]
    assert es["datasets"] == ["estat.sales", "studies.prop99"]
    assert es["data_vintage"] == (
        "estat.sales: updated 2026-10-31; studies.prop99: synthdid-py 0.1.0"
    )
    assert (es["status"], es["run_id"], es["report"]) == ("ok", "R2", "reports/p/es.html")
    assert es["revised_from"] == -1.2
    # a failed rerun: the row keeps the last good estimate and names its run
    assert rd["status"] == "failed"
    assert rd["run_id"] == "R3"
    assert rd["estimate"] == -1.5
    assert rd["diagnostics_status"] == "pass"
    assert (rd["grade"], len(rd["grade_reasons"])) == (4, 1)  # the last good estimate's design


def test_a_design_that_is_not_graded_has_empty_grade_fields() -> None:
    state = site.record_task(
        {"pipelines": {}},
        pipeline="p",
        description="",
        task="moran",
        record={"status": "ok", "run_id": "R1", "headline": _head("moran", {"p_sim": 0.01})},
    )
    (row,) = evidence_rows(state)
    assert (row["grade"], row["grade_scale"], row["grade_reasons"]) == (None, None, [])


def test_registry_files_agree_with_the_rows(tmp_path: Path) -> None:
    rows = write_registry(tmp_path, _state())
    data = json.loads((tmp_path / "evidence.json").read_text(encoding="utf-8"))
    assert data["columns"] == list(COLUMNS)
    assert data["evaluations"] == rows
    raw = (tmp_path / "evidence.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the Japanese text
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["task"] for r in table] == ["es", "rd"]
    assert table[0]["question"] == "売上への効果"
    assert float(table[0]["estimate"]) == -1.5
    assert table[0]["diagnostics"] == ("pre-trends: p = 0.01 (pre-period effects differ from zero)")
    assert table[1]["revised_from"] == ""
    assert (table[0]["grade"], table[0]["grade_scale"]) == ("2", "Maryland SMS")
    assert table[0]["grade_reasons"] == "; ".join(rows[0]["grade_reasons"])
    assert table[1]["grade"] == "4"
    assert table[1]["report"] == "reports/p/rd.html"  # the last good report stays listed


def test_the_index_links_the_registry_and_shows_diagnostics(tmp_path: Path) -> None:
    text = site.build_index(tmp_path, _state()).read_text(encoding="utf-8")
    assert (tmp_path / "evidence.json").is_file()
    assert '<a href="evidence.json">evidence.json</a>' in text
    assert '<input id="filter" type="search"' in text
    assert text.count('<tr class="evaluation">') == 2
    assert (
        '<td data-key="warn"><details class="grade" data-grade="2">'
        '<summary title="Maryland Scientific Methods Scale level 2: cross-section or '
        'before-and-after comparison, with controls">Evidence grade: <b>SMS 2/5</b></summary>'
    ) in text
    assert (
        "<li>one level down: the pre-trend test rejects parallel trends (p = 0.01)</li></ul>"
        '</details><span class="failed">warn</span> pre-trends: p = 0.01 '
        "(pre-period effects differ from zero)</td>"
    ) in text
