"""Finding data from the notebook (ebpm.catalog.browse): the catalog as a table to filter, one
entry in full, nothing downloaded."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ebpm import catalog
from ebpm.catalog import CATALOG_DIR_ENV, list_entries
from ebpm.catalog.browse import COLUMNS, WORDS, Browse, Show
from ebpm.errors import DatasetNotFoundError, InvalidOptionError
from tests.catalog.conftest import CATALOG_DIR, ENTRY_NAMES, ORGAN_RESOURCE

EVIL = "<script>alert('x')</script>"


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's own catalogs, as a notebook of the project sees them."""
    monkeypatch.setenv(CATALOG_DIR_ENV, str(CATALOG_DIR))
    monkeypatch.delenv("EBPM_LANG", raising=False)


@pytest.fixture
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog folder of one's own: an entry with markup in its metadata, a local file, a
    local file that is gone, and an e-Stat table."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "t.csv").write_text("地域,人口\n札幌市,1973395\n函館市,251084\n", encoding="utf-8")
    entries = {
        "evil": {
            "reader": "ebpm.catalog.readers:PackageCSV",
            "kwargs": {"package": "causaldata", "resource": ORGAN_RESOURCE},
            "metadata": {
                "title": f"Organ {EVIL}",
                "description": f"a description with {EVIL} & more",
                "source": f'"quoted" <b>{EVIL}</b>',
                "licence": "<i>MIT</i>",
                "url": "javascript:alert(1)",
                "columns": {"State": f"state {EVIL}"},
                "tags": ["needle"],
            },
        },
        "table": {
            "reader": "ebpm.catalog.local:LocalFile",
            "kwargs": {"path": "../data/t.csv"},
            "metadata": {"title": "人口", "columns": {"地域": "市区町村名", "人口": "人"}},
        },
        "gone": {"reader": "ebpm.catalog.local:LocalFile", "kwargs": {"path": "../data/gone.csv"}},
        "stat": {
            "reader": "ebpm.catalog.estat:EStatReader",
            "kwargs": {"stats_data_id": "0000010101"},
            "metadata": {"title": "総人口", "source": "e-Stat"},
        },
    }
    cats = tmp_path / "catalogs"
    cats.mkdir()
    text = yaml.safe_dump({"entries": entries}, allow_unicode=True)
    (cats / "mine.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv(CATALOG_DIR_ENV, str(cats))
    monkeypatch.delenv("EBPM_LANG", raising=False)
    return cats


def _has(text: str, *parts: str) -> None:
    missing = [p for p in parts if p not in text]
    assert missing == [], f"missing {missing} in {text[:2000]}"


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr data-text=", page)


# --- browse ----------------------------------------------------------------------------------
@pytest.mark.usefixtures("project")
def test_browse_renders_every_entry() -> None:
    view = catalog.browse()
    assert isinstance(view, Browse)
    assert view.to_frame()["name"].tolist() == ENTRY_NAMES
    page = view._repr_html_()
    assert len(_rows(page)) == len(ENTRY_NAMES)
    for name in ENTRY_NAMES:
        assert f"<code>{name}</code>" in page
        assert name in repr(view)


@pytest.mark.usefixtures("project")
def test_browse_has_a_filter_that_degrades_without_script() -> None:
    page = catalog.browse()._repr_html_()
    assert '<input type="search"' in page
    # without the script the box is hidden and every row shows; the script unhides the box
    assert '<p class="ebpm-filter" hidden>' in page
    assert "<tr hidden" not in page
    assert page.count("<script>") == 1
    assert "addEventListener('input'" in page
    # each rendering has its own id, so two outputs in one notebook do not share a filter
    ids = [re.search(r'<div id="([^"]+)"', catalog.browse()._repr_html_()) for _ in range(2)]
    assert ids[0]
    assert ids[1]
    assert ids[0].group(1) != ids[1].group(1)


@pytest.mark.usefixtures("project")
def test_browse_search_keeps_the_rows_list_entries_keeps() -> None:
    view = catalog.browse("population")
    assert view.to_frame()["name"].tolist() == list_entries("population")["name"].tolist()
    assert 0 < len(view) < len(ENTRY_NAMES)
    assert "matching 'population'" in repr(view)
    assert len(_rows(view._repr_html_())) == len(view)


@pytest.mark.usefixtures("project")
def test_browse_with_no_match_says_so() -> None:
    view = catalog.browse("zzz-nothing")
    assert len(view) == 0
    assert "No dataset matches 'zzz-nothing'; try fewer words." in repr(view)
    assert "No dataset matches" in view._repr_html_()


@pytest.mark.usefixtures("project")
def test_browse_frame_says_where_the_data_are() -> None:
    frame = catalog.browse().to_frame()
    assert frame.columns.tolist() == COLUMNS
    by_name = frame.set_index("name")
    assert by_name.loc["studies.organ_donations", "data"] == "packaged"
    assert by_name.loc["japan.prefecture_population", "data"] == "missing"
    assert by_name["offline"].tolist() == (by_name["data"] != "missing").tolist()
    assert set(frame["data"]) <= {"packaged", "local", "cached", "missing"}


@pytest.mark.usefixtures("project")
def test_browse_shows_a_cached_download_as_cached() -> None:
    """The catalog's record of a load (what `ebpm catalog show` reads) marks it cached."""
    from ebpm.catalog import _record_load

    _record_load("japan.prefecture_population", {}, pd.DataFrame({"value": [1.0]}))
    frame = catalog.browse("prefecture population").to_frame().set_index("name")
    assert frame.loc["japan.prefecture_population", "data"] == "cached"
    assert bool(frame.loc["japan.prefecture_population", "offline"])


def test_browse_escapes_every_value(mine: Path) -> None:
    view = catalog.browse()
    assert view.to_frame()["name"].tolist() == ["mine.evil", "mine.gone", "mine.stat", "mine.table"]
    page = view._repr_html_()
    assert "alert('x')</script>" not in page
    assert "<b>" not in page
    assert "<i>MIT" not in page
    assert "Organ &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&quot;quoted&quot; &lt;b&gt;" in page
    assert page.count("<script>") == 1  # ebpm's own filter, nothing of the catalog's
    assert {"local", "missing", "packaged"} == set(view.to_frame()["data"])


def test_browse_filter_searches_descriptions_and_tags(mine: Path) -> None:
    """The box searches what `search=` searches, description and tags included."""
    page = catalog.browse()._repr_html_()
    row = re.search(r'<tr data-text="([^"]*)"><td><code>mine\.evil', page)
    assert row is not None
    assert "needle" in row.group(1)
    assert "a description with" in row.group(1)
    assert catalog.browse("needle").to_frame()["name"].tolist() == ["mine.evil"]


def test_browse_headings_in_japanese(mine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBPM_LANG", "ja")
    view = catalog.browse()
    page = view._repr_html_()
    for key in ("name", "title", "source", "licence", "data", "filter"):
        assert WORDS["ja"][key] in page
    assert "同梱（オフライン可）" in page
    assert "未取得" in page
    assert "ローカルファイル" in page
    assert "4 件のデータセット" in repr(view)
    assert "Licence" not in page
    assert "Licence" in catalog.browse(lang="en")._repr_html_()


def test_browse_refuses_an_unknown_language(mine: Path) -> None:
    with pytest.raises(
        InvalidOptionError, match=r"lang='fr' is not supported\. Choose one of: 'en', 'ja'"
    ):
        catalog.browse(lang="fr")


# --- show ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("project")
def test_show_renders_columns_and_a_preview() -> None:
    view = catalog.show("studies.organ_donations", rows=3)
    assert isinstance(view, Show)
    assert view.preview is not None
    assert len(view.preview) == 3
    assert view.total == 162
    assert view.how == ""
    _has(
        view._repr_html_(),
        "Organ donor registration rates",
        "<h4>Columns</h4>",
        "<code>quarter_num</code>",
        "quarter number, 1 = Q4 2010 ... 6 = Q1 2012 (time)",
        "First 3 of 162 rows",
        "Alaska",
        'href="https://www.nber.org/papers/w20378"',
    )
    _has(
        repr(view),
        "Columns:\n  State: US state (unit)",
        "First 3 of 162 rows:",
        "Alaska",
        "Licence: MIT (causaldata package)",
    )


@pytest.mark.usefixtures("project")
def test_show_without_rows_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("rows=0 must not read the data")

    monkeypatch.setattr(catalog.Catalog, "load", no_load)
    view = catalog.show("studies.prop99", rows=0)
    assert view.preview is None
    assert "First" not in repr(view)


@pytest.mark.usefixtures("project")
def test_show_explains_how_to_get_an_estat_table_instead_of_downloading() -> None:
    """No cache and no application ID: the view says what to set; nothing is asked of e-Stat
    (the session's network guard would fail any connection)."""
    view = catalog.show("japan.prefecture_population")
    assert view.preview is None
    assert view.data == "missing"
    assert "needs an e-Stat application ID: set EBPM_ESTAT_APP_ID" in view.how
    assert "ebpm catalog fetch japan.prefecture_population" in view.how
    _has(
        view._repr_html_(),
        "<h4>How to get it</h4>",
        "EBPM_ESTAT_APP_ID",
        "<h4>Parameters</h4>",
        "<code>cdArea</code>",
        "<h4>Columns</h4>",
        "<code>fiscal_year</code>",
    )
    assert "How to get it: Not downloaded." in repr(view)


@pytest.mark.usefixtures("project")
def test_show_with_an_app_id_still_does_not_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", "not-a-real-id")
    view = catalog.show("japan.prefecture_population")
    assert view.preview is None
    assert view.how.startswith("Not downloaded. `catalog.load('japan.prefecture_population')`")
    assert "not-a-real-id" not in repr(view) + view._repr_html_()


@pytest.mark.usefixtures("project")
def test_show_a_cached_record_whose_copy_is_gone_says_how_to_get_it() -> None:
    from ebpm.catalog import _record_load

    _record_load("world.population", {}, pd.DataFrame({"value": [1.0]}))
    view = catalog.show("world.population")
    assert view.data == "missing"
    assert view.preview is None
    assert "`ebpm catalog fetch world.population` downloads it" in view.how


@pytest.mark.usefixtures("project")
def test_show_unknown_name_names_a_close_match() -> None:
    with pytest.raises(DatasetNotFoundError, match=r"Did you mean 'studies\.organ_donations'\?"):
        catalog.show("studies.organ_donation")


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize("rows", [-1, 2.5, True, "5"])
def test_show_refuses_a_bad_row_count(rows: object) -> None:
    with pytest.raises(InvalidOptionError, match=r"rows=.*: give a whole number of rows"):
        catalog.show("studies.prop99", rows=rows)  # type: ignore[arg-type]


def test_show_escapes_every_value(mine: Path) -> None:
    page = catalog.show("mine.evil")._repr_html_()
    assert "alert('x')</script>" not in page
    assert "<b>" not in page
    assert "<script" not in page
    assert "state &lt;script&gt;" in page
    assert "a description with &lt;script&gt;" in page
    assert "href=" not in page  # a javascript: url stays text
    assert "javascript:alert(1)" in page


def test_show_previews_a_local_file(mine: Path) -> None:
    view = catalog.show("mine.table")
    assert view.data == "local"
    assert view.total == 2
    page = view._repr_html_()
    assert "札幌市" in page
    assert "市区町村名" in page


def test_show_of_a_local_file_that_is_gone_says_why(mine: Path) -> None:
    view = catalog.show("mine.gone")
    assert view.preview is None
    assert view.how.startswith("Could not read the file: ")
    assert "gone.csv" in view.how


def test_show_headings_in_japanese(mine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBPM_LANG", "ja")
    page = catalog.show("mine.table")._repr_html_()
    assert "<h4>列</h4>" in page
    assert "先頭 2 行（全 2 行）" in page
    assert "<dt>データ</dt><dd>ローカルファイル</dd>" in page
    stat = catalog.show("mine.stat")
    assert "<h4>入手方法</h4>" in stat._repr_html_()
    assert "アプリケーションIDが必要です" in stat.how
    assert "EBPM_ESTAT_APP_ID" in stat.how
    assert "出典: e-Stat" in repr(stat)
