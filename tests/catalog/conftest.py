"""Shared by the catalog tests: the project's catalogs, its entries, and small catalogs and
tables written in a test."""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ebpm.catalog import open_catalog
from tests.conftest import ROOT

#: The project's catalog folder and the entries it holds, in order.
CATALOG_DIR = ROOT / "catalogs"
ENTRY_NAMES = [
    "geo.japan_municipalities",
    "geo.japan_prefectures",
    "geo.prefecture_municipal_structure",
    "geo.tokyo_municipalities",
    "japan.egov_resource",
    "japan.municipal_boundaries",
    "japan.municipal_changes",
    "japan.municipal_fiscal_indices",
    "japan.municipality_population",
    "japan.prefecture_fiscal_indices",
    "japan.prefecture_indicator",
    "japan.prefecture_population",
    "studies.castle",
    "studies.ehec_medicaid",
    "studies.germany",
    "studies.mpdta",
    "studies.nsw_mixtape",
    "studies.organ_donations",
    "studies.prop99",
    "studies.senate",
    "studies.sicily",
    "studies.smoking_adh2010",
    "world.gdp_per_capita",
    "world.oecd_unemployment",
    "world.population",
    "world.wdi",
]
#: The CSV of Kessler and Roth's organ donation study inside the causaldata package.
ORGAN_RESOURCE = "organ_donations/organ_donation.csv"


def sha256_of_package_file(package: str, resource: str) -> str:
    return hashlib.sha256(resources.files(package).joinpath(resource).read_bytes()).hexdigest()


def write_catalog(folder: Path, text: str, name: str = "tmp.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def package_csv_entry(**kwargs: object) -> str:
    """A one-entry catalog (entry ``tmp.organ``) reading with PackageCSV and ``kwargs``."""
    entry = {"reader": "ebpm.catalog.readers:PackageCSV", "kwargs": kwargs}
    return yaml.safe_dump({"entries": {"organ": entry}}, allow_unicode=True)


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.organ_donations")


# --- downloaded tables (e-Gov and remote files) ---------------------------------------------
HOLIDAYS_TEXT = (
    "国民の祝日・休日月日,国民の祝日・休日名称\r\n"
    "1955/1/1,元日\r\n"
    "1955/1/15,成人の日\r\n"
    "2025/11/24,休日\r\n"
)
#: The Cabinet Office's holiday list as it is published: CP932 text.
HOLIDAYS = HOLIDAYS_TEXT.encode("cp932")


def xlsx_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for sheet, frame in frames.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return buf.getvalue()


#: A workbook of two sheets: a note first, then the table (sheet 人口).
POP_XLSX = xlsx_bytes(
    {
        "注記": pd.DataFrame({"注": ["住民基本台帳による"]}),
        "人口": pd.DataFrame({"都道府県": ["北海道", "東京都"], "人口": [5092000, 14178000]}),
    }
)
