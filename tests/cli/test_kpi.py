"""`ebpm kpi review-sheet`: the 行政事業レビューシート's outcome section from the command line."""

from __future__ import annotations

import re

import openpyxl
import pytest

from tests.cli.conftest import error_lines, invoke
from tests.conftest import ROOT

POLICIES = ROOT / "pipelines" / "policies"


def test_help_says_what_it_writes_with_an_example() -> None:
    group = invoke("kpi", "--help")
    assert group.exit_code == 0
    assert "review-sheet" in group.output
    assert "ebpm kpi review-sheet pipelines/policies/japan_mergers.yaml --out" in group.output
    res = invoke("kpi", "review-sheet", "-h")
    assert res.exit_code == 0
    for words in ("行政事業レビューシート", "短期・中期・長期アウトカム", "--out FILE.xlsx"):
        assert words in res.output
    assert "--years FIRST-LAST|YEAR,YEAR" in res.output
    assert "Example:" in res.output


def test_writes_the_sheet_of_a_policy_file(tmp_path) -> None:
    out = tmp_path / "sheets" / "mergers.xlsx"
    res = invoke("kpi", "review-sheet", POLICIES / "japan_mergers.yaml", "--out", out)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == [
        f"wrote {out}: 4 outcome row(s) of policy japan_mergers, 2 with a KPI",
        "  outcome 'consolidation' has no KPI: its row says so",
        "  outcome 'services' has no KPI: its row says so",
    ]
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "成果目標及び成果実績（アウトカム）"
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"区分", "成果指標", "基準値", "目標値", "令和3年度\n（2021）"} <= texts


def test_a_policy_by_name_in_english_for_some_years(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # the name is looked up in ./pipelines/policies/
    out = tmp_path / "prop99.xlsx"
    res = invoke(
        "kpi", "review-sheet", "prop99", "--out", out, "--lang", "en", "--years", "1998-2000"
    )
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "Outcome targets and results (outcomes)"
    (head,) = [c.row for c in ws["A"] if c.value == "Term"]
    years = [c.value for c in ws[head + 1] if c.value]  # under "Actual values"
    assert years == ["1998", "1999", "2000"]
    res = invoke("kpi", "review-sheet", "prop99", "--out", out, "--years", "1990,2000")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("prop9", "--out", "s.xlsx"),
            r"Invalid value for 'POLICY': 'prop9' is neither a file nor a policy in "
            r"pipelines/policies/ of this folder\. Did you mean 'prop99'\? Policies in "
            r"pipelines/policies/: japan_children_future_strategy, japan_mergers, prop99\.",
        ),
        (
            ("prop99", "--out", "s.xls"),
            r"Invalid value for '--out': 's\.xls' does not end in \.xlsx; the sheet is an Excel "
            r"workbook: write it to 's\.xlsx'",
        ),
        (
            ("prop99", "--out", "s.xlsx", "--years", "2000-1990"),
            r"'2000-1990' runs backwards; write the first year first, e\.g\. 1990-2000",
        ),
        (
            ("prop99", "--out", "s.xlsx", "--years", "90-00"),
            r"'90-00' is not a span or a list of four-digit years; write e\.g\. 2019-2023",
        ),
        (("prop99", "--out", "s.xlsx", "--lang", "jp"), r"'jp' is not one of 'ja', 'en'"),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_write(tmp_path, monkeypatch, args, message) -> None:
    monkeypatch.chdir(ROOT)
    res = invoke("kpi", "review-sheet", *args)
    assert res.exit_code == 2, res.output
    assert re.search(message, " ".join(res.stderr.split())), res.stderr
    assert not (ROOT / "s.xlsx").exists()


def test_a_broken_policy_file_is_one_red_line(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nnodes: []\n", encoding="utf-8")
    res = invoke("kpi", "review-sheet", bad, "--out", tmp_path / "s.xlsx")
    assert res.exit_code == 1
    (line,) = error_lines(res)
    assert "bad.yaml" in line
    assert "`nodes` must be a non-empty list of nodes" in line
    assert not (tmp_path / "s.xlsx").exists()
