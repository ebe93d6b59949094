"""Tests of ebpm.japan.history.convert: change events, codes in force and crosswalks, on the
real change record.

Every expected code below was checked by hand against the record
(src/ebpm/data/japan/municipal_changes/municipal_changes.csv); the row is quoted in a comment.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import InvalidCodeError, InvalidDateError, InvalidOptionError
from ebpm.japan import history


def pairs(df: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(df["from_code"], df["to_code"], strict=True))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        # official counts (総務省): 3,232 municipalities on 1999-03-31, 1,718 from 2014-04-05;
        # the record also lists the six villages of the Northern Territories (北方領土), which
        # the official counts leave out, and Tokyo's 23 special wards, which they count apart.
        ("1999-03-31", {"city": 670, "town": 1994, "village": 568}),
        ("2014-04-05", {"city": 790, "town": 745, "village": 183}),
        ("2021-01-01", {"city": 792, "town": 743, "village": 183}),
    ],
)
def test_codes_in_force_match_the_official_municipality_counts(on, expected):
    df = japan.codes_in_force(on, wards=False)
    northern = df["code"].isin([f"0{c}" for c in range(1695, 1701)])
    assert northern.sum() == 6
    df = df[~northern]
    kinds = df["kind"].replace({"designated_city": "city"}).value_counts().to_dict()
    assert kinds.pop("special_ward") == 23
    assert kinds == expected


def test_codes_in_force_columns_names_and_wards():
    df = japan.codes_in_force("2000-04-01")
    row = df.set_index("code").loc["01101"]
    assert (row["name"], row["full_name"], row["kind"], row["parent_code"]) == (
        "中央区",
        "札幌市中央区",
        "ward",
        "01100",
    )
    assert row["lg_code"] == "011011"
    assert df.set_index("code").loc["11204", "name"] == "浦和市"  # before さいたま市 (2001-05-01)
    assert df["code"].is_unique
    no_wards = japan.codes_in_force("2000-04-01", wards=False)
    assert not (no_wards["kind"] == "ward").any()
    assert "01100" in set(no_wards["code"])
    tokyo = japan.codes_in_force("2000-04-01", pref="東京都")
    assert set(tokyo["pref_code"]) == {"13"}
    assert df.attrs["ebpm"]["credit"].startswith("出典：政府統計の総合窓口(e-Stat)")


def test_a_village_that_became_a_town_under_its_code_changes_kind():
    # 1970-11-01 名称変更 琴浜村(05367) → 若美町(05367): same code, same version, new kind
    before = japan.codes_in_force("1970-10-31").set_index("code").loc["05367"]
    after = japan.codes_in_force("1970-11-02").set_index("code").loc["05367"]
    assert (before["name"], before["kind"]) == ("琴浜村", "village")
    assert (after["name"], after["kind"]) == ("若美町", "town")


def test_codes_in_force_can_be_empty():
    # Okinawa enters the record on 1972-05-15
    before = japan.codes_in_force("1971-01-01", pref=47)
    assert before.empty
    assert "full_name" in before.columns
    # 54 municipalities: 47 on 1972-05-15, and seven (宮古郡's five, 伊平屋村, 伊是名村) on
    # 1972-06-07, as the record has it
    assert len(japan.codes_in_force("1972-05-15", pref=47)) == 47
    assert len(japan.codes_in_force("1972-06-07", pref=47)) == 54


def test_changes_filters_by_prefecture_and_dates():
    df = japan.changes(pref="新潟県", start="2005-01-01", end="2005-01-01")
    # 2005-01-01: 13 municipalities absorbed into 上越市 (15222), among others in 新潟県
    joetsu = df[df["to_code"] == "15222"]
    assert len(joetsu) == 13
    assert set(joetsu["type"]) == {"編入合併"}
    assert (df["date"] == pd.Timestamp("2005-01-01")).all()
    everything = japan.changes()
    assert len(everything) == 2802  # 2,803 rows; one repeats a (date, type, from, to) row
    assert everything["date"].min() == pd.Timestamp("1970-04-20")


def test_a_split_maps_one_code_to_several():
    # 2006-03-01 編入合併: 上九一色村(19341) 大字梯及び古関 → 甲府市(19201);
    #                      大字精進、本栖及び富士ヶ嶺 → 富士河口湖町(19430)
    xw = japan.convert_codes("19341", from_date="2006-01-01", to_date="2007-01-01")
    assert pairs(xw) == {("19341", "19201"), ("19341", "19430")}
    assert set(xw["n_to"]) == {2}
    assert set(xw["changes"]) == {"2006-03-01 編入合併"}
    back = japan.convert_codes("19430", from_date="2007-01-01", to_date="2006-01-01")
    assert pairs(back) == {("19430", "19430"), ("19430", "19341")}


def test_a_designated_city_maps_to_its_city_code_and_its_wards():
    # 2005-04-01 政令指定都市施行: 静岡市(22201) → 静岡市(22100), wards 葵区 駿河区 清水区
    xw = japan.convert_codes("22201", from_date="2004-01-01", to_date="2006-01-01")
    assert pairs(xw) == {("22201", "22100")}
    assert xw["changes"].iloc[0] == "2005-04-01 政令指定都市施行"
    wards = japan.convert_codes("22201", from_date="2004-01-01", to_date="2006-01-01", wards=True)
    assert set(wards["to_code"]) == {"22101", "22102", "22103"}
    assert set(wards["to_name"]) == {"静岡市葵区", "静岡市駿河区", "静岡市清水区"}
    back = japan.convert_codes("22100", from_date="2006-01-01", to_date="2004-01-01")
    assert pairs(back) == {("22100", "22201")}
    # a ward goes back to the city it was carved from and to the towns absorbed into it:
    # 2006-03-31 蒲原町(22382) → 清水区(22103); 2008-11-01 由比町(22383) → 清水区(22103)
    ward = japan.convert_codes("22103", from_date="2010-01-01", to_date="2004-01-01")
    assert set(ward["to_code"]) == {"22201", "22382", "22383"}
    # ... and a town absorbed into a ward reaches the designated city at municipality level,
    # or, with wards=True, the ward the record names (not every ward of the city)
    town = japan.convert_codes("22382", from_date="2006-01-01", to_date="latest")
    assert pairs(town) == {("22382", "22100")}
    town = japan.convert_codes("22382", from_date="2006-01-01", to_date="2010-01-01", wards=True)
    assert pairs(town) == {("22382", "22103")}
    assert town["n_to"].tolist() == [1]


def test_a_ward_traced_past_its_citys_designation_reaches_every_predecessor():
    # 相模原市 (14209) absorbed 城山町 and 津久井町 (2006-03-20), 相模湖町 and 藤野町 (2007-03-11),
    # and became designated on 2010-04-01 with three wards created from the whole city: the
    # record does not say which predecessor became which ward, so 中央区 maps to all five
    back = japan.convert_codes("14152", from_date="2011-01-01", to_date="2006-01-01")
    assert set(back["to_code"]) == {"14209", "14421", "14422", "14423", "14424"}


def test_a_merger_of_many_maps_each_to_the_one_it_joined():
    absorbed = [  # 2005-01-01 編入合併 into 上越市(15222): 13 towns and villages
        "15521", "15522", "15525", "15526", "15541", "15542", "15543",
        "15544", "15546", "15548", "15549", "15550", "15561",
    ]  # fmt: skip
    xw = japan.convert_codes(absorbed, from_date="2004-12-31", to_date="2005-01-01")
    assert set(xw["to_code"]) == {"15222"}
    assert set(xw["n_from"]) == {13}
    back = japan.convert_codes("15222", from_date="2005-01-01", to_date="2004-12-31")
    assert set(back["to_code"]) == {*absorbed, "15222"}
    assert back.set_index("to_code").loc["15222", "changes"] == ""  # the absorber continued
    # 2006-03-27 新設合併: 本渡市(43207), 牛深市(43209) and 8 towns → 天草市(43215), a new code
    amakusa = japan.convert_codes("43215", from_date="2006-03-27", to_date="2006-03-26")
    assert set(amakusa["to_code"]) == {
        "43207", "43209", "43523", "43526", "43527", "43528", "43529", "43530", "43532", "43533",
    }  # fmt: skip


def test_a_merger_that_reuses_a_code_is_a_new_place():
    # 2003-04-01 新設合併: 静岡市(22201) and 清水市(22204) → 静岡市 under the old code 22201
    back = japan.convert_codes("22201", from_date="2003-04-01", to_date="2003-03-31")
    assert set(back["to_code"]) == {"22201", "22204"}
    assert set(back["changes"]) == {"2003-04-01 新設合併"}


def test_renames_and_new_status_keep_or_change_the_code():
    # 1970-10-01 名称変更 幌泉町(01609) → えりも町(01609); 2018-10-01 市制施行 那珂川町(40305) →
    # 那珂川市(40231)
    xw = japan.convert_codes(["01609", "40305"], from_date="1970-04-01", to_date="2020-01-01")
    got = xw.set_index("from_code")
    assert got.loc["01609", ["to_code", "to_name"]].tolist() == ["01609", "えりも町"]
    assert got.loc["01609", "changes"] == "1970-10-01 名称変更"
    assert got.loc["40305", ["to_code", "to_name"]].tolist() == ["40231", "那珂川市"]
    assert got.loc["40305", "changes"] == "2018-10-01 市制施行"


def test_changes_on_one_day_chain():
    # 2005-08-01: 波崎町(08407) absorbed into 神栖町(08406), which became 神栖市(08232) that day
    xw = japan.convert_codes("08407", from_date="2005-07-31", to_date="2005-08-01")
    assert pairs(xw) == {("08407", "08232")}
    assert xw["changes"].iloc[0] == "2005-08-01 市制施行; 2005-08-01 編入合併"
    back = japan.convert_codes("08232", from_date="2005-08-01", to_date="2005-07-31")
    assert set(back["to_code"]) == {"08406", "08407"}


def test_okinawa_enters_the_record_in_1972():
    # 1972-05-15 沖縄返還: 那覇市(47201) and 58 more codes start
    with pytest.raises(InvalidCodeError, match=r"'47201' was not in force on 1971-01-01.*1972-05"):
        japan.convert_codes("47201", from_date="1971-01-01", to_date="1980-01-01")
    back = japan.convert_codes("47201", from_date="1980-01-01", to_date="1971-01-01")
    assert back["to_code"].isna().all()
    assert back["changes"].iloc[0] == "1972-05-15 沖縄返還"
    assert len(japan.changes().query("type == '沖縄返還'")) == 59


def test_wards_split_off_and_reorganised():
    # 1982-05-10 分離: 西区(40135) gives 城南区(40136) and 早良区(40137), and continues
    xw = japan.convert_codes("40135", from_date="1980-01-01", to_date="1990-01-01")
    assert set(xw["to_code"]) == {"40135", "40136", "40137"}
    # 2024-01-01 区の再編: 浜松市北区(22135) is divided between 中央区(22138) and 浜名区(22139)
    hama = japan.convert_codes("22135", from_date="2023-01-01", to_date="latest")
    assert set(hama["to_code"]) == {"22138", "22139"}


def test_every_1970_municipality_reaches_the_end_of_the_record():
    start = japan.codes_in_force("1970-04-01", wards=False)
    xw = japan.convert_codes(start["code"], from_date="1970-04-01", to_date="latest")
    assert set(xw["from_code"]) == set(start["code"])
    assert xw["to_code"].notna().all()
    latest = set(japan.codes_in_force("latest", wards=False)["code"])
    assert set(xw["to_code"]) <= latest
    # the codes of 2024 not reached from 1970: Okinawa's 41 municipalities and the Northern
    # Territories' 6 villages, which entered the record later
    missing = latest - set(xw["to_code"])
    assert {c[:2] for c in missing} == {"47", "01"}
    assert len(missing) == 41 + 6
    assert set(xw.loc[xw["n_to"] > 1, "from_code"]) == {"19341"}  # 上九一色村, the only split


def test_six_digit_codes_in_and_out():
    xw = japan.convert_codes("222011", from_date="2004-01-01", to_date="2006-01-01", digits=6)
    assert pairs(xw) == {("222011", "221007")}
    assert japan.check_digit("22100") == "7"
    xw5 = japan.convert_codes(22201, from_date=date(2004, 1, 1), to_date="2006-01-01")
    assert pairs(xw5) == {("22201", "22100")}


def test_the_crosswalk_is_the_same_for_any_order_of_input():
    codes = ["15521", "22382", "19341", "01609"]
    a = japan.convert_codes(codes, from_date="2004-12-31", to_date="latest")
    b = japan.convert_codes(codes[::-1], from_date="2004-12-31", to_date="latest")
    key = ["from_code", "to_code"]
    pd.testing.assert_frame_equal(
        a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True)
    )


def test_bad_codes_and_dates_are_named_with_the_fix():
    with pytest.raises(InvalidCodeError, match=r"'13199' is not in the record.*Did you mean"):
        japan.convert_codes("13199", from_date="2000-01-01", to_date="latest")
    with pytest.raises(InvalidCodeError, match=r"'22204' was not in force on 2010-01-01: 清水市"):
        japan.convert_codes("22204", from_date="2010-01-01", to_date="latest")
    with pytest.raises(InvalidCodeError, match="check digit 7, but 13101 needs 6"):
        japan.convert_codes("131017", from_date="2000-01-01", to_date="latest")
    with pytest.raises(InvalidCodeError, match=r"codes=None is not a code.*pass a code like"):
        japan.convert_codes(None, from_date="2004-01-01", to_date="latest")
    with pytest.raises(InvalidCodeError, match=r"codes=1.5 is not a code.*list-like of them"):
        japan.convert_codes(1.5, from_date="2004-01-01", to_date="latest")
    with pytest.raises(InvalidDateError, match=r"from_date=1969-12-31 is before the record"):
        japan.convert_codes("13101", from_date="1969-12-31", to_date="latest")
    with pytest.raises(InvalidDateError, match=r"to_date=2030-01-01 is after the record"):
        japan.convert_codes("13101", from_date="2000-01-01", to_date="2030-01-01")
    with pytest.raises(InvalidDateError, match=r"to_date='soon' is not a date"):
        japan.convert_codes("13101", from_date="2000-01-01", to_date="soon")
    with pytest.raises(InvalidOptionError, match="digits=4 must be 5 or 6"):
        japan.convert_codes("13101", from_date="2000-01-01", to_date="latest", digits=4)
    with pytest.raises(InvalidOptionError, match="wards='yes' must be True or False"):
        japan.codes_in_force("2000-01-01", wards="yes")


def test_one_code_written_three_ways_is_converted_once():
    xw = japan.convert_codes(
        ["22201", 22201, "222011", "22382"], from_date="2004-01-01", to_date="latest"
    )
    assert xw[["from_code", "to_code", "n_from"]].values.tolist() == [
        ["22201", "22100", 2],
        ["22382", "22100", 2],
    ]


def test_a_ward_and_the_city_it_was_carved_from_meet_at_one_level():
    # 1972-04-01: 札幌市 (01201) became designated (01100) with seven wards (01101 中央区 ...)
    back = japan.convert_codes("01101", from_date="1972-04-01", to_date="1970-04-01")
    assert pairs(back) == {("01101", "01201")}
    city = japan.convert_codes("01201", from_date="1970-04-01", to_date="1972-04-01")
    assert pairs(city) == {("01201", "01100")}
    wards = japan.convert_codes("01201", from_date="1970-04-01", to_date="1972-04-01", wards=True)
    assert set(wards["to_code"]) == {f"0110{i}" for i in range(1, 8)}


# --- more of each function ------------------------------------------------------------------
def test_changes_of_one_day_in_one_prefecture():
    # 2005-04-01 in 静岡県: 静岡市 designated (22201 → 22100, three new wards), five 新設合併
    # (磐田市, 掛川市, 袋井市, 伊豆の国市, 西伊豆町), 戸田村 absorbed into 沼津市, and a
    # county abolished
    df = japan.changes(pref=22, start="2005-04-01", end="2005-04-01")
    assert len(df) == 21
    assert df["type"].value_counts().to_dict() == {
        "新設合併": 15,
        "区の新設|郡の新設": 3,
        "政令指定都市施行": 1,
        "編入合併": 1,
        "郡の廃止": 1,
    }
    wards = df[df["type"] == "区の新設|郡の新設"]
    assert wards["from_code"].isna().all()  # a missing side is <NA>
    assert set(wards["to_name"]) == {"葵区", "駿河区", "清水区"}
    assert str(df["date"].dtype).startswith("datetime64")
    assert df.attrs["ebpm"]["credit"] == history.CREDIT


def test_changes_empty_window_and_bad_arguments():
    empty = japan.changes(start="2010-01-01", end="2000-01-01")
    assert empty.empty
    assert "to_code" in empty.columns
    with pytest.raises(InvalidCodeError, match=r"'Tokio' is not a prefecture name"):
        japan.changes(pref="Tokio")
    with pytest.raises(InvalidDateError, match=r"start=1960-01-01 is before the record"):
        japan.changes(start="1960-01-01")


def test_codes_in_force_validity_and_county():
    df = japan.codes_in_force("2000-04-01").set_index("code")
    urawa = df.loc["11204"]  # in force from the start of the record until さいたま市 (2001-05-01)
    assert pd.isna(urawa["valid_from"])
    assert urawa["valid_to"] == pd.Timestamp("2001-04-30")
    assert (urawa["lg_code"], urawa["kana"]) == ("112046", "うらわし")
    hiraizumi = df.loc["03402"]
    assert (hiraizumi["county"], hiraizumi["kind"]) == ("西磐井郡", "town")
    assert df.loc["01101", "valid_from"] == pd.Timestamp("1972-04-01")  # 札幌市中央区
    assert pd.isna(df.loc["11204", "county"])  # a city has no county
    hama = japan.codes_in_force("latest").set_index("code").loc["22138"]
    assert (hama["full_name"], hama["parent_code"]) == ("浜松市中央区", "22130")


def test_convert_codes_on_one_date_is_the_identity():
    xw = japan.convert_codes("13101", from_date="2000-01-01", to_date="2000-01-01")
    assert xw[["from_code", "to_code", "n_to", "n_from", "changes"]].values.tolist() == [
        ["13101", "13101", 1, 1, ""]
    ]
    assert pd.isna(xw["first_change"].iloc[0])
    assert xw.attrs["ebpm"]["direction"] == "forward"


def test_convert_codes_dates_of_the_changes_and_attrs():
    # 2006-03-31 編入合併: 蒲原町(22382) into 静岡市(22100)
    xw = japan.convert_codes("22382", from_date="2006-01-01", to_date="2010-01-01")
    row = xw.iloc[0]
    assert (row["from_name"], row["to_name"]) == ("蒲原町", "静岡市")
    assert row["first_change"] == row["last_change"] == pd.Timestamp("2006-03-31")
    attrs = xw.attrs["ebpm"]
    assert (attrs["from_date"], attrs["to_date"]) == ("2006-01-01", "2010-01-01")
    back = japan.convert_codes("22100", from_date="2010-01-01", to_date="2006-01-01")
    assert back.attrs["ebpm"]["direction"] == "backward"


def test_convert_codes_empty_input_six_digits_and_prefecture_codes():
    empty = japan.convert_codes([], from_date="2000-01-01", to_date="latest")
    assert empty.empty
    assert list(empty.columns) == [
        "from_code", "from_name", "to_code", "to_name", "n_to", "n_from", "changes",
        "first_change", "last_change",
    ]  # fmt: skip
    # 那覇市 before 沖縄返還: no code to give, also with check digits
    naha = japan.convert_codes("47201", from_date="1980-01-01", to_date="1971-01-01", digits=6)
    assert naha["from_code"].tolist() == ["472018"]
    assert naha["to_code"].isna().all()
    assert (naha["n_to"].iloc[0], naha["n_from"].iloc[0]) == (0, 0)
    with pytest.raises(InvalidCodeError, match=r"'13000' is a prefecture-level or national code"):
        japan.convert_codes("13000", from_date="2000-01-01", to_date="latest")
    with pytest.raises(InvalidOptionError, match=r"wards=1 must be True or False"):
        japan.convert_codes("13101", from_date="2000-01-01", to_date="latest", wards=1)
