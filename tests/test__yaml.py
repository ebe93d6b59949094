"""Hostile and careless YAML: alias bombs, self-referring anchors and keys given twice.

Every YAML file ebpm reads (catalogs, pipeline specs, policy files) goes through one loader
(``ebpm._yaml``). A "billion laughs" document is a few hundred bytes that expands to 10^9 values:
it must be refused at once, not hang the reader (if these tests hung, the suite would hang).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ebpm.catalog import open_catalog
from ebpm.cli import main
from ebpm.errors import CatalogError, SpecError
from ebpm.kpi import load
from ebpm.pipeline.spec import load_spec

BOMB = r"line \d+: the aliases \(\*name\) expand to more than 10,000 values .*billion laughs"


def _laughs(indent: int) -> str:
    """Nine anchors, each ten aliases of the one before: 10^9 strings once expanded."""
    pad = " " * indent
    lines = [f'{pad}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{pad}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def _catalog(folder: Path, text: str, name: str = "mine.yaml") -> Path:
    (folder / "catalogs").mkdir(parents=True, exist_ok=True)
    path = folder / "catalogs" / name
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = """\
version: 2
entries:
  prop99:
    reader: ebpm.catalog.readers:PackageCSV
    kwargs:
      package: causaldata
      resource: x.csv
"""
DUPLICATE_SHA = ENTRY + "      sha256: aaa\n      sha256: bbb\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "did.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    return tmp_path


# --- billion laughs -----------------------------------------------------------------------------
def test_a_billion_laughs_catalog_is_refused(tmp_path: Path) -> None:
    _catalog(tmp_path, ENTRY + "    metadata:\n" + _laughs(6))
    with pytest.raises(CatalogError, match=rf"^catalog '.*mine\.yaml', {BOMB}"):
        open_catalog(tmp_path / "catalogs")


def test_a_billion_laughs_spec_is_refused(project: Path) -> None:
    path = project / "pipelines" / "p.yaml"
    text = "name: p\ndefaults:\n" + _laughs(2) + "tasks:\n  - notebook: notebooks/did.py\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=rf"^pipelines/p\.yaml, {BOMB}") as info:
        load_spec(path)
    assert info.value.line == 6  # the alias that went over the budget (l3: 11,110 values)


def test_a_billion_laughs_policy_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("title: x\nnodes: []\nnotes:\n" + _laughs(2), encoding="utf-8")
    with pytest.raises(SpecError, match=BOMB):
        load(path, check_evidence=False)


def test_an_anchor_used_inside_itself_is_refused(project: Path) -> None:
    path = project / "pipelines" / "p.yaml"
    text = "name: p\ndefaults: &d\n  again: *d\ntasks:\n  - notebook: notebooks/did.py\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        SpecError, match=r"line 3: alias \*d is used inside the anchor &d it refers to"
    ):
        load_spec(path)


# --- legitimate anchors still load ----------------------------------------------------------------
def test_a_catalog_with_anchors_and_merge_keys_loads(tmp_path: Path) -> None:
    text = """\
version: 2
entries:
  a:
    reader: ebpm.catalog.readers:PackageCSV
    kwargs: &common
      package: causaldata
      resource: organ_donations/organ_donation.csv
    metadata: {title: A}
  b:
    reader: ebpm.catalog.readers:PackageCSV
    kwargs:
      <<: *common
      resource: other.csv
    metadata: {title: B}
"""
    _catalog(tmp_path, text)
    catalog = open_catalog(tmp_path / "catalogs")
    assert catalog.names() == ["mine.a", "mine.b"]


def test_a_spec_sharing_parameters_across_many_tasks_loads(project: Path) -> None:
    path = project / "pipelines" / "p.yaml"
    tasks = "".join(
        f"  - name: t{i}\n    notebook: notebooks/did.py\n"
        f"    parameters:\n      <<: *common\n      year: {2000 + i}\n"
        for i in range(200)
    )
    head = "name: p\ndefaults: &common {outcome: Rate, unit: State, time: Year}\ntasks:\n"
    path.write_text(head + tasks, encoding="utf-8")
    spec = load_spec(path)
    assert len(spec.tasks) == 200
    assert spec.tasks[-1].parameters == {
        "outcome": "Rate",
        "unit": "State",
        "time": "Year",
        "year": 2199,
    }


# --- keys given twice ---------------------------------------------------------------------------
def test_a_catalog_entry_with_sha256_twice_is_an_error(tmp_path: Path) -> None:
    _catalog(tmp_path, DUPLICATE_SHA)
    with pytest.raises(
        CatalogError,
        match=r"^catalog '.*mine\.yaml', line 9: key 'sha256' appears twice \(also on line 8\); "
        r"YAML would silently keep the last one\. Remove one of them\.$",
    ):
        open_catalog(tmp_path / "catalogs")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DUPLICATE_SHA, r"line 9: key 'sha256' appears twice \(also on line 8\)"),
        (ENTRY + "    metadata:\n" + _laughs(6), BOMB),
    ],
    ids=["duplicate-key", "billion-laughs"],
)
def test_catalog_list_says_what_is_wrong_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    _catalog(tmp_path, text)
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(tmp_path / "catalogs"))
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["catalog", "list"], prog_name="ebpm")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: catalog ")
    assert re.search(message, line), line


def test_a_billion_laughs_parameter_value_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``-p`` value is read as YAML too: the same budget applies, at once."""
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    bomb = "{" + _laughs(0).replace("\n", ", ").rstrip(", ") + "}"
    result = CliRunner().invoke(
        main, ["run", str(project / "pipelines" / "p.yaml"), "-p", "x", bomb], prog_name="ebpm"
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert re.search(r"x=.* is not a YAML scalar: .*billion laughs", result.output), result.output
