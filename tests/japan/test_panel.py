"""harmonize: a municipal panel restated on one date's boundaries (real codes and events)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    InvalidCodeError,
    InvalidOptionError,
    NonNumericError,
)
from ebpm.japan.panel import SplitWarning

# 静岡市 on 2021 boundaries (22100) is, at the end of FY2004 (2005-03-31): 静岡市 22201 (itself
# 静岡市 + 清水市 since 2003-04-01), 蒲原町 22382 (absorbed 2006-03-31) and 由比町 22383
# (absorbed 2008-11-01). Checked by hand against the change record.
SHIZUOKA = pd.DataFrame(
    {
        "code": ["22201", "22382", "22383", "22100"],
        "fy": [2004, 2004, 2004, 2010],
        "population": [700_000.0, 13_000.0, 9_000.0, 716_000.0],
        "ratio": [0.80, 0.40, 0.50, 0.90],
    }
)


def test_predecessors_are_combined_column_by_column():
    before = SHIZUOKA.copy()
    out = japan.harmonize(
        SHIZUOKA,
        code="code",
        time="fy",
        to="2021-01-01",
        how={"population": "sum", "ratio": "weighted"},
        weights="population",
        ratios=["ratio"],
    )
    pd.testing.assert_frame_equal(SHIZUOKA, before)  # the caller's frame is untouched
    assert out[["code", "name", "fy"]].values.tolist() == [
        ["22100", "静岡市", 2004],
        ["22100", "静岡市", 2010],
    ]
    row = out.set_index("fy").loc[2004]
    assert row["population"] == 722_000.0
    assert row["ratio"] == pytest.approx((0.8 * 700_000 + 0.4 * 13_000 + 0.5 * 9_000) / 722_000)
    assert row["n_merged"] == 3
    assert bool(row["complete"])
    assert out.set_index("fy").loc[2010, "ratio"] == 0.90
    info = out.attrs["ebpm"]["harmonize"]
    assert info["to"] == "2021-01-01"
    assert info["how"] == {"population": "sum", "ratio": "weighted"}
    assert info["merged"] == [
        {"code": "22100", "fy": 2004, "from": ["22201", "22382", "22383"]}
    ]  # the 2010 row is 22100 itself, not a merge


def test_an_unweighted_mean_and_a_missing_predecessor():
    part = SHIZUOKA[SHIZUOKA["code"] != "22383"]  # 由比町 did not report in FY2004
    out = japan.harmonize(
        part, code="code", time="fy", to="2021-01-01", how={"population": "sum", "ratio": "mean"}
    )
    row = out.set_index("fy").loc[2004]
    assert not row["complete"]
    assert np.isnan(row["population"])  # a sum over part of the area would understate it
    assert row["ratio"] == pytest.approx((0.8 + 0.4) / 2)
    assert out.attrs["ebpm"]["harmonize"]["incomplete"] == [
        {"code": "22100", "as_of": "2005-03-31", "missing": ["22383"]}
    ]


def test_a_whole_country_of_counts_keeps_its_total():
    rows = []
    for fy in (2004, 2010):
        codes = japan.codes_in_force(f"{fy + 1}-03-31", wards=False)["code"]
        rows.append(pd.DataFrame({"code": codes, "fy": fy, "n": 1.0}))
    panel = pd.concat(rows, ignore_index=True)
    with pytest.warns(SplitWarning, match=r"19341 上九一色村.*divided equally.*shares="):
        out = japan.harmonize(panel, code="code", time="fy", to="2021-01-01", how="sum")
    totals = out.groupby("fy")["n"].sum()
    assert totals.loc[2004] == pytest.approx((panel["fy"] == 2004).sum())
    assert totals.loc[2010] == pytest.approx((panel["fy"] == 2010).sum())
    assert out.groupby("fy").size().tolist() == [1747, 1747]  # 2021: 1,741 + 6 北方領土
    assert out["complete"].all()
    by = out.set_index(["code", "fy"])["n"]
    assert by.loc[("22100", 2004)] == 3  # 静岡市, 蒲原町, 由比町
    assert by.loc[("19201", 2004)] == 2.5  # 甲府市, 中道町, half of 上九一色村
    assert by.loc[("19430", 2004)] == 1.5  # 富士河口湖町, half of 上九一色村


def test_shares_allocate_a_split():
    # FY2004 (read 2005-03-31): 甲府市, 中道町 and 上九一色村 are there; FY2005 (2006-03-31):
    # 甲府市 and 富士河口湖町 only
    panel = pd.DataFrame(
        {
            "code": ["19201", "19326", "19341", "19430", "19201", "19430"],
            "fy": [2004, 2004, 2004, 2004, 2005, 2005],
            "n": [10.0, 5.0, 4.0, 6.0, 16.0, 9.0],
        }
    )
    shares = pd.DataFrame(
        {"from_code": ["19341", "19341"], "to_code": ["19201", "19430"], "share": [0.25, 0.75]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", SplitWarning)
        out = japan.harmonize(
            panel, code="code", time="fy", how="sum", shares=shares, columns=["n"]
        )
    n = out.set_index(["code", "fy"])["n"]
    assert n.loc[("19201", 2004)] == 10 + 5 + 1
    assert n.loc[("19430", 2004)] == 6 + 3
    assert n.loc[("19201", 2005)] == 16


def test_ratios_must_not_be_summed():
    with pytest.raises(InvalidOptionError, match=r"'ratio' are ratios and must not be summed"):
        japan.harmonize(SHIZUOKA, code="code", time="fy", how="sum", ratios=["ratio"])
    with pytest.raises(InvalidOptionError, match="how='weighted' needs weights="):
        japan.harmonize(SHIZUOKA, code="code", time="fy", how="weighted")
    with pytest.raises(InvalidOptionError, match=r"how='total' is not supported.*'sum'"):
        japan.harmonize(SHIZUOKA, code="code", time="fy", how="total")
    with pytest.raises(InvalidOptionError, match=r"period='month' is not supported"):
        japan.harmonize(SHIZUOKA, code="code", time="fy", period="month")


def test_bad_panels_are_named():
    dup = pd.concat([SHIZUOKA, SHIZUOKA.iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateRowsError, match=r"repeat a code and period \(22201 in 2004\)"):
        japan.harmonize(dup, code="code", time="fy")
    with pytest.raises(ColumnNotFoundError, match=r"code='cd' is not a column.*'code'"):
        japan.harmonize(SHIZUOKA, code="cd", time="fy")
    stale = SHIZUOKA.assign(code=["22204", "22382", "22383", "22100"])  # 清水市, gone in 2003
    with pytest.raises(InvalidCodeError, match=r"fy=2004: code '22204' was not in force"):
        japan.harmonize(stale, code="code", time="fy")
    both = pd.DataFrame({"code": ["22100", "22101"], "fy": 2010, "n": [1.0, 1.0]})
    with pytest.raises(DataError, match=r"both designated city 22100 and its ward 22101"):
        japan.harmonize(both, code="code", time="fy")
    text = SHIZUOKA.assign(ratio=SHIZUOKA["ratio"].astype(str))
    with pytest.raises(NonNumericError, match=r"column 'ratio' is not numeric"):
        japan.harmonize(text, code="code", time="fy", columns=["ratio"])


def test_calendar_years_and_dates_read_codes_on_other_days():
    # 蒲原町 was absorbed on 2006-03-31: in FY2005 (read 2006-03-31) it is gone, in calendar
    # 2005 (read 2005-12-31) it is there
    panel = pd.DataFrame({"code": ["22382"], "t": [2005], "n": [1.0]})
    with pytest.raises(InvalidCodeError, match="'22382' was not in force on 2006-03-31"):
        japan.harmonize(panel, code="code", time="t")
    out = japan.harmonize(panel, code="code", time="t", period="year")
    assert out["code"].tolist() == ["22100"]
    dated = panel.assign(t=pd.Timestamp("2006-03-30"))
    assert japan.harmonize(dated, code="code", time="t")["code"].tolist() == ["22100"]


def test_core_keeps_the_predecessor_the_successor_continues():
    out = japan.harmonize(SHIZUOKA, code="code", time="fy", how="core", columns=["ratio"])
    # 静岡市 22201 became 静岡市 22100 (same name): its own ratio, not the towns' it absorbed
    assert out.set_index("fy").loc[2004, "ratio"] == 0.80
    # 天草市 (43215) took no predecessor's name or code: the mean of all ten
    amakusa = japan.convert_codes("43215", from_date="2021-01-01", to_date="2006-03-26")
    codes = sorted(amakusa["to_code"])
    panel = pd.DataFrame({"code": codes, "fy": 2004, "ratio": np.arange(10.0)})
    got = japan.harmonize(panel, code="code", time="fy", how="core", columns=["ratio"])
    assert got["ratio"].tolist() == [4.5]


def test_core_is_missing_when_the_core_predecessor_did_not_report():
    # FY2002 (read 2003-03-31): 静岡市 22201, 清水市 22204, 蒲原町 22382, 由比町 22383; the
    # 2003 新設合併 kept 静岡市's name, so 静岡市 is the core, and it has no row here
    panel = pd.DataFrame({"code": ["22204", "22382", "22383"], "fy": 2002, "r": [2.0, 3.0, 4.0]})
    out = japan.harmonize(panel, code="code", time="fy", how="core", columns=["r"])
    assert not out["complete"].iloc[0]
    assert np.isnan(out["r"].iloc[0])
    means = japan.harmonize(panel, code="code", time="fy", how="mean", columns=["r"])
    assert means["r"].iloc[0] == 3.0  # a mean of those that reported, flagged incomplete


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ({"from_code": [19341, 19341], "to_code": ["19201", "19430"], "share": [25, 75]},
         r"19341 → 19201 has share 25; shares are fractions from 0 to 1"),
        ({"from_code": ["19341"], "to_code": ["19201"], "share": [0.25]},
         r"shares of 19341 must cover each municipality.*19430 missing"),
        ({"from_code": ["19341", "19341"], "to_code": ["19201", "19430"], "share": [0.5, 0.6]},
         r"add up to 1; they add up to 1\.1"),
        ({"from_code": ["19201"], "to_code": ["19430"], "share": [1.0]},
         r"19201 → 19430 is not a split of this panel; the splits are 19341 → 19201"),
    ],
)  # fmt: skip
def test_bad_shares_are_refused(shares, message):
    panel = pd.DataFrame(
        {"code": ["19201", "19326", "19341", "19430"], "fy": 2004, "n": [10.0, 5.0, 4.0, 6.0]}
    )
    with pytest.raises(InvalidOptionError, match=message):
        japan.harmonize(panel, code="code", time="fy", how="sum", shares=pd.DataFrame(shares))


def test_shares_accept_integer_and_six_digit_codes():
    panel = pd.DataFrame(
        {"code": ["19201", "19326", "19341", "19430"], "fy": 2004, "n": [10.0, 5.0, 4.0, 6.0]}
    )
    shares = pd.DataFrame(
        {"from_code": [19341, "193411"], "to_code": ["192015", 19430], "share": [0.25, 0.75]}
    )
    out = japan.harmonize(panel, code="code", time="fy", how="sum", shares=shares)
    assert out.set_index("code")["n"].to_dict() == {"19201": 16.0, "19430": 9.0}


def test_the_same_code_written_two_ways_is_a_duplicate():
    panel = pd.DataFrame({"code": ["22201", "222011"], "fy": 2004, "n": [1.0, 2.0]})
    with pytest.raises(DuplicateRowsError, match=r"22201 in 2004"):
        japan.harmonize(panel, code="code", time="fy")


def test_ratios_the_data_declare_are_refused_for_sum_too():
    """The ministry's fiscal indicators declare themselves ratios: the default sum is refused."""
    from ebpm import catalog

    fiscal = catalog.load("japan.municipal_fiscal_indices")
    assert "current_balance_ratio" in fiscal.attrs["ebpm"]["details"]["ratios"]
    part = fiscal[fiscal["code"].isin(["22100", "22201", "22382", "22383"])]
    with pytest.raises(InvalidOptionError, match=r"'current_balance_ratio'.*must not be summed"):
        japan.harmonize(part, code="code", time="fiscal_year", columns=["current_balance_ratio"])
    out = japan.harmonize(
        part, code="code", time="fiscal_year", how="mean", columns=["current_balance_ratio"]
    )
    assert out["code"].unique().tolist() == ["22100"]
