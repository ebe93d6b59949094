"""Tests of ebpm.pipeline.scaffold: ``ebpm new`` evaluations, pipelines and policies."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from ebpm.errors import DatasetNotFoundError, InvalidOptionError, PipelineError
from ebpm.pipeline import run_pipeline
from ebpm.pipeline.check import check_paths
from ebpm.pipeline.notebooks import declared_parameters
from ebpm.pipeline.scaffold import _write_all, new_evaluation, new_pipeline, new_policy
from ebpm.pipeline.spec import load_spec
from tests.conftest import ROOT, template_project

DAY = dt.date(2026, 12, 7)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    template_project(tmp_path)
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _errors(paths: list[Path], root: Path) -> list[str]:
    return [str(p) for p in check_paths(paths, root=root) if p.level == "error"]


# --- evaluations -----------------------------------------------------------------------------
def test_a_did_on_a_dataset_with_declared_roles_needs_nothing_more(project: Path) -> None:
    made = new_evaluation(
        "donors",
        design="did",
        dataset="studies.organ_donations",
        policy="Active-choice question",
        root=project,
        today=DAY,
    )
    notebook = project / "notebooks" / "donors.py"
    spec = project / "pipelines" / "donors.yaml"
    policy = project / "pipelines" / "policies" / "donors.yaml"
    assert made.created == [notebook, spec, policy]
    assert made.changed == []
    assert made.guessed == []
    params = {n: p.default for n, p in declared_parameters(notebook).items()}
    assert params["vcov"] == "cluster"  # the template's own default, kept
    assert {k: params[k] for k in ("dataset", "outcome", "unit", "time", "treated")} == {
        "dataset": "studies.organ_donations",
        "outcome": "Rate",
        "unit": "State",
        "time": "quarter_num",
        "treated": "treated",
    }
    assert params["policy"] == "Active-choice question"
    assert params["title"].startswith("Organ donor registration rates")
    # the rest of the template is untouched
    template = (ROOT / "notebooks" / "did.py").read_text(encoding="utf-8")
    body = template.split("# %%\n", 1)[1]
    assert notebook.read_text(encoding="utf-8").endswith(body)
    loaded = load_spec(spec)
    assert [t.name for t in loaded.tasks] == ["donors"]
    assert loaded.tasks[0].notebook == notebook
    assert _errors([spec], project) == []
    # the logic-model stub is what is left: direction, baseline, target, description, owner
    left = _errors([policy], project)
    assert len(left) == 5
    # quarter numbers are not dates: no baseline is guessed
    assert any("`baseline.value` must be a number" in e for e in left)
    assert any("`direction` must be one of higher, lower, not 'TODO'" in e for e in left)
    assert any("`target.value` must be a number" in e for e in left)
    assert any("`owner` still says TODO" in e for e in left)
    assert made.todo == [
        "pipelines/policies/donors.yaml: the direction, the target and the TODOs of the "
        "logic-model stub"
    ]


def test_the_policy_stub_links_the_evaluation_to_a_kpi_with_its_baseline(project: Path) -> None:
    new_evaluation(
        "tobacco", design="synth", dataset="studies.prop99", policy="Prop 99", root=project
    )
    text = (project / "pipelines" / "policies" / "tobacco.yaml").read_text(encoding="utf-8")
    assert "evidence: {pipeline: tobacco, task: tobacco}" in text
    assert 'filter: {State: "California"}' in text
    # California's sales in 1988, the year before the tax (studies.prop99)
    assert "    baseline:\n      value: 90.1\n      date: 1988\n" in text
    assert "frequency: annual" in text
    nb = declared_parameters(project / "notebooks" / "tobacco.py")
    assert nb["treated_unit"].default == "California"
    assert nb["treatment_time"].default == 1989
    # once the TODOs are filled in, the model loads
    filled = (
        text.replace("direction: TODO", "direction: lower")
        .replace("target: {value: TODO, date: TODO}", "target: {value: 40, date: 2000}")
        .replace("description: TODO", "description: tax")
        .replace("owner: TODO", "owner: CDPH")
    )
    (project / "pipelines" / "policies" / "tobacco.yaml").write_text(filled, encoding="utf-8")
    assert _errors([project / "pipelines" / "policies" / "tobacco.yaml"], project) == []


def test_what_cannot_be_guessed_is_todo_and_check_lists_it(project: Path) -> None:
    made = new_evaluation(
        "fiscal", design="did", dataset="japan.municipal_fiscal_indices", root=project
    )
    text = (project / "notebooks" / "fiscal.py").read_text(encoding="utf-8")
    assert "# TODO: the outcome column: one of code, lg_code, name" in text
    assert 'outcome: str = "TODO"\n' in text
    assert 'policy: str = "TODO"  # TODO: the policy evaluated, in words' in text
    assert made.guessed == [
        "notebooks/fiscal.py: unit = 'code' (guessed from the column's name: check it is the unit)",
        "notebooks/fiscal.py: time = 'fiscal_year' (guessed from the column's name: check it "
        "is the time)",
    ]
    errors = _errors([project / "pipelines" / "fiscal.yaml"], project)
    assert errors == [
        *(
            f"pipelines/fiscal.yaml, line 8: task 'fiscal': `{p}` still says 'TODO' (the default "
            "in notebooks/fiscal.py); fill it in (the comment beside it says what it should be)"
            for p in ("outcome", "treated")
        ),
        "pipelines/fiscal.yaml, line 12: task 'fiscal': `policy` still says 'TODO'; fill it in "
        "(the comment beside it says what it should be)",
    ]
    spec = (project / "pipelines" / "fiscal.yaml").read_text(encoding="utf-8")
    assert spec.endswith('      policy: "TODO"  # TODO: the policy evaluated, in words\n')
    with pytest.raises(PipelineError, match=r"`outcome` still says 'TODO'"):
        run_pipeline(project / "pipelines" / "fiscal.yaml", out_dir=project)


def test_the_generated_notebook_passes_the_projects_lint(project: Path) -> None:
    new_evaluation("fiscal", design="did", dataset="japan.municipal_fiscal_indices", root=project)
    new_evaluation("rd", design="rdd", dataset="studies.senate", root=project, pipeline="fiscal")
    for name in ("fiscal.py", "rd.py"):
        text = (project / "notebooks" / name).read_text(encoding="utf-8")
        for command in (["check"], ["format", "--check"]):
            done = subprocess.run(  # as `make lint` sees a notebook of the project
                [sys.executable, "-m", "ruff", *command, "--stdin-filename", f"notebooks/{name}"],
                input=text,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr


def test_a_task_is_added_to_an_existing_spec_keeping_its_text(project: Path) -> None:
    spec = project / "pipelines" / "mine.yaml"
    original = (
        "# my evaluations\nname: mine\ndescription: x\ntasks:\n"
        "  # the first one\n  - name: first\n    notebook: notebooks/did.py\n"
    )
    spec.write_text(original, encoding="utf-8")
    made = new_evaluation(
        "second", design="its", dataset="studies.prop99", pipeline="mine", root=project
    )
    assert made.changed == [spec]
    text = spec.read_text(encoding="utf-8")
    assert text.startswith(original)
    assert [t.name for t in load_spec(spec).tasks] == ["first", "second"]


def test_a_new_pipeline_then_an_evaluation_in_it(project: Path) -> None:
    made = new_pipeline("mine", description="my evaluations", root=project, today=DAY)
    spec = project / "pipelines" / "mine.yaml"
    assert made.created == [spec]
    assert made.todo == []
    assert load_spec(spec).tasks == ()
    problems = check_paths([spec], root=project)
    assert [(p.level, p.message) for p in problems] == [
        (
            "warning",
            "pipeline 'mine' has no tasks yet; add one with `ebpm new evaluation NAME --design "
            "did --dataset NS.ENTRY --pipeline mine`",
        )
    ]
    with pytest.raises(PipelineError, match=r"pipeline 'mine' has no tasks yet; add one with"):
        run_pipeline(spec, out_dir=project)
    new_evaluation("a", design="did", dataset="studies.prop99", pipeline="mine", root=project)
    assert [t.name for t in load_spec(spec).tasks] == ["a"]


# --- nothing is overwritten ------------------------------------------------------------------
def test_an_existing_file_stops_it_before_anything_is_written(project: Path) -> None:
    (project / "notebooks" / "donors.py").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(
        PipelineError, match=r"notebooks/donors\.py already exists; ebpm new overwrites nothing"
    ):
        new_evaluation("donors", design="did", dataset="studies.organ_donations", root=project)
    assert (project / "notebooks" / "donors.py").read_text(encoding="utf-8") == "# mine\n"
    assert not (project / "pipelines" / "donors.yaml").exists()
    assert not (project / "pipelines" / "policies").exists()


def test_a_task_of_that_name_in_the_spec_stops_it(project: Path) -> None:
    spec = project / "pipelines" / "p.yaml"
    spec.write_text("name: p\ntasks:\n  - name: a\n    notebook: notebooks/did.py\n", "utf-8")
    with pytest.raises(PipelineError, match=r"pipelines/p\.yaml already has a task 'a'"):
        new_evaluation("a", design="did", dataset="studies.prop99", pipeline="p", root=project)
    assert not (project / "notebooks" / "a.py").exists()


def test_a_spec_whose_tasks_are_not_last_is_not_rewritten(project: Path) -> None:
    spec = project / "pipelines" / "p.yaml"
    text = "name: p\ntasks:\n  - notebook: notebooks/did.py\ntimeout: 60\n"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(PipelineError, match=r"`tasks:` is not the spec's last key"):
        new_evaluation("b", design="did", dataset="studies.prop99", pipeline="p", root=project)
    assert spec.read_text(encoding="utf-8") == text
    assert not (project / "notebooks" / "b.py").exists()


def test_a_failed_check_puts_every_file_back(tmp_path: Path) -> None:
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text("before", encoding="utf-8")

    def fail() -> None:
        raise PipelineError("broken")

    with pytest.raises(PipelineError, match="broken"):
        _write_all({new: "x", old: "after"}, verify=fail)
    assert not new.exists()
    assert old.read_text(encoding="utf-8") == "before"


# --- bad input -------------------------------------------------------------------------------
def test_an_unknown_design_names_the_designs(project: Path) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"design 'diid' is not one ebpm knows \(did, staggered, event_study, synth, rdd, "
        r"its\)\. Did you mean 'did'\?",
    ):
        new_evaluation("x", design="diid", dataset="studies.prop99", root=project)


@pytest.mark.parametrize(
    ("name", "fix"), [("my eval", "my_eval"), ("2024", "x_2024"), ("名前", "evaluation")]
)
def test_a_name_that_cannot_name_a_file_gets_a_fix(project: Path, name: str, fix: str) -> None:
    with pytest.raises(
        InvalidOptionError, match=rf"evaluation name '{name}' must start .*try '{fix}'"
    ):
        new_evaluation(name, design="did", dataset="studies.prop99", root=project)


def test_an_unknown_dataset_gets_a_close_match(project: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"studies\.prop9.*studies\.prop99"):
        new_evaluation("x", design="did", dataset="studies.prop9", root=project)
    assert not (project / "notebooks" / "x.py").exists()


def test_a_missing_template_says_how_to_get_it_back(project: Path) -> None:
    (project / "notebooks" / "rdd.py").unlink()
    with pytest.raises(PipelineError, match=r"regression discontinuity template notebooks/rdd"):
        new_evaluation("x", design="rdd", dataset="studies.senate", root=project)


# --- Japanese, and policies -------------------------------------------------------------------
def test_japanese_comments_and_next_run_language(project: Path) -> None:
    new_evaluation(
        "fiscal", design="did", dataset="japan.municipal_fiscal_indices", lang="ja", root=project
    )
    nb = (project / "notebooks" / "fiscal.py").read_text(encoding="utf-8")
    assert "# TODO: 評価する政策（文章で）" in nb
    stub = (project / "pipelines" / "policies" / "fiscal.yaml").read_text(encoding="utf-8")
    assert stub.startswith("# 評価 `fiscal` のロジックモデルのひな形")
    spec = (project / "pipelines" / "fiscal.yaml").read_text(encoding="utf-8")
    assert "（`ebpm new evaluation` で作成）" in spec


def test_a_new_policy_lists_every_todo_until_filled(project: Path) -> None:
    made = new_policy("allowance", title="Child allowance", root=project, today=DAY)
    path = project / "pipelines" / "policies" / "allowance.yaml"
    assert made.created == [path]
    errors = _errors([path], project)
    lines = [p.line or 0 for p in check_paths([path], root=project)]
    assert lines == sorted(lines)  # in the file's order, model problems and TODOs alike
    assert any("`direction` must be one of higher, lower" in e for e in errors)
    assert any(
        e.startswith("pipelines/policies/allowance.yaml, line 9: `label` still") for e in errors
    )
    with pytest.raises(PipelineError, match=r"allowance\.yaml already exists"):
        new_policy("allowance", root=project)


def test_a_secret_in_a_text_is_refused_before_anything_is_written(project: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"--policy holds a secret \(appId=\.\.\.\)"):
        new_evaluation(
            "x",
            design="did",
            dataset="studies.prop99",
            policy="see https://x.example/?appId=SECRET123",
            root=project,
        )
    assert not (project / "notebooks" / "x.py").exists()
    with pytest.raises(InvalidOptionError, match=r"--title holds a secret \(token=\.\.\.\)"):
        new_policy("y", title="https://x.example/?token=abc", root=project)
