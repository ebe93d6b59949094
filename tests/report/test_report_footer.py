"""The report footer prints each dataset's provenance and the publisher's required credit."""

from __future__ import annotations

import pandas as pd
import pytest

from ebpm import report
from ebpm.catalog.provenance import finish
from ebpm.errors import InvalidOptionError


def test_footer_prints_attribution_and_publisher_update(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "_display", shown.append)
    df = pd.DataFrame({"x": [1]})
    df.attrs["ebpm"] = {
        "origin": {
            "kind": "remote",
            "what": "e-Stat table 0000010101",
            "title": "社会・人口統計体系",
            "source": "e-Stat",
            "licence": "政府標準利用規約 2.0",
            "attribution": "出典：政府統計の総合窓口(e-Stat) <https://www.e-stat.go.jp/>",
            "url": "https://www.e-stat.go.jp/dbview?sid=0000010101",
            "sha256": "ab" * 32,
            "retrieved_at": "2026-11-26T00:00:00+00:00",
            "publisher_updated": "2025-06-20",
        }
    }
    finish(df, entry="japan.population", params={"cdArea": "13000"})
    report.footer(df)
    (bundle,) = shown
    html_text = bundle["text/html"]
    assert "出典：政府統計の総合窓口(e-Stat) &lt;https://www.e-stat.go.jp/&gt;" in html_text
    assert "updated by the publisher 2025-06-20" in html_text
    assert "<code>japan.population</code>: 社会・人口統計体系" in html_text
    assert "出典：政府統計の総合窓口(e-Stat)" in bundle["text/plain"]
    (recorded,) = bundle[report.PROVENANCE_MIME]["datasets"]
    assert recorded["params"] == {"cdArea": "13000"}
    assert recorded["licence"] == "政府標準利用規約 2.0"


def test_footer_lists_only_what_a_record_has(monkeypatch):
    """A project file has no licence and an estimate shown as evidence no sha256: no empty
    "Licence: ." or "From None" in the report."""
    shown = []
    monkeypatch.setattr(report, "_display", shown.append)

    class Source:
        def __init__(self, record):
            self.attrs = {"ebpm": record}

    report.footer(
        Source({"entry": "evidence demo/sc", "kind": "evidence", "title": "estimate of sc"}),
        Source({"entry": "p.yaml", "kind": "file", "sha256": "cd" * 32, "source": "this project"}),
    )
    html_text = shown[0]["text/html"]
    assert "<li><code>evidence demo/sc</code>: estimate of sc.</li>" in html_text
    assert (
        "<li><code>p.yaml</code>: Source: this project. sha256 <code>cdcdcdcdcdcdcdcd…</code>.</li>"
    ) in html_text
    assert "None" not in html_text
    assert "Licence: ." not in html_text


def _frame(entry: str, params: dict) -> pd.DataFrame:
    df = pd.DataFrame({"x": [1]})
    df.attrs["ebpm"] = {
        "origin": {"kind": "remote", "title": "社会・人口統計体系", "source": "e-Stat"},
    }
    finish(df, entry=entry, params=params)
    return df


def test_footer_shows_the_query_that_tells_two_reads_apart_and_never_a_secret(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "_display", shown.append)
    births = _frame("japan.prefecture_indicator", {"cdCat01": "A4101", "cdArea": "00000"})
    children = _frame("japan.prefecture_indicator", {"cdCat01": "A1301", "appId": "s3cr3t-app-id"})
    report.footer(births, children)
    html_text = shown[0]["text/html"]
    assert "Query: <code>cdCat01=A4101, cdArea=00000</code>." in html_text
    assert "Query: <code>cdCat01=A1301, appId=***</code>." in html_text
    assert "s3cr3t" not in html_text


def test_footer_in_japanese(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "_display", shown.append)
    monkeypatch.setenv("EBPM_RUN_ID", "R1")
    report.footer(_frame("japan.population", {"cdArea": "13000"}), lang="ja")
    html_text = shown[0]["text/html"]
    assert "<p>実行 <code>R1</code>、作成 " in html_text
    assert "<p>データ：</p>" in html_text
    assert (
        "<li><code>japan.population</code>：社会・人口統計体系。出典：e-Stat。"
        "条件：<code>cdArea=13000</code>。"
    ) in html_text
    assert "<p>ソフトウェア：python " in html_text
    assert "Data:" not in html_text
    report.footer(lang="ja")
    assert "<li>記録なし</li>" in shown[1]["text/html"]


def test_footer_refuses_an_unknown_language(monkeypatch):
    monkeypatch.setattr(report, "_display", lambda bundle: None)
    with pytest.raises(
        InvalidOptionError, match=r"^lang='jp' is not supported\. Choose one of: 'en', 'ja'\.$"
    ):
        report.footer(lang="jp")
