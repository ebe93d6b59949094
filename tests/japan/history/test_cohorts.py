"""Tests of ebpm.japan.history.cohorts: the Heisei mergers as treatment (mergers and merger
cohorts), on the real change record."""

from __future__ import annotations

import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import InvalidDateError


def test_mergers_since_the_heisei_wave():
    m = japan.mergers(to="2021-01-01").set_index("code")
    joetsu = m.loc["15222"]  # 13 absorbed on 2005-01-01 (FY2004)
    assert (joetsu["merged"], joetsu["n_predecessors"], joetsu["n_mergers"]) == (True, 14, 1)
    assert joetsu["first_merger"] == pd.Timestamp("2005-01-01")
    assert joetsu["first_merger_fy"] == 2004
    shizuoka = m.loc["22100"]  # 2003-04-01 新設 with 清水市; 蒲原町 2006-03-31; 由比町 2008-11-01
    assert shizuoka["n_mergers"] == 3
    assert shizuoka["last_merger"] == pd.Timestamp("2008-11-01")
    assert shizuoka["predecessors"] == "22201;22204;22382;22383"
    sapporo = m.loc["01100"]
    assert (sapporo["merged"], sapporo["n_predecessors"]) == (False, 1)
    assert pd.isna(sapporo["first_merger_fy"])
    assert len(m) == 1747
    with pytest.raises(InvalidDateError, match="since=2021-01-01 must be before to=2000-01-01"):
        japan.mergers(to="2000-01-01", since="2021-01-01")


def test_merger_cohorts_for_a_staggered_evaluation():
    c = japan.merger_cohorts(to="2021-01-01", first=2006, last=2010).set_index("code")
    # 本宮市 (07214): 本宮町 and 白沢村, 新設合併 2007-01-01 (FY2006)
    assert (c.loc["07214", "status"], c.loc["07214", "cohort"]) == ("treated", 2006)
    # 八女市 (40210): mergers 2006-10-01 and 2010-02-01, both in the window: cohort FY2006
    assert (c.loc["40210", "status"], c.loc["40210", "cohort"]) == ("treated", 2006)
    # 上越市 merged on 2005-01-01 (FY2004): treated before the panel, left out
    assert c.loc["15222", "status"] == "merged_before"
    assert pd.isna(c.loc["15222", "cohort"])
    assert (c.loc["01100", "status"], c.loc["01100", "cohort"]) == ("never_merged", 0)
    assert c["status"].value_counts().to_dict() == {
        "never_merged": 1158,
        "merged_before": 556,
        "treated": 30,
        "merged_after": 3,
    }
    with pytest.raises(InvalidDateError, match="first=2010 and last=2006 must be"):
        japan.merger_cohorts(first=2010, last=2006)


@pytest.fixture(scope="module")
def latest() -> pd.DataFrame:
    """mergers() with its defaults: since 1999-04-01, to the end of the record."""
    return japan.mergers()


def test_mergers_describe_every_municipality_of_to(latest):
    assert latest["code"].tolist() == japan.codes_in_force("latest", wards=False)["code"].tolist()
    assert int(latest["merged"].sum()) == 589
    attrs = latest.attrs["ebpm"]
    assert (attrs["since"], attrs["to"]) == ("1999-04-01", "2024-01-01")
    assert str(latest["first_merger_fy"].dtype) == "Int64"
    counts = latest["predecessors"].str.split(";").str.len()
    assert (latest["n_predecessors"] == counts).all()


def test_a_new_municipality_and_a_split_predecessor(latest):
    m = latest.set_index("code")
    # 2006-03-27 新設合併: 天草市 (43215) from 10 municipalities; FY2005 (April 2005 to March 2006)
    amakusa = m.loc["43215"]
    assert (amakusa["n_predecessors"], amakusa["n_mergers"], amakusa["first_merger_fy"]) == (
        10,
        1,
        2005,
    )
    # 上九一色村 (19341) was split in 2006 between 甲府市 and 富士河口湖町: both hold it
    assert m.loc["19201", "predecessors"] == "19201;19326;19341"
    assert m.loc["19430", "predecessors"] == "19341;19426;19427;19428"
    assert m.loc["19430", "first_merger"] == pd.Timestamp("2003-11-15")


def test_a_town_that_became_a_city_under_a_new_code_is_not_merged(latest):
    # 2018-10-01 市制施行: 那珂川町 (40305) → 那珂川市 (40231), no merger
    nakagawa = latest.set_index("code").loc["40231"]
    assert (nakagawa["merged"], nakagawa["n_predecessors"]) == (False, 1)
    assert nakagawa["predecessors"] == "40305"
    assert (latest.loc[~latest["merged"], "n_predecessors"] == 1).all()


def test_mergers_date_errors():
    with pytest.raises(InvalidDateError, match=r"since=2000-01-01 must be before to=2000-01-01"):
        japan.mergers(to="2000-01-01", since="2000-01-01")
    with pytest.raises(InvalidDateError, match=r"since=1960-01-01 is before the record"):
        japan.mergers(since="1960-01-01")


def test_merger_cohorts_of_a_two_year_window():
    c = japan.merger_cohorts(first=2004, last=2005)
    assert c["status"].value_counts().to_dict() == {
        "never_merged": 1158,
        "treated": 489,
        "merged_after": 59,
        "merged_before": 41,
    }
    treated = c.loc[c["status"] == "treated"]
    assert set(treated["cohort"]) == {2004, 2005}
    assert (treated["cohort"] == treated["first_merger_fy"]).all()
    assert c.loc[c["status"].isin(["merged_before", "merged_after"]), "cohort"].isna().all()
    got = c.set_index("code").loc[["43215", "15222"], "cohort"].tolist()
    assert got == [2005, 2004]  # 天草市 (2006-03-27), 上越市 (2005-01-01)
    assert (c.attrs["ebpm"]["first"], c.attrs["ebpm"]["last"]) == (2004, 2005)
    assert str(c["cohort"].dtype) == "Int64"


def test_merger_cohorts_need_int_years():
    with pytest.raises(InvalidDateError, match=r"first=2006.0 and last=2010 must be fiscal years"):
        japan.merger_cohorts(first=2006.0, last=2010)


@pytest.mark.parametrize(("first", "last"), [(True, 2010), (2006, False)])
def test_merger_cohorts_refuse_bools_as_years(first, last):
    with pytest.raises(InvalidDateError, match=rf"first={first} and last={last} must be fiscal"):
        japan.merger_cohorts(first=first, last=last)
