"""KPI follow-up (ebpm.kpi.compute): actuals per period against the straight target path on the
real Proposition 99 panel checked by hand, every data error, the report, and what changed
between two follow-ups."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    InvalidDateError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
)
from ebpm.kpi import STATUSES, KPIReport, LogicModel, changes, compute
from tests.kpi.conftest import _small


# --- compute on the real panel -----------------------------------------------------------------
def test_compute_prop99_by_hand(prop99: LogicModel, california: pd.Series) -> None:
    report = compute(prop99)
    tidy = report.tidy()
    assert list(tidy.columns) == [
        "kpi",
        "period",
        "actual",
        "target_path",
        "gap",
        "status",
        "period_start",
    ]
    row = tidy.set_index("period")
    # the actuals are California's values, 1970-2000
    assert list(row.index) == [str(y) for y in range(1970, 2001)]
    np.testing.assert_allclose(row["actual"].to_numpy(), california.loc[1970:2000].to_numpy())
    # target path: 90.1 in 1988 to 40 in 2000, 50.1 / 12 packs a year
    assert row.loc["1988", "target_path"] == 90.1
    assert row.loc["1994", "target_path"] == pytest.approx(90.1 - 50.1 * 6 / 12)  # 65.05
    assert row.loc["1997", "target_path"] == pytest.approx(90.1 - 50.1 * 9 / 12)  # 52.525
    assert row.loc["2000", "target_path"] == 40
    assert row.loc["1994", "gap"] == pytest.approx(california[1994] - 65.05)
    # before the baseline: history without a target
    assert np.isnan(row.loc["1987", "target_path"])
    assert np.isnan(row.loc["1987", "gap"])
    assert row.loc["1987", "status"] == "before baseline"
    # lower is better: 58.6 <= 65.05 on track; 53.8 > 52.525 off track
    assert california[1994] == pytest.approx(58.6, abs=1e-4)
    assert row.loc["1994", "status"] == "on track"
    assert california[1997] == pytest.approx(53.8, abs=1e-4)
    assert row.loc["1997", "status"] == "off track"
    assert row.loc["1996", "status"] == "on track"  # 54.5 <= 56.7
    assert row.loc["2000", "status"] == "off track"  # 41.6 > 40
    assert set(tidy["status"]) <= set(STATUSES)
    assert row.loc["1994", "period_start"] == pd.Timestamp("1994-01-01")

    summary = report.glance().iloc[0]
    assert summary["kpi"] == "sales_per_capita"
    assert summary["latest_period"] == "2000"
    assert summary["latest_actual"] == pytest.approx(california[2000])
    assert summary["target_path"] == 40
    assert summary["status"] == "off track"
    assert summary["previous_period"] == "1999"
    assert summary["change"] == pytest.approx(california[2000] - california[1999])  # -5.6
    progress = (california[2000] - 90.1) / (40 - 90.1) * 100
    assert summary["progress"] == pytest.approx(progress)  # 96.8 %
    assert report.status("sales_per_capita") == "off track"
    assert report.sources["sales_per_capita"]["dataset"] == "studies.prop99"
    assert len(report.sources["sales_per_capita"]["sha256"]) == 64


def test_compute_with_data_matches_the_catalog(prop99, panel) -> None:
    given = panel.copy()
    before = given.copy()
    shuffled = given.sample(frac=1, random_state=3)
    a = compute(prop99).tidy()
    b = compute(prop99, data={"sales_per_capita": shuffled}).tidy()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(given, before)  # the caller's frame is untouched
    assert compute(prop99, data={"sales_per_capita": given}).sources["sales_per_capita"] == {
        "dataset": None,
        "given": True,
    }


def test_missing_periods_are_no_data_and_the_target_holds_after_its_date(prop99, panel) -> None:
    ca = panel[(panel["State"] == "California") & ~panel["Year"].isin([1995, 1996])]
    later = pd.DataFrame(
        {"State": "California", "Year": [2001, 2002], "PacksPerCapita": [39.0, np.nan]}
    )
    report = compute(prop99, data={"sales_per_capita": pd.concat([ca, later])})
    row = report.tidy().set_index("period")
    assert row.loc["1995", "status"] == "no data"
    assert np.isnan(row.loc["1995", "actual"])
    assert row.loc["1995", "target_path"] == pytest.approx(90.1 - 50.1 * 7 / 12)
    assert row.loc["2001", "target_path"] == 40  # after the target date
    assert row.loc["2001", "status"] == "on track"  # 39 <= 40
    assert "2002" not in row.index  # no value, and after the latest value
    summary = report.glance().iloc[0]
    assert summary["latest_period"] == "2001"
    assert summary["change"] == pytest.approx(39.0 - row.loc["2000", "actual"])
    assert summary["progress"] == pytest.approx((39 - 90.1) / (40 - 90.1) * 100)


def test_higher_is_better(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, direction="higher", b=90.1, t=100)
    row = compute(model, data={"k": panel}).tidy().set_index("period")
    assert row.loc["1994", "target_path"] == pytest.approx(90.1 + 9.9 * 6 / 12)
    assert row.loc["1994", "status"] == "off track"  # sales fell; the target wanted more
    assert row.loc["1988", "status"] == "on track"  # 90.099998 is 90.1 up to float32 rounding


def test_no_data_since_the_baseline(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, bdate=2001, tdate=2005)
    report = compute(model, data={"k": panel})
    assert set(report.tidy()["status"]) == {"before baseline"}
    summary = report.glance().iloc[0]
    assert summary["status"] == "no data"
    assert summary["latest_period"] == "2000"
    assert np.isnan(summary["progress"])


def test_quarterly_kpi_from_monthly_rows_summed(tmp_path: Path) -> None:
    model = _small(
        tmp_path,
        direction="higher",
        frequency="quarterly",
        time="month",
        value="visits",
        extra=", aggregate: sum",
        b=100,
        bdate="2023Q4",
        t=200,
        tdate="2024Q4",
    )
    months = pd.date_range("2023-10-01", "2024-06-01", freq="MS")
    data = pd.DataFrame({"month": months.strftime("%Y-%m"), "visits": [30.0, 30, 40] + [50] * 6})
    row = compute(model, data={"k": data}).tidy().set_index("period")
    assert list(row.index) == ["2023Q4", "2024Q1", "2024Q2"]
    assert row["actual"].tolist() == [100, 150, 150]
    assert row.loc["2024Q1", "target_path"] == 125
    assert row.loc["2024Q2", "target_path"] == 150
    assert row["status"].tolist() == ["on track", "on track", "on track"]


def test_fiscal_year_kpi_from_dates_averaged(tmp_path: Path) -> None:
    model = _small(
        tmp_path,
        direction="higher",
        frequency="fiscal_year",
        time="day",
        value="rate",
        extra=", aggregate: mean",
        b=10,
        bdate="FY2020",
        t=30,
        tdate="2024年度",
    )
    data = pd.DataFrame(
        {
            "day": pd.to_datetime(["2021-03-31", "2020-04-01", "2021-04-01", "2023-01-15"]),
            "rate": [10.0, 12.0, 15.0, 19.0],
        }
    )
    row = compute(model, data={"k": data}).tidy().set_index("period")
    assert list(row.index) == ["FY2020", "FY2021", "FY2022"]
    assert row["actual"].tolist() == [11, 15, 19]
    assert row["target_path"].tolist() == [10, 15, 20]
    assert row["status"].tolist() == ["on track", "on track", "off track"]


def test_filter_with_a_list_and_the_mean(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, extra=", filter: {State: [California, Utah]}, aggregate: mean")
    row = compute(model, data={"k": panel}).tidy().set_index("period")
    pair = panel[panel["State"].isin(["California", "Utah"])]
    expected = pair.groupby("Year")["PacksPerCapita"].mean()
    assert row.loc["1994", "actual"] == pytest.approx(expected[1994])


# --- compute errors ----------------------------------------------------------------------------
def test_missing_columns_are_named(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, time="Yr", extra=", filter: {Stat: California}")
    with pytest.raises(ColumnNotFoundError) as info:
        compute(model, data={"k": panel})
    message = str(info.value)
    assert re.search(r"p\.yaml, line \d+: KPI 'k': the filter column 'Stat' is not in", message)
    assert "the time column 'Yr' is not in the data given for KPI 'k'. Did you mean 'Year'?" in (
        message
    )
    assert "Its columns are ['State', 'Year', 'PacksPerCapita', 'treated']" in message
    assert "Fix `source.filter`, `source.time` in the policy file." in message
    with pytest.raises(ColumnNotFoundError, match=r"the value column 'Packs' .*'PacksPerCapita'"):
        compute(_small(tmp_path, value="Packs"), data={"k": panel})


def test_filter_that_leaves_no_rows(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, extra=", filter: {State: Californa}")
    match = r"filter State == 'Californa' leaves no rows .*Did you mean 'California'\?"
    with pytest.raises(DataError, match=match):
        compute(model, data={"k": panel})
    model = _small(tmp_path, extra=', filter: {State: California, Year: "1988"}')
    match = (
        r"Year == '1988' leaves no rows .*\(with the filters before it\).*'1988' is a str; "
        "write it as the column does"
    )
    with pytest.raises(DataError, match=match):
        compute(model, data={"k": panel})
    with pytest.raises(DataError, match=r"the data given for KPI 'k' has no rows"):
        compute(model, data={"k": panel.iloc[:0]})


def test_value_column_must_be_numeric(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, value="State")
    match = r"value column 'State' .* is not numeric \(dtype .*, e\.g\. 'California'\)"
    with pytest.raises(NonNumericError, match=match):
        compute(model, data={"k": panel})
    objects = panel.assign(PacksPerCapita=panel["PacksPerCapita"].astype(object))
    report = compute(_small(tmp_path), data={"k": objects})  # numbers held as objects are fine
    assert report.status("k") == "off track"


def test_several_rows_per_period_need_a_filter_or_aggregate(tmp_path, panel) -> None:
    model = _small(tmp_path, extra="")
    match = (
        r"39 rows of the data given for KPI 'k' fall in period 1970 and 30 other periods; add a "
        r"`source\.filter` \(columns that tell them apart: State\), or set `source\.aggregate"
    )
    with pytest.raises(DuplicateRowsError, match=match):
        compute(model, data={"k": panel})


def test_bad_time_values(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path)
    holes = panel.astype({"Year": "Float64"})
    holes.loc[holes.index[-1], "Year"] = None
    with pytest.raises(MissingValueError, match=r"time column 'Year' .* is empty in 1 of the 31"):
        compute(model, data={"k": holes})
    text = panel.astype({"Year": str})
    text.loc[text.index[-1], "Year"] = "2000-ish"
    with pytest.raises(InvalidDateError, match=r"holds '2000-ish', which is not one annual period"):
        compute(model, data={"k": text})
    quarterly = _small(tmp_path, frequency="quarterly", bdate="1988Q4", tdate="2000Q4")
    with pytest.raises(InvalidDateError, match=r"1970 is a whole year, but the KPI is quarterly"):
        compute(quarterly, data={"k": panel})


def test_bad_data_argument(prop99: LogicModel, panel: pd.DataFrame) -> None:
    match = r"data has 'sales', which is not a KPI .*Did you mean 'sales_per_capita'\?"
    with pytest.raises(InvalidOptionError, match=match):
        compute(prop99, data={"sales": panel})
    with pytest.raises(DataError, match=r"data\['sales_per_capita'\] is a dict, not a pandas"):
        compute(prop99, data={"sales_per_capita": {"Year": [1988]}})


# --- the report --------------------------------------------------------------------------------
def test_report_views(prop99: LogicModel, panel: pd.DataFrame) -> None:
    report = compute(prop99, data={"sales_per_capita": panel})
    assert isinstance(report, KPIReport)
    table = report.table("sales_per_capita")
    table.loc[0, "actual"] = -1  # a copy
    assert report.tidy().loc[0, "actual"] == pytest.approx(123.0)
    with pytest.raises(InvalidOptionError, match=r"no KPI 'nope'"):
        report.status("nope")
    text = str(report)
    assert "sales_per_capita: off track at 2000: 41.6 packs per person" in text
    assert "target path 40, gap +1.6; target 40 by 2000" in text
    assert "<table" in report._repr_html_()


def test_report_to_dict_is_json(prop99: LogicModel, panel: pd.DataFrame) -> None:
    data = compute(prop99, data={"sales_per_capita": panel}).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    kpi = data["kpis"]["sales_per_capita"]
    assert data["policy"] == "prop99"
    assert kpi["baseline"] == {"period": "1988", "value": 90.1}
    assert kpi["summary"]["status"] == "off track"
    assert kpi["periods"][0] == {
        "period": "1970",
        "actual": 123.0,
        "target_path": None,
        "gap": None,
        "status": "before baseline",
    }
    assert len(kpi["periods"]) == 31


# --- changes -----------------------------------------------------------------------------------
def _report(prop99: LogicModel, frame: pd.DataFrame) -> dict:
    return json.loads(json.dumps(compute(prop99, data={"sales_per_capita": frame}).to_dict()))


def test_changes_between_follow_ups(prop99: LogicModel, panel: pd.DataFrame) -> None:
    ca = panel[panel["State"] == "California"]
    last = _report(prop99, ca[ca["Year"] <= 1996])  # on track in 1996
    now_frame = ca.copy()
    now_frame.loc[now_frame["Year"] == 1994, "PacksPerCapita"] = 60.0  # revised
    now = _report(prop99, now_frame)
    found = changes(now, last)
    kinds = [(c["change"], c["period"]) for c in found]
    assert kinds == [
        ("revised", "1994"),
        ("new period", "1997"),
        ("new period", "1998"),
        ("new period", "1999"),
        ("new period", "2000"),
        ("status", "2000"),
    ]
    revised = found[0]
    assert revised["previous"] == pytest.approx(58.6, abs=1e-4)
    assert revised["current"] == 60.0
    assert revised["message"] == "sales_per_capita: 1994: revised from 58.6 to 60"
    assert found[-1]["previous"] == "on track"
    assert found[-1]["current"] == "off track"
    assert found[-1]["message"] == (
        "sales_per_capita: status changed from on track to off track (latest period 2000)"
    )
    assert changes(now, now) == []


def test_changes_of_removed_periods_targets_and_kpis(prop99, panel) -> None:
    ca = panel[panel["State"] == "California"]
    last = _report(prop99, ca)
    now = _report(prop99, ca[ca["Year"] != 1990])
    now["kpis"]["sales_per_capita"]["target"] = {"period": "2000", "value": 45.0}
    found = changes(now, last)
    assert [(c["change"], c["period"]) for c in found] == [
        ("target", None),
        ("removed period", "1990"),
    ]
    assert found[0]["message"] == "sales_per_capita: target changed from 40 in 2000 to 45 in 2000"
    assert found[1]["previous"] == pytest.approx(77.8, abs=1e-4)

    renamed = json.loads(json.dumps(last))
    renamed["kpis"]["packs"] = renamed["kpis"].pop("sales_per_capita")
    found = changes(renamed, last)
    assert found[0]["change"] == "new kpi"
    assert found[-1]["change"] == "removed kpi"
    assert found[-1]["kpi"] == "sales_per_capita"


def test_first_follow_up(prop99: LogicModel, panel: pd.DataFrame) -> None:
    now = _report(prop99, panel)
    found = changes(now, None)
    assert found[0]["change"] == "new kpi"
    assert found[0]["message"] == "sales_per_capita: new KPI (31 periods with values)"
    assert [c["change"] for c in found[1:]] == ["new period"] * 31


def test_changes_refuses_other_input(prop99: LogicModel, panel: pd.DataFrame) -> None:
    now = _report(prop99, panel)
    with pytest.raises(DataError, match=r"`previous` is not a KPIReport\.to_dict\(\) result"):
        changes(now, {"policy": "prop99"})
    with pytest.raises(DataError, match=r"different policies \('other' before, 'prop99' now\)"):
        changes(now, {**now, "policy": "other"})
    with pytest.raises(DataError, match=r"`current` has report layout version 99"):
        changes({**now, "version": 99}, now)


def test_a_quarterly_kpi_read_from_e_stat_time_codes(tmp_path: Path) -> None:
    """e-Stat tables carry their period as a 10-digit `time_code`; a quarterly KPI reads it."""
    model = _small(
        tmp_path,
        frequency="quarterly",
        time="time_code",
        value="value",
        extra="",
        direction="higher",
        b=100,
        bdate='"2020Q1"',
        t=110,
        tdate='"2020Q4"',
    )
    frame = pd.DataFrame(
        {
            "time_code": ["2020000103", "2020000406", "2020000709", "2020001012"],
            "value": [100.0, 102.0, 108.0, 109.0],
        }
    )
    table = compute(model, data={"k": frame}).table("k").set_index("period")
    assert list(table.index) == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    # the path climbs 10/3 a quarter: 103.33 in Q2 (102 is below it), 106.67 in Q3 (108 above)
    assert table.loc["2020Q2", "target_path"] == pytest.approx(100 + 10 / 3)
    assert list(table["status"]) == ["on track", "off track", "on track", "off track"]


# --- cases the example does not reach ------------------------------------------------------------
def _yearly(tmp_path: Path, **kw) -> LogicModel:
    """A one-KPI policy reading columns ``year`` and ``v`` of the data given, without filter."""
    return _small(tmp_path, time="year", value="v", extra="", **kw)


def test_a_floor_target_has_a_path_and_a_status_but_no_progress(tmp_path: Path) -> None:
    # higher is better, yet the target (90 in 2024) is below the baseline (100 in 2020): a floor
    # on a decline. Path: 100, 97.5, 95; 95 < 97.5 is off track, 97 >= 95 on track.
    model = _yearly(tmp_path, direction="higher", b=100, bdate=2020, t=90, tdate=2024)
    data = pd.DataFrame({"year": [2020, 2021, 2022], "v": [100.0, 95.0, 97.0]})
    report = compute(model, data={"k": data})
    table = report.table("k")
    assert table["target_path"].tolist() == [100.0, 97.5, 95.0]
    assert table["gap"].tolist() == [0.0, -2.5, 2.0]
    assert table["status"].tolist() == ["on track", "off track", "on track"]
    summary = report.glance().iloc[0]
    assert summary["change"] == 2.0
    assert math.isnan(summary["progress"])  # "the way to" a floor means nothing
    assert report.summary().splitlines()[1] == (
        "  k: on track at 2022: 97, target path 95, gap +2; target 90 by 2024"
    )


def test_a_kpi_without_a_single_value_has_no_data(tmp_path: Path) -> None:
    model = _yearly(tmp_path, b=100, bdate=2020, t=90, tdate=2024)
    report = compute(model, data={"k": pd.DataFrame({"year": [2020, 2021], "v": [np.nan] * 2})})
    assert report.tidy().empty
    summary = report.glance().iloc[0]
    assert summary["latest_period"] is None
    assert summary["status"] == "no data"
    assert report.status("k") == "no data"
    assert report.summary().splitlines()[1] == "  k: no data"


def test_a_period_whose_rows_are_all_missing_sums_to_no_data(tmp_path: Path) -> None:
    # path 10 in 2020 to 0 in 2030: 10, 9, 8; sums 4 + 5 = 9 and 8 are on track (lower is better)
    extra = ", aggregate: sum"
    model = _small(tmp_path, time="year", value="v", extra=extra, b=10, bdate=2020, t=0, tdate=2030)
    data = pd.DataFrame({"year": [2020, 2020, 2021, 2021, 2022], "v": [4.0, 5, np.nan, np.nan, 8]})
    table = compute(model, data={"k": data}).table("k")
    assert table["period"].tolist() == ["2020", "2021", "2022"]
    np.testing.assert_array_equal(table["actual"], [9.0, np.nan, 8.0])
    assert table["target_path"].tolist() == [10.0, 9.0, 8.0]
    assert table["status"].tolist() == ["on track", "no data", "on track"]


def test_time_zone_aware_times_fall_in_their_local_month(tmp_path: Path) -> None:
    # 1 February 01:00 in Tokyo is 31 January in UTC: the follow-up counts it in February
    model = _small(
        tmp_path,
        frequency="monthly",
        time="t",
        value="v",
        extra="",
        b=10,
        bdate='"2024-01"',
        t=4,
        tdate='"2024-04"',
    )
    times = pd.to_datetime(["2024-01-15 12:00", "2024-02-01 01:00"]).tz_localize("Asia/Tokyo")
    table = compute(model, data={"k": pd.DataFrame({"t": times, "v": [10.0, 7.0]})}).table("k")
    assert table["period"].tolist() == ["2024-01", "2024-02"]
    assert table["target_path"].tolist() == [10.0, 8.0]  # 2 a month from 10 down to 4
    assert table["status"].tolist() == ["on track", "on track"]


def test_a_value_before_the_baseline_that_is_gone_is_named(prop99, panel) -> None:
    ca = panel[panel["State"] == "California"]
    last = _report(prop99, ca)
    now = _report(prop99, ca[ca["Year"] != 1975])  # 1975 is history: not even a "no data" row
    assert "1975" not in [p["period"] for p in now["kpis"]["sales_per_capita"]["periods"]]
    (found,) = changes(now, last)
    assert found["change"] == "removed period"
    assert found["period"] == "1975"
    value = ca.loc[ca["Year"] == 1975, "PacksPerCapita"].item()
    assert found["previous"] == pytest.approx(value)
    assert found["message"] == f"sales_per_capita: 1975: the value {value:.6g} is gone"


def test_changes_in_japanese_name_the_kpi_and_the_words_of_the_diagram(tmp_path: Path) -> None:
    model = _yearly(tmp_path, direction="higher", b=100, bdate=2020, t=90, tdate=2024)
    now = compute(model, data={"k": pd.DataFrame({"year": [2020, 2022], "v": [100.0, 97.0]})})
    before = json.loads(json.dumps(now.to_dict()))
    before["kpis"]["k"]["baseline"] = {"period": "2019", "value": 101.0}
    before["kpis"]["k"]["summary"]["status"] = "off track"
    found = changes(now.to_dict(), before, lang="ja")
    assert [c["message"] for c in found] == [
        "A KPI：基準値を2019の101から2020の100に変更",
        "A KPI：状況が「遅れ」から「順調」に変化（最新期間 2022）",
    ]
    assert found[0]["previous"] == {"baseline": "2019の101"}
    english = changes(now.to_dict(), before)
    assert english[0]["message"] == "k: baseline changed from 101 in 2019 to 100 in 2020"
    with pytest.raises(InvalidOptionError, match=r"lang='fr' is not supported.*'en', 'ja'"):
        changes(now.to_dict(), before, lang="fr")
