"""Tests of ebpm.japan.tables: the pinned japancode files and the frames built from them."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest

from ebpm import japan
from ebpm.errors import CatalogError, IntegrityError
from ebpm.japan import tables


@pytest.fixture
def fresh_tables():
    """Clear the in-process caches before and after a test that changes what is read."""
    caches = [
        japan.tables._read_json,
        japan.tables._prefecture_table,
        japan.tables._municipality_table,
        japan.tables._municipality_by_code,
        japan.tables._prefecture_keys,
        japan.tables._municipality_keys,
    ]
    for c in caches:
        c.cache_clear()
    yield
    for c in caches:
        c.cache_clear()


def test_data_coverage_claims_hold():
    df = japan.municipalities()
    names = set(df["name_ja"])
    assert "那珂川市" in names  # became a city on 2018-10-01
    assert "浜松市中区" in names  # abolished on 2024-01-01
    assert "浜松市中央区" not in names  # created on 2024-01-01
    assert not df["code"].isin([f"016{n}" for n in range(95, 101)]).any()  # Northern Territories
    assert "2018-10-01" in japan.DATA_COVERAGE
    assert "2023-12-31" in japan.DATA_COVERAGE
    assert "政令市の区" in japan.DATA_COVERAGE


def test_pins_match_the_installed_files():
    for resource, pin in japan.tables._PINS.items():
        data = resources.files("japancode").joinpath(resource).read_bytes()
        assert hashlib.sha256(data).hexdigest() == pin


def test_changed_package_file_raises_integrity_error(monkeypatch, fresh_tables):
    monkeypatch.setitem(japan.tables._PINS, "data/municipalities.json", "0" * 64)
    with pytest.raises(IntegrityError, match=r"japancode/data/municipalities.json: sha256 is"):
        japan.municipalities()


def test_missing_package_raises_catalog_error(monkeypatch, fresh_tables):
    monkeypatch.setattr(japan.tables, "_PACKAGE", "ebpm_no_such_package")
    with pytest.raises(CatalogError, match=r"'ebpm_no_such_package' is not installed"):
        japan.prefectures()


def test_regions_cover_each_prefecture_once():
    numbers = [n for r in japan.REGIONS.values() for n in r]
    assert sorted(numbers) == list(range(1, 48))
    assert len(japan.REGIONS) == 8
    assert list(japan.REGIONS["Shikoku"]) == [36, 37, 38, 39]  # 徳島 香川 愛媛 高知
    by_code = japan.prefectures().set_index("code")["region"]
    for region, numbers in japan.REGIONS.items():
        assert {by_code[f"{n:02d}"] for n in numbers} == {region}


def test_designated_cities_and_their_wards():
    df = tables._municipality_table()
    cities = df.loc[df["kind"] == "designated_city", "code"]
    assert len(cities) == 20
    wards = df[df["kind"] == "ward"].groupby("parent_code").size()
    assert set(wards.index) == set(cities)  # every designated city has wards, and only they
    assert wards[["01100", "27100", "14150"]].tolist() == [10, 24, 3]  # 札幌 大阪 相模原
    special = df.loc[df["kind"] == "special_ward", "code"]
    assert special.tolist() == [f"131{n:02d}" for n in range(1, 24)]  # Tokyo's 23 特別区


def test_name_indexes_hold_kanji_kana_and_romaji():
    keys = tables._municipality_keys()
    assert keys["札幌市中央区"] == ["01101"]
    assert keys["sapporo-shichuo-ku"] == ["01101"]  # romaji folded, spaces removed
    assert keys["えさしちょう"] == ["01361", "01514"]  # 江差町 and 枝幸町 sound alike
    prefs = tables._prefecture_keys()
    assert {prefs[k] for k in ("東京都", "東京", "とうきょうと", "とうきょう", "tokyo")} == {"13"}


def test_prefectures_hides_the_short_names_it_reads():
    assert {"_short_ja", "_short_kana"} <= set(tables._prefecture_table().columns)
    assert not any(c.startswith("_") for c in japan.prefectures().columns)
