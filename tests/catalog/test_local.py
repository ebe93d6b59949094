"""Tests of ebpm.catalog.local: analysts' own CSV and Excel files, as catalog entries and from the
command line (``ebpm catalog add``)."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

from ebpm import catalog
from ebpm.catalog import open_catalog
from ebpm.catalog.local import MARKS, add_entry, read_local_table, resolve_path
from ebpm.cli import main
from ebpm.errors import (
    CatalogError,
    EntryExistsError,
    HeaderRowError,
    IntegrityError,
    InvalidOptionError,
    LocalFileNotFoundError,
    MixedColumnWarning,
    SheetNotFoundError,
    SourceFormatError,
    UnsupportedFormatError,
)
from tests.conftest import FIXTURES as _FIXTURES
from tests.conftest import ROOT

FIXTURES = _FIXTURES / "local"
CP932_CSV = FIXTURES / "population_cp932.csv"
BOM_CSV = FIXTURES / "prefectures_utf8_bom.csv"
H17 = Path(str(resources.files("ebpm"))) / "data/japan/mic_fiscal_indices/city/H17.xls"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def zaisei_xlsx(tmp_path: Path) -> Path:
    """A hand-made workbook: a merged title, a unit line, a two-row header under a merged group
    title (財政指標 over 財政力指数 and 経常収支比率), 市町村名 merged down over both header rows,
    comma numbers as text, 秘匿 marks in full-width, a note below."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "データ"
    ws["A1"] = "市町村別財政指標（令和3年度）"
    ws.merge_cells("A1:D1")
    ws["A2"] = "（単位：％、千円）"
    ws["A4"] = "市町村名"
    ws.merge_cells("A4:A5")
    ws["B4"] = "財政指標"
    ws.merge_cells("B4:C4")
    ws["D4"] = "歳出\n総額"  # a line break inside the header cell, as Excel users write them
    ws.merge_cells("D4:D5")
    ws["B5"] = "財政力指数"
    ws["C5"] = "経常収支比率"
    rows = [
        ("A市", 0.52, "91.2", "1,234,567"),
        ("B町", "ｘ", 88.0, "23,456"),
        ("C村", 0.31, "－", " 7,890 "),
        ("D市", 0.8, "…", "***"),
    ]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.cell(6 + i, 1 + j, value)
    ws["A11"] = "（注）ｘは秘匿。"
    second = wb.create_sheet("メモ")
    second["A1"] = "作成者"
    path = tmp_path / "zaisei.xlsx"
    wb.save(path)
    return path


# --- CSV ---------------------------------------------------------------------------------------
def test_cp932_csv_with_title_marks_comma_numbers_and_codes():
    df = read_local_table(CP932_CSV)
    assert list(df.columns) == [
        "団体コード",
        "市区町村",
        "人口",
        "事業所数",
        "事業所数_flag",
        "増減率",
        "増減率_flag",
    ]
    # codes keep their leading zero; comma numbers are numbers; △ is the accounting minus
    assert df["団体コード"].tolist() == ["011002", "012025", "13101", "47382"]
    assert df["人口"].tolist() == [1973395, 251084, 66680, 1676]
    assert df["人口"].dtype == "int64"
    assert df["増減率"].tolist()[:2] == [0.5, -1.2]
    assert df["増減率"].tolist()[3] == -3.1
    # marks, half- or full-width, are missing numbers, the mark kept as written
    assert df["事業所数"].dtype == "float64"
    assert df["事業所数"].isna().tolist() == [True, True, False, True]
    assert df.loc[2, "事業所数"] == 31296
    assert df["事業所数_flag"].tolist() == ["x", "－", pd.NA, "***"]
    assert df["増減率_flag"].tolist() == [pd.NA, pd.NA, "…", pd.NA]
    details = df.attrs["ebpm"]["details"]
    assert details["encoding"] == "cp932"
    assert details["header_row"] == 3
    assert details["flags"] == {"事業所数": {"x": 1, "－": 1, "***": 1}, "増減率": {"…": 1}}
    assert details["notes"] == ["（注）ｘ、－、…、***は秘匿又は該当数字なし。"]


def test_utf8_csv_with_and_without_bom(tmp_path: Path):
    df = read_local_table(BOM_CSV)
    assert df.to_dict("list") == {
        "都道府県": ["北海道", "東京都"],
        "人口": [5224614, 14047594],
        "世帯数": [2476846, 7227180],
    }
    assert df.attrs["ebpm"]["details"]["encoding"] == "utf-8-sig"
    plain = tmp_path / "plain.csv"
    plain.write_bytes(BOM_CSV.read_bytes()[3:])
    again = read_local_table(plain)
    assert again.equals(df)
    assert again.attrs["ebpm"]["details"]["encoding"] == "utf-8"


def test_tsv_and_an_explicit_encoding(tmp_path: Path):
    path = tmp_path / "t.tsv"
    path.write_bytes("地域\t人口\n青森県\t1,204,392\n".encode("cp932"))
    df = read_local_table(path, encoding="shift_jis")
    assert df.to_dict("list") == {"地域": ["青森県"], "人口": [1204392]}
    assert df.attrs["ebpm"]["details"]["encoding"] == "cp932"


def test_text_with_unknown_words_in_numbers_warns_and_stays_text(tmp_path: Path):
    path = tmp_path / "w.csv"
    rows = "\n".join(f"市{i},{i * 10}" for i in range(8))
    path.write_text(f"市町村,件数\n{rows}\n市9,調査中\n", encoding="utf-8")
    with pytest.warns(MixedColumnWarning, match=r"column '件数' holds numbers and 1 cell.*調査中"):
        df = read_local_table(path)
    assert df["件数"].tolist()[-1] == "調査中"
    assert "件数_flag" not in df.columns
    marked = read_local_table(path, marks=["調査中"])
    assert marked["件数"].dtype == "int64" or marked["件数"].dtype == "float64"
    assert math.isnan(marked["件数"].iloc[-1])
    assert marked["件数_flag"].iloc[-1] == "調査中"
    assert marked["件数"].iloc[1] == 10


def test_marks_cover_full_width_forms():
    for mark in ("x", "X", "-", "***", "...", "‐", "…"):
        assert mark in MARKS
    import unicodedata

    for wide in ("ｘ", "Ｘ", "－", "＊＊＊", "…"):
        assert unicodedata.normalize("NFKC", wide) in MARKS


# --- Excel -------------------------------------------------------------------------------------
def test_xlsx_with_title_merged_two_row_header_and_comma_numbers(zaisei_xlsx: Path):
    df = read_local_table(zaisei_xlsx)
    assert list(df.columns) == [
        "市町村名",
        "財政指標_財政力指数",
        "財政指標_財政力指数_flag",
        "財政指標_経常収支比率",
        "財政指標_経常収支比率_flag",
        "歳出総額",
        "歳出総額_flag",
    ]
    assert df["市町村名"].tolist() == ["A市", "B町", "C村", "D市"]
    assert df["財政指標_財政力指数"].tolist()[::2] == [0.52, 0.31]
    assert df["財政指標_財政力指数_flag"].tolist() == [pd.NA, "ｘ", pd.NA, pd.NA]
    assert df["財政指標_経常収支比率"].tolist()[:2] == [91.2, 88.0]
    assert df["財政指標_経常収支比率_flag"].tolist()[2:] == ["－", "…"]
    assert df["歳出総額"].tolist()[:3] == [1234567.0, 23456.0, 7890.0]
    assert df["歳出総額"].dtype == "float64"
    prov = df.attrs["ebpm"]
    assert prov["sha256"] == _sha(zaisei_xlsx)
    assert prov["path"] == str(zaisei_xlsx.resolve())
    details = prov["details"]
    assert details["format"] == "xlsx"
    assert details["sheet"] == "データ"
    assert details["sheets"] == ["データ", "メモ"]
    assert (details["header_row"], details["header_rows"]) == (4, 2)
    assert details["notes"] == ["（注）ｘは秘匿。"]
    assert details["size"] == zaisei_xlsx.stat().st_size
    assert details["modified"].endswith("+00:00")


def test_header_rows_and_sheet_can_be_given(zaisei_xlsx: Path):
    df = read_local_table(zaisei_xlsx, sheet=0, header_row=5, header_rows=1)
    assert list(df.columns)[:3] == ["市町村名", "財政力指数", "財政力指数_flag"]
    memo = read_local_table(zaisei_xlsx, sheet="メモ", header_row=1)
    assert list(memo.columns) == ["作成者"]
    assert memo.empty
    assert read_local_table(zaisei_xlsx, sheet="1", header_row=1).columns.tolist() == ["作成者"]


def test_legacy_xls_of_the_ministry():
    """総務省 主要財政指標一覧 H17: title row 1, header row 2, numbers stored as text in the last
    column, '-' for the national average of ラスパイレス指数, notes below the table."""
    df = read_local_table(H17)
    assert list(df.columns) == [
        "都道府県名",
        "団体名",
        "経常収支比率",
        "実質公債費比率",
        "起債制限比率",
        "財政力指数",
        "ラスパイレス指数",
        "ラスパイレス指数_flag",
    ]
    assert len(df) == 1845  # 1,844 municipalities and the national average
    first = df.iloc[0]
    assert (first["都道府県名"], first["団体名"]) == ("北海道", "札幌市")
    assert first[["経常収支比率", "実質公債費比率", "起債制限比率", "財政力指数"]].tolist() == [
        96.5,
        14.0,
        14.8,
        0.67,
    ]
    assert first["ラスパイレス指数"] == 98.6  # '98.6' as text in the workbook
    assert df["ラスパイレス指数"].dtype == "float64"
    last = df.iloc[-1]
    assert (last["都道府県名"], last["団体名"]) == ("全国市町村", "平均")
    assert math.isnan(last["ラスパイレス指数"])
    assert last["ラスパイレス指数_flag"] == "-"
    assert df["ラスパイレス指数_flag"].notna().sum() == 1
    assert df["ラスパイレス指数"].notna().sum() == 1844
    assert df.loc[df["団体名"] == "与那国町", "財政力指数"].item() == 0.16
    prov = df.attrs["ebpm"]
    assert prov["sha256"] == _sha(H17)
    details = prov["details"]
    assert (details["format"], details["sheet"], details["header_row"]) == (
        "xls",
        "全市町村の主要財政指標",
        2,
    )
    assert len(details["notes"]) == 9
    assert details["notes"][0].startswith("(注)１")
    kept = read_local_table(H17, drop_notes=False)
    assert len(kept) == 1854  # the notes as rows (the blank row between is always left out)


def test_dates_and_booleans_of_a_workbook(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["日付", "件数", "実施"])
    ws.append([date(2024, 4, 1), 3, True])
    ws.append([date(2024, 5, 1), "-", False])
    ws.append(["x", 5, None])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    df = read_local_table(path)
    assert df.columns.tolist() == ["日付", "日付_flag", "件数", "件数_flag", "実施"]
    assert df["日付"].tolist()[:2] == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-05-01")]
    assert pd.isna(df["日付"].iloc[2])
    assert df["日付_flag"].tolist() == [pd.NA, pd.NA, "x"]
    assert df["件数"].tolist()[::2] == [3.0, 5.0]
    assert df["実施"].dtype == "boolean"
    assert df["実施"].tolist() == [True, False, pd.NA]
    # a workbook saved under a text name is read for what it is
    disguised = tmp_path / "d.csv"
    shutil.copy(path, disguised)
    assert read_local_table(disguised)["件数"].tolist()[::2] == [3.0, 5.0]
    with pytest.raises(SourceFormatError, match=r"d\.csv is an Excel workbook \(xlsx\), not"):
        read_local_table(disguised, format="csv")


# --- errors: each with its value and its fix ---------------------------------------------------
def test_missing_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "pop.csv").write_text("a\n1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        LocalFileNotFoundError,
        match=r"no file at .*pops\.csv\. Did you mean 'pop\.csv'\? Check the name and the folder",
    ):
        read_local_table("pops.csv")
    with pytest.raises(LocalFileNotFoundError, match=r"is a folder, not a file; point `path`"):
        read_local_table(tmp_path)
    with pytest.raises(
        LocalFileNotFoundError,
        match=r"no file at .*/cat/x\.csv \(relative to the catalog folder\) nor at .*/x\.csv "
        r"\(relative to the project root\)\. Fix the entry's `path`",
    ):
        resolve_path("x.csv", catalog_dir=tmp_path / "cat")


def test_unsupported_files(tmp_path: Path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(UnsupportedFormatError, match=r"report\.pdf: files ending in '\.pdf' are"):
        read_local_table(pdf)
    html = tmp_path / "table.xls"  # web systems save HTML tables under an .xls name
    html.write_bytes(b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    with pytest.raises(UnsupportedFormatError, match=r"table\.xls is an HTML page, not a CSV or"):
        read_local_table(html)
    text = tmp_path / "t.xlsx"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"t\.xlsx holds text, not an Excel workbook"):
        read_local_table(text)
    assert read_local_table(text, format="csv").to_dict("list") == {"a": [1], "b": [2]}
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceFormatError, match=r"e\.csv is empty"):
        read_local_table(empty)
    with pytest.raises(InvalidOptionError, match=r"format='ods' is not supported; use one of"):
        read_local_table(text, format="ods")  # type: ignore[arg-type]


def test_undecodable_csv_names_the_byte(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n\x81 ,2\n")
    with pytest.raises(
        SourceFormatError,
        match=r"bad\.csv is not text in any encoding tried: utf-8-sig \(invalid byte b'\\x81' at "
        r"offset 4\), cp932 .* if it is a workbook saved under a text name, rename it",
    ):
        read_local_table(bad)
    with pytest.raises(SourceFormatError, match=r"CP932\.csv|is not valid utf-8 text: byte"):
        read_local_table(CP932_CSV, encoding="utf-8")


def test_unknown_sheet_lists_the_sheets(zaisei_xlsx: Path):
    with pytest.raises(
        SheetNotFoundError,
        match=r"zaisei\.xlsx has no sheet 'デタ'; its sheets are \['データ', 'メモ'\]\. "
        r"Did you mean 'データ'\?",
    ):
        read_local_table(zaisei_xlsx, sheet="デタ")
    with pytest.raises(SheetNotFoundError, match=r"has no sheet 5"):
        read_local_table(zaisei_xlsx, sheet=5)
    with pytest.raises(InvalidOptionError, match=r"sheet='x' applies to workbooks"):
        read_local_table(CP932_CSV, sheet="x")
    with pytest.raises(InvalidOptionError, match=r"encoding='cp932' applies to CSV text"):
        read_local_table(zaisei_xlsx, encoding="cp932")


@pytest.mark.parametrize(
    ("header_row", "message"),
    [
        (3, r"row 3 of sheet 'データ' of zaisei\.xlsx is blank; the header looks like row 4: "
         r"pass header_row=4"),
        (1, r"row 1 .* holds one cell \('市町村別財政指標（令和3年度）'\) for a table of 4 "
         r"columns: it looks like a title, not the header; the header looks like row 4"),
        (2, r"row 2 .* holds one cell \('（単位：％、千円）'\)"),
        (7, r"row 7 .* holds numbers \(B町, ｘ, 88, 23,456\): it looks like data, not column "
         r"names; the header looks like row 4: pass header_row=4"),
        (40, r"header_row=40 is past the end of sheet 'データ' of zaisei\.xlsx \(11 rows\)"),
    ],
)  # fmt: skip
def test_a_header_row_that_is_not_the_header(zaisei_xlsx: Path, header_row: int, message: str):
    with pytest.raises(HeaderRowError, match=message):
        read_local_table(zaisei_xlsx, header_row=header_row)


def test_header_row_of_the_ministry_file_points_at_data():
    with pytest.raises(
        HeaderRowError,
        match=r"row 3 of sheet '全市町村の主要財政指標' of H17\.xls holds numbers "
        r"\(北海道, 札幌市, 96\.5, .*\): it looks like data, not column names; "
        r"the header looks like row 2: pass header_row=2",
    ):
        read_local_table(H17, header_row=3)
    with pytest.raises(HeaderRowError, match=r"row 1 .* \('全市町村の主要財政指標'\) .* title"):
        read_local_table(H17, header_row=1)
    with pytest.raises(InvalidOptionError, match=r"header_row=0 is not a row number"):
        read_local_table(H17, header_row=0)


def test_declared_columns_say_where_the_header_is(tmp_path: Path, zaisei_xlsx: Path):
    path = tmp_path / "bi.csv"
    path.write_text("市区町村,人口\nmunicipality,population\n札幌市,1973395\n", encoding="utf-8")
    with pytest.raises(
        HeaderRowError,
        match=r"bi\.csv: the entry declares columns \['municipality', 'population'\] that row 1 "
        r"does not hold \(they name \['市区町村', '人口'\]\)\. They are in row 2: "
        r"pass header_row=2",
    ):
        read_local_table(path, header_row=1, expect_columns=["municipality", "population"])
    ok = read_local_table(path, header_row=2, expect_columns=["municipality", "population"])
    assert ok.to_dict("list") == {"municipality": ["札幌市"], "population": [1973395]}
    with pytest.raises(
        HeaderRowError,
        match=r"columns \['財政力指数'\] that rows 4-5 do not hold .*Did you mean "
        r"'財政指標_財政力指数'\? They are in row 5: pass header_row=5, header_rows=1",
    ):
        read_local_table(zaisei_xlsx, expect_columns=["市町村名", "財政力指数"])
    with pytest.raises(HeaderRowError, match=r"No other row holds them either: .*layout changed"):
        read_local_table(zaisei_xlsx, expect_columns=["人口"])


def test_pinned_sha256(zaisei_xlsx: Path):
    sha = _sha(zaisei_xlsx)
    assert read_local_table(zaisei_xlsx, sha256=sha.upper()).attrs["ebpm"]["sha256"] == sha
    with pytest.raises(
        IntegrityError,
        match=rf"zaisei\.xlsx changed: its sha256 is {sha}, but the entry pins {'0' * 64}\. Check "
        r"the file; if the change is meant, update the entry's `sha256` \(or run `ebpm catalog "
        r"add`",
    ):
        read_local_table(zaisei_xlsx, sha256="0" * 64)
    with pytest.raises(CatalogError, match=r"the pinned sha256 123 is not a sha256 .* quote it"):
        read_local_table(zaisei_xlsx, sha256=123)  # type: ignore[arg-type]


# --- catalog entries ---------------------------------------------------------------------------
def _project(tmp_path: Path, entry: dict, name: str = "mine") -> Path:
    """A project folder: data/ with the fixtures, catalogs/<name>.yaml with ``entry`` as ``t``."""
    (tmp_path / "data").mkdir(exist_ok=True)
    shutil.copy(CP932_CSV, tmp_path / "data" / CP932_CSV.name)
    cats = tmp_path / "catalogs"
    cats.mkdir(exist_ok=True)
    text = yaml.safe_dump({"entries": {"t": entry}}, allow_unicode=True)
    (cats / f"{name}.yaml").write_text(text, encoding="utf-8")
    return cats


@pytest.mark.parametrize(
    "path",
    [
        "../data/population_cp932.csv",  # relative to the catalog file
        "data/population_cp932.csv",  # relative to the project root
        "{CATALOG_DIR}/../data/population_cp932.csv",  # intake's template
    ],
)
def test_entry_paths(tmp_path: Path, path: str):
    cats = _project(
        tmp_path,
        {
            "reader": "ebpm.catalog.local:LocalFile",
            "kwargs": {"path": path, "sha256": _sha(CP932_CSV)},
            "metadata": {"title": "人口", "source": "テスト", "columns": {"人口": "people"}},
        },
    )
    df = open_catalog(cats).load("mine.t")
    prov = catalog.provenance(df)
    assert (prov["entry"], prov["title"], prov["source"]) == ("mine.t", "人口", "テスト")
    assert prov["path"] == str((tmp_path / "data" / CP932_CSV.name).resolve())
    assert prov["details"]["encoding"] == "cp932"
    assert df["人口"].sum() == 1973395 + 251084 + 66680 + 1676
    assert open_catalog(cats).load("mine.t", columns=["人口"]).columns.tolist() == ["人口"]


def test_entry_errors(tmp_path: Path):
    entry = {
        "reader": "ebpm.catalog.local:LocalFile",
        "kwargs": {"path": "../data/gone.csv"},
    }
    cats = _project(tmp_path, entry)
    with pytest.raises(
        LocalFileNotFoundError,
        match=r"no file at .*/catalogs/\.\./data/gone\.csv|no file at .*/data/gone\.csv "
        r"\(relative to the catalog folder\)",
    ):
        open_catalog(cats).load("mine.t")
    entry["kwargs"] = {"path": "../data/population_cp932.csv", "sha256": "1" * 64}
    cats = _project(tmp_path, entry)
    with pytest.raises(IntegrityError, match=r"population_cp932\.csv changed: its sha256 is "):
        open_catalog(cats).load("mine.t")
    entry["kwargs"] = {"path": "../data/population_cp932.csv", "sheat": 1}
    cats = _project(tmp_path, entry)
    with pytest.raises(
        CatalogError, match=r"does not take kwargs \['sheat'\]\. Did you mean 'sheet'"
    ):
        open_catalog(cats)


def test_declared_flag_columns_stay_when_a_new_file_has_no_marks(tmp_path: Path):
    cats = _project(
        tmp_path,
        {
            "reader": "ebpm.catalog.local:LocalFile",
            "kwargs": {"path": "../data/clean.csv"},
            "metadata": {"columns": {"地域": "", "人口": "", "人口_flag": "marks"}},
        },
    )
    (tmp_path / "data" / "clean.csv").write_text("地域,人口\nA,1\n", encoding="utf-8")
    df = open_catalog(cats).load("mine.t")
    assert df.columns.tolist() == ["地域", "人口", "人口_flag"]
    assert df["人口_flag"].isna().all()
    (tmp_path / "data" / "clean.csv").write_text("町,人口\nA,1\n", encoding="utf-8")
    with pytest.raises(HeaderRowError, match=r"declares columns \['地域'\] that row 1 does not"):
        open_catalog(cats).load("mine.t")


# --- ebpm catalog add --------------------------------------------------------------------------
def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="ebpm")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zaisei_xlsx: Path) -> Path:
    """An analyst's project: catalogs/ with a commented catalog, data/ with their files; the
    working directory, without EBPM_CATALOG_DIR."""
    root = tmp_path / "proj"
    (root / "data").mkdir(parents=True)
    (root / "catalogs").mkdir()
    shutil.copy(zaisei_xlsx, root / "data" / "zaisei.xlsx")
    shutil.copy(CP932_CSV, root / "data" / "2020年 人口.csv")
    (root / "catalogs" / "studies.yaml").write_text(
        "# our studies\n"
        "version: 2\n"
        "entries:\n"
        "  # the first one\n"
        "  a:\n"
        "    reader: ebpm.catalog.local:LocalFile\n"
        "    kwargs: {path: ../data/zaisei.xlsx}  # kept as written\n"
        "\n"
        "# the end\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    monkeypatch.chdir(root)
    return root


def test_catalog_add_writes_an_entry_that_loads(project: Path):
    result = invoke("catalog", "add", "data/zaisei.xlsx")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(
        "added local.zaisei in catalogs/local.yaml (a new catalog file):\n  zaisei:\n"
    )
    assert "read: 4 rows × 7 columns, sheet 'データ', header row 4 (2 rows)" in out
    assert "  財政指標_財政力指数: marks read as missing ('ｘ' ×1), kept in" in out
    assert out.rstrip().endswith("then\n  ebpm catalog show local.zaisei")
    text = (project / "catalogs" / "local.yaml").read_text(encoding="utf-8")
    entry = yaml.safe_load(text)["entries"]["zaisei"]
    assert entry["reader"] == "ebpm.catalog.local:LocalFile"
    assert entry["kwargs"] == {
        "path": "../data/zaisei.xlsx",
        "sha256": _sha(project / "data" / "zaisei.xlsx"),
        "sheet": "データ",
        "header_row": 4,
        "header_rows": 2,
    }
    md = entry["metadata"]
    assert [md[k].startswith("TODO") for k in ("title", "description", "source", "licence")] == [
        True
    ] * 4
    assert md["columns"]["財政指標_財政力指数"] == "float64; TODO: what it holds, unit"
    assert md["columns"]["歳出総額_flag"].startswith("string; marks of 歳出総額 as written ('***')")
    df = catalog.load("local.zaisei")
    assert df["財政指標_財政力指数"].tolist()[::2] == [0.52, 0.31]
    assert catalog.provenance(df)["entry"] == "local.zaisei"
    show = invoke("catalog", "show", "local.zaisei")
    assert show.exit_code == 0, show.output
    assert "cache:    a file on disk, read at each load: ../data/zaisei.xlsx" in show.stdout
    assert any(
        line.startswith("  財政指標_財政力指数 ")
        and line.endswith(" float64; TODO: what it holds, unit")
        for line in show.stdout.splitlines()
    )
    verify = invoke("catalog", "verify", "local.zaisei")
    assert verify.exit_code == 0
    assert "ok       local.zaisei: sha256" in verify.stdout


def test_catalog_add_to_a_commented_catalog_keeps_it(project: Path):
    before = (project / "catalogs" / "studies.yaml").read_text(encoding="utf-8")
    result = invoke("catalog", "add", "data/2020年 人口.csv", "--name", "studies.jinko")
    assert result.exit_code == 0, result.output
    after = (project / "catalogs" / "studies.yaml").read_text(encoding="utf-8")
    head, _tail = before.split("\n\n# the end\n")
    assert after.startswith(head + "\n\n  jinko:\n")  # after the last entry, before the comment
    assert after.endswith("\n# the end\n")
    entry = yaml.safe_load(after)["entries"]["jinko"]
    assert entry["kwargs"]["encoding"] == "cp932"
    assert entry["kwargs"]["path"] == "../data/2020年 人口.csv"
    assert catalog.load("studies.jinko")["人口"].tolist() == [1973395, 251084, 66680, 1676]
    assert len(catalog.load("studies.a")) == 4  # the entry that was there still loads


def test_catalog_add_refuses_to_overwrite_then_force_replaces(project: Path):
    assert invoke("catalog", "add", "data/zaisei.xlsx", "--name", "studies.z").exit_code == 0
    again = invoke("catalog", "add", "data/zaisei.xlsx", "--name", "studies.a")
    assert again.exit_code == 1
    assert again.stderr.startswith(
        "error: " + str(project / "catalogs" / "studies.yaml") + " already has an entry 'a' "
        "(line 5); pass --force to replace it"
    )
    forced = invoke(
        "catalog", "add", "data/zaisei.xlsx", "--name", "studies.a", "--force",
        "--header-row", "5", "--header-rows", "1",
    )  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.startswith("replaced studies.a in catalogs/studies.yaml:")
    text = (project / "catalogs" / "studies.yaml").read_text(encoding="utf-8")
    assert "kept as written" not in text
    assert "# the first one" in text
    assert "# the end" in text
    entries = yaml.safe_load(text)["entries"]
    assert list(entries) == ["a", "z"]
    assert entries["a"]["kwargs"]["header_row"] == 5
    assert "財政力指数" in catalog.load("studies.a").columns


def test_catalog_add_errors_are_one_line_with_the_fix(project: Path):
    cases = [
        (["data/zaisei.xlsx", "--name", "local"], "name 'local' is not NAMESPACE.ENTRY"),
        (["data/zaisei.xls"], "no file at " + str(project / "data" / "zaisei.xls")),
        (["data"], "is a folder, not a file"),
        (["data/zaisei.xlsx", "--sheet", "3"], "has no sheet 3; its sheets are ['データ', 'メモ']"),
        (
            ["data/zaisei.xlsx", "--header-row", "2"],
            "it looks like a title, not the header; the header looks like row 4: pass "
            "--header-row 4",
        ),
    ]
    for args, message in cases:
        result = invoke("catalog", "add", *args)
        assert result.exit_code == 1, (args, result.output)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("error: "), lines
        assert message in lines[0], lines
    assert not (project / "catalogs" / "local.yaml").exists()
    assert invoke("catalog", "add", "data/zaisei.xlsx", "--header-row", "0").exit_code == 2


def test_catalog_add_needs_a_catalog_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copy(BOM_CSV, tmp_path / "x.csv")
    with pytest.raises(CatalogError, match=r"no catalogs/ folder in .* \(mkdir catalogs\) or set"):
        add_entry("x.csv")
    folder = tmp_path / "other" / "catalogs"
    added = add_entry("x.csv", folder=folder)  # created on demand
    assert added.created
    assert added.catalog_file == folder / "local.yaml"
    assert yaml.safe_load(added.catalog_file.read_text(encoding="utf-8"))["entries"]["x"]["kwargs"][
        "path"
    ] == str((tmp_path / "x.csv").resolve())  # outside the project: absolute


@pytest.mark.parametrize(
    ("stem", "entry"),
    [
        ("H17", "H17"),
        ("財政指標", "財政指標"),
        ("My Data-2", "my_data_2"),
        ("2020年 人口", "data_2020"),
        ("人口 推計", "data"),
    ],
)
def test_entry_names_from_file_names(tmp_path: Path, stem: str, entry: str):
    path = tmp_path / f"{stem}.csv"
    shutil.copy(BOM_CSV, path)
    (tmp_path / "catalogs").mkdir(exist_ok=True)
    added = add_entry(path, folder=tmp_path / "catalogs")
    assert added.name == f"local.{entry}"
    assert open_catalog(tmp_path / "catalogs").load(added.name)["人口"].iloc[0] == 5224614


def test_catalog_add_into_an_empty_entries_section(tmp_path: Path):
    cats = tmp_path / "catalogs"
    cats.mkdir()
    for name, text in (("a", "entries:\n"), ("b", "entries: {}  # none yet\n"), ("c", "# only\n")):
        (cats / f"{name}.yaml").write_text(text, encoding="utf-8")
        add_entry(BOM_CSV, name=f"{name}.pref", folder=cats)
    flow = cats / "d.yaml"
    flow.write_text("entries: {x: {reader: ebpm.catalog.local:LocalFile}}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"d\.yaml: the entries are written in flow style"):
        add_entry(BOM_CSV, name="d.pref", folder=cats)
    flow.unlink()
    cat = open_catalog(cats)
    assert cat.names() == ["a.pref", "b.pref", "c.pref"]
    assert cat.load("b.pref")["世帯数"].tolist() == [2476846, 7227180]
    assert "# none yet" in (cats / "b.yaml").read_text(encoding="utf-8")
    with pytest.raises(EntryExistsError, match=r"already has an entry 'pref' \(line 2\)"):
        add_entry(BOM_CSV, name="a.pref", folder=cats)


def test_catalog_add_refuses_a_broken_catalog_file(tmp_path: Path):
    cats = tmp_path / "catalogs"
    cats.mkdir()
    (cats / "local.yaml").write_text("entries:\n  a:\n    kwargs: {}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"entry 'a' needs a `reader:`.*; fix the catalog file"):
        add_entry(BOM_CSV, folder=cats)
    (cats / "local.yaml").write_text("entries: [\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"local\.yaml is not valid YAML"):
        add_entry(BOM_CSV, folder=cats)


def test_verify_reports_a_moved_local_file(project: Path):
    assert invoke("catalog", "add", "data/zaisei.xlsx").exit_code == 0
    os.rename(project / "data" / "zaisei.xlsx", project / "data" / "moved.xlsx")
    result = invoke("catalog", "verify", "local.zaisei")
    assert result.exit_code == 1
    assert "FAILED   local.zaisei: no file at " in result.stdout


def test_the_minus_sign_and_euc_jp_text(tmp_path):
    # U+2212 (the minus sign, which NFKC leaves alone) is a minus, like △
    minus = tmp_path / "minus.csv"
    minus.write_text("code,増減\n01100,−5\n01202,△1.5\n13101,3\n", encoding="utf-8")
    df = read_local_table(minus)
    assert df["増減"].tolist() == [-5.0, -1.5, 3.0]
    # EUC-JP decodes as CP932 too, as half-width katakana; it is read as EUC-JP
    euc = tmp_path / "euc.csv"
    euc.write_bytes("コード,名前,人口\n01100,札幌市,100\n".encode("euc_jp"))
    df = read_local_table(euc)
    assert list(df.columns) == ["コード", "名前", "人口"]
    assert df.attrs["ebpm"]["details"]["encoding"] == "euc_jp"


def test_numbers_in_brackets_stay_text_with_the_choice_explained():
    # MIC's FY2008 file prints the 23 special wards' 財政力指数 in brackets, "(0.80)"
    h20 = ROOT / "src/ebpm/data/japan/mic_fiscal_indices/city/H20.xls"
    advice = r"'財政力指数'.*numbers in brackets mean a negative"
    with pytest.warns(MixedColumnWarning, match=advice):
        df = read_local_table(h20)
    tokyo = df[df["団体名"] == "千代田区"]["財政力指数"].tolist()
    assert tokyo == ["(0.80)"]
    assert pd.to_numeric(df["財政力指数"].astype(str).str.strip("()")).notna().all()
