"""Tests of ebpm.catalog.files: decoding CSV and Excel bytes (encodings, workbooks, bytes that are
not tables) and reading a table at a URL once, against 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from pathlib import Path

import pytest

from ebpm.catalog import open_catalog
from ebpm.catalog.files import detect_encoding, load_remote_table, read_table_bytes
from ebpm.errors import (
    IntegrityError,
    InvalidOptionError,
    SheetNotFoundError,
    SourceFormatError,
)
from tests.catalog.conftest import HOLIDAYS, POP_XLSX

#: A legacy .xls workbook of the ministry, shipped in ebpm: 主要財政指標一覧 H17.
H17 = Path(str(resources.files("ebpm"))) / "data/japan/mic_fiscal_indices/city/H17.xls"


# --- read_table_bytes: CSV text and its encodings ---------------------------------------------
def test_shift_jis_csv_is_detected_and_read_as_cp932():
    data = "名称,値\n①番,1\n㈱テスト,2\n".encode("cp932")  # ① and ㈱ exist only in CP932
    df = read_table_bytes(data, format="csv")
    assert df.columns.tolist() == ["名称", "値"]
    assert df["名称"].tolist() == ["①番", "㈱テスト"]
    assert df["値"].tolist() == [1, 2]
    named = read_table_bytes(data, encoding="Shift_JIS")
    assert named["名称"].tolist() == ["①番", "㈱テスト"]


def test_utf8_bom_is_stripped_from_the_first_column_name():
    data = "\ufeff市区町村コード,人口\n13101,66680\n".encode()
    for encoding in (None, "auto", "utf-8", "UTF8"):
        df = read_table_bytes(data, encoding=encoding, read_csv={"dtype": {"市区町村コード": str}})
        assert df.columns.tolist() == ["市区町村コード", "人口"]
        assert df["市区町村コード"].tolist() == ["13101"]


def test_plain_utf8_csv_and_read_csv_options():
    data = "集計表\ncode,name\n01000,北海道\n47000,沖縄県\n".encode()
    df = read_table_bytes(data, read_csv={"skiprows": 1, "dtype": {"code": str}})
    assert df.to_dict("list") == {"code": ["01000", "47000"], "name": ["北海道", "沖縄県"]}


def test_utf16_with_bom_is_read():
    data = "a\tb\n1\t2\n".encode("utf-16")
    df = read_table_bytes(data, read_csv={"sep": "\t"})
    assert df.to_dict("list") == {"a": [1], "b": [2]}


def test_euc_jp_and_control_bytes_are_not_read_as_cp932():
    """CP932 decodes most EUC-JP text (as half-width katakana) and byte 0x80 (as U+0080)."""
    euc = "コード,名前\n01100,札幌市\n".encode("euc_jp")
    df = read_table_bytes(euc, what="euc.csv")
    assert list(df.columns) == ["コード", "名前"]
    assert df["名前"].tolist() == ["札幌市"]
    hankaku = "ｺｰﾄﾞ,ﾅﾏｴ\n1,ｻｯﾎﾟﾛ\n".encode("cp932")  # Shift_JIS in half-width kana stays CP932
    assert read_table_bytes(hankaku, what="hw.csv")["ﾅﾏｴ"].tolist() == ["ｻｯﾎﾟﾛ"]
    with pytest.raises(SourceFormatError, match=r"c1\.csv decodes as CP932.*U\+0080"):
        read_table_bytes(b"a,b\n1,\x80\x80\n", what="c1.csv")


def test_xlsx_first_sheet_by_default_then_by_name_and_position():
    first = read_table_bytes(POP_XLSX, format="xlsx")
    assert first.to_dict("list") == {"注": ["住民基本台帳による"]}
    by_name = read_table_bytes(POP_XLSX, format="auto", sheet="人口")
    assert by_name.to_dict("list") == {
        "都道府県": ["北海道", "東京都"],
        "人口": [5092000, 14178000],
    }
    assert read_table_bytes(POP_XLSX, format="xlsx", sheet=1).equals(by_name)


def test_unknown_sheet_lists_the_sheets():
    with pytest.raises(
        InvalidOptionError, match=r"has no sheet '人'; its sheets are \['注記', '人口'\]"
    ):
        read_table_bytes(POP_XLSX, format="xlsx", sheet="人")
    with pytest.raises(InvalidOptionError, match=r"has no sheet 5"):
        read_table_bytes(POP_XLSX, format="xlsx", sheet=5)


def test_undecodable_bytes_name_the_file_the_encodings_and_the_fix():
    data = b"a,b\n\x81 ,2\n"  # 0x81 starts a CP932 pair and is invalid UTF-8
    with pytest.raises(
        SourceFormatError,
        match=r"data\.csv is not text in any encoding tried: utf-8-sig \(invalid byte "
        r"b'\\x81' at offset 4\), cp932 \(invalid byte b'\\x81' at offset 4\), euc_jp "
        r"\(invalid byte b'\\x81' at offset 4\)\. .*encoding=",
    ):
        read_table_bytes(data, what="data.csv")


def test_encoding_checks_across_chunk_boundaries(monkeypatch):
    from ebpm.catalog import files

    monkeypatch.setattr(files, "_CHUNK", 5)  # multi-byte characters straddle the chunks
    text = "あいうえお,かきくけこ\n1,2\n"
    utf8, sjis = text.encode(), text.encode("cp932")
    assert files._decodes(utf8, "utf-8-sig")
    assert files._decodes(b"\xef\xbb\xbf" + utf8, "utf-8-sig")
    assert not files._decodes(utf8 + b"\xe3\x81", "utf-8")
    assert not files._decodes(sjis, "utf-8-sig")
    assert files._decodes(sjis, "cp932")
    assert not files._decodes(sjis[:6] + b"\x81 " + sjis[6:], "cp932")
    assert not files._decodes(sjis + b"\x82", "cp932")
    assert files._first_bad_byte(utf8[:9] + b"\xff" + utf8[9:], "utf-8") == 9
    assert files._first_bad_byte(sjis[:6] + b"\x81 " + sjis[6:], "cp932") == 6
    assert files._first_bad_byte(sjis, "cp932") is None


def test_a_wrong_explicit_encoding_is_refused():
    with pytest.raises(SourceFormatError, match=r"x\.csv is not valid utf-8 text: byte b'\\x8d'"):
        read_table_bytes(HOLIDAYS, encoding="utf-8", what="x.csv")
    with pytest.raises(InvalidOptionError, match=r"encoding='latin-9x' is not an encoding"):
        read_table_bytes(b"a\n1\n", encoding="latin-9x")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<!DOCTYPE html><html><body>Not Found</body></html>", "is an HTML/XML page"),
        (b"%PDF-1.7\n", "is a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20, r"is a legacy Excel \.xls workbook"),
        (b"  \n", "is empty"),
    ],
)
def test_bytes_that_are_not_tables_say_what_they_are(data, message):
    with pytest.raises(SourceFormatError, match=rf"f\.csv {message}"):
        read_table_bytes(data, format="auto", what="f.csv")


def test_format_mismatches_and_unknown_formats():
    with pytest.raises(SourceFormatError, match=r"is a zip archive, not CSV text; it is an XLSX"):
        read_table_bytes(POP_XLSX, format="csv")
    with pytest.raises(SourceFormatError, match=r"is text, not an XLSX workbook"):
        read_table_bytes(b"a,b\n1,2\n", format="xlsx")
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("data.csv", "a\n1\n")
    with pytest.raises(SourceFormatError, match=r"not an XLSX workbook .*\['data\.csv'\]"):
        read_table_bytes(buf.getvalue(), format="auto")
    with pytest.raises(
        InvalidOptionError,
        match=r"format='ods' is not supported; use one of "
        r"\['auto', 'csv', 'xlsx', 'xls'\]",
    ):
        read_table_bytes(b"a\n1\n", format="ods")


def test_csv_that_does_not_parse_suggests_read_csv_options():
    with pytest.raises(SourceFormatError, match=r"does not parse as CSV .*skiprows=N"):
        read_table_bytes(b"a,b\n1,2\n3,4,5,6\n")
    with pytest.raises(InvalidOptionError, match=r"not all options of pandas\.read_csv"):
        read_table_bytes(b"a\n1\n", read_csv={"no_such_option": 1})
    with pytest.raises(InvalidOptionError, match=r"sheet='x' applies to XLSX"):
        read_table_bytes(b"a\n1\n", sheet="x")


# --- detect_encoding --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "encoding", "codec"),
    [
        ("名前".encode("cp932"), "Shift_JIS", "cp932"),  # read as its superset
        ("名前".encode("cp932"), "windows-31j", "cp932"),  # Java's name for CP932
        (b"a,b", "UTF8", "utf-8-sig"),  # a byte-order mark would be dropped
        ("コード".encode("euc_jp"), "EUC-JP", "euc_jp"),
        (b"a,b", "latin-1", "iso8859-1"),
        (b"a,b", None, "utf-8-sig"),
        ("名前".encode("cp932"), "auto", "cp932"),
        ("コード".encode("euc_jp"), "auto", "euc_jp"),
        ("a\tb".encode("utf-16"), None, "utf-16"),  # recognised by its byte-order mark
    ],
)
def test_detect_encoding_names_the_codec(data: bytes, encoding: str | None, codec: str) -> None:
    assert detect_encoding(data, encoding) == codec


def test_detect_encoding_ends_its_message_with_the_callers_advice() -> None:
    with pytest.raises(
        SourceFormatError,
        match=r"^x\.txt is not text in any encoding tried: .*encoding='euc_jp'; "
        r"open it in Excel\.$",
    ):
        detect_encoding(b"\x81 ", what="x.txt", not_csv="open it in Excel")
    with pytest.raises(
        InvalidOptionError,
        match=r"^encoding='klingon' is not an encoding Python knows; use 'auto'",
    ):
        detect_encoding(b"a", "klingon")


def test_the_encoding_may_be_given_in_read_csv_but_not_twice_differently() -> None:
    df = read_table_bytes(HOLIDAYS, read_csv={"encoding": "shift_jis"})
    assert df.iloc[0].tolist() == ["1955/1/1", "元日"]
    same = read_table_bytes(HOLIDAYS, encoding="Shift_JIS", read_csv={"encoding": "cp932"})
    assert same.equals(df)  # two names of one codec agree
    with pytest.raises(
        InvalidOptionError,
        match=r"^encoding='utf-8' and read_csv=\{'encoding': 'cp932'\} disagree; give the "
        r"encoding once, as `encoding`$",
    ):
        read_table_bytes(HOLIDAYS, encoding="utf-8", read_csv={"encoding": "cp932"})


# --- read_table_bytes: workbooks -----------------------------------------------------------
def test_files_reads_legacy_xls_bytes():
    data = H17.read_bytes()
    df = read_table_bytes(data, format="auto", read_csv={"header": 1})
    assert df.shape == (1855, 7)
    assert df.iloc[0, :3].tolist() == ["北海道", "札幌市", 96.5]
    assert read_table_bytes(data, format="xls", read_csv={"header": 1}).equals(df)
    with pytest.raises(
        SheetNotFoundError, match=r"h17\.xls has no sheet 'x'; its sheets are \['全市町村の"
    ):
        read_table_bytes(data, format="xls", sheet="x", what="h17.xls")
    with pytest.raises(
        SourceFormatError, match=r"legacy Excel \.xls .*, not CSV text; pass format='xls'"
    ):
        read_table_bytes(data, format="csv")
    with pytest.raises(
        SourceFormatError, match=r"legacy Excel \.xls .*, not XLSX; pass format='xls'"
    ):
        read_table_bytes(data, format="xlsx")
    with pytest.raises(SourceFormatError, match=r"is text, not an \.xls workbook"):
        read_table_bytes(b"a,b\n1,2\n", format="xls")


def test_a_sheet_by_negative_position_and_sheets_that_are_not_there() -> None:
    last = read_table_bytes(POP_XLSX, format="xlsx", sheet=-1)
    assert last.to_dict("list") == {"都道府県": ["北海道", "東京都"], "人口": [5092000, 14178000]}
    with pytest.raises(SheetNotFoundError, match=r"^the file has no sheet -3; its sheets are"):
        read_table_bytes(POP_XLSX, format="xlsx", sheet=-3)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"sheet": 1.5},
            r"sheet=1\.5 is not a sheet name or position; give one sheet, e\.g\. sheet=0",
        ),
        ({"sheet": True}, r"sheet=True is not a sheet name or position"),
        (
            {"read_csv": {"sheet_name": 1}},
            r"give the sheet as `sheet`, not as read_csv=\{'sheet_name': \.\.\.\}",
        ),
        (
            {"read_csv": {"no_such": 1}},
            r"read_csv options \['no_such'\] are not all options of pandas\.read_excel",
        ),
    ],
)
def test_workbook_options_that_are_refused(options: dict, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        read_table_bytes(POP_XLSX, format="xlsx", **options)


def test_a_damaged_or_misnamed_xlsx_says_what_to_do() -> None:
    with pytest.raises(
        SourceFormatError,
        match=r"^cut\.xlsx starts like a zip archive \(XLSX\) but is damaged or cut short; "
        r"download it again with refresh=True$",
    ):
        read_table_bytes(POP_XLSX[:300], format="auto", what="cut.xlsx")
    with pytest.raises(
        SourceFormatError,
        match=r"^p\.xlsx is a zip archive, not a legacy \.xls workbook; it is an XLSX workbook: "
        r"pass format='xlsx'$",
    ):
        read_table_bytes(POP_XLSX, format="xls", what="p.xlsx")


# --- load_remote_table and RemoteTable -------------------------------------------------------
def test_remote_table_is_downloaded_once_then_read_from_parquet(http_server, cache_dir):
    http_server.add("/t/holidays.csv", HOLIDAYS, headers={"Last-Modified": "Mon, 03 Feb 2025"})
    url = http_server.url + "/t/holidays.csv"
    first = load_remote_table(url, licence="CC BY 4.0", attribution="出典：内閣府")
    assert first["国民の祝日・休日名称"].tolist() == ["元日", "成人の日", "休日"]
    origin = first.attrs["ebpm"]["origin"]
    assert origin["sha256"] == hashlib.sha256(HOLIDAYS).hexdigest()
    assert origin["licence"] == "CC BY 4.0"
    assert origin["publisher_updated"] == "Mon, 03 Feb 2025"
    assert origin["from_cache"] is False
    again = load_remote_table(url, columns=["国民の祝日・休日名称"], licence="CC BY 4.0")
    assert again.columns.tolist() == ["国民の祝日・休日名称"]
    assert again["国民の祝日・休日名称"].tolist() == ["元日", "成人の日", "休日"]
    assert again.attrs["ebpm"]["origin"]["from_cache"] is True
    assert http_server.count("/t/holidays.csv") == 1
    load_remote_table(url, refresh=True)
    assert http_server.count("/t/holidays.csv") == 2


def test_remote_table_pinned_sha256_mismatch_caches_nothing(http_server, cache_dir):
    http_server.add("/t/x.csv", b"a\n1\n")
    with pytest.raises(IntegrityError, match="has sha256"):
        load_remote_table(http_server.url + "/t/x.csv", sha256="0" * 64)
    assert [p for p in cache_dir.rglob("*") if p.is_file()] == []


def test_remote_table_reader_through_a_catalog(http_server, tmp_path, monkeypatch):
    monkeypatch.setenv("EBPM_OFFLINE", "0")
    http_server.add("/t/pop.xlsx", POP_XLSX)
    sha = hashlib.sha256(POP_XLSX).hexdigest()
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "japan.yaml").write_text(
        "version: 2\nentries:\n  pop:\n    reader: ebpm.catalog.files:RemoteTable\n"
        f"    kwargs: {{url: '{http_server.url}/t/pop.xlsx', sha256: {sha}, sheet: 人口,\n"
        "             licence: 政府標準利用規約（第2.0版）, attribution: 出典：総務省}\n"
        "    metadata: {title: 都道府県別人口, source: 総務省}\n",
        encoding="utf-8",
    )
    df = open_catalog(cat).load("japan.pop")
    assert df.to_dict("list") == {"都道府県": ["北海道", "東京都"], "人口": [5092000, 14178000]}
    prov = df.attrs["ebpm"]
    assert prov["entry"] == "japan.pop"
    assert prov["licence"] == "政府標準利用規約（第2.0版）"
    assert prov["attribution"] == "出典：総務省"
    assert prov["sha256"] == sha
    assert prov["from_cache"] is False
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    cached = open_catalog(cat).load("japan.pop", columns=["人口"])
    assert cached.to_dict("list") == {"人口": [5092000, 14178000]}
    assert cached.attrs["ebpm"]["from_cache"] is True
    assert http_server.count("/t/pop.xlsx") == 1


def test_remote_table_checks_its_options_before_downloading(http_server) -> None:
    http_server.add("/x.csv", b"a,b\n1,2\n")
    url = http_server.url + "/x.csv"
    with pytest.raises(
        InvalidOptionError,
        match=r"format='xlsm' is not supported; use one of \['auto', 'csv', 'xlsx', 'xls'\]\. "
        r"Did you mean one of 'xls', 'xlsx'\?",
    ):
        load_remote_table(url, format="xlsm")
    with pytest.raises(InvalidOptionError, match=r"encoding='klingon' is not an encoding"):
        load_remote_table(url, encoding="klingon")
    assert http_server.requests == []


def test_remote_table_descriptions_given_later_win_over_the_cached_ones(http_server) -> None:
    http_server.add("/x.csv", b"a,b\n1,2\n")
    url = http_server.url + "/x.csv"
    first = load_remote_table(url, title="A", licence="L1")
    origin = first.attrs["ebpm"]["origin"]
    assert (origin["what"], origin["title"], origin["url"]) == ("table 'x.csv'", "A", url)
    again = load_remote_table(
        url, title="B", page_url="https://page.example/", publisher_updated="2025-01-01"
    )
    origin = again.attrs["ebpm"]["origin"]
    assert origin["from_cache"] is True
    assert (origin["title"], origin["url"], origin["publisher_updated"]) == (
        "B",
        "https://page.example/",
        "2025-01-01",
    )
    assert origin["licence"] == "L1"  # not given again: the cached value stays
    assert origin["request"] == url
    assert http_server.count("/x.csv") == 1


def test_a_remote_page_that_is_not_a_table_names_its_url(http_server) -> None:
    http_server.add("/page.csv", b"<html><body>login</body></html>", content_type="text/html")
    url = http_server.url + "/page.csv"
    with pytest.raises(
        SourceFormatError,
        match=rf"^table 'page\.csv' \({url}\) is an HTML/XML page .*check that the URL points at "
        r"the data file itself$",
    ):
        load_remote_table(url)
