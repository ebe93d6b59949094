"""report.checks: a result's diagnostics as a report shows them, one marked line each."""

from __future__ import annotations

from typing import Any

import pytest

from ebpm import report
from ebpm.errors import InvalidOptionError
from ebpm.results import EstimateResult, tidy_table


def _result(method: str = "did", diagnostics: dict[str, Any] | None = None) -> EstimateResult:
    return EstimateResult(
        method=method,
        title="Difference-in-differences (two-way fixed effects)",
        estimand="ATT",
        table=tidy_table(["treated"], [-2.0], [0.5]),
        headline="treated",
        n_obs=100,
        inference="cluster",
        design={"outcome": "y", "unit": "u", "time": "t"},
        diagnostics=diagnostics or {},
    )


def _shown(monkeypatch: pytest.MonkeyPatch, result: EstimateResult, **kwargs: Any) -> dict:
    shown: list[dict] = []
    monkeypatch.setattr(report, "_display", shown.append)
    report.checks(result, **kwargs)
    assert len(shown) == 1
    return shown[0]


STAGGERED = {
    "adoption": {
        "staggered": True,
        "adoption_times": [2004, 2006],
        "switches_off": ["<script>alert(1)</script>"],
    }
}
RDD = {"density_test": {"statistic": 0.8, "p_value": 0.42}}
RDD_SORTED = {"density_test": {"statistic": 3.1, "p_value": 0.002}}


def test_each_check_is_a_line_with_its_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    r = _result(diagnostics=STAGGERED)
    bundle = _shown(monkeypatch, r, lang="en")
    text = r.checks("en")["text"].iloc[0]
    assert bundle["text/plain"] == f"! {text}"
    assert bundle["text/html"].startswith('<ul class="ebpm-checks"')
    assert '<li class="ebpm-check ebpm-check-warn">' in bundle["text/html"]
    assert "treatment starts at 2 different times" in bundle["text/html"]


def test_pass_and_warn_have_their_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    ok = _shown(monkeypatch, _result("rdd", RDD), lang="en")["text/plain"]
    bad = _shown(monkeypatch, _result("rdd", RDD_SORTED), lang="en")["text/plain"]
    assert ok.startswith("✓ ")
    assert "0.42" in ok
    assert bad.startswith("! ")
    assert "0.002" in bad


def test_everything_is_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    page = _shown(monkeypatch, _result(diagnostics=STAGGERED), lang="en")["text/html"]
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_checks_read_in_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = _shown(monkeypatch, _result(diagnostics=STAGGERED), lang="ja")
    assert "処置の開始時期が 2 通りある" in bundle["text/html"]
    assert bundle["text/plain"].startswith("! 処置の開始時期が 2 通りある")


def test_the_language_defaults_to_the_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "language", lambda: "ja")
    assert "密度検定" in _shown(monkeypatch, _result("rdd", RDD))["text/plain"]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "No diagnostic applies to this design."),
        ("ja", "この評価デザインに当てはまる診断はない。"),
    ],
)
def test_a_design_without_checks_says_so(
    monkeypatch: pytest.MonkeyPatch, lang: str, said: str
) -> None:
    bundle = _shown(monkeypatch, _result(), lang=lang)
    assert bundle["text/plain"] == said
    assert bundle["text/html"] == f'<p class="ebpm-checks">{said}</p>'


def test_refuses_what_is_not_a_result_and_unknown_languages() -> None:
    with pytest.raises(TypeError, match="checks\\(\\) takes an EstimateResult, got dict"):
        report.checks({"diagnostics": {}})  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"lang='fr' is not supported"):
        report.checks(_result(), lang="fr")


def _sensitivity() -> Any:
    import pandas as pd

    from ebpm.trust.sensitivity import Sensitivity

    return Sensitivity(
        method="relative_magnitude",
        target="average",
        target_label="average effect",
        estimate=-2.0,
        original=(-3.0, -1.0),
        table=pd.DataFrame(
            {"Mbar": [0.5, 1.0], "conf_low": [-3.5, -4.0], "conf_high": [-0.2, 0.5]}
        ),
        refined=pd.DataFrame(columns=["Mbar", "conf_low", "conf_high"]),
        breakdown=0.8,
        breakdown_bracket=(0.5, 1.0),
        conf_level=0.95,
        n_pre=3,
        n_post=2,
    )


def test_a_sensitivity_adds_its_breakdown_as_the_site_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    r = _result(diagnostics=RDD)
    plain = _shown(monkeypatch, r, lang="en", sensitivity=_sensitivity())["text/plain"]
    sens, density = plain.splitlines()
    assert density.startswith("✓ density test")
    assert sens.startswith("! sensitivity (relative magnitudes)")
    assert "exceed 0.8 times the largest pre-period one" in sens
    assert "sensitivity" not in r.diagnostics  # the result is left as it was
    ja = _shown(monkeypatch, r, lang="ja", sensitivity=_sensitivity())["text/plain"]
    assert "感度分析（相対的大きさ）" in ja


def test_a_sensitivity_must_be_what_result_sensitivity_returned() -> None:
    with pytest.raises(TypeError, match=r"checks\(sensitivity=\.\.\.\) takes what"):
        report.checks(_result(), sensitivity={"breakdown": 1.0})


def test_report_sensitivity_explains_plots_and_concludes(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import IPython.display

    shown: list[dict] = []
    figures: list[Any] = []
    monkeypatch.setattr(report, "_display", shown.append)
    monkeypatch.setattr(IPython.display, "display", figures.append)
    report.sensitivity(_sensitivity(), outcome="dins", lang="en")
    explain, result = (b["text/plain"] for b in shown)
    assert explain.startswith("How far may parallel trends fail after adoption")
    assert "up to M̄ times the largest one before adoption" in explain
    assert result == "Result for this estimate: breakdown value: M̄ = 0.8."
    assert len(figures) == 1
    assert figures[0].axes[0].get_xlabel().startswith("M̄")
    shown.clear()
    report.sensitivity(_sensitivity(), lang="ja")
    assert "相対的大きさの考え方では" in shown[0]["text/plain"]
    assert shown[1]["text/plain"] == "この推定の結果は「ブレークダウン値：M̄ = 0.8」。"
    with pytest.raises(TypeError, match=r"sensitivity\(\) takes what result\.sensitivity"):
        report.sensitivity({"breakdown": 1.0})


def test_headline_carries_a_sensitivity_and_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ebpm._protocol import RESULT_MIME

    shown: list[dict] = []
    monkeypatch.setattr(report, "_display", shown.append)
    r = _result(diagnostics=RDD)
    report.headline(r, sensitivity=_sensitivity(), lang="en")
    carried = shown[0][RESULT_MIME]["diagnostics"]["sensitivity"]
    assert (carried["method"], carried["breakdown"]) == ("relative_magnitude", 0.8)
    assert "sensitivity" not in r.diagnostics  # the result is left as it was
    with pytest.raises(TypeError, match=r"headline\(sensitivity=\.\.\.\) takes what"):
        report.headline(r, sensitivity={"breakdown": 1.0})


@pytest.mark.parametrize(("lang", "title"), [("en", "## Diagnostics"), ("ja", "## 診断")])
def test_the_heading_and_legend_come_first_in_the_same_language(
    monkeypatch: pytest.MonkeyPatch, lang: str, title: str
) -> None:
    shown: list[dict] = []
    monkeypatch.setattr(report, "_display", shown.append)
    report.checks(_result(diagnostics=STAGGERED), lang=lang, heading=True)
    assert len(shown) == 2
    assert shown[0]["text/markdown"] == report.CHECKS_HEADING[lang]
    assert shown[0]["text/markdown"].startswith(title)
    assert shown[1]["text/plain"].startswith("! ")
