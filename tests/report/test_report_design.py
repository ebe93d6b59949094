"""The design statement of a report, in English and Japanese."""

from __future__ import annotations

import pytest

from ebpm import report
from ebpm.errors import InvalidOptionError

DESIGN = {
    "estimand": "ATT",
    "treatment": "合併（2006〜2010年度）",
    "comparison": "合併しなかった市町村",
    "unit": "市町村",
    "period": "2005〜2021年度",
    "identification": "平行トレンド",
}


def test_design_statement_labels_follow_the_language(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "_display", shown.append)
    report.design_statement(**DESIGN, lang="ja")
    report.design_statement(**DESIGN)
    ja, en = shown[0]["text/html"], shown[1]["text/html"]
    assert "<dt>推定対象</dt><dd>ATT</dd>" in ja
    assert "<dt>比較群</dt><dd>合併しなかった市町村</dd>" in ja
    assert "Estimand" not in ja
    assert "<dt>Comparison group</dt><dd>合併しなかった市町村</dd>" in en
    assert shown[0]["text/plain"].splitlines()[0] == "推定対象: ATT"


def test_design_statement_escapes_and_refuses_unknown_languages(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "_display", shown.append)
    report.design_statement(**{**DESIGN, "unit": "<script>x</script>"})
    assert "<script>" not in shown[0]["text/html"]
    with pytest.raises(InvalidOptionError, match=r"lang='fr' is not supported.*'ja'"):
        report.design_statement(**DESIGN, lang="fr")
