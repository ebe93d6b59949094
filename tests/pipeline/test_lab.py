"""Tests of :mod:`ebpm.pipeline.lab`: scratch copies of a task's notebook (issue 19).

A small project of its own: ``notebooks/tiny.py`` declares typed parameters (one that looks
like a secret) and ``pipelines/p.yaml`` runs it as a grid of two tasks and as a single task.
One test runs the pipeline with a real kernel and compares what papermill injected with what
the scratch copy injects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from ebpm.errors import ParameterError, SpecError
from ebpm.pipeline.check import check_paths
from ebpm.pipeline.lab import (
    INJECTED_TAG,
    SCRATCH,
    SETUP_TAG,
    ScratchExistsError,
    find_task,
    lab_command,
    make_scratch_copy,
    scratch_path,
)
from ebpm.pipeline.spec import load_spec
from tests.conftest import ROOT

NOTEBOOK = """\
# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# A notebook for the scratch-copy tests.

# %% tags=["parameters"]
from typing import Literal

value: float = 1.0  # a number
code: str = "00000"  # an area code
items: tuple[int, ...] = ()  # some numbers
mode: Literal["ok", "sleep"] = "ok"  # what to do
label: str = "x"  # a label
api_token: str = ""  # read from the environment, never a parameter

# %%
print(value, code, items, mode, label)
"""

SPEC = """\
name: p
defaults: {label: d}
tasks:
  - name: grid
    notebook: notebooks/tiny.py
    parameters: {value: 2, code: 13101, items: [1, 2], api_token: ""}
    grid: {mode: [ok, sleep]}
    output: "grid-{mode}"
  - name: single
    notebook: notebooks/tiny.py
    parameters: {value: 0.5}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "pipelines").mkdir()
    (root / "notebooks" / "tiny.py").write_text(NOTEBOOK, encoding="utf-8")
    (root / "pipelines" / "p.yaml").write_text(SPEC, encoding="utf-8")
    return root


def _cells(path: Path) -> list[Any]:
    return list(nbformat.read(path, as_version=4).cells)


def _tagged(path: Path, tag: str) -> Any:
    (cell,) = [c for c in _cells(path) if tag in c.metadata.get("tags", [])]
    return cell


def _values(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    namespace.pop("__builtins__")
    return namespace


# --- which task ------------------------------------------------------------------------------
def test_a_task_is_found_by_its_output_name_or_its_spec_name(project: Path) -> None:
    spec, task = find_task("grid-sleep", project / "pipelines" / "p.yaml")
    assert (spec.name, task.name, task.group) == ("p", "grid-sleep", "grid")
    _, task = find_task("single", root=project)  # the project's specs, searched
    assert task.name == "single"


def test_a_grid_name_lists_its_tasks(project: Path) -> None:
    with pytest.raises(ParameterError, match=r"'grid' is a grid of 2 tasks: grid-ok, grid-sleep"):
        find_task("grid", project / "pipelines" / "p.yaml")


def test_an_unknown_task_names_a_close_match_and_the_tasks(project: Path) -> None:
    with pytest.raises(
        ParameterError,
        match=r"task 'singel' is not in pipelines/p\.yaml\. Did you mean 'single'\? "
        r"Tasks: grid-ok, grid-sleep, single\.",
    ):
        find_task("singel", project / "pipelines" / "p.yaml")


def test_a_task_in_two_pipelines_asks_which(project: Path) -> None:
    (project / "pipelines" / "q.yaml").write_text(SPEC.replace("name: p", "name: q"), "utf-8")
    with pytest.raises(ParameterError, match=r"'single' is in 2 pipelines: pipelines/p\.yaml, "):
        find_task("single", root=project)
    assert find_task("single", project / "pipelines" / "q.yaml")[0].name == "q"


def test_a_project_without_specs_says_to_name_one(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"no pipeline spec in .*; give the spec"):
        find_task("single", root=tmp_path)


def test_a_missing_spec_is_a_spec_error(project: Path) -> None:
    with pytest.raises(SpecError, match=r"'.*nope\.yaml' does not exist\. Did you mean 'p\.yaml'"):
        find_task("single", project / "pipelines" / "nope.yaml")


def test_a_broken_spec_elsewhere_does_not_stop_lab(project: Path) -> None:
    (project / "pipelines" / "broken.yaml").write_text("name: [unclosed\n", "utf-8")
    spec, task = find_task("single", root=project)
    assert (spec.name, task.name) == ("p", "single")
    with pytest.raises(
        ParameterError,
        match=r"task 'nope' is not in .*broken\.yaml could not be read, so its tasks were not "
        r"searched",
    ):
        find_task("nope", root=project)


def test_only_broken_specs_give_their_own_error(tmp_path: Path) -> None:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "broken.yaml").write_text("name: [unclosed\n", "utf-8")
    with pytest.raises(SpecError, match=r"broken\.yaml"):
        find_task("single", root=tmp_path)


# --- the copy --------------------------------------------------------------------------------
def test_the_copy_goes_to_scratch_with_a_bilingual_note(project: Path) -> None:
    copy = make_scratch_copy("grid-ok", project / "pipelines" / "p.yaml")
    assert copy.path == project / SCRATCH / "p" / "grid-ok.ipynb"
    assert copy.path == scratch_path(copy.spec, copy.task)
    cells = _cells(copy.path)
    note = cells[0]
    assert note.cell_type == "markdown"
    assert "Scratch copy" in note.source
    assert "作業用コピー" in note.source
    for words in ("notebooks/tiny.py", "grid-ok", "pipelines/p.yaml", "change nothing"):
        assert words in note.source
    tags = [c.metadata.get("tags", []) for c in cells]
    # the note, the notebook's own cells with the injected ones right after its parameters cell
    assert tags[2:5] == [["parameters"], [INJECTED_TAG], [SETUP_TAG]]
    assert [c.source for c in cells[1:3] + cells[5:]] == [
        c.source for c in nbformat.reads(_as_ipynb(project), as_version=4).cells
    ]
    nb = nbformat.read(copy.path, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"  # what `ebpm run` runs it on
    assert "jupytext" not in nb.metadata  # not paired with a .py
    assert nb.metadata.ebpm == {
        "scratch_of": "notebooks/tiny.py",
        "pipeline": "p",
        "task": "grid-ok",
    }


def _as_ipynb(project: Path) -> str:
    import jupytext

    return nbformat.writes(jupytext.read(project / "notebooks" / "tiny.py"))


def test_the_injected_values_are_the_tasks_resolved_and_coerced(project: Path) -> None:
    copy = make_scratch_copy(
        "grid-sleep", project / "pipelines" / "p.yaml", parameters={"value": 7}
    )
    values = _values(_tagged(copy.path, INJECTED_TAG).source)
    # spec defaults, the task's parameters, its grid value and the override, coerced as in a run
    assert values == {
        "value": 7.0,
        "code": "13101",
        "items": (1, 2),
        "mode": "sleep",
        "label": "d",
    }
    assert isinstance(values["value"], float)
    assert copy.parameters == values


def test_the_setup_cell_moves_the_kernel_to_the_project_root(project: Path) -> None:
    copy = make_scratch_copy("single", root=project)
    assert f"os.chdir({str(copy.spec.root)!r})" in _tagged(copy.path, SETUP_TAG).source


def test_secret_looking_parameters_are_never_written(project: Path) -> None:
    copy = make_scratch_copy("grid-ok", project / "pipelines" / "p.yaml")
    assert copy.left_out == ("api_token",)
    assert "api_token" not in copy.parameters
    assert "api_token" not in _tagged(copy.path, INJECTED_TAG).source
    assert "`api_token`" in _cells(copy.path)[0].source  # the note says it was left out


def test_a_secret_value_is_refused_as_ebpm_run_refuses_it(project: Path) -> None:
    spec = project / "pipelines" / "p.yaml"
    with pytest.raises(ParameterError, match=r"parameter 'api_token' looks like a secret"):
        make_scratch_copy("single", spec, parameters={"api_token": "abc123"})
    assert not (project / SCRATCH).exists()


def test_a_bad_parameter_is_refused_before_anything_is_written(project: Path) -> None:
    spec = project / "pipelines" / "p.yaml"
    with pytest.raises(ParameterError, match=r"'vlaue' given with -p .* mean one of 'value'"):
        make_scratch_copy("single", spec, parameters={"vlaue": 1})
    with pytest.raises(ParameterError, match=r"'mode' = 'slep' is not one of 'ok', 'sleep'"):
        make_scratch_copy("single", spec, parameters={"mode": "slep"})
    assert not (project / SCRATCH).exists()


def test_an_existing_copy_is_kept_unless_forced(project: Path) -> None:
    spec = project / "pipelines" / "p.yaml"
    copy = make_scratch_copy("single", spec)
    copy.path.write_text("my work", encoding="utf-8")
    with pytest.raises(
        ScratchExistsError,
        match=r"scratch/p/single\.ipynb already exists and may hold your work; .*"
        r"`ebpm lab single pipelines/p\.yaml --force`",
    ):
        make_scratch_copy("single", spec)
    assert copy.path.read_text(encoding="utf-8") == "my work"
    assert issubclass(ScratchExistsError, FileExistsError)
    make_scratch_copy("single", spec, force=True)
    assert INJECTED_TAG in copy.path.read_text(encoding="utf-8")


def test_the_lab_command_serves_the_project_and_opens_the_copy(project: Path) -> None:
    copy = make_scratch_copy("single", root=project)
    cmd = lab_command(copy, browser=False)
    assert cmd[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={copy.spec.root}" in cmd
    assert "scratch/p/single.ipynb" in cmd
    assert "--no-browser" in cmd
    assert "--no-browser" not in lab_command(copy)


# --- pipelines never read it -----------------------------------------------------------------
def test_the_scratch_folder_is_no_input_of_any_task(project: Path) -> None:
    make_scratch_copy("single", root=project)
    (project / SCRATCH / "p" / "broken.ipynb").write_text("not a notebook", encoding="utf-8")
    spec = load_spec(project / "pipelines" / "p.yaml")
    assert all(SCRATCH not in t.notebook.relative_to(project).parts for t in spec.tasks)
    # `ebpm check` of the whole project reads pipelines/, catalogs/ and notebooks/ only
    assert [p for p in check_paths([project], root=project) if SCRATCH in str(p)] == []
    for path in ROOT.joinpath("pipelines").glob("*.yaml"):
        real = load_spec(path)
        assert all(SCRATCH not in t.notebook.relative_to(real.root).parts for t in real.tasks)


def test_the_scratch_folder_is_ignored_by_git() -> None:
    lines = ROOT.joinpath(".gitignore").read_text(encoding="utf-8").splitlines()
    assert f"/{SCRATCH}/" in lines


@pytest.mark.slow
def test_the_copy_injects_what_ebpm_run_injects(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ebpm.pipeline.runner import run_pipeline

    monkeypatch.setenv("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
    spec = project / "pipelines" / "p.yaml"
    overrides = {"label": "from -p"}
    result = run_pipeline(spec, out_dir=tmp_path / "out", parameters=overrides, jobs=2)
    assert result.ok, [t.reason for t in result.tasks]
    for name in ("grid-ok", "grid-sleep", "single"):
        executed = result.run_dir / f"{name}.ipynb"
        ran = _values(_tagged(executed, INJECTED_TAG).source)
        copy = make_scratch_copy(name, spec, parameters=overrides)
        mine = _values(_tagged(copy.path, INJECTED_TAG).source)
        # a tuple is injected as a tuple by both (papermill alone would write a string)
        assert "items" not in mine or isinstance(ran["items"], tuple)
        assert mine == {k: v for k, v in ran.items() if k != "api_token"}, name
