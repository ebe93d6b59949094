"""Tests of ebpm.pipeline.check: every spec, catalog and notebook problem, nothing executed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ebpm.pipeline.check import Problem, check_paths
from tests.conftest import FIXTURES, ROOT

REPO = ROOT

NOTEBOOK = """\
# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
dataset: str = "studies.prop99"  # catalog entry
outcome: str = None  # outcome column (required)
conf_level: float = 0.95  # confidence level
years: list[int] = [1989]  # treated years

# %%
raise RuntimeError("check_paths must never execute a notebook")
"""

CATALOG = """\
entries:
  prop99:
    reader: ebpm.catalog.readers:PackageCSV
    kwargs: {package: causaldata, resource: prop99.csv}
  organ_donations:
    reader: ebpm.catalog.readers:PackageCSV
    kwargs: {package: causaldata, resource: organ.csv}
"""

GOOD_SPEC = """\
name: good
tasks:
  - name: prop99
    notebook: notebooks/nb.py
    parameters:
      dataset: studies.prop99
      outcome: PacksPerCapita
      conf_level: 1
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a spec, a notebook (which raises if executed) and a catalog."""
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    for folder in ("pipelines", "notebooks", "catalogs"):
        (tmp_path / folder).mkdir()
    (tmp_path / "notebooks" / "nb.py").write_text(NOTEBOOK, encoding="utf-8")
    (tmp_path / "catalogs" / "studies.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "pipelines" / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    return tmp_path


def _write(project: Path, rel: str, text: str) -> Path:
    path = project / rel
    path.write_text(text, encoding="utf-8")
    return path


def _task(parameters: str, name: str = "t") -> str:
    return f"name: p\ntasks:\n  - name: {name}\n    notebook: notebooks/nb.py\n{parameters}"


# --- a clean project --------------------------------------------------------------------------
def test_a_clean_project_has_no_problems(project: Path) -> None:
    assert check_paths(root=project) == []
    assert check_paths(["."], root=project) == []
    assert check_paths([project], root=project) == []


def test_problem_reads_path_line_message() -> None:
    problem = Problem("pipelines/p.yaml", 14, "task 'x': bad", "error")
    assert str(problem) == "pipelines/p.yaml, line 14: task 'x': bad"
    assert str(Problem("catalogs/a.yaml", None, "broken", "warning")) == "catalogs/a.yaml: broken"


# --- specs ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("parameters", "line", "message"),
    [
        pytest.param(
            "    parameters:\n      outcome: Rate\n      outcom: Rate\n",
            7,
            "task 't': parameter 'outcom' is not in nb.py's parameters cell. Did you mean "
            "'outcome'? Fix the name in line 7, or declare it in nb.py's parameters cell.",
            id="unknown name",
        ),
        pytest.param(
            "    parameters:\n      outcome: Rate\n      conf_level: high\n",
            7,
            "task 't': parameter 'conf_level' = 'high' is a str, but nb.py declares `conf_level: "
            "float`; "
            "fix the value in line 7.",
            id="wrong type",
        ),
        pytest.param(
            "    parameters:\n      outcome: Rate\n      years: [1989, '1990']\n",
            7,
            "task 't': parameter 'years' = [1989, '1990']: element 1 ('1990') is a str, not an "
            "int; nb.py "
            "declares `years: list[int]`. Fix the value in line 7.",
            id="element type",
        ),
        pytest.param(
            "    parameters:\n      conf_level: 0.9\n",
            3,
            "task 't': parameter 'outcome' is required by nb.py (outcome column (required)) but "
            "not given; add `outcome: ...` to the task's parameters in this spec.",
            id="missing",
        ),
        pytest.param(
            "    parameters:\n      outcome: Rate\n      dataset: studies.prop9\n",
            7,
            "task 't': `dataset` = 'studies.prop9' is not an entry of the catalogs in catalogs. "
            "Did you mean 'studies.prop99'? See `ebpm catalog list`, or add the entry to a "
            "catalog file.",
            id="unknown dataset",
        ),
        pytest.param(
            "    parameters:\n      outcome: Rate\n      dataset: organ_donations\n",
            7,
            "task 't': `dataset` = 'organ_donations' is not an entry of the catalogs in catalogs. "
            "Did you mean 'studies.organ_donations'?",
            id="dataset without namespace",
        ),
    ],
)
def test_task_parameter_problems_point_at_their_line(
    project: Path, parameters: str, line: int, message: str
) -> None:
    _write(project, "pipelines/p.yaml", _task(parameters))
    problems = check_paths(root=project)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert (problem.path, problem.line, problem.level) == ("pipelines/p.yaml", line, "error")
    assert problem.message.startswith(message), problem.message


def test_a_parameter_ending_in_dataset_names_a_catalog_entry_too(project: Path) -> None:
    notebook = NOTEBOOK.replace(
        "years: list[int]",
        "control_dataset: str | None = None  # comparison data\nyears: list[int]",
    )
    _write(project, "notebooks/nb.py", notebook)
    spec = _task("    parameters:\n      outcome: Rate\n      control_dataset: studies.organs\n")
    _write(project, "pipelines/p.yaml", spec)
    (problem,) = check_paths(["pipelines/p.yaml"], root=project)
    assert problem.line == 7
    assert problem.message.startswith("task 't': `control_dataset` = 'studies.organs' is not an")


def test_a_broken_spec_is_reported_and_the_others_still_checked(project: Path) -> None:
    _write(
        project,
        "pipelines/a.yaml",
        "name: a\ntasks:\n  - notebook: notebooks/nb.py\n    timout: 5\n",
    )
    _write(project, "pipelines/b.yaml", _task("    parameters: {outcom: Rate}\n"))
    problems = check_paths(root=project)
    assert [(p.path, p.line) for p in problems] == [
        ("pipelines/a.yaml", 4),
        ("pipelines/b.yaml", 5),
        ("pipelines/b.yaml", 3),
    ]
    assert problems[0].message.startswith(
        "task 'nb': unknown key 'timout'. Did you mean 'timeout'? Allowed keys: "
    )
    assert "parameter 'outcom' is not in nb.py's" in problems[1].message
    assert "parameter 'outcome' is required by nb.py" in problems[2].message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param("name: p\ntasks: [\n", 3, "not valid YAML: ", id="yaml"),
        pytest.param(
            "name: p\nschedule: '0 25 * * *'\ntasks:\n  - notebook: notebooks/nb.py\n",
            2,
            "schedule '0 25 * * *' is not a valid cron expression: hour '25' is not valid",
            id="cron",
        ),
        pytest.param(
            "name: p\ntasks:\n  - notebook: notebooks/nbb.py\n",
            3,
            "task 'nbb': notebook 'notebooks/nbb.py' does not exist under",
            id="notebook",
        ),
    ],
)
def test_spec_errors_become_problems(project: Path, text: str, line: int, message: str) -> None:
    _write(project, "pipelines/p.yaml", text)
    (problem,) = check_paths(["pipelines/p.yaml"], root=project)
    assert (problem.path, problem.line) == ("pipelines/p.yaml", line)
    assert problem.message.startswith(message), problem.message


def test_a_problem_shared_by_a_grid_is_reported_once_for_the_spec_task(project: Path) -> None:
    spec = _task(
        "    parameters: {outcome: Rate, outcom: x}\n    grid:\n      conf_level: [0.9, bad]\n",
        name="g",
    )
    _write(project, "pipelines/p.yaml", spec)
    problems = check_paths(root=project)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (5, "task 'g'"),  # the shared unknown name, once
        (7, "task 'g-bad'"),  # the one grid value that is wrong
    ]


def test_a_notebook_without_parameters_cell_is_reported_at_the_task(project: Path) -> None:
    _write(project, "notebooks/plain.py", "# %%\nx = 1\n")
    _write(project, "pipelines/p.yaml", "tasks:\n  - notebook: notebooks/plain.py\n")
    (problem,) = check_paths(["pipelines/p.yaml"], root=project)
    assert (problem.path, problem.line) == ("pipelines/p.yaml", 2)
    assert problem.message.startswith(
        "task 'plain': notebook notebooks/plain.py cannot be checked: plain.py: no cell is tagged "
        "'parameters'"
    )


# --- catalogs ---------------------------------------------------------------------------------
def test_a_broken_catalog_file_names_its_line(project: Path) -> None:
    broken = CATALOG.replace("resource: organ.csv}", "resource: organ.csv, sha265: abc}")
    _write(project, "catalogs/studies.yaml", broken)
    _write(project, "catalogs/world.yaml", "entries:\n  gdp: {reader: nowhere:Reader}\n")
    problems = check_paths(["catalogs"], root=project)
    assert [(p.path, p.line) for p in problems] == [
        ("catalogs/studies.yaml", 5),
        ("catalogs/world.yaml", 2),
    ]
    assert problems[0].message.startswith(
        "entry 'organ_donations': ebpm.catalog.readers:PackageCSV does not take kwargs "
        "['sha265']. Did you mean 'sha256'?"
    )
    assert problems[1].message.startswith("entry 'gdp': reader 'nowhere:Reader' cannot be imported")


def test_datasets_of_a_broken_catalog_file_are_not_reported_twice(project: Path) -> None:
    _write(project, "catalogs/studies.yaml", "entries: [a, b]\n")
    problems = check_paths(["pipelines", "catalogs"], root=project)
    assert [(p.path, p.message) for p in problems] == [
        ("catalogs/studies.yaml", "section `entries` must be a mapping"),
    ]


def test_catalog_yaml_syntax_error(project: Path) -> None:
    _write(project, "catalogs/studies.yaml", "entries:\n  a: [\n")
    (problem,) = check_paths(["catalogs/studies.yaml"], root=project)
    assert problem.path == "catalogs/studies.yaml"
    assert problem.line == 3
    assert "is not valid YAML at line 3" in problem.message


# --- notebooks --------------------------------------------------------------------------------
def test_notebook_parameters_cell_that_does_not_parse_names_the_file_line(project: Path) -> None:
    _write(
        project, "notebooks/nb.py", NOTEBOOK.replace("conf_level: float = 0.95", "conf_level: =")
    )
    (problem,) = check_paths(["notebooks"], root=project)
    assert (problem.path, problem.line, problem.level) == ("notebooks/nb.py", 17, "error")
    assert problem.message.startswith("the parameters cell does not parse at line 3")


def test_notebook_default_must_fit_its_own_annotation(project: Path) -> None:
    _write(
        project,
        "notebooks/nb.py",
        NOTEBOOK.replace("years: list[int] = [1989]", "years: list[int] = ['x']"),
    )
    (problem,) = check_paths(["notebooks/nb.py"], root=project)
    assert (problem.line, problem.level) == (18, "error")
    assert problem.message == (
        "parameter 'years': the default ['x'] does not fit its own annotation `list[int]` "
        "(element 0 ('x') is a str, not an int); fix the default or the annotation"
    )


def test_notebook_warnings_for_untyped_or_unexplained_parameters(project: Path) -> None:
    _write(
        project,
        "notebooks/nb.py",
        NOTEBOOK.replace("conf_level: float = 0.95  # confidence level", "conf_level = 0.95"),
    )
    problems = check_paths(["notebooks"], root=project)
    assert [(p.line, p.level) for p in problems] == [(17, "warning"), (17, "warning")]
    assert problems[0].message == (
        "parameter 'conf_level' has no type annotation, so values given for it are not checked; "
        "write `conf_level: float = ...`"
    )
    assert problems[1].message.startswith("parameter 'conf_level' has no comment")


def test_a_notebook_without_a_parameters_cell(project: Path) -> None:
    _write(project, "notebooks/plain.py", "# %%\nx = 1\n")
    (problem,) = check_paths(["notebooks"], root=project)
    assert (problem.path, problem.line) == ("notebooks/plain.py", None)
    assert problem.message.startswith("no cell is tagged 'parameters'; tag the first code cell")


# --- paths ------------------------------------------------------------------------------------
def test_missing_path_with_a_close_match(project: Path) -> None:
    (problem,) = check_paths(["pipeline"], root=project)
    assert (problem.path, problem.level) == ("pipeline", "error")
    assert problem.message == "does not exist. Did you mean 'pipelines'?"


def test_a_file_that_is_nothing_ebpm_reads_is_a_warning(project: Path) -> None:
    _write(project, "notes.txt", "hello")
    (problem,) = check_paths(["notes.txt"], root=project)
    assert problem.level == "warning"
    assert problem.message.startswith("is not a pipeline spec (.yaml), a catalog")


# --- the real repository ----------------------------------------------------------------------
def test_the_repo_pipelines_have_no_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    assert check_paths(["pipelines"], root=REPO) == []


def test_the_repo_catalogs_and_notebooks_have_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    problems = check_paths(["catalogs", "notebooks"], root=REPO)
    assert [p for p in problems if p.level == "error"] == []


# --- policies' logic models (pipelines/policies/) ---------------------------------------------
def _policy(project: Path, name: str) -> Path:
    text = (FIXTURES / "kpi" / name).read_text(encoding="utf-8")
    (project / "pipelines" / "policies").mkdir(exist_ok=True)
    # the fixtures' evidence names pipeline "demo"; this project's pipeline is "good"
    text = text.replace(
        "pipeline: demo, task: prop99_synthetic_control", "pipeline: good, task: prop99"
    )
    return _write(project, f"pipelines/policies/{name}", text)


def test_a_policy_file_is_checked_as_a_logic_model_not_as_a_spec(project: Path) -> None:
    _policy(project, "good.yaml")
    assert check_paths(root=project) == []
    assert check_paths(["pipelines/policies/good.yaml"], root=project) == []


def test_every_problem_of_a_policy_file_is_reported_with_its_line(project: Path) -> None:
    _policy(project, "bad_cycle.yaml")
    problems = check_paths(["pipelines"], root=project)
    assert [p.path for p in problems] == ["pipelines/policies/bad_cycle.yaml"]
    (cycle,) = problems
    assert cycle.level == "error"
    assert cycle.line == 28
    assert cycle.message.startswith("links go round in a circle: campaign → schools → campaign")


def test_a_policy_naming_an_unknown_evaluation_is_reported(project: Path) -> None:
    path = _policy(project, "good.yaml")
    path.write_text(
        path.read_text(encoding="utf-8").replace("task: prop99}", "task: prop98}"),
        encoding="utf-8",
    )
    (problem,) = check_paths(root=project)
    assert problem.path == "pipelines/policies/good.yaml"
    assert "prop98" in problem.message
    assert "prop99" in problem.message  # the close match


# --- columns the dataset declares (issue 19) ---------------------------------------------------
DECLARED = CATALOG.replace(
    "    kwargs: {package: causaldata, resource: prop99.csv}\n",
    "    kwargs: {package: causaldata, resource: prop99.csv}\n"
    "    metadata:\n"
    "      columns: {State: unit, Year: time, PacksPerCapita: outcome, treated: treatment}\n",
)


def test_a_column_the_dataset_does_not_declare_is_caught_with_a_close_match(
    project: Path,
) -> None:
    _write(project, "catalogs/studies.yaml", DECLARED)
    spec = _task("    parameters:\n      dataset: studies.prop99\n      outcome: PacksPerCapit\n")
    _write(project, "pipelines/p.yaml", spec)
    (problem,) = check_paths(["pipelines/p.yaml"], root=project)
    assert problem.line == 7
    assert problem.message == (
        "task 't': `outcome` = 'PacksPerCapit' is not a column of studies.prop99 (its catalog "
        "entry declares 'State', 'Year', 'PacksPerCapita', 'treated'). Did you mean "
        "'PacksPerCapita'? See `ebpm catalog show studies.prop99`."
    )


def test_columns_are_not_checked_where_nothing_is_declared_or_a_notebook_derives_them(
    project: Path,
) -> None:
    # the prop99 entry of CATALOG declares no columns: any outcome passes
    spec = _task("    parameters:\n      dataset: studies.prop99\n      outcome: anything\n")
    _write(project, "pipelines/p.yaml", spec)
    assert check_paths(["pipelines/p.yaml"], root=project) == []
    # a parameter that is not a column role (here `group`) may name a column the notebook
    # makes itself
    _write(project, "catalogs/studies.yaml", DECLARED)
    notebook = NOTEBOOK.replace(
        "years: list[int]", 'group: str = "region"  # column for a summary\nyears: list[int]'
    )
    _write(project, "notebooks/nb.py", notebook)
    spec = _task(
        "    parameters:\n      dataset: studies.prop99\n      outcome: PacksPerCapita\n"
        "      group: region\n"
    )
    _write(project, "pipelines/p.yaml", spec)
    assert check_paths(["pipelines/p.yaml"], root=project) == []


# --- the notebook's own defaults, and TODOs ---------------------------------------------------
def test_a_misspelt_dataset_in_the_notebooks_default_is_caught(project: Path) -> None:
    _write(project, "notebooks/nb.py", NOTEBOOK.replace('"studies.prop99"', '"studies.prop9"'))
    spec = _write(project, "pipelines/p.yaml", _task("    parameters: {outcome: y}\n"))
    (problem,) = [p for p in check_paths([spec], root=project) if p.level == "error"]
    assert problem.line == 3  # the task: the value is not in the spec
    assert problem.message.startswith(
        "task 't': `dataset` = 'studies.prop9' (the default in notebooks/nb.py) is not an entry "
        "of the catalogs in catalogs. Did you mean 'studies.prop99'?"
    )


def test_a_value_still_saying_todo_is_an_error_wherever_it_is_given(project: Path) -> None:
    _write(project, "notebooks/nb.py", NOTEBOOK.replace("str = None", 'str = "TODO"'))
    spec = _write(
        project,
        "pipelines/p.yaml",
        _task("    parameters: {dataset: TODO fill in}\n"),
    )
    errors = [(p.line, p.message) for p in check_paths([spec], root=project)]
    assert errors == [
        (
            5,
            "task 't': `dataset` still says 'TODO fill in'; fill it in (the comment beside it "
            "says what it should be)",
        ),
        (
            3,
            "task 't': `outcome` still says 'TODO' (the default in notebooks/nb.py); fill it in "
            "(the comment beside it says what it should be)",
        ),
    ]


def test_a_policy_line_still_saying_todo_is_listed(project: Path) -> None:
    (project / "pipelines" / "policies").mkdir()
    policy = _write(
        project,
        "pipelines/policies/x.yaml",
        "title: X\nowner: TODO  # the ministry\nnodes:\n"
        '  - {id: a, kind: activity, label: "TODO"}\n  - id: b\n    kind: impact\n'
        "    label: fine # not TODO\n",
    )
    problems = [(p.line, p.message) for p in check_paths([policy], root=project)]
    assert problems == [
        (
            2,
            "`owner` still says TODO; fill it in (the comment beside it or above says what it "
            "should be)",
        ),
        (
            4,
            "`label` still says TODO; fill it in (the comment beside it or above says what it "
            "should be)",
        ),
    ]


def test_a_value_that_merely_starts_with_todo_is_not_a_placeholder(project: Path) -> None:
    spec = _write(
        project,
        "pipelines/p.yaml",
        _task('    parameters: {dataset: studies.prop99, outcome: "Todoroki ward"}\n'),
    )
    assert [p for p in check_paths([spec], root=project) if p.level == "error"] == []
