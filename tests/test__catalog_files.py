"""Where the catalog YAML files are and the digest of each entry (ebpm._catalog_files)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from ebpm import _catalog_files
from ebpm._catalog_files import (
    CATALOG_DIR_ENV,
    catalog_dir,
    definition_sha256,
    entry_digests,
    entry_sha256,
    find_catalog_dir,
)
from ebpm.errors import CatalogError
from tests.conftest import ROOT

ENTRIES = """\
version: 2
entries:
  pop:
    driver: csv
    args: {urlpath: data/pop.csv}
  area:
    driver: csv
    args: {urlpath: data/area.csv}
"""


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CATALOG_DIR_ENV, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with ``catalogs/local.yaml`` and a nested working folder."""
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "local.yaml").write_text(ENTRIES, encoding="utf-8")
    (tmp_path / "notebooks" / "draft").mkdir(parents=True)
    return tmp_path


# --- finding the folder -----------------------------------------------------------------------
def test_the_catalogs_folder_is_found_in_a_parent(project: Path) -> None:
    assert find_catalog_dir(project / "notebooks" / "draft") == project / "catalogs"
    assert catalog_dir(project) == project / "catalogs"


def test_the_current_directory_is_the_default_start(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "notebooks")
    assert catalog_dir() == project / "catalogs"


def test_a_catalogs_folder_without_yaml_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "notes.txt").write_text("x", encoding="utf-8")
    # the checkout's own catalogs/ (an editable install) comes last
    assert find_catalog_dir(tmp_path) == ROOT / "catalogs"


def test_the_environment_variable_wins_as_given(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CATALOG_DIR_ENV, str(project / "elsewhere"))
    assert find_catalog_dir(project) == project / "elsewhere"  # not checked here
    with pytest.raises(CatalogError) as info:
        catalog_dir(project)
    assert str(info.value) == (
        f"{CATALOG_DIR_ENV}={str(project / 'elsewhere')!r} is not a folder; point it at a "
        "folder of catalog YAML files or unset it"
    )
    monkeypatch.setenv(CATALOG_DIR_ENV, str(project / "catalogs"))
    assert catalog_dir(Path("/")) == project / "catalogs"


def test_no_folder_at_all_names_the_start_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_catalog_files, "_PACKAGED", tmp_path / "not-installed-from-a-checkout")
    assert find_catalog_dir(tmp_path) is None
    with pytest.raises(
        CatalogError, match=rf"no catalogs/ folder found from {tmp_path}; run ebpm from the project"
    ):
        catalog_dir(tmp_path)


# --- digests ----------------------------------------------------------------------------------
def test_definition_sha256_is_the_hash_of_canonical_json() -> None:
    expected = hashlib.sha256('{"a":"東京","b":[1,2]}'.encode()).hexdigest()
    assert definition_sha256({"b": [1, 2], "a": "東京"}) == expected
    assert definition_sha256({"a": "東京", "b": [1, 2]}) == expected
    assert definition_sha256({"a": "東京", "b": [2, 1]}) != expected


def test_yaml_layout_does_not_change_an_entry_digest(project: Path) -> None:
    flow = project / "flow.yaml"
    flow.write_text(
        "entries:\n  pop: {args: {urlpath: data/pop.csv}, driver: csv}  # same entry\n",
        encoding="utf-8",
    )
    assert entry_digests(flow)["pop"] == entry_digests(project / "catalogs" / "local.yaml")["pop"]


def test_entry_digests_has_one_digest_per_entry(project: Path) -> None:
    raw = yaml.safe_load(ENTRIES)["entries"]
    assert entry_digests(project / "catalogs" / "local.yaml") == {
        "pop": definition_sha256(raw["pop"]),
        "area": definition_sha256(raw["area"]),
    }


@pytest.mark.parametrize(
    "text",
    ["entries: [a, b]\n", "just text\n", "entries: {a: [\n", "version: 2\n"],
    ids=["list", "scalar", "broken", "no-entries"],
)
def test_a_file_that_is_not_a_catalog_has_no_digests(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert entry_digests(path) == {}
    assert entry_digests(tmp_path / "missing.yaml") == {}


def test_an_edited_file_is_read_again(project: Path) -> None:
    path = project / "catalogs" / "local.yaml"
    before = entry_digests(path)["pop"]
    path.write_text(ENTRIES.replace("data/pop.csv", "data/population.csv"), encoding="utf-8")
    after = entry_digests(path)
    assert after["pop"] != before
    assert after["pop"] == definition_sha256(
        {"driver": "csv", "args": {"urlpath": "data/population.csv"}}
    )


def test_entry_sha256_by_namespace_and_entry(project: Path) -> None:
    start = project / "notebooks"
    digests = entry_digests(project / "catalogs" / "local.yaml")
    assert entry_sha256("local.area", start=start) == digests["area"]
    assert entry_sha256("local.nothing", start=start) is None
    assert entry_sha256("other.pop", start=start) is None  # no catalogs/other.yaml
    assert entry_sha256("local", start=start) is None  # no entry named


def test_entry_sha256_matches_what_a_loaded_frame_records() -> None:
    from ebpm import catalog

    df = catalog.load("studies.organ_donations")
    recorded = df.attrs["ebpm"]["entry_sha256"]
    assert recorded == entry_sha256("studies.organ_donations", start=ROOT)
    raw = yaml.safe_load((ROOT / "catalogs" / "studies.yaml").read_text(encoding="utf-8"))
    assert recorded == definition_sha256(raw["entries"]["organ_donations"])
