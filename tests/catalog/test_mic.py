"""The ministry's fiscal tables (総務省「地方公共団体の主要財政指標一覧」) as one panel per level.

Row counts are checked against the workbooks themselves (counted here with python-calamine,
independently of the reader) and against the counts found when the files were added; values
were read off the published files by hand.
"""

from __future__ import annotations

import io
import time
import warnings
from datetime import date
from importlib import resources

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from python_calamine import CalamineWorkbook

from ebpm import catalog, japan
from ebpm.catalog import mic
from ebpm.errors import (
    CatalogError,
    EbpmWarning,
    IntegrityError,
    InvalidCodeError,
    InvalidOptionError,
    SourceFormatError,
)

ENTRIES = {
    "city": "japan.municipal_fiscal_indices",
    "prefecture": "japan.prefecture_fiscal_indices",
}

# Data rows of each workbook, counted when the files were added (FY2005 = H17 ... FY2021 = R3).
ROWS = {
    "city": {
        2005: 1844,
        2006: 1827,
        2007: 1816,
        2008: 1800,
        2009: 1750,
        2010: 1750,
        2011: 1742,
        2012: 1742,
        2013: 1742,
        **dict.fromkeys(range(2014, 2022), 1741),
    },
    "prefecture": dict.fromkeys(range(2005, 2022), 47),
}
NORTHERN_TERRITORIES = {"01695", "01696", "01697", "01698", "01699", "01700"}


def _load(level: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error", mic.UnmatchedNamesWarning)
        return catalog.load(ENTRIES[level])


@pytest.fixture(scope="module")
def city() -> pd.DataFrame:
    return _load("city")


@pytest.fixture(scope="module")
def prefs() -> pd.DataFrame:
    return _load("prefecture")


@pytest.fixture(scope="module")
def pins() -> dict[str, dict[str, str]]:
    entries = yaml.safe_load((catalog.catalog_dir() / "japan.yaml").read_text())["entries"]
    return {level: entries[name.split(".")[1]]["kwargs"]["pins"] for level, name in ENTRIES.items()}


def _workbook_rows(level: str, stem: str) -> int:
    """Data rows of one workbook: below the header, a name, not the average row or a note."""
    data = resources.files("ebpm").joinpath(*mic.resource(level, stem).split("/")).read_bytes()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    header = next(i for i, row in enumerate(rows) if "都道府県名" in row)
    name_at = rows[header].index("団体名" if level == "city" else "都道府県名")
    count = 0
    for row in rows[header + 1 :]:
        name = str(row[name_at]).strip()
        if name and "平均" not in name and any(str(c).strip() for c in row[name_at + 1 :]):
            count += 1
    return count


def _row(df: pd.DataFrame, fiscal_year: int, name: str) -> pd.Series:
    (i,) = df.index[(df["fiscal_year"] == fiscal_year) & (df["name"] == name)]
    return df.loc[i]


# --- rows ----------------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["city", "prefecture"])
def test_rows_per_fiscal_year_are_the_workbooks_rows(level, city, prefs):
    panel = city if level == "city" else prefs
    counted = {year: _workbook_rows(level, stem) for stem, year in mic.FISCAL_YEARS.items()}
    assert counted == ROWS[level]
    assert panel.groupby("fiscal_year").size().to_dict() == ROWS[level]


def test_no_row_is_unmatched(city, prefs):
    for panel in (city, prefs):
        assert panel.attrs["ebpm"]["details"]["unmatched"] == []
        assert panel["code"].notna().all()
        assert panel["lg_code"].notna().all()


def test_each_year_has_exactly_the_municipalities_in_force_at_its_end(city):
    # Mergers on 31 March (大崎市, 南島原市 on 2006-03-31) and just after it (西尾市 absorbing
    # 一色町 on 2011-04-01) fall on the right side of the fiscal year end.
    for fiscal_year, rows in city.groupby("fiscal_year"):
        in_force = japan.codes_in_force(date(fiscal_year + 1, 3, 31), wards=False)
        expected = set(in_force["code"]) - NORTHERN_TERRITORIES
        assert set(rows["code"]) == expected, fiscal_year


def test_code_and_fiscal_year_identify_a_row(city, prefs):
    for panel in (city, prefs):
        assert not panel.duplicated(["code", "fiscal_year"]).any()


def test_codes_carry_valid_check_digits(city, prefs):
    for panel in (city, prefs):
        assert (panel["lg_code"].str[:5] == panel["code"]).all()
        assert all(japan.validate_lg_code(c) == c for c in panel["lg_code"].unique())
        assert (panel["pref_code"] == panel["code"].str[:2]).all()


def test_columns_and_dtypes(city, prefs):
    for panel in (city, prefs):
        assert tuple(panel.columns) == mic.COLUMNS
        assert panel["fiscal_year"].dtype == np.int64
        for column in mic.INDICATORS:
            assert panel[column].dtype == np.float64, column
        for column in ("code", "lg_code", "name", "prefecture", "pref_code"):
            assert pd.api.types.is_string_dtype(panel[column]), column


def test_the_japanese_labels_are_in_the_entry_and_the_module():
    for name in ENTRIES.values():
        columns = catalog.describe(name).metadata["columns"]
        assert set(columns) == set(mic.COLUMNS)
        for column, label in mic.INDICATORS.items():
            assert label in columns[column]


# --- values, checked by hand against the files ---------------------------------------------
def test_sapporo_fy2005_and_fy2016(city):
    fy2005 = _row(city, 2005, "札幌市")
    assert fy2005["code"] == "01100"
    assert fy2005["lg_code"] == "011002"
    assert fy2005["current_balance_ratio"] == 96.5
    assert fy2005["real_debt_service_ratio"] == 14.0
    assert fy2005["bond_restriction_ratio"] == 14.8
    assert fy2005["fiscal_capacity_index"] == 0.67
    assert fy2005["laspeyres_index"] == 98.6  # printed as text '98.6'
    assert np.isnan(fy2005["future_burden_ratio"])  # not published before FY2008
    fy2016 = _row(city, 2016, "札幌市")
    assert fy2016["lg_code"] == "011002"
    assert fy2016["fiscal_capacity_index"] == 0.73
    assert fy2016["future_burden_ratio"] == 59.0
    assert np.isnan(fy2016["bond_restriction_ratio"])


def test_municipalities_created_by_mergers(city):
    # 北斗市: 上磯町 and 大野町, 2006-02-01; 大崎市: seven, on 2006-03-31, the last day of FY2005
    hokuto = _row(city, 2005, "北斗市")
    assert (hokuto["code"], hokuto["current_balance_ratio"], hokuto["laspeyres_index"]) == (
        "01236",
        83.6,
        95.7,
    )
    osaki = _row(city, 2005, "大崎市")
    assert (osaki["code"], osaki["fiscal_capacity_index"], osaki["real_debt_service_ratio"]) == (
        "04215",
        0.45,
        19.8,
    )
    assert not city["name"].eq("古川市").any()  # merged into 大崎市 within FY2005
    # 糸島市 (2010-01-01): 財政力指数 0.52, ラスパイレス指数 printed '-'
    itoshima = _row(city, 2009, "糸島市")
    assert itoshima["code"] == "40230"
    assert itoshima["fiscal_capacity_index"] == 0.52
    assert np.isnan(itoshima["laspeyres_index"])


def test_a_town_merged_away_after_the_year_is_in_that_year(city):
    isshiki = _row(city, 2010, "一色町")  # absorbed by 西尾市 on 2011-04-01
    assert isshiki["code"] == "23481"
    assert isshiki["fiscal_capacity_index"] == 0.71
    assert np.isnan(isshiki["real_debt_service_ratio"])  # printed '-': not computed
    assert not ((city["code"] == "23481") & (city["fiscal_year"] == 2011)).any()
    nishio = city[city["code"] == "23213"].set_index("fiscal_year")["fiscal_capacity_index"]
    assert (nishio[2010], nishio[2011]) == (1.18, 0.97)


def test_names_written_in_other_forms_get_their_codes(city):
    hinohara = city[city["code"] == "13307"]
    assert len(hinohara) == 17
    assert set(hinohara["name"]) == {"桧原村", "檜原村"}  # the file changes its spelling
    assert set(city.loc[city["code"] == "20423", "name"]) == {"南木曾町", "南木曽町"}
    assert set(city.loc[city["name"] == "泊村", "code"]) == {"01403"}  # not 国後郡泊村 (01696)
    # municipality_code finds two 泊村 in 北海道 (01696 is in the Northern Territories): the
    # reader's fallback takes the one with finances and says so
    resolved = city.attrs["ebpm"]["details"]["resolved"]
    assert {(r["name"], r["code"]) for r in resolved} <= {("泊村", "01403")}


def test_special_wards_in_parentheses_are_numbers(city):
    chiyoda = _row(city, 2008, "千代田区")  # printed '(0.80)' and '(69.1)'
    assert chiyoda["code"] == "13101"
    assert chiyoda["fiscal_capacity_index"] == 0.8
    assert chiyoda["current_balance_ratio"] == 69.1
    assert np.isnan(chiyoda["future_burden_ratio"])


def test_prefectures(prefs):
    hokkaido = _row(prefs, 2005, "北海道")
    assert (hokkaido["code"], hokkaido["lg_code"], hokkaido["pref_code"]) == (
        "01000",
        "010006",
        "01",
    )
    assert hokkaido["current_balance_ratio"] == 99.9
    assert hokkaido["fiscal_capacity_index"] == 0.36251
    assert hokkaido["laspeyres_index"] == 90.6  # printed as text
    assert hokkaido["bond_restriction_ratio"] == 11.7
    tokyo_2012 = _row(prefs, 2012, "東京都")
    assert tokyo_2012["lg_code"] == "130001"
    assert tokyo_2012["laspeyres_index"] == 110.4
    assert tokyo_2012["laspeyres_index_reference"] == 102.0
    okinawa = _row(prefs, 2021, "沖縄県")
    assert okinawa["future_burden_ratio"] == 30.3
    assert okinawa["fiscal_capacity_index"] == 0.36177
    assert set(prefs["name"]) == set(japan.prefectures()["name_ja"])
    assert (prefs["name"] == prefs["prefecture"]).all()


def test_floating_point_noise_is_rounded_away(city):
    value = city.loc[city["fiscal_year"] == 2009, "real_debt_service_ratio"]
    assert (value.dropna() == value.dropna().round(1)).all()  # 14.799999999999999 was 14.8


@pytest.mark.parametrize(
    ("column", "years"),
    [
        ("bond_restriction_ratio", range(2005, 2008)),
        ("future_burden_ratio", range(2008, 2022)),
        ("laspeyres_index_reference", range(2012, 2014)),
    ],
)
def test_indicators_are_missing_where_a_year_does_not_publish_them(city, prefs, column, years):
    for panel in (city, prefs):
        published = panel.loc[panel[column].notna(), "fiscal_year"]
        assert set(published) == set(years)


def test_fy2007_municipal_file_has_no_laspeyres_index(city, prefs):
    assert city.loc[city["fiscal_year"] == 2007, "laspeyres_index"].isna().all()
    assert prefs.loc[prefs["fiscal_year"] == 2007, "laspeyres_index"].notna().all()


def test_marks_record_every_cell_that_was_not_a_number(city, prefs):
    marks = city.attrs["ebpm"]["details"]["marks"]
    by_key = {(m["fiscal_year"], m["column"], m["kind"]): m for m in marks}
    text = by_key[(2005, "laspeyres_index", "numeric_text")]
    assert (text["count"], text["read_as"], text["label"]) == (1840, "number", "ラスパイレス指数")
    paren = by_key[(2008, "fiscal_capacity_index", "parenthesised")]
    assert paren["count"] == 23
    assert "13101" in paren["rows"]
    dash = by_key[(2008, "future_burden_ratio", "dash")]
    assert (dash["count"], dash["texts"], dash["read_as"]) == (232, ["－"], "missing")
    assert by_key[(2021, "future_burden_ratio", "dash")]["texts"] == ["-"]
    # every missing value of a published indicator is a recorded mark
    for column in mic.INDICATORS:
        for fiscal_year, rows in city.groupby("fiscal_year"):
            if rows[column].notna().any():
                recorded = sum(
                    m["count"]
                    for m in marks
                    if (m["fiscal_year"], m["column"]) == (fiscal_year, column)
                    and m["read_as"] == "missing"
                )
                assert rows[column].isna().sum() == recorded, (fiscal_year, column)
    pref_marks = prefs.attrs["ebpm"]["details"]["marks"]
    assert [(m["fiscal_year"], m["kind"], m["count"]) for m in pref_marks] == [
        (2005, "numeric_text", 47)
    ]


# --- provenance, pins, caching --------------------------------------------------------------
@pytest.mark.parametrize("level", ["city", "prefecture"])
def test_provenance(level, city, prefs, pins):
    prov = (city if level == "city" else prefs).attrs["ebpm"]
    assert prov["entry"] == ENTRIES[level]
    assert prov["attribution"] == "出典：総務省『地方公共団体の主要財政指標一覧』" == mic.CREDIT
    assert prov["licence"] == "CC BY 4.0"
    assert prov["package"] == "ebpm"
    assert {f["path"]: f["sha256"] for f in prov["files"]} == pins[level]
    assert len(prov["files"]) == 17
    assert prov["details"]["level"] == level


def test_a_changed_file_is_refused(city, pins):
    wrong = dict(pins["city"])
    wrong["ebpm/data/japan/mic_fiscal_indices/city/H20.xls"] = "0" * 64
    # also after the panel was parsed once (the fixture): every load checks the bytes
    with pytest.raises(
        IntegrityError,
        match=r"ebpm/data/japan/mic_fiscal_indices/city/H20\.xls: sha256 is 509a5dd1[0-9a-f]{56}, "
        r"but the catalog pins 0{64}",
    ):
        mic.MicFiscalIndices(level="city", pins=wrong).read()


def test_every_file_must_be_pinned(pins):
    partial = dict(pins["prefecture"])
    del partial["ebpm/data/japan/mic_fiscal_indices/prefecture/R3.xlsx"]
    with pytest.raises(CatalogError, match=r"prefecture/R3\.xlsx is read but not pinned"):
        mic.MicFiscalIndices(level="prefecture", pins=partial).read()


def test_a_pin_yaml_read_as_a_number_is_refused(pins):
    broken = {**pins["prefecture"], "ebpm/data/japan/mic_fiscal_indices/prefecture/H17.xls": 0}
    with pytest.raises(CatalogError, match=r"prefecture/H17\.xls is pinned to 0, not a sha256"):
        mic.MicFiscalIndices(level="prefecture", pins=broken).read()


def test_an_unknown_level_is_refused():
    with pytest.raises(
        InvalidOptionError, match=r"level='cities' is not supported.*'city'.*全市町村"
    ):
        mic.MicFiscalIndices(level="cities").read()
    with pytest.raises(InvalidOptionError, match=r"no file for fiscal year 'H31'.*R1"):
        mic.resource("city", "H31")


def test_a_second_load_is_fast_and_a_copy(city):
    start = time.perf_counter()
    again = _load("city")
    assert time.perf_counter() - start < 1.0
    pd.testing.assert_frame_equal(again, city)
    again.loc[0, "fiscal_capacity_index"] = -1.0
    again.attrs["ebpm"]["details"]["marks"].clear()
    third = _load("city")
    assert third.loc[0, "fiscal_capacity_index"] == city.loc[0, "fiscal_capacity_index"]
    assert third.attrs["ebpm"]["details"]["marks"]


# --- rows that match no code ----------------------------------------------------------------
def test_a_name_that_matches_no_code_is_kept_listed_and_warned_about(monkeypatch):
    real = mic._parse_file

    def misspelt(level, stem, data):
        frame, odd = real(level, stem, data)
        if stem == "H17":
            frame["name"] = frame["name"].replace({"北斗市": "南北斗市"})
        return frame, odd

    monkeypatch.setattr(mic, "_parse_file", misspelt)
    monkeypatch.setattr(mic, "_PARSED", {})
    with pytest.warns(
        mic.UnmatchedNamesWarning,
        match=r"^1 row of the ministry's table matched no municipality code \(by fiscal year: "
        r"\{2005: 1\}\); it is kept with code missing",
    ):
        df = catalog.load(ENTRIES["city"])
    assert issubclass(mic.UnmatchedNamesWarning, EbpmWarning)
    assert len(df) == sum(ROWS["city"].values())
    row = _row(df, 2005, "南北斗市")
    assert pd.isna(row["code"])
    assert pd.isna(row["lg_code"])
    assert row["current_balance_ratio"] == 83.6  # the row and its values are kept
    (unmatched,) = df.attrs["ebpm"]["details"]["unmatched"]
    assert {k: unmatched[k] for k in ("fiscal_year", "prefecture", "name")} == {
        "fiscal_year": 2005,
        "prefecture": "北海道",
        "name": "南北斗市",
    }
    assert "南北斗市" in unmatched["reason"]
    assert "2006-03-31" in unmatched["reason"]
    marks = df.attrs["ebpm"]["details"]["marks"]
    assert "北海道 南北斗市" in marks[0]["rows"]  # FY2005 ラスパイレス指数 printed as text


def test_a_code_that_does_not_fit_its_name_is_reported(monkeypatch):
    real_codes, real_names = japan.codes_in_force, japan.municipality_code

    def renamed(when, *, wards=True, pref=None):
        table = real_codes(when, wards=wards, pref=pref)
        return table.assign(name=table["name"].where(table["code"] != "01100", "別の市"))

    def forgetful(name, *, pref=None, date=None):
        if name == "札幌市":
            raise InvalidCodeError("no municipality was named '札幌市' (test)")
        return real_names(name, pref=pref, date=date)

    monkeypatch.setattr(japan, "codes_in_force", renamed)
    monkeypatch.setattr(japan, "municipality_code", forgetful)
    monkeypatch.setattr(mic, "_PARSED", {})
    with pytest.warns(mic.UnmatchedNamesWarning, match=r"^17 rows .*2005: 1, .*2021: 1"):
        df = mic.MicFiscalIndices(level="city").read()
    unmatched = df.attrs["ebpm"]["origin"]["unmatched"]
    assert [u["fiscal_year"] for u in unmatched] == list(range(2005, 2022))
    assert unmatched[6] == {
        "fiscal_year": 2011,
        "prefecture": "北海道",
        "name": "札幌市",
        "reason": "団体コード 011002 was 別の市 on 2012-03-31, not 札幌市",
    }
    sapporo = df[df["name"] == "札幌市"]
    assert sapporo["code"].isna().all()
    assert sapporo["lg_code"].isna().all()
    assert sapporo["fiscal_capacity_index"].notna().all()  # the row and its values are kept
    marks = df.attrs["ebpm"]["origin"]["marks"]
    assert all("01100" not in m["rows"] for m in marks)


# --- reading a workbook ---------------------------------------------------------------------
def _workbook(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TITLE = ["全市町村の主要財政指標（令和３年度）"]
HEADER = ["団体コード", "都道府県名", "団体名", "財政力指数", "ラスパイレス\n指数 ※"]


def test_a_workbook_is_read_by_its_header_and_skips_averages_and_notes():
    data = _workbook(
        [],
        TITLE,
        HEADER,
        ["011002", "北海道", "札幌市", " 0.72 ", "…"],
        ["012025", "北海道", "函館市", "(0.48)", None],
        ["全国市町村平均", None, None, 0.5, "－"],
        [],
        ["（注）ラスパイレス指数は…"],
        ["\u3000\u3000続き"],
    )
    frame, odd = mic._parse_file("city", "R3", data)
    assert frame["name"].tolist() == ["札幌市", "函館市"]
    assert frame["lg_code"].tolist() == ["011002", "012025"]
    assert frame["fiscal_capacity_index"].tolist() == [0.72, 0.48]
    assert frame["laspeyres_index"].isna().all()
    assert frame["bond_restriction_ratio"].isna().all()
    assert [(o["row"], o["column"], o["kind"]) for o in odd] == [
        (0, "fiscal_capacity_index", "numeric_text"),
        (0, "laspeyres_index", "ellipsis"),
        (1, "fiscal_capacity_index", "parenthesised"),
        (1, "laspeyres_index", "blank"),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [TITLE, HEADER, ["011002", "北海道", "札幌市", "x", 99.0]],
            r"R3\.xlsx, row 3, column 財政力指数: 'x' is neither a number nor a known mark",
        ),
        (
            [TITLE, [*HEADER[:3], "財政力指標"], ["011002", "北海道", "札幌市", 0.7]],
            r"unknown column '財政力指標' in the header.*Did you mean '財政力指数'",
        ),
        (
            [["全市町村の主要財政指標（令和２年度）"], HEADER],
            r"the title .*令和２年度.* names another fiscal year than the file name \(R3 = FY2021",
        ),
        ([TITLE, ["団体名", "財政力指数"]], r"no header row with 都道府県名"),
        ([TITLE, [*HEADER, "財政力\u3000指数"]], r"column '財政力指数' appears twice"),
        (
            [TITLE, HEADER, ["011002", "北海道", "札幌市", 0.7, 99.0], ["(注)"], ["x", "y"]],
            r"row 5: \['x', 'y'\] is neither a municipality, the average row nor a note",
        ),
        (
            [TITLE, HEADER, ["011002", "蝦夷地", "札幌市", 0.7, 99.0]],
            r"row 3: .* is neither a municipality",
        ),
    ],
)
def test_a_changed_workbook_is_refused(rows, message):
    with pytest.raises(SourceFormatError, match=message):
        mic._parse_file("city", "R3", _workbook(*rows))


@pytest.mark.parametrize(
    ("cell", "value", "kind"),
    [
        (96.5, 96.5, None),
        (13, 13.0, None),
        (8.799999999999999, 8.8, None),
        ("98.6", 98.6, "numeric_text"),
        ("９８．６", 98.6, "numeric_text"),
        ("(0.80)", 0.8, "parenthesised"),
        ("（69.1）", 69.1, "parenthesised"),
        ("-", None, "dash"),
        ("－", None, "dash"),
        ("…", None, "ellipsis"),
        ("", None, "blank"),
        (None, None, "blank"),
        ("x", None, "unknown"),
        (True, None, "unknown"),
    ],
)
def test_cells(cell, value, kind):
    assert mic._number(cell) == (value, kind)


def test_the_panel_is_built_once_per_machine_and_read_back_exactly(cache_dir) -> None:
    """Each report notebook runs in a kernel of its own: the first builds the panel (17
    spreadsheets, 30,000 names matched), the others read it from the cache, the same frame to
    the dtype and the same details, under a key that names the builder."""
    files = [
        (stem, mic.package_file(mic._PACKAGE, mic.resource("city", stem)))
        for stem in mic.FISCAL_YEARS
    ]
    built, details = mic._build("city", [(stem, f["bytes"]) for stem, f in files])
    first, first_details = mic._parsed("city", files)  # builds and stores
    stored = list((cache_dir / "tables").rglob("*.parquet"))
    assert len(stored) == 1
    again, again_details = mic._parsed("city", files)  # reads it back
    for frame in (first, again):
        pd.testing.assert_frame_equal(frame, built)
        assert frame.attrs == {}
    assert first_details == again_details == details
    record = stored[0].with_suffix(".json").read_text(encoding="utf-8")
    assert mic._builder() in record  # a change to the builder's code builds again
