"""Data files read from installed packages (ebpm._package_data): bytes, hash, source."""

from __future__ import annotations

import hashlib
from importlib import metadata

import pytest

from ebpm._package_data import package_file
from ebpm.errors import CatalogError, IntegrityError
from tests.conftest import ROOT

CHANGES = "data/japan/municipal_changes/municipal_changes.csv"
#: The hash catalogs/japan.yaml pins for the change record ebpm ships.
CHANGES_SHA256 = "7ab1e71626846ae1af74bd83f55994d4bbc5cf316b471362839c193cbb628486"


def test_a_file_of_ebpm_with_its_provenance() -> None:
    got = package_file("ebpm", CHANGES, sha256=CHANGES_SHA256)
    assert got["bytes"] == (ROOT / "src" / "ebpm" / CHANGES).read_bytes()
    assert got["sha256"] == CHANGES_SHA256
    assert {k: v for k, v in got.items() if k not in ("bytes", "sha256")} == {
        "package": "ebpm",
        "version": metadata.version("ebpm"),
        "path": f"ebpm/{CHANGES}",
    }


def test_the_pin_may_be_upper_case() -> None:
    got = package_file("ebpm", CHANGES, sha256=CHANGES_SHA256.upper())
    assert got["sha256"] == CHANGES_SHA256


def test_without_a_pin_the_hash_is_computed() -> None:
    got = package_file("causaldata", "organ_donations/organ_donation.csv")
    assert got["sha256"] == hashlib.sha256(got["bytes"]).hexdigest()
    assert got["sha256"] == "af5dff31de5bdf096124e025c8a361f4acc729d6b51e805552c2fae429f73c21"
    assert got["version"] == metadata.version("causaldata")


def test_the_distribution_is_named_when_it_differs_from_the_import_name() -> None:
    got = package_file("yaml", "__init__.py")
    assert got["package"] == "PyYAML"
    assert got["version"] == metadata.version("PyYAML")
    assert got["path"] == "yaml/__init__.py"


def test_a_changed_file_is_an_integrity_error_naming_both_hashes() -> None:
    wrong = "0" * 64
    with pytest.raises(IntegrityError) as info:
        package_file("ebpm", CHANGES, sha256=wrong)
    assert str(info.value) == (
        f"ebpm/{CHANGES}: sha256 is {CHANGES_SHA256}, but the catalog pins {wrong}; the file "
        "changed (a new package version?). Check the data, then update the entry's `sha256`."
    )


def test_an_unquoted_numeric_pin_is_refused() -> None:
    with pytest.raises(CatalogError, match=r"pinned sha256 1234 is not text.*Quote it"):
        package_file("ebpm", CHANGES, sha256=1234)  # type: ignore[arg-type]


def test_a_missing_package_says_how_to_install_it() -> None:
    with pytest.raises(
        CatalogError,
        match=r"package 'no_such_pkg_ebpm' is not installed.*`pip install no_such_pkg_ebpm`",
    ):
        package_file("no_such_pkg_ebpm", "data.csv")


@pytest.mark.parametrize("resource", ["data/japan/no_such.csv", "data/japan"])
def test_a_missing_file_or_a_folder_is_a_catalog_error(resource: str) -> None:
    with pytest.raises(
        CatalogError,
        match=rf"package 'ebpm' has no file '{resource}'.*the entry's `resource`",
    ):
        package_file("ebpm", resource)
