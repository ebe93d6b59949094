"""``ebpm plan lock|show|diff`` (analysis plans, issue 21) on a temporary copy of the small
project of tests/cli/conftest.py, and one end-to-end run that finds a deviation on its page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.conftest import error_lines, invoke, make_project

SECRET = "S3CRET-VALUE-42"


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pipelines/p.yaml of a fresh project, the working folder (names resolve in it)."""
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path)


def _plan(spec: Path) -> dict:
    return json.loads((spec.parent / "plans" / "p.plan.json").read_text(encoding="utf-8"))


def test_help_names_the_commands_and_gives_examples() -> None:
    r = invoke("plan", "--help")
    assert r.exit_code == 0, r.output
    for word in ("lock", "show", "diff", "status", "pre-registration", "ebpm plan lock demo"):
        assert word in r.output
    r = invoke("plan", "lock", "-h")
    assert r.exit_code == 0
    assert "--reason TEXT" in r.output
    assert "--task NAME" in r.output
    assert "ebpm plan lock pipelines/demo.yaml" in r.output


def test_lock_show_and_diff(spec: Path) -> None:
    r = invoke("plan", "lock", "p", "--by", "Hanako")
    assert r.exit_code == 0, r.output
    assert "locked the analysis plan of 2 task(s): a, b" in r.stdout
    assert "plan: pipelines/plans/p.plan.json (commit it with the project)" in r.stdout
    assert _plan(spec)["locked_by"] == "Hanako"
    r = invoke("plan", "show", "pipelines/p.yaml")
    assert r.exit_code == 0, r.output
    assert "analysis plan of p: pipelines/plans/p.plan.json" in r.stdout
    assert re.search(r"a: probe \(notebooks/probe\.py, sha256 [0-9a-f]{12}…", r.stdout)
    assert "parameters: value=1.0, label=a" in r.stdout
    assert re.search(r"history:\n  locked .* UTC by Hanako\n", r.stdout)
    r = invoke("plan", "diff", "p")
    assert r.exit_code == 0, r.output
    assert "a: follows the locked plan\nb: follows the locked plan" in r.stdout


def test_relock_needs_a_reason_and_keeps_the_history(spec: Path) -> None:
    assert invoke("plan", "lock", "p", "--by", "me").exit_code == 0
    before = _plan(spec)
    r = invoke("plan", "lock", "p", "--by", "me")
    assert r.exit_code == 1
    (line,) = error_lines(r)
    assert "already has an analysis plan" in line
    assert '`ebpm plan lock pipelines/p.yaml --reason "why the plan changes"`' in line
    assert _plan(spec) == before
    spec.write_text(spec.read_text().replace("value: 2.0", "value: 4.0"), encoding="utf-8")
    r = invoke("plan", "lock", "p", "-t", "b", "--by", "you", "--reason", "b's typo")
    assert r.exit_code == 0, r.output
    assert "relocked the analysis plan of 1 task(s): b" in r.stdout
    r = invoke("plan", "show", "p")
    assert re.search(r"  relocked .* UTC by you \(tasks b\): b's typo\n", r.stdout), r.stdout


def test_diff_names_each_deviation_in_words(spec: Path) -> None:
    assert invoke("plan", "lock", "p", "--by", "me").exit_code == 0
    spec.write_text(
        spec.read_text().replace("label: a", "label: renamed")
        + "  - name: c\n    notebook: notebooks/probe.py\n",
        encoding="utf-8",
    )
    r = invoke("plan", "status", "p")
    assert r.exit_code == 0, r.output
    assert "a: 1 deviation(s)\n  - parameter `label` was `a` in the plan, is `renamed` now" in (
        r.stdout
    )
    assert "b: follows the locked plan" in r.stdout
    assert "c: 1 deviation(s)\n  - task `c` was added after the plan was locked" in r.stdout


def test_show_and_diff_without_a_plan_say_how_to_lock_one(spec: Path) -> None:
    for command in ("show", "diff"):
        r = invoke("plan", command, "p")
        assert r.exit_code == 1
        (line,) = error_lines(r)
        assert "has no analysis plan yet; lock one" in line
        assert "`ebpm plan lock pipelines/p.yaml`" in line


def test_a_secret_parameter_is_refused_and_not_written(spec: Path) -> None:
    spec.write_text(
        spec.read_text().replace("label: a", f'label: "https://x.jp/?token={SECRET}"'),
        encoding="utf-8",
    )
    r = invoke("plan", "lock", "p")
    assert r.exit_code == 1
    assert "holds a secret" in r.stderr
    assert SECRET not in r.output
    assert not (spec.parent / "plans").exists()


# --- end to end ------------------------------------------------------------------------------
ONE_TASK = """\
name: p
tasks:
  - name: a
    notebook: notebooks/probe.py
    parameters: {value: 1.0, label: a}
"""


def _note(site: Path) -> str:
    page = (site / "reports" / "p" / "a.html").read_text(encoding="utf-8")
    m = re.search(r'<section class="ebpm-prereg".*?</section>', page, re.S)
    return m.group(0) if m else ""


@pytest.mark.slow
def test_a_locked_plan_and_a_changed_parameter_reach_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lock, run (follows), change a parameter in the spec, run: the page names the change.
    Two kernels."""
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    spec = make_project(tmp_path, ONE_TASK)
    site = tmp_path / "site"
    assert invoke("plan", "lock", "p", "--by", "Hanako").exit_code == 0
    r = invoke("run", spec, "-j", "1")
    assert r.exit_code == 0, r.output
    note = _note(site)
    assert "This run follows the locked analysis plan" in note
    manifest = next((tmp_path / "runs" / "p").glob("*/manifest.json"))
    (task,) = json.loads(manifest.read_text(encoding="utf-8"))["tasks"]
    assert task["prereg"]["follows"] is True
    spec.write_text(ONE_TASK.replace("value: 1.0", "value: 3.5"), encoding="utf-8")
    r = invoke("run", spec, "-j", "1")
    assert r.exit_code == 0, r.output
    note = _note(site)
    assert "departs from the locked analysis plan" in note
    assert (
        "parameter <code>value</code> was <code>1.0</code> in the plan, is <code>3.5</code> in "
        "this run" in note
    )
    # the site rebuilt from the recorded runs says the same
    assert invoke("publish", "--lang", "ja").exit_code == 0
    assert "パラメータ <code>value</code> は計画では <code>1.0</code>" in _note(site)


@pytest.mark.slow
def test_a_pipeline_without_a_plan_shows_nothing_about_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No plan file: no note, no record. Then a lock reruns the unchanged task so that its
    page says the plan was locked after it first ran. Two kernels."""
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    spec = make_project(tmp_path, ONE_TASK)
    r = invoke("run", spec, "-j", "1")
    assert r.exit_code == 0, r.output
    page = (tmp_path / "site" / "reports" / "p" / "a.html").read_text(encoding="utf-8")
    assert "ebpm-prereg" not in page
    assert "analysis plan" not in page.lower()
    assert invoke("plan", "lock", "p", "--by", "me").exit_code == 0
    r = invoke("run", spec, "-j", "1")
    assert r.exit_code == 0, r.output
    assert "rerun: a (its analysis plan was locked or changed since its report was made)" in (
        r.stdout
    )
    assert "after this task first ran" in _note(tmp_path / "site")
