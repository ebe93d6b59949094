"""The flagship Japanese evaluation: did the municipal mergers of FY2006-FY2010 change finances?

The panel is built as notebooks/japan_mergers.py builds it; its numbers are checked by hand
(a 2x2 difference in means for one cohort-year cell) and asserted; then the pipeline is run
end to end and its published pages are checked.
"""

from __future__ import annotations

import json
import warnings

import pytest

from ebpm import catalog, japan
from ebpm.estimators.staggered import staggered_did

OUTCOME = "current_balance_ratio"


@pytest.fixture(scope="module")
def panels():
    fiscal = catalog.load("japan.municipal_fiscal_indices")
    design = {"to": "2021-01-01", "first": 2006, "last": 2010}
    return {
        rule: japan.merger_panel(fiscal, outcome=OUTCOME, how=rule, **design)
        for rule in ("mean", "core")
    }


def test_the_panel_is_balanced_on_2021_boundaries(panels):
    data = panels["mean"]
    assert data.groupby("code")["fiscal_year"].nunique().eq(17).all()
    sizes = data.drop_duplicates("code")["cohort"].value_counts().sort_index().to_dict()
    # 1,158 never merged since 1999 less the 6 Northern Territories villages (no finances)
    assert sizes == {0: 1152, 2006: 6, 2007: 3, 2008: 9, 2009: 12}
    assert data.attrs["ebpm"]["cohorts"] == {
        "never_merged": 1152,
        "merged_before": 556,
        "treated": 30,
        "merged_after": 3,
    }
    assert set(data["status"]) == {"treated", "never_merged"}
    # 宇都宮市 FY2005 is the mean of 宇都宮市, 上河内町 and 河内町 (merged 2007-03-31)
    fiscal = catalog.load("japan.municipal_fiscal_indices")
    parts = fiscal[
        (fiscal["fiscal_year"] == 2005) & fiscal["code"].isin(["09201", "09303", "09304"])
    ]
    assert len(parts) == 3
    utsunomiya = data[(data["code"] == "09201") & (data["fiscal_year"] == 2005)][OUTCOME]
    assert utsunomiya.item() == pytest.approx(parts[OUTCOME].mean())


def test_one_cohort_year_cell_equals_a_difference_in_means(panels):
    """ATT(2006, 2006) without covariates is the 2x2 DiD of FY2005 → FY2006 means."""
    data = panels["mean"]
    wide = data.pivot(index="code", columns="fiscal_year", values=OUTCOME)
    change = wide[2006] - wide[2005]
    cohort = data.drop_duplicates("code").set_index("code")["cohort"]
    by_hand = change[cohort == 2006].mean() - change[cohort == 0].mean()
    result = staggered_did(
        data, outcome=OUTCOME, unit="code", time="fiscal_year", cohort="cohort", seed=1
    )
    cells = result.diagnostics["att_gt"].set_index(["group", "time"])
    assert cells.loc[(2006, 2006), "att"] == pytest.approx(by_hand, abs=1e-9)
    assert by_hand == pytest.approx(-1.4104, abs=5e-5)


def test_the_estimates_and_how_they_move_with_the_combination_rule(panels):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main = staggered_did(
            panels["mean"], outcome=OUTCOME, unit="code", time="fiscal_year", cohort="cohort"
        )
        core = staggered_did(
            panels["core"], outcome=OUTCOME, unit="code", time="fiscal_year", cohort="cohort"
        )
    # whatever the sign: no detectable effect on 経常収支比率 under either rule
    assert main.estimate == pytest.approx(0.2483, abs=5e-5)
    assert core.estimate == pytest.approx(0.9089, abs=5e-4)
    for r in (main, core):
        row = r.glance().iloc[0]
        assert row["conf_low"] < 0 < row["conf_high"]


# --- the pipeline, end to end ----------------------------------------------------------------
@pytest.fixture(scope="module")
def run(japan_mergers_run):
    return japan_mergers_run


@pytest.mark.slow
def test_the_pipeline_runs_offline_and_publishes_its_estimates(run):
    result, out = run
    assert result.ok, [(t.name, t.reason) for t in result.tasks]
    heads = {t.name: t.headline["headline"] for t in result.tasks if t.headline}
    assert heads["merger_finances"]["estimate"] == pytest.approx(0.2483, abs=5e-5)
    assert heads["merger_finances_more-fiscal_capacity_index"]["estimate"] == pytest.approx(
        0.0990, abs=5e-5
    )
    assert heads["merger_finances_more-real_debt_service_ratio"]["estimate"] == pytest.approx(
        -0.0860, abs=5e-5
    )
    site = out / "site"
    evidence = json.loads((site / "evidence.json").read_text(encoding="utf-8"))
    rows = {r["task"]: r for r in evidence["evaluations"]}
    main = rows["merger_finances"]
    assert main["estimate"] == pytest.approx(0.2483, abs=5e-5)
    assert main["policy"] == "平成の大合併（2006〜2010年度の市町村合併）"
    assert main["datasets"] == [
        "japan.municipal_fiscal_indices",
        "japan.municipal_changes",
        "geo.japan_municipalities",
    ]


@pytest.mark.slow
def test_the_report_is_japanese_with_every_credit_line_and_a_national_map(run):
    _, out = run
    page = (out / "site" / "reports" / "japan_mergers" / "merger_finances.html").read_text(
        encoding="utf-8"
    )
    for credit in (
        "出典：総務省『地方公共団体の主要財政指標一覧』",
        "出典：政府統計の総合窓口(e-Stat)（https://www.e-stat.go.jp/）市区町村を探す",
        "国土数値情報（行政区域データ）（国土交通省）を加工して作成",
    ):
        assert credit in page
    for heading in ("研究デザイン", "合併した市町村の地図", "イベントスタディ", "頑健性"):
        assert heading in page
    assert "<dt>推定対象</dt>" in page
    assert page.count("<img") >= 3  # the map, the trends, the event study
    assert "Text(0.5" not in page  # no stray matplotlib repr
    kpi = out / "site" / "reports" / "japan_mergers" / "mergers_kpi.html"
    assert "経常収支比率" in kpi.read_text(encoding="utf-8")


def test_the_report_numbers_come_from_the_shipped_data_only(panels):
    """The panel's provenance names the ministry's files and the change record."""
    fiscal = catalog.load("japan.municipal_fiscal_indices")
    record = catalog.load("japan.municipal_changes")
    assert fiscal.attrs["ebpm"]["attribution"] == "出典：総務省『地方公共団体の主要財政指標一覧』"
    assert record.attrs["ebpm"]["attribution"].startswith("出典：政府統計の総合窓口(e-Stat)")
    assert len(record) == 2803
    assert set(panels["mean"]["fiscal_year"]) == set(range(2005, 2022))
