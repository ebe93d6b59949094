"""Tests of ebpm.pipeline.spec: parsing, grid expansion, output names, slug and every SpecError."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ebpm.errors import PipelineError, SpecError
from ebpm.pipeline.spec import PipelineSpec, Task, load_spec, slug

REPO = Path(__file__).parent.parent
DEMO = REPO / "pipelines" / "demo.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with ``pipelines/`` and two (never executed) notebooks."""
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "did.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    (tmp_path / "notebooks" / "rdd.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    return tmp_path


def _spec(project: Path, text: str, name: str = "p.yaml") -> Path:
    path = project / "pipelines" / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the demo spec -----------------------------------------------------------------------------
def test_demo_spec_expands_its_tasks() -> None:
    raw = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    spec = load_spec(DEMO)
    assert isinstance(spec, PipelineSpec)
    assert spec.name == "demo"
    assert spec.path == DEMO.resolve()
    assert spec.root == REPO.resolve()
    assert spec.description == " ".join(raw["description"].split())
    assert spec.schedule is None
    assert all(t.notebook.parent == REPO.resolve() / "notebooks" for t in spec.tasks)
    assert all(t.notebook.is_file() for t in spec.tasks)

    # one task per spec entry without a grid, one per grid combination otherwise
    def combinations(grid) -> int:
        if isinstance(grid, list):  # a list of parameter sets
            return len(grid)
        return len(next(iter(grid.values())))  # the demo's dict grids have one key

    expected = sum(combinations(t["grid"]) if t.get("grid") else 1 for t in raw["tasks"])
    assert expected >= 7  # one task per research design at least
    assert len(spec.tasks) == expected
    assert len({t.name for t in spec.tasks}) == len(spec.tasks)
    organ = spec.tasks[0]
    assert (organ.name, organ.group) == ("organ_donations", "organ_donations")
    assert organ.parameters == raw["tasks"][0]["parameters"]
    assert organ.timeout is None
    prop99 = [t for t in spec.tasks if t.group == "prop99"]
    assert prop99
    for task in prop99:
        assert task.group == "prop99"
        assert task.parameters["outcome"] == "PacksPerCapita"
        assert task.parameters["time"] == "Year"
        # the grid's parameter is in the output name, so every report has its own file
        (key,) = raw["tasks"][1]["grid"]
        assert str(task.parameters[key]) in task.name


def test_spec_outside_a_pipelines_folder_has_its_own_folder_as_root(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text("x = 1\n", encoding="utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text("tasks:\n  - notebook: nb.py\n", encoding="utf-8")
    spec = load_spec(path)
    assert spec.root == tmp_path.resolve()
    assert spec.tasks[0].notebook == tmp_path.resolve() / "nb.py"


# --- defaults, names, parameters --------------------------------------------------------------
def test_name_and_group_default_to_file_and_notebook_stems(project: Path) -> None:
    spec = load_spec(_spec(project, "tasks:\n  - notebook: notebooks/did.py\n", "weekly.yaml"))
    assert spec.name == "weekly"
    assert spec.tasks == (
        Task(
            name="did",
            group="did",
            notebook=project.resolve() / "notebooks" / "did.py",
            parameters={},
        ),
    )


def test_task_parameters_override_defaults_and_grid_overrides_both(project: Path) -> None:
    text = """
name: p
description: "  padded description  "
schedule: "0 6 * * 1"
defaults: {conf_level: 0.9, outcome: Rate, cluster: State}
tasks:
  - name: t
    notebook: notebooks/did.py
    description: the only task
    timeout: 30
    parameters: {outcome: Sales, cluster: Region}
    grid: {cluster: [County]}
    output: "{task}"
"""
    spec = load_spec(_spec(project, text))
    assert spec.description == "padded description"
    assert spec.schedule == "0 6 * * 1"
    assert spec.defaults == {"conf_level": 0.9, "outcome": "Rate", "cluster": "State"}
    (task,) = spec.tasks
    assert task.parameters == {"conf_level": 0.9, "outcome": "Sales", "cluster": "County"}
    assert task.timeout == 30.0
    assert isinstance(task.timeout, float)
    assert task.description == "the only task"


def test_tasks_do_not_share_parameter_dicts(project: Path) -> None:
    text = """
defaults: {a: 1}
tasks:
  - {name: x, notebook: notebooks/did.py}
  - {name: y, notebook: notebooks/did.py}
"""
    x, y = load_spec(_spec(project, text)).tasks
    x.parameters["a"] = 99
    assert y.parameters == {"a": 1}


# --- grids and output names -------------------------------------------------------------------
def test_grid_mapping_runs_every_combination_in_order(project: Path) -> None:
    text = """
tasks:
  - name: did
    notebook: notebooks/did.py
    parameters: {outcome: Rate}
    grid: {dataset: [a, b], cluster: [State, Region, 3]}
"""
    spec = load_spec(_spec(project, text))
    assert [t.name for t in spec.tasks] == [
        "did-a-State",
        "did-a-Region",
        "did-a-3",
        "did-b-State",
        "did-b-Region",
        "did-b-3",
    ]
    assert {t.group for t in spec.tasks} == {"did"}
    assert spec.tasks[2].parameters == {"outcome": "Rate", "dataset": "a", "cluster": 3}


def test_grid_list_of_parameter_sets(project: Path) -> None:
    text = """
tasks:
  - name: did
    notebook: notebooks/did.py
    grid:
      - {dataset: studies.prop99, outcome: PacksPerCapita}
      - {dataset: studies.organ_donations, outcome: Rate}
    output: "{dataset}"
"""
    spec = load_spec(_spec(project, text))
    assert [t.name for t in spec.tasks] == ["studies.prop99", "studies.organ_donations"]
    assert spec.tasks[1].parameters == {"dataset": "studies.organ_donations", "outcome": "Rate"}


def test_single_item_grid_keeps_the_task_name(project: Path) -> None:
    text = "tasks:\n  - {name: did, notebook: notebooks/did.py, grid: {dataset: [a]}}\n"
    (task,) = load_spec(_spec(project, text)).tasks
    assert task.name == "did"
    assert task.parameters == {"dataset": "a"}


def test_output_template_can_use_task_defaults_and_is_slugged(project: Path) -> None:
    text = """
defaults: {region: "Tokyo / 東京"}
tasks:
  - name: est
    notebook: notebooks/did.py
    grid: {year: [2020, 2021]}
    output: "{task} {region} {year}"
"""
    spec = load_spec(_spec(project, text))
    assert [t.name for t in spec.tasks] == ["est-Tokyo-東京-2020", "est-Tokyo-東京-2021"]


def test_same_output_name_in_two_tasks_is_a_collision(project: Path) -> None:
    text = """
tasks:
  - notebook: notebooks/did.py
  - notebook: notebooks/did.py
"""
    with pytest.raises(
        SpecError, match=r"output name 'did' is produced twice \(also by task 'did'\)"
    ):
        load_spec(_spec(project, text))


def test_grid_values_that_slug_to_the_same_name_collide(project: Path) -> None:
    text = """
tasks:
  - name: did
    notebook: notebooks/did.py
    grid: {dataset: ["a b", "a/b"]}
"""
    with pytest.raises(SpecError, match=r"'did-a-b' is produced twice.*output: \"\{task\}-"):
        load_spec(_spec(project, text))


def test_output_template_without_the_varying_parameter_collides(project: Path) -> None:
    text = """
tasks:
  - name: did
    notebook: notebooks/did.py
    grid: {dataset: [a, b]}
    output: "{task}"
"""
    with pytest.raises(SpecError, match=r"task 'did': output name 'did' is produced twice"):
        load_spec(_spec(project, text))


def test_output_template_naming_an_unknown_parameter(project: Path) -> None:
    text = """
tasks:
  - name: did
    notebook: notebooks/did.py
    parameters: {dataset: a}
    output: "did-{datset}"
"""
    with pytest.raises(
        SpecError,
        match=r"task 'did': output template 'did-\{datset\}' uses 'datset', which is not a "
        r"parameter; parameters are \['dataset'\]",
    ):
        load_spec(_spec(project, text))


def test_output_template_with_a_positional_field(project: Path) -> None:
    text = "tasks:\n  - {name: x, notebook: notebooks/did.py, output: 'x-{0}'}\n"
    with pytest.raises(SpecError, match=r"output template 'x-\{0\}' uses"):
        load_spec(_spec(project, text))


def test_output_template_with_an_unclosed_brace(project: Path) -> None:
    text = "tasks:\n  - {name: x, notebook: notebooks/did.py, output: 'x-{task'}\n"
    with pytest.raises(SpecError, match=r"output template 'x-\{task' uses"):
        load_spec(_spec(project, text))


def test_output_template_with_attribute_access_is_a_spec_error(project: Path) -> None:
    text = """
tasks:
  - name: x
    notebook: notebooks/did.py
    parameters: {dataset: studies.prop99}
    output: "{dataset.name}"
"""
    with pytest.raises(SpecError, match=r"output template '\{dataset.name\}'"):
        load_spec(_spec(project, text))


# --- slug -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("did-prop99-State", "did-prop99-State"),
        ("did prop99/State", "did-prop99-State"),
        ("a  //  b", "a-b"),
        ("studies.prop99", "studies.prop99"),
        ("under_score", "under_score"),
        ("東京都 千代田区", "東京都-千代田区"),
        ("-.leading and trailing.-", "leading-and-trailing"),
        ("../../etc/passwd", "etc-passwd"),
        ("", "task"),
        ("///", "task"),
        (2020, "2020"),
    ],
)
def test_slug(text: object, expected: str) -> None:
    assert slug(text) == expected


# --- every SpecError --------------------------------------------------------------------------
def test_spec_error_is_a_pipeline_error_and_a_value_error() -> None:
    assert issubclass(SpecError, PipelineError)
    assert issubclass(SpecError, ValueError)


def test_missing_spec_suggests_a_neighbour_and_lists_the_specs(project: Path) -> None:
    _spec(project, "tasks:\n  - notebook: notebooks/did.py\n", "demo.yaml")
    _spec(project, "tasks:\n  - notebook: notebooks/did.py\n", "weekly.yaml")
    with pytest.raises(
        SpecError,
        match=r"pipeline spec '.*/pipelines/demo\.yml' does not exist\. Did you mean "
        r"'demo\.yaml'\? Specs there: demo\.yaml, weekly\.yaml\.$",
    ):
        load_spec(project / "pipelines" / "demo.yml")


def test_missing_spec_in_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"pipeline spec '.*nowhere/demo\.yaml' does not exist\.$"):
        load_spec(tmp_path / "nowhere" / "demo.yaml")


def test_invalid_yaml_names_the_line(project: Path) -> None:
    path = _spec(project, "name: p\ntasks:\n  - notebook: [unclosed\n")
    with pytest.raises(SpecError, match=r"p\.yaml: not valid YAML at line \d+: "):
        load_spec(path)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""])
def test_spec_that_is_not_a_mapping(project: Path, text: str) -> None:
    with pytest.raises(SpecError, match=r"a spec is a mapping with `name` and `tasks`"):
        load_spec(_spec(project, text))


def test_unknown_top_level_key_suggests_the_right_one(project: Path) -> None:
    with pytest.raises(
        SpecError,
        match=r"unknown key 'task'\. Did you mean 'tasks'\? Allowed keys: name, description, "
        r"schedule, defaults, tasks\.",
    ):
        load_spec(_spec(project, "task:\n  - notebook: notebooks/did.py\n"))


@pytest.mark.parametrize("name", ["my pipeline", "-dash", "a/b", ".hidden"])
def test_bad_pipeline_name(project: Path, name: str) -> None:
    text = f"name: '{name}'\ntasks:\n  - notebook: notebooks/did.py\n"
    with pytest.raises(SpecError, match=r"may hold only letters, digits, '\.', '_', '-'"):
        load_spec(_spec(project, text))


def test_defaults_must_be_a_mapping(project: Path) -> None:
    text = "defaults: [a, b]\ntasks:\n  - notebook: notebooks/did.py\n"
    with pytest.raises(SpecError, match=r"`defaults` must be a mapping of parameter names"):
        load_spec(_spec(project, text))


@pytest.mark.parametrize("tasks", ["", "tasks: []", "tasks: notebooks/did.py", "tasks: {a: 1}"])
def test_tasks_must_be_a_non_empty_list(project: Path, tasks: str) -> None:
    with pytest.raises(SpecError, match=r"`tasks` must be a non-empty list"):
        load_spec(_spec(project, f"name: p\n{tasks}\n"))


def test_task_must_be_a_mapping(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n  - notebooks/did.py\n"
    with pytest.raises(SpecError, match=r"task 2 must be a mapping with at least `notebook`"):
        load_spec(_spec(project, text))


def test_unknown_task_key_suggests_the_right_one(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n    paramters: {a: 1}\n"
    with pytest.raises(
        SpecError, match=r"task 1: unknown key 'paramters'\. Did you mean 'parameters'\?"
    ):
        load_spec(_spec(project, text))


def test_task_without_notebook(project: Path) -> None:
    text = "tasks:\n  - name: x\n    parameters: {a: 1}\n"
    with pytest.raises(SpecError, match=r"task 1 has no `notebook`; add e\.g\. `notebook: "):
        load_spec(_spec(project, text))


def test_missing_notebook_suggests_a_close_one(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/dd.py\n"
    with pytest.raises(
        SpecError,
        match=r"task 'dd': notebook 'notebooks/dd\.py' does not exist under .*\. "
        r"Did you mean one of 'notebooks/rdd\.py', 'notebooks/did\.py'\?",
    ):
        load_spec(_spec(project, text))


def test_parameters_must_be_a_mapping(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n    parameters: [a, b]\n"
    with pytest.raises(SpecError, match=r"task 'did': `parameters` must be a mapping"):
        load_spec(_spec(project, text))


def test_grid_value_that_is_not_a_list_shows_the_fix(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n    grid: {dataset: a, cluster: [x]}\n"
    with pytest.raises(
        SpecError,
        match=r"grid values must be non-empty lists; dataset: 'a' should be written "
        r"\['a'\]",
    ):
        load_spec(_spec(project, text))


def test_grid_value_that_is_an_empty_list(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n    grid: {dataset: []}\n"
    with pytest.raises(SpecError, match=r"grid values must be non-empty lists; dataset: \[\]"):
        load_spec(_spec(project, text))


@pytest.mark.parametrize("grid", ["[]", "[a, b]", "[{a: 1}, b]", "3", "text"])
def test_grid_of_the_wrong_shape(project: Path, grid: str) -> None:
    text = f"tasks:\n  - notebook: notebooks/did.py\n    grid: {grid}\n"
    with pytest.raises(SpecError, match=r"`grid` must be a mapping of lists .* or a non-empty"):
        load_spec(_spec(project, text))


@pytest.mark.parametrize("timeout", ["0", "-5", "soon", "[10]"])
def test_timeout_must_be_a_positive_number(project: Path, timeout: str) -> None:
    text = f"tasks:\n  - notebook: notebooks/did.py\n    timeout: {timeout}\n"
    with pytest.raises(SpecError, match=r"`timeout` must be a positive number of seconds"):
        load_spec(_spec(project, text))


def test_timeout_accepts_fractions_of_seconds(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n    timeout: 2.5\n"
    assert load_spec(_spec(project, text)).tasks[0].timeout == 2.5


def test_timeout_true_is_not_a_number_of_seconds(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n    timeout: true\n"
    with pytest.raises(SpecError, match=r"`timeout` must be a positive number of seconds"):
        load_spec(_spec(project, text))
