"""Analysis plans (pre-registration, issue 21): locking a pipeline's plan, relocking with a
reason, and every kind of deviation from it named in words.

The project is a temporary copy of the probe notebook (tests/fixtures/notebooks/probe.py) with a
two-task spec; nothing here starts a kernel (the end-to-end test is in tests/cli/test_plan.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ebpm.errors import ParameterError, PipelineError
from ebpm.pipeline import prereg
from ebpm.pipeline.spec import load_spec
from ebpm.site.pages import deviation_text, plan_block, plan_summary
from tests.conftest import FIXTURES
from tests.pipeline.conftest import record, write_run

SPEC = """\
name: p
tasks:
  - name: a
    notebook: notebooks/probe.py
    parameters: {value: 1, label: a}
  - name: b
    notebook: notebooks/probe.py
    parameters: {value: 2.0, label: b}
"""

SECRET = "S3CRET-VALUE-42"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with notebooks/probe.py and pipelines/p.yaml; returns the spec."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "notebooks" / "probe.py").write_bytes(
        (FIXTURES / "notebooks" / "probe.py").read_bytes()
    )
    spec = tmp_path / "pipelines" / "p.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return spec


def _plan(spec: Path) -> dict[str, Any]:
    return json.loads((spec.parent / "plans" / "p.plan.json").read_text(encoding="utf-8"))


def _words(check: dict[str, Any], lang: str = "en") -> list[str]:
    return [deviation_text(d, lang, now="now") for d in check["deviations"]]


def _status(spec: Path, task: str = "a") -> dict[str, Any]:
    return prereg.status(spec, out=spec.parent.parent)["tasks"][task]


# --- locking ---------------------------------------------------------------------------------
def test_lock_records_design_notebook_parameters_and_who(project: Path) -> None:
    path = prereg.lock(project, out=project.parent.parent, by="Hanako <h@example.jp>")
    assert path == project.parent / "plans" / "p.plan.json"
    plan = _plan(project)
    assert plan["pipeline"] == "p"
    assert plan["locked_by"] == "Hanako <h@example.jp>"
    assert plan["reason"] is None
    assert plan["history"] == []
    a = plan["tasks"]["a"]
    assert a["design"] == "probe"
    assert a["notebook"] == "notebooks/probe.py"
    assert len(a["notebook_sha256"]) == 64
    assert any("value: float = 1.0" in c for c in a["cells"])
    # resolved as the runner resolves them: coerced to the declared type, defaults left out
    assert a["parameters"] == {"value": 1.0, "label": "a"}
    assert isinstance(a["parameters"]["value"], float)
    assert a["ran_before_lock"] is None


def test_a_plan_just_locked_is_followed(project: Path) -> None:
    prereg.lock(project, out=project.parent.parent, by="me")
    check = _status(project)
    assert check["follows"] is True
    assert check["deviations"] == []
    assert "This run follows the locked analysis plan (`pipelines/plans/p.plan.json`" in (
        plan_summary(check)
    )


def test_relock_without_a_reason_is_refused_and_leaves_the_plan(project: Path) -> None:
    prereg.lock(project, by="me")
    before = (project.parent / "plans" / "p.plan.json").read_bytes()
    with pytest.raises(PipelineError, match=r"already has an analysis plan.*--reason"):
        prereg.lock(project, by="me")
    with pytest.raises(PipelineError, match=r"ebpm plan lock pipelines/p.yaml --reason"):
        prereg.lock(project, by="me", reason="   ")
    assert (project.parent / "plans" / "p.plan.json").read_bytes() == before


def test_relock_keeps_the_previous_lock_in_the_history(project: Path) -> None:
    prereg.lock(project, by="first")
    project.write_text(SPEC.replace("value: 1,", "value: 5,"), encoding="utf-8")
    prereg.lock(project, by="second", reason="the referee asked for value 5")
    plan = _plan(project)
    assert plan["locked_by"] == "second"
    assert plan["reason"] == "the referee asked for value 5"
    assert plan["tasks"]["a"]["parameters"]["value"] == 5.0
    (old,) = plan["history"]
    assert old["locked_by"] == "first"
    assert old["tasks"]["a"]["parameters"]["value"] == 1.0
    assert "history" not in old
    prereg.lock(project, by="third", reason="again")
    assert [h["locked_by"] for h in _plan(project)["history"]] == ["first", "second"]


def test_lock_one_task_keeps_the_others_as_locked(project: Path) -> None:
    prereg.lock(project, by="me")
    project.write_text(SPEC.replace("value: 2.0", "value: 7.0").replace("value: 1,", "value: 9,"))
    prereg.lock(project, tasks=["b"], by="me", reason="b's value was a typo")
    plan = _plan(project)
    assert plan["tasks"]["a"]["parameters"]["value"] == 1.0  # a stays as locked
    assert plan["tasks"]["b"]["parameters"]["value"] == 7.0
    assert plan["relocked_tasks"] == ["b"]


def test_lock_of_an_unknown_task_names_a_close_match(project: Path) -> None:
    with pytest.raises(ParameterError, match=r"task 'aa' is not in pipelines/p.yaml\. Did you"):
        prereg.lock(project, tasks=["aa"], by="me")
    assert not (project.parent / "plans").exists()


def test_an_unreadable_plan_says_how_to_restore_it(project: Path) -> None:
    (project.parent / "plans").mkdir()
    (project.parent / "plans" / "p.plan.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"not a readable analysis plan.*git checkout"):
        prereg.status(project)


def test_a_pipeline_without_a_plan_records_nothing(project: Path) -> None:
    spec = load_spec(project)
    assert prereg.read_plan(spec) is None
    assert prereg.task_check(spec, spec.tasks[0], {"value": 1.0}, []) is None
    assert prereg.status(project)["plan"] is None


# --- deviations, each in words -------------------------------------------------------------
def test_a_changed_parameter_is_named_with_both_values(project: Path) -> None:
    prereg.lock(project, by="me")
    project.write_text(SPEC.replace("label: a", "label: changed"), encoding="utf-8")
    check = _status(project)
    assert check["follows"] is False
    assert _words(check) == ["parameter `label` was `a` in the plan, is `changed` now"]
    spec = load_spec(project)
    run = prereg.task_check(spec, spec.tasks[0], {"value": 1.0, "label": "wild"}, [])
    assert run is not None
    assert deviation_text(run["deviations"][0]) == (
        "parameter `label` was `a` in the plan, is `wild` in this run"
    )
    assert deviation_text(run["deviations"][0], "ja") == (
        "パラメータ `label` は計画では `a`、この実行では `wild`"
    )


def test_a_parameter_added_or_removed_is_named(project: Path) -> None:
    prereg.lock(project, by="me")
    spec = load_spec(project)
    run = prereg.task_check(spec, spec.tasks[0], {"value": 1.0, "mode": "ok"}, [])
    assert run is not None
    assert [deviation_text(d) for d in run["deviations"]] == [
        "parameter `label` was `a` in the plan but is not set in this run",
        "parameter `mode` is `ok` in this run but is not in the plan",
    ]


def test_an_edited_cell_is_named_by_its_number_and_first_line(project: Path) -> None:
    prereg.lock(project, by="me")
    notebook = project.parent.parent / "notebooks" / "probe.py"
    text = notebook.read_text(encoding="utf-8")
    notebook.write_text(text.replace("time.sleep(seconds)", "value = 2 * value  # scratch"))
    (words,) = _words(_status(project))
    assert words.startswith("cell 3 changed: `import os  # noqa: E402`")


def test_a_different_notebook_is_a_changed_design(project: Path) -> None:
    prereg.lock(project, by="me")
    root = project.parent.parent
    (root / "notebooks" / "other.py").write_bytes((root / "notebooks" / "probe.py").read_bytes())
    project.write_text(
        SPEC.replace(
            "notebooks/probe.py\n    parameters: {value: 1",
            "notebooks/other.py\n    parameters: {value: 1",
        )
    )
    assert _words(_status(project)) == [
        "design changed: `probe` in the plan, `other` now (`notebooks/other.py`)"
    ]


def test_a_task_added_after_the_lock_is_not_in_the_plan(project: Path) -> None:
    prereg.lock(project, by="me")
    project.write_text(
        SPEC + "  - name: c\n    notebook: notebooks/probe.py\n    parameters: {value: 3}\n"
    )
    assert _words(_status(project, "c")) == [
        "task `c` was added after the plan was locked (it is not in the plan)"
    ]
    assert _status(project, "a")["follows"] is True


def test_an_outcome_and_data_vintage_change_are_named() -> None:
    planned = {
        "design": "staggered_did",
        "outcome": "lemp",
        "parameters": {"outcome": "lemp", "vcov": "cluster"},
        "notebook_sha256": "n1",
        "data": [
            {"entry": "studies.mpdta", "sha256": "abc" * 21 + "a", "entry_sha256": "e1"},
            {"entry": "studies.prop99", "package": "synthdid", "package_version": "0.1"},
            {"entry": "studies.gone"},
        ],
    }
    now = {
        **planned,
        "outcome": "lpop",
        "parameters": {"outcome": "lpop", "vcov": "cluster"},
        "data": [
            {"entry": "studies.mpdta", "sha256": "def" * 21 + "d", "entry_sha256": "e2"},
            {"entry": "studies.prop99", "package": "synthdid", "package_version": "0.2"},
            {"entry": "studies.new", "sha256": "f" * 64},
        ],
    }
    words = [deviation_text(d) for d in prereg.compare(planned, now)]
    assert words == [
        "outcome changed: `lemp` in the plan, `lpop` in this run",
        "dataset `studies.mpdta` was sha256 `abcabcabcabc…` when the plan was locked, is "
        "`defdefdefdef…` in this run",
        "dataset `studies.prop99` came from `synthdid` `0.1` when the plan was locked, from "
        "`synthdid` `0.2` in this run",
        "dataset `studies.gone` is in the plan but is not used in this run",
        "dataset `studies.new` is used in this run but is not in the plan",
    ]


def test_an_edited_catalog_entry_is_named() -> None:
    planned = {"data": [{"entry": "studies.mpdta", "entry_sha256": "e1"}]}
    now = {"data": [{"entry": "studies.mpdta", "entry_sha256": "e2"}]}
    (d,) = prereg.compare(planned, now)
    assert deviation_text(d) == (
        "the catalog entry of dataset `studies.mpdta` was edited since the plan was locked"
    )


def test_a_relock_after_the_first_run_is_listed_with_its_reason(project: Path) -> None:
    out = project.parent.parent
    prereg.lock(project, by="me")
    write_run(out, "p", "20990101T000000Z-0001", [record("a")], started_at="2099-01-01T00:00:00")
    plan = _plan(project)
    plan["history"] = [{**plan, "history": None}]
    plan.update(locked_at="2099-02-01T00:00:00+00:00", locked_by="you", reason="more controls")
    (project.parent / "plans" / "p.plan.json").write_text(json.dumps(plan), encoding="utf-8")
    check = _status(project)
    assert _words(check) == [
        "the plan was relocked 2099-02-01 00:00 UTC by you, after this task first ran, because: "
        "more controls"
    ]
    assert [h["reason"] for h in check["history"]] == [None, "more controls"]
    # before its first run a relock is no deviation
    assert prereg.check_against(plan, "a", plan["tasks"]["a"], plan_file="x")["follows"]


def test_a_plan_locked_after_the_first_run_says_so(project: Path) -> None:
    out = project.parent.parent
    write_run(out, "p", "20000101T000000Z-0001", [record("a")], started_at="2000-01-01T00:00:00")
    prereg.lock(project, out=out, by="me")
    assert _plan(project)["tasks"]["a"]["ran_before_lock"] == "20000101T000000Z-0001"
    (words,) = _words(_status(project))
    assert words.startswith("the plan was locked ")
    assert words.endswith(", after this task first ran (2000-01-01 00:00 UTC)")


def test_a_lock_in_the_second_the_run_started_is_still_after_it(project: Path) -> None:
    """Times have whole seconds: a lock in the same second as the run's start is known to come
    after it by the run the lock recorded (CI once ran a short task and locked within it)."""
    out = project.parent.parent
    write_run(out, "p", "20000101T000000Z-0001", [record("a")], started_at="2000-01-01T00:00:00")
    prereg.lock(project, out=out, by="me")
    plan = _plan(project)
    plan["locked_at"] = "2000-01-01T00:00:00"  # the same second, as text
    (project.parent / "plans" / "p.plan.json").write_text(json.dumps(plan), encoding="utf-8")
    (words,) = _words(_status(project))
    assert words.endswith(", after this task first ran (2000-01-01 00:00 UTC)")


# --- ebpm check ------------------------------------------------------------------------------
def test_check_warns_when_the_spec_departs_from_the_plan(project: Path) -> None:
    from ebpm.pipeline.check import check_paths

    assert check_paths([project]) == []
    prereg.lock(project, by="me")
    assert check_paths([project]) == []
    project.write_text(
        SPEC.replace("label: a", "label: renamed").replace("  - name: b", "  - name: bb"),
        encoding="utf-8",
    )
    problems = [(p.level, p.line, p.message) for p in check_paths([project])]
    fix = (
        'relock with `ebpm plan lock pipelines/p.yaml --reason "..."` or undo the change '
        "(`ebpm plan diff pipelines/p.yaml` says it in full)"
    )
    assert problems == [
        (
            "warning",
            3,
            "task 'a' departs from its analysis plan (pipelines/plans/p.plan.json): parameter "
            f"`label`; {fix}",
        ),
        (
            "warning",
            6,
            "task 'bb' departs from its analysis plan (pipelines/plans/p.plan.json): not in the "
            f"plan; {fix}",
        ),
        (
            "warning",
            None,
            "the analysis plan (pipelines/plans/p.plan.json) has task(s) no longer in the spec: "
            f"b; {fix}",
        ),
    ]


def test_check_reports_an_unreadable_plan_as_an_error(project: Path) -> None:
    from ebpm.pipeline.check import check_paths

    (project.parent / "plans").mkdir()
    (project.parent / "plans" / "p.plan.json").write_text("[]", encoding="utf-8")
    (problem,) = check_paths([project])
    assert problem.level == "error"
    assert "is not an analysis plan (no `tasks` mapping)" in problem.message


# --- secrets ---------------------------------------------------------------------------------
def test_a_secret_parameter_is_refused_and_no_plan_is_written(project: Path) -> None:
    project.write_text(SPEC.replace("label: a", f'label: "https://x.jp/?token={SECRET}"'))
    with pytest.raises(ParameterError, match=r"(?s)nothing was locked.*holds a secret") as err:
        prereg.lock(project, by="me")
    assert SECRET not in str(err.value)
    assert not (project.parent / "plans").exists()


def test_secrets_at_any_depth_never_reach_the_plan_or_its_words(project: Path) -> None:
    spec = load_spec(project)
    task = spec.tasks[0]
    secret_params = {
        "label": f"https://example.jp/api?appId={SECRET}&q=1",
        "nested": {"auth": {"token": SECRET}, "list": [{"password": SECRET}]},
        "api_key": SECRET,
    }
    snap = prereg.snapshot(task, root=spec.root, parameters=secret_params)
    assert SECRET not in json.dumps(snap)
    assert snap["parameters"]["api_key"] == "***"
    planned = prereg.snapshot(task, root=spec.root)
    plan = {"tasks": {"a": planned}, "locked_at": "2026-01-01", "locked_by": f"x?token={SECRET}"}
    check = prereg.check_against(plan, "a", snap, plan_file="pipelines/plans/p.plan.json")
    # a secret that reaches a deviation unredacted (a hand-edited plan) is still redacted
    check["deviations"].append(
        {
            "kind": "parameter",
            "name": "token",
            "planned": {"token": SECRET},
            "actual": f"u?sig={SECRET}",
        }
    )
    for lang in ("en", "ja"):
        assert SECRET not in plan_block(check, lang)
        assert all(SECRET not in w for w in _words(check, lang))
