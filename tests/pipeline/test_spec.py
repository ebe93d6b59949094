"""Tests of ebpm.pipeline.spec: parsing, schema, lines, grids, needs, output names, schedule,
tolerance, slug and every SpecError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ebpm.errors import PipelineError, ScheduleError, SpecError
from ebpm.pipeline.spec import (
    DEFAULT_TOLERANCE,
    PipelineSpec,
    Task,
    Tolerance,
    load_spec,
    schema,
    slug,
)
from tests.conftest import ROOT

REPO = ROOT
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
    assert spec.schedule == "0 6 1 1,4,7,10 *"  # quarterly
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
defaults: {region: "Tokyo: 東京"}
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
    grid: {dataset: ["a b", "a: b"]}
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
    with pytest.raises(
        SpecError,
        match=r"^pipelines/p\.yaml, line 4: not valid YAML: expected ',' or '\]', but got "
        r"'<stream end>' \(while parsing a flow sequence, from line 3\)$",
    ) as info:
        load_spec(path)
    assert info.value.line == 4


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""])
def test_spec_that_is_not_a_mapping(project: Path, text: str) -> None:
    with pytest.raises(SpecError, match=r"a spec is a mapping with `name` and `tasks`"):
        load_spec(_spec(project, text))


def test_unknown_top_level_key_suggests_the_right_one(project: Path) -> None:
    with pytest.raises(
        SpecError,
        match=r"^pipelines/p\.yaml, line 1: unknown key 'task'\. Did you mean 'tasks'\? "
        r"Allowed keys: name, description, schedule, defaults, timeout, retries, tolerance, "
        r"tasks\.$",
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


@pytest.mark.parametrize("tasks", ["", "tasks: notebooks/did.py", "tasks: {a: 1}"])
def test_tasks_must_be_a_list(project: Path, tasks: str) -> None:
    with pytest.raises(SpecError, match=r"`tasks` must be a list of tasks \(empty in a new"):
        load_spec(_spec(project, f"name: p\n{tasks}\n"))


def test_a_new_pipeline_may_have_no_tasks_yet(project: Path) -> None:
    assert load_spec(_spec(project, "name: p\ntasks: []\n")).tasks == ()


def test_task_must_be_a_mapping(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n  - notebooks/did.py\n"
    with pytest.raises(SpecError, match=r"task 2 must be a mapping with at least `notebook`"):
        load_spec(_spec(project, text))


def test_unknown_task_key_suggests_the_right_one(project: Path) -> None:
    text = "tasks:\n  - notebook: notebooks/did.py\n    paramters: {a: 1}\n"
    with pytest.raises(
        SpecError,
        match=r"p\.yaml, line 3: task 'did': unknown key 'paramters'\. Did you mean "
        r"'parameters'\? Allowed keys: name, notebook, description, parameters, grid, output, "
        r"timeout, retries, needs, after, tolerance\.$",
    ):
        load_spec(_spec(project, text))


def test_task_without_notebook(project: Path) -> None:
    text = "tasks:\n  - name: x\n    parameters: {a: 1}\n"
    with pytest.raises(
        SpecError, match=r"p\.yaml, line 2: task 'x' has no `notebook`; add e\.g\. `notebook: "
    ):
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


# === schema, lines, schedule, needs, tolerance, output safety (issue 6) =======================
def _error_of(project: Path, text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(_spec(project, text))
    return info.value


# --- the schema -------------------------------------------------------------------------------
def test_schema_ships_with_the_package_and_is_draft_07() -> None:
    from importlib import resources

    shipped = resources.files("ebpm.pipeline").joinpath("spec.schema.json")
    assert shipped.is_file()
    assert schema()["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert list(schema()["properties"]) == [
        "name",
        "description",
        "schedule",
        "defaults",
        "timeout",
        "retries",
        "tolerance",
        "tasks",
    ]
    assert list(schema()["definitions"]["task"]["properties"]) == [
        "name",
        "notebook",
        "description",
        "parameters",
        "grid",
        "output",
        "timeout",
        "retries",
        "needs",
        "after",
        "tolerance",
    ]


@pytest.mark.parametrize("spec_path", sorted((REPO / "pipelines").glob("*.yaml")), ids=str)
def test_every_repo_spec_loads_and_fits_the_schema(spec_path: Path) -> None:
    import fastjsonschema

    raw = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    fastjsonschema.validate(schema(), raw)
    spec = load_spec(spec_path)
    assert spec.tasks
    assert all(t.line is not None and t.line > 1 for t in spec.tasks)


def test_spec_module_does_not_import_jsonschema_or_notebook_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from ebpm.pipeline.spec import load_spec; "
        f"load_spec({str(DEMO)!r}); "
        "print(sorted(m for m in ('jsonschema', 'jupytext', 'nbformat', 'papermill') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- typos: every message names the file, the line and the fix --------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "name: p\ndescripton: x\ntasks:\n  - notebook: notebooks/did.py\n",
            r"^pipelines/p\.yaml, line 2: unknown key 'descripton'\. Did you mean 'description'\? "
            r"Allowed keys: name, description, schedule",
            id="top-level key",
        ),
        pytest.param(
            "tasks:\n  - name: prop99\n    notebook: notebooks/did.py\n    timout: 5\n",
            r"^pipelines/p\.yaml, line 4: task 'prop99': unknown key 'timout'\. Did you mean "
            r"'timeout'\? Allowed keys: name, notebook, description, parameters, grid, output, "
            r"timeout, retries, needs, after, tolerance\.$",
            id="task key",
        ),
        pytest.param(
            "tasks:\n  - name: a\n    notebook: notebooks/did.py\n  - name: b\n"
            "    notebok: notebooks/did.py\n",
            r"^pipelines/p\.yaml, line 5: task 'b': unknown key 'notebok'\. Did you mean "
            r"'notebook'\?",
            id="misspelt notebook",
        ),
        pytest.param(
            "tasks:\n  - notebook: notebooks/did.py\n    needs: [a]\n    neds: [b]\n",
            r"line 4: task 'did': unknown key 'neds'\. Did you mean 'needs'\?",
            id="misspelt needs",
        ),
    ],
)
def test_typos_name_the_line_and_a_close_match(project: Path, text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(project, text))


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        pytest.param("retries: two", r"`retries` must be a whole number ≥ 0, not 'two'$", id="r"),
        pytest.param("retries: -1", r"`retries` must be a whole number ≥ 0, not -1$", id="r<0"),
        pytest.param("retries: 1.5", r"`retries` must be a whole number ≥ 0, not 1\.5$", id="r."),
        pytest.param("retries: true", r"`retries` must be a whole number ≥ 0, not True$", id="rb"),
        pytest.param("timeout: '10'", r"`timeout` must be a positive number of seconds, not '10'$"),
        pytest.param("timeout: .nan", r"`timeout` must be a positive number of seconds"),
        pytest.param("tolerance: '5'", r"`tolerance` must be a number ≥ 0 .* not '5'$", id="t5"),
        pytest.param("tolerance: -0.1", r"`tolerance` must be a number ≥ 0 .* not -0\.1$"),
        pytest.param("tolerance: five percent", r"`tolerance` must be .*\"5%\""),
        pytest.param("needs: 3", r"`needs` must be the name of a task of this spec, or a list"),
        pytest.param("needs: [a, {b: 1}]", r"`needs` must be .*, not \['a', \{'b': 1\}\]$"),
        pytest.param("output: 3", r"`output` must be a name template, e\.g\. \"\{task\}-"),
        pytest.param("description: [a]", r"`description` must be text, not \['a'\]$"),
        pytest.param("name: a b", r"name 'a b' may hold only letters, digits, '\.', '_', '-'"),
        pytest.param("notebook: 3", r"`notebook` must be the path of a notebook, e\.g\."),
        pytest.param("parameters: {1: a}", r"parameter names in `parameters` must be text, not 1"),
    ],
)
def test_wrong_task_types_say_what_was_found_and_expected(
    project: Path, snippet: str, message: str
) -> None:
    # the snippet replaces line 3 of the task; the error must point at it
    text = f"name: p\ntasks:\n  - {snippet}\n    notebook: notebooks/did.py\n"
    if snippet.startswith("notebook:"):
        text = f"name: p\ntasks:\n  - {snippet}\n"
    err = _error_of(project, text)
    assert re.search(message, str(err)), str(err)
    assert str(err).startswith("pipelines/p.yaml, line 3: task ")
    assert err.line == 3


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("retries: [1]", r"^pipelines/p\.yaml, line 2: `retries` must be a whole number ≥ 0"),
        ("timeout: 0", r"^pipelines/p\.yaml, line 2: `timeout` must be a positive number"),
        ("tolerance: 5 %%", r"^pipelines/p\.yaml, line 2: `tolerance` must be a number ≥ 0"),
        ("schedule: 5", r"^pipelines/p\.yaml, line 2: `schedule` must be a cron expression in "),
        ("defaults: {2020: x}", r"line 2: parameter names in `defaults` must be text, not 2020"),
        ("description: {a: 1}", r"^pipelines/p\.yaml, line 2: `description` must be text"),
    ],
)
def test_wrong_top_level_types(project: Path, snippet: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(project, f"name: p\n{snippet}\ntasks:\n  - notebook: notebooks/did.py\n"))


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        pytest.param("name: p\ntasks:\n  - notebook: [a\n", 4, r"expected ',' or '\]'", id="["),
        pytest.param(
            "name: p\ntasks:\n  - notebook: notebooks/did.py\n   parameters: {}\n",
            4,
            r"expected <block end>, but found '<block mapping start>' \(while parsing a block "
            r"collection, from line 3\)",
            id="indent",
        ),
        pytest.param("name: p\n description: x\n", 2, r"mapping values are not allowed", id=":"),
        pytest.param('name: "p\ntasks: []\n', 3, r"found unexpected end of stream", id='"'),
        pytest.param(
            "name: p\n---\nname: q\n",
            2,
            r"found another document \(expected a single document in the stream, from line 1\)",
            id="---",
        ),
    ],
)
def test_yaml_syntax_errors_keep_their_line(
    project: Path, text: str, line: int, problem: str
) -> None:
    err = _error_of(project, text)
    assert err.line == line
    assert re.match(rf"^pipelines/p\.yaml, line {line}: not valid YAML: {problem}", str(err)), err


def test_a_key_given_twice_is_an_error_not_a_silent_overwrite(project: Path) -> None:
    text = "name: p\ntasks:\n  - notebook: notebooks/did.py\n    timeout: 5\n    timeout: 50\n"
    with pytest.raises(
        SpecError,
        match=r"^pipelines/p\.yaml, line 5: key 'timeout' appears twice \(also on line 4\); YAML "
        r"would silently keep the last one\. Remove one of them\.$",
    ):
        load_spec(_spec(project, text))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "01101",
            r"line 4: 01101 is read by YAML as the number 577 \(octal, because of the "
            r"leading 0\); put it in quotes: \"01101\"",
        ),
        ("1:30", r"line 4: 1:30 is read by YAML as the number 90 \(base 60\)"),
    ],
)
def test_numbers_yaml_would_misread_must_be_quoted(project: Path, value: str, message: str) -> None:
    text = f"tasks:\n  - notebook: notebooks/did.py\n    parameters:\n      code: {value}\n"
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(project, text))


def test_quoted_codes_and_plain_zero_are_fine(project: Path) -> None:
    text = (
        "tasks:\n  - notebook: notebooks/did.py\n"
        '    parameters: {code: "01101", zero: 0, neg: -3, big: 1_000}\n'
    )
    (task,) = load_spec(_spec(project, text)).tasks
    assert task.parameters == {"code": "01101", "zero": 0, "neg": -3, "big": 1000}


def test_anchors_and_merge_keys_share_parameters(project: Path) -> None:
    text = """
tasks:
  - name: a
    notebook: notebooks/did.py
    parameters: &common
      outcome: Rate
      unit: State
  - name: b
    notebook: notebooks/did.py
    parameters:
      <<: *common
      outcome: Sales
"""
    a, b = load_spec(_spec(project, text)).tasks
    assert a.parameters == {"outcome": "Rate", "unit": "State"}
    assert b.parameters == {"outcome": "Sales", "unit": "State"}
    assert b.param_lines == {"outcome": 12, "unit": 7}


def test_an_alias_of_a_mapping_with_a_merge_key(project: Path) -> None:
    text = """
defaults: &d
  <<: {outcome: Rate, unit: State}
  outcome: Sales
tasks:
  - notebook: notebooks/did.py
    parameters: *d
"""
    spec = load_spec(_spec(project, text))
    assert spec.defaults == {"outcome": "Sales", "unit": "State"}
    assert spec.tasks[0].parameters == {"outcome": "Sales", "unit": "State"}


def test_unknown_notebook_names_its_line(project: Path) -> None:
    text = "name: p\ntasks:\n  - name: x\n    notebook: notebooks/dd.py\n"
    with pytest.raises(
        SpecError,
        match=r"^pipelines/p\.yaml, line 4: task 'x': notebook 'notebooks/dd\.py' does not exist "
        r"under .*\. Did you mean one of",
    ):
        load_spec(_spec(project, text))


# --- lines ------------------------------------------------------------------------------------
def test_lines_of_tasks_and_of_each_parameter_value(project: Path) -> None:
    text = """\
name: p
defaults:
  conf_level: 0.9
tasks:
  - name: a
    notebook: notebooks/did.py
    parameters:
      outcome: Rate
  - name: b
    notebook: notebooks/did.py
    parameters: {outcome: Sales}
    grid:
      vcov:
        - cluster
        - hetero
  - name: c
    notebook: notebooks/did.py
    output: "{task}-{dataset}"
    grid:
      - {dataset: x}
      - dataset: y
"""
    spec = load_spec(_spec(project, text))
    by_name = {t.name: t for t in spec.tasks}
    assert [(t.name, t.line) for t in spec.tasks] == [
        ("a", 5),
        ("b-cluster", 9),
        ("b-hetero", 9),
        ("c-x", 16),
        ("c-y", 16),
    ]
    assert by_name["a"].param_lines == {"conf_level": 3, "outcome": 8}
    assert by_name["b-cluster"].param_lines == {"conf_level": 3, "outcome": 11, "vcov": 14}
    assert by_name["b-hetero"].param_lines["vcov"] == 15
    assert by_name["c-x"].param_lines["dataset"] == 20
    assert by_name["c-y"].param_lines["dataset"] == 21
    assert spec.lines[("tasks", 1, "grid")] == 12
    assert spec.lines[("defaults", "conf_level")] == 3
    assert spec.display_path == "pipelines/p.yaml"
    assert spec.where(by_name["b-hetero"], parameter="vcov") == "pipelines/p.yaml, line 15"
    assert spec.where(by_name["b-hetero"], parameter="nope") == "pipelines/p.yaml, line 9"
    assert spec.where() == "pipelines/p.yaml"


def test_demo_task_lines_point_at_their_entries() -> None:
    text = DEMO.read_text(encoding="utf-8").splitlines()
    spec = load_spec(DEMO)
    for task in spec.tasks:
        assert text[task.line - 1].strip() == f"- name: {task.group}"
        for name, line in task.param_lines.items():
            assert name in text[line - 1], (task.name, name, line)


# --- pipeline-wide defaults -------------------------------------------------------------------
def test_timeout_retries_and_tolerance_default_to_the_pipeline_values(project: Path) -> None:
    text = """
timeout: 600
retries: 2
tolerance: 5%
tasks:
  - name: a
    notebook: notebooks/did.py
  - name: b
    notebook: notebooks/did.py
    timeout: 30
    retries: 0
    tolerance: 0.01
    needs: a
"""
    spec = load_spec(_spec(project, text))
    a, b = spec.tasks
    assert (spec.timeout, spec.retries, spec.tolerance) == (600.0, 2, Tolerance(relative=0.05))
    assert (a.timeout, a.retries, a.tolerance, a.needs) == (600.0, 2, Tolerance(relative=0.05), ())
    assert (b.timeout, b.retries, b.tolerance, b.needs) == (
        30.0,
        0,
        Tolerance(absolute=0.01),
        ("a",),
    )


def test_tasks_default_to_no_retries_and_the_noise_tolerance(project: Path) -> None:
    (task,) = load_spec(_spec(project, "tasks:\n  - notebook: notebooks/did.py\n")).tasks
    assert task.retries == 0
    assert task.needs == ()
    assert task.tolerance == DEFAULT_TOLERANCE == Tolerance(absolute=1e-9, relative=1e-6)


# --- schedule ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "stored"),
    [("0 6 1 */3 *", "0 6 1 */3 *"), ("@daily", "@daily"), ("  0  6 * * 1 ", "0 6 * * 1")],
)
def test_valid_schedules(project: Path, given: str, stored: str) -> None:
    text = f"schedule: '{given}'\ntasks:\n  - notebook: notebooks/did.py\n"
    assert load_spec(_spec(project, text)).schedule == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param("61 * * * *", r"minute '61' is not valid \(0-59\)", id="minute"),
        pytest.param("0 24 * * *", r"hour '24' is not valid \(0-23\)", id="hour"),
        pytest.param("0 6 * * 8", r"day of week '8' is not valid \(0-7 or sun-sat\)", id="dow"),
        pytest.param("0 6 * 13 *", r"month '13' is not valid", id="month"),
        pytest.param("0 6 * *", r"has 4 field\(s\), a cron expression has 5", id="4 fields"),
        pytest.param("0 0 6 * * 1", r"has 6 field\(s\)", id="6 fields"),
        pytest.param(
            "@daly", r"the shortcuts are @hourly, .*\. Did you mean one of '@daily'", id="@"
        ),
        pytest.param("every day", r"has 2 field\(s\)", id="words"),
    ],
)
def test_bad_cron_is_a_schedule_error_with_an_example(
    project: Path, given: str, message: str
) -> None:
    text = f"name: p\nschedule: '{given}'\ntasks:\n  - notebook: notebooks/did.py\n"
    with pytest.raises(ScheduleError, match=message) as info:
        load_spec(_spec(project, text))
    text = str(info.value)
    assert text.startswith(f"pipelines/p.yaml, line 2: schedule '{given}' ")
    assert 'e.g. schedule: "0 6 1 */3 *"' in text
    assert isinstance(info.value, SpecError)


# --- needs ------------------------------------------------------------------------------------
_NEEDS = """
tasks:
  - name: data
    notebook: notebooks/did.py
  - name: did
    notebook: notebooks/did.py
    grid: {vcov: [cluster, hetero]}
    needs: data
  - name: summary
    notebook: notebooks/rdd.py
    needs: [did, data]
  - name: one
    notebook: notebooks/rdd.py
    needs: did-hetero
"""


def test_needs_expand_groups_to_their_tasks(project: Path) -> None:
    spec = load_spec(_spec(project, _NEEDS))
    needs = {t.name: t.needs for t in spec.tasks}
    assert needs == {
        "data": (),
        "did-cluster": ("data",),
        "did-hetero": ("data",),
        "summary": ("did-cluster", "did-hetero", "data"),
        "one": ("did-hetero",),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "tasks:\n  - {name: data, notebook: notebooks/did.py}\n"
            "  - {name: did, notebook: notebooks/did.py, needs: [dta]}\n",
            r"^pipelines/p\.yaml, line 3: task 'did' needs 'dta', which is not a task of this "
            r"spec\. Did you mean 'data'\? Tasks: data, did\.$",
            id="unknown",
        ),
        pytest.param(
            "tasks:\n  - name: a\n    notebook: notebooks/did.py\n    needs:\n      - a\n",
            r"^pipelines/p\.yaml, line 5: task 'a' needs itself; remove 'a' from its `needs`$",
            id="self",
        ),
        pytest.param(
            "tasks:\n  - name: a\n    notebook: notebooks/did.py\n    grid: {x: [1, 2]}\n"
            "    needs: a-2\n",
            r"line 5: task 'a' needs itself; remove 'a-2'",
            id="self in grid",
        ),
        pytest.param(
            "tasks:\n  - {name: a, notebook: notebooks/did.py, needs: b}\n"
            "  - {name: b, notebook: notebooks/did.py, needs: a}\n",
            r"^pipelines/p\.yaml, line 2: `needs` go round in a circle: a → b → a; no task of "
            r"it can start\. Remove one of these needs\.$",
            id="cycle of two",
        ),
        pytest.param(
            "tasks:\n  - {name: a, notebook: notebooks/did.py}\n"
            "  - {name: b, notebook: notebooks/did.py, needs: [a, d]}\n"
            "  - {name: c, notebook: notebooks/did.py, needs: b}\n"
            "  - {name: d, notebook: notebooks/did.py, needs: c}\n",
            r"line 3: `needs` go round in a circle: b → d → c → b;",
            id="cycle of three",
        ),
    ],
)
def test_bad_needs(project: Path, text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(project, text))


def test_after_expands_groups_and_leaves_out_what_is_needed(project: Path) -> None:
    text = (
        "tasks:\n  - {name: data, notebook: notebooks/did.py}\n"
        "  - {name: did, notebook: notebooks/did.py, grid: {x: [1, 2]}, needs: data}\n"
        "  - {name: kpi, notebook: notebooks/did.py, needs: data, after: [did, data]}\n"
    )
    spec = load_spec(_spec(project, text))
    kpi = spec.tasks[-1]
    assert kpi.needs == ("data",)
    assert kpi.after == ("did-1", "did-2")  # `data` is needed: a need, not only an order
    assert spec.tasks[0].after == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "tasks:\n  - {name: data, notebook: notebooks/did.py}\n"
            "  - {name: kpi, notebook: notebooks/did.py, after: dat}\n",
            r"^pipelines/p\.yaml, line 3: task 'kpi' runs after 'dat', which is not a task of "
            r"this spec\. Did you mean 'data'\? Tasks: data, kpi\.$",
            id="unknown",
        ),
        pytest.param(
            "tasks:\n  - name: a\n    notebook: notebooks/did.py\n    after: [a]\n",
            r"^pipelines/p\.yaml, line 4: task 'a' runs after itself; remove 'a' from its "
            r"`after`$",
            id="self",
        ),
        pytest.param(
            "tasks:\n  - {name: a, notebook: notebooks/did.py, after: b}\n"
            "  - {name: b, notebook: notebooks/did.py, needs: a}\n",
            r"^pipelines/p\.yaml, line 2: `needs` and `after` go round in a circle: a → b → a; "
            r"no task of it can start\. Remove one of these links\.$",
            id="cycle through needs and after",
        ),
    ],
)
def test_bad_after(project: Path, text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(project, text))


# --- output names -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param('"../../etc"', r"it contains '/'", id="dotdot"),
        pytest.param('"/etc/passwd"', r"it contains '/'", id="absolute"),
        pytest.param(r'"..\\..\\x"', r"it contains '\\\\'", id="backslash"),
        pytest.param('".."', r"it points outside the folder", id=".."),
        pytest.param('"C:x"', r"it points outside the folder", id="drive"),
        pytest.param('"a\\nb"', r"it contains the control character '\\n'", id="newline"),
        pytest.param('"a\\0b"', r"it contains the control character '\\x00'", id="nul"),
        pytest.param('""', r"it is empty", id="empty"),
    ],
)
def test_output_names_never_escape_the_run_directory(
    project: Path, value: str, reason: str
) -> None:
    text = (
        "tasks:\n  - name: t\n    notebook: notebooks/did.py\n"
        f"    parameters: {{dataset: {value}}}\n    output: '{{dataset}}'\n"
    )
    err = _error_of(project, text)
    assert err.line == 5
    assert re.search(
        rf"task 't': output name .* \(from template '\{{dataset\}}'\) escapes the run "
        rf"directory: {reason}; parameter `dataset` = .* makes it so\. Name reports from "
        r"parameters whose values are plain names",
        str(err),
    ), str(err)


def test_escaping_output_from_a_grid_value_points_at_that_value(project: Path) -> None:
    text = (
        "tasks:\n  - name: t\n    notebook: notebooks/did.py\n    grid:\n"
        "      dataset:\n        - studies.prop99\n        - ../../etc\n"
    )
    with pytest.raises(
        SpecError,
        match=r"^pipelines/p\.yaml, line 7: task 't': output name 't-\.\./\.\./etc' \(from "
        r"template 't-\{dataset\}'\) escapes the run directory: it contains '/'; parameter "
        r"`dataset` = '\.\./\.\./etc' makes it so\.",
    ):
        load_spec(_spec(project, text))


def test_a_template_that_escapes_by_itself(project: Path) -> None:
    text = "tasks:\n  - {name: t, notebook: notebooks/did.py, output: 'reports/{task}'}\n"
    with pytest.raises(SpecError, match=r"it contains '/'; the template itself makes it so"):
        load_spec(_spec(project, text))


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        pytest.param(
            '["Prop99", "prop99"]',
            r"'t-prop99' is produced twice \(also by task "
            r"'t', as 't-Prop99'; names that differ only in case",
            id="case",
        ),
        pytest.param(
            '["caf\\u00e9", "cafe\\u0301"]',
            r"'t-café' is produced twice \(also by task 't'\)",
            id="nfc",
        ),
    ],
)
def test_output_names_that_differ_only_in_case_or_unicode_form_collide(
    project: Path, values: str, shown: str
) -> None:
    text = f"tasks:\n  - name: t\n    notebook: notebooks/did.py\n    grid: {{d: {values}}}\n"
    with pytest.raises(SpecError, match=shown):
        load_spec(_spec(project, text))


def test_collision_across_two_spec_tasks_names_both(project: Path) -> None:
    text = (
        "tasks:\n  - {name: Report, notebook: notebooks/did.py}\n"
        "  - {name: report, notebook: notebooks/did.py}\n"
    )
    with pytest.raises(
        SpecError,
        match=r"line 3: task 'report': output name 'report' is produced twice \(also by task "
        r"'Report', as 'Report';",
    ):
        load_spec(_spec(project, text))


# --- tolerance --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        (0, Tolerance(absolute=0.0)),
        (0.5, Tolerance(absolute=0.5)),
        (2, Tolerance(absolute=2.0)),
        ("5%", Tolerance(relative=0.05)),
        (" 0.5 % ", Tolerance(relative=0.005)),
        ("100%", Tolerance(relative=1.0)),
    ],
)
def test_tolerance_parse(given: object, parsed: Tolerance) -> None:
    assert Tolerance.parse(given) == parsed


@pytest.mark.parametrize("given", [-1, float("nan"), "5", "-5%", "5 percent", True, None, [5]])
def test_tolerance_parse_rejects(given: object) -> None:
    with pytest.raises(
        SpecError, match=r"^`tolerance` must be a number ≥ 0 \(an absolute change\)"
    ):
        Tolerance.parse(given)


@pytest.mark.parametrize(
    ("tolerance", "old", "new", "exceeded"),
    [
        (Tolerance(absolute=0.1), 1.0, 1.1, False),  # exactly at the limit: not beyond it
        (Tolerance(absolute=0.1), 1.0, 1.2, True),
        (Tolerance(absolute=0.1), 1.0, 0.8, True),
        (Tolerance(relative=0.05), -20.0, -21.0, False),  # 5% of |-20| = 1
        (Tolerance(relative=0.05), -20.0, -21.5, True),
        (Tolerance(relative=0.05), 0.0, 1e-12, True),  # relative to 0: any change
        (Tolerance(absolute=0.5, relative=0.01), 100.0, 100.9, False),  # 1% of 100 wins
        (Tolerance(absolute=0.5, relative=0.01), 1.0, 1.4, False),  # 0.5 wins
        (Tolerance(absolute=0.5, relative=0.01), 1.0, 1.6, True),
        (DEFAULT_TOLERANCE, -27.349, -27.349, False),
        (DEFAULT_TOLERANCE, -27.349, -27.349 * (1 + 1e-9), False),  # numerical noise
        (DEFAULT_TOLERANCE, -27.349, -27.35, True),
        (DEFAULT_TOLERANCE, 0.0, 1e-10, False),
        (DEFAULT_TOLERANCE, 0.0, 1e-8, True),
        (Tolerance(absolute=1.0), float("nan"), float("nan"), False),
        (Tolerance(absolute=1.0), 1.0, float("nan"), True),
        (Tolerance(absolute=1.0), float("nan"), 1.0, True),
        (Tolerance(absolute=1.0), float("inf"), float("inf"), False),
        (Tolerance(absolute=1.0), 1.0, float("inf"), True),
        (Tolerance(absolute=float("inf")), 1.0, 1e300, False),
    ],
)
def test_tolerance_exceeded(tolerance: Tolerance, old: float, new: float, exceeded: bool) -> None:
    assert tolerance.exceeded(old, new) is exceeded


def test_tolerance_in_words() -> None:
    assert str(Tolerance(relative=0.05)) == "5%"
    assert str(Tolerance(absolute=0.01)) == "0.01"
    assert str(DEFAULT_TOLERANCE) == "1e-09 or 0.0001%"


def test_spec_error_carries_its_line(project: Path) -> None:
    err = _error_of(project, "name: p\ntasks:\n  - notebook: notebooks/did.py\n    retries: x\n")
    assert err.line == 4
    assert _error_of(project, "name: p\n").line is None
