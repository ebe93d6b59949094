"""One language setting reaches the report helpers in the kernel (issue 18): ``ebpm run``
passes the site's language as EBPM_LANG, and headline, design statement and footer follow it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ebpm import report
from ebpm.catalog.provenance import finish


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    out: list[dict] = []
    monkeypatch.setattr(report, "_display", out.append)
    monkeypatch.setenv("EBPM_RUN_ID", "R1")
    return out


@pytest.mark.parametrize(("env", "lang"), [(None, "en"), ("ja", "ja"), ("en", "en"), ("fr", "en")])
def test_language_is_the_sites(monkeypatch: pytest.MonkeyPatch, env: str | None, lang: str):
    if env is None:
        monkeypatch.delenv("EBPM_LANG", raising=False)
    else:
        monkeypatch.setenv("EBPM_LANG", env)
    assert report.language() == lang


def test_the_footer_follows_the_site_and_dates_in_japan_time(monkeypatch, shown) -> None:
    monkeypatch.setenv("EBPM_LANG", "ja")
    df = pd.DataFrame({"x": [1]})
    df.attrs["ebpm"] = {
        "origin": {"kind": "remote", "title": "表", "retrieved_at": "2026-11-26T15:30:00+00:00"}
    }
    report.footer(finish(df, entry="japan.x"))
    html_text = shown[0]["text/html"]
    assert "<p>データ：</p>" in html_text
    assert (
        "取得 2026年11月27日 00:30（日本時間）" in html_text
    )  # 15:30 UTC is past midnight in Japan
    assert re.search(r"作成 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（日本時間）", html_text)


def test_an_explicit_language_wins(monkeypatch, shown) -> None:
    monkeypatch.setenv("EBPM_LANG", "ja")
    report.footer(lang="en")
    assert "<p>Data:</p>" in shown[0]["text/html"]


def test_the_design_statement_follows_the_site(monkeypatch, shown) -> None:
    monkeypatch.setenv("EBPM_LANG", "ja")
    report.design_statement(
        estimand="ATT",
        treatment="t",
        comparison="c",
        unit="u",
        period="p",
        identification="i",
    )
    assert "<dt>推定対象</dt>" in shown[0]["text/html"]


def test_the_headline_follows_the_site(monkeypatch, shown) -> None:
    from tests.report.test_result_html import _result

    monkeypatch.setenv("EBPM_LANG", "ja")
    report.headline(_result())
    assert "<th>推定値</th>" in shown[0]["text/html"]
    assert shown[0][report.RESULT_MIME]["estimand"] == "LATE at the cutoff"  # data as they are


@pytest.mark.parametrize(("env", "expected"), [("ja", "## 評価デザイン"), ("en", "## Design")])
def test_say_shows_the_notebooks_prose_in_the_sites_language(
    monkeypatch, shown, env: str, expected: str
) -> None:
    monkeypatch.setenv("EBPM_LANG", env)
    report.say(en="## Design", ja="## 評価デザイン")
    assert shown[0]["text/markdown"] == expected


def test_say_refuses_an_unknown_language(shown) -> None:
    from ebpm.errors import InvalidOptionError

    with pytest.raises(InvalidOptionError, match=r"^lang='de' is not supported"):
        report.say(en="x", ja="y", lang="de")
