"""ebpm.report.result_html: a headline estimate as a report shows it, in English or Japanese."""

from __future__ import annotations

import pytest

from ebpm.errors import InvalidOptionError
from ebpm.report.result_html import design_title, result_html
from ebpm.results import EstimateResult, tidy_table


def _result(method: str = "rdd", title: str = "Regression discontinuity (sharp, local polynomial)"):
    return EstimateResult(
        method=method,
        title=title,
        estimand="LATE at the cutoff",
        table=tidy_table(["RD effect", "other"], [7.414, 0.5], [1.459, 0.1]),
        headline="RD effect",
        n_obs=1297,
        inference="robust bias-corrected",
        design={"outcome": "vote", "running": "margin", "cutoff": 0},
    )


def test_design_titles_in_japanese_keep_the_estimators_name() -> None:
    r = _result()
    assert design_title(r, "en") == "Regression discontinuity (sharp, local polynomial)"
    assert design_title(r, "ja") == (
        "回帰不連続デザイン（Regression discontinuity (sharp, local polynomial)）"
    )
    assert design_title(_result("custom", "My design"), "ja") == "My design"


def test_the_english_table_and_facts() -> None:
    page = result_html(_result(), "en")
    assert "<strong>Regression discontinuity (sharp, local polynomial)</strong>" in page
    assert "(LATE at the cutoff; outcome <code>vote</code>; running <code>margin</code>; " in page
    assert "n = 1,297; inference: robust bias-corrected; 95% confidence intervals" in page
    assert '<tr style="font-weight:bold"><td>RD effect</td><td>7.4140</td>' in page
    assert "<th>term</th><th>estimate</th><th>std_error</th>" in page


def test_the_japanese_table_and_facts() -> None:
    page = result_html(_result(), "ja")
    assert "<th>項目</th><th>推定値</th><th>標準誤差</th><th>検定統計量</th><th>p値</th>" in page
    assert "割当変数 <code>margin</code>、閾値 <code>0</code>" in page
    assert "観測数 1,297、推論：robust bias-corrected、95%信頼区間" in page
    assert "<tr><td>other</td>" in page  # only the headline term is bold


def test_names_are_escaped() -> None:
    r = _result(title="<script>x</script>")
    assert "<script>" not in result_html(r, "en")


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(InvalidOptionError, match=r"^lang='fr' is not supported"):
        result_html(_result(), "fr")


def test_the_estimators_own_sentences_in_japanese() -> None:
    r = EstimateResult(
        method="moran",
        title="Global Moran's I (spatial autocorrelation)",
        estimand="Moran's I of UNEMP",
        table=tidy_table(["moran_i"], [0.37], [0.05]),
        headline="moran_i",
        n_obs=53,
        inference="permutation test",
        assumption="spatial randomness",
        assumption_label="null hypothesis",
        interval_label="intervals: a rough guide",
        translations={
            "ja": {
                "estimand": "UNEMP のMoranのI",
                "inference": "並べ替え検定",
                "assumption": "空間的ランダム性",
                "interval_label": "信頼区間（目安）",
            }
        },
    )
    page = result_html(r, "ja")
    assert "<strong>大域的MoranのI（空間的自己相関）（Global Moran&#x27;s I" in page
    assert " (UNEMP のMoranのI、" in page
    assert (
        "観測数 53、推論：並べ替え検定、95%信頼区間（目安）<br>帰無仮説：空間的ランダム性" in page
    )
    english = result_html(r, "en")
    assert "(Moran&#x27;s I of UNEMP; " in english
    assert "inference: permutation test; 95% intervals: a rough guide" in english
    assert "<br>Null hypothesis: spatial randomness" in english  # a test's null, not identification


def test_without_japanese_words_the_estimators_english_is_shown() -> None:
    page = result_html(_result(), "ja")
    assert "推論：robust bias-corrected" in page
    assert " (LATE at the cutoff、" in page
