"""The evidence registry never misstates a result (issue 18): the site is a function of the
recorded runs alone.

One project of three probe tasks is run as an analyst would: all succeed; a partial rerun of
``c`` fails (its transient failure is a marker file that is gone); the next ordinary run; a
policy file added that cites ``a``; task ``b`` removed from the spec. After each step the index,
the registry and the pages are checked, and the site published with ``ebpm publish`` to other
folders at other times is the same, byte for byte.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ebpm.cli import main
from ebpm.pipeline import history
from ebpm.pipeline.events import Event, Planned
from ebpm.pipeline.runner import run_pipeline
from tests.e2e.test_pipeline_runs import _project

pytestmark = pytest.mark.slow

POLICY = """\
title: A policy citing task a
title_ja: 施策A
links:
  - from: activity
    to: outcome
    evidence: {pipeline: p, task: a}
"""


#: Bookkeeping, not content: what each page was rendered from, which `ebpm publish` keeps so
#: that a republish leaves unchanged pages (issue 22); a run's own publishing does not write it.
_BOOKKEEPING = {".state.lock", "rendered.json"}


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.name not in _BOOKKEEPING
    }


def _registry(site: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((site / "evidence.json").read_text(encoding="utf-8"))
    return {r["task"]: r for r in data["evaluations"]}


def _publish(root: Path, folder: str, *run_ids: str) -> Path:
    result = CliRunner().invoke(
        main, ["publish", "--out", str(root), "--site", str(root / folder), *run_ids]
    )
    assert result.exit_code == 0, result.output
    return root / folder


def _finished(root: Path, run_id: str, task: str) -> str:
    m = history.find_run(root, run_id)
    (rec,) = [t for t in m["tasks"] if t["name"] == task]
    return rec["finished_at"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("published").resolve()
    marker = root / "marker"
    marker.write_text("present: the flaky task succeeds", encoding="utf-8")
    tasks = [
        {"name": "a", "parameters": {"value": 1.0}},
        {"name": "b", "parameters": {"value": 2.0}},
        {"name": "c", "parameters": {"value": 3.0, "mode": "flaky", "marker": str(marker)}},
    ]
    spec = _project(root, tasks)
    out: dict[str, Any] = {"root": root, "spec": spec}
    out["first"] = run_pipeline(spec, out_dir=root, jobs=2)
    marker.unlink()  # the publisher does not answer: c fails
    out["failed"] = run_pipeline(spec, out_dir=root, jobs=1, force=True, tasks=["c"])
    out["after_failure"] = _files(root / "site")
    out["www1"] = _files(_publish(root, "www1"))
    time.sleep(1.1)  # a later publish, to another folder
    out["www2"] = _files(_publish(root, "www2"))
    marker.write_text("back", encoding="utf-8")
    events: list[Event] = []
    out["ordinary"] = run_pipeline(spec, out_dir=root, jobs=2, progress=events.append)
    (out["plan"],) = [e for e in events if isinstance(e, Planned)]
    out["registry_ordinary"] = _registry(root / "site")
    (root / "pipelines" / "policies").mkdir()
    (root / "pipelines" / "policies" / "a.yaml").write_text(POLICY, encoding="utf-8")
    out["with_policy"] = run_pipeline(spec, out_dir=root, jobs=1)
    out["report_a"] = (root / "site" / "reports" / "p" / "a.html").read_text(encoding="utf-8")
    spec = _project(root, [tasks[0], tasks[2]])  # b leaves the spec
    out["without_b"] = run_pipeline(spec, out_dir=root, jobs=1)
    out["final"] = _files(root / "site")
    out["www3"] = _files(_publish(root, "www3"))
    return out


def test_a_partial_failed_rerun_keeps_the_other_results_and_the_last_good_one(project) -> None:
    first, failed = project["first"], project["failed"]
    reg = {
        r["task"]: r for r in json.loads(project["after_failure"]["evidence.json"])["evaluations"]
    }
    assert {t: (r["status"], r["estimate"]) for t, r in reg.items()} == {
        "a": ("ok", 1.0),
        "b": ("ok", 2.0),
        "c": ("failed", 3.0),  # the last good estimate, said to come from the first run
    }
    assert reg["c"]["run_id"] == failed.run_id
    assert reg["c"]["estimate_run_id"] == first.run_id
    assert reg["a"]["run_id"] == reg["a"]["estimate_run_id"] == first.run_id
    index = project["after_failure"]["index.html"].decode()
    assert "reports/p/c.html" in index  # the last good report stays linked
    assert "failures/p/c.html" in index


def test_run_date_is_when_the_task_ran(project) -> None:
    root, first, failed = project["root"], project["first"], project["failed"]
    reg = {r["task"]: r for r in json.loads(project["www1"]["evidence.json"])["evaluations"]}
    assert reg["a"]["run_date"] == _finished(root, first.run_id, "a")
    assert reg["c"]["run_date"] == _finished(root, failed.run_id, "c")


def test_the_same_runs_publish_the_same_site_anywhere_at_any_time(project) -> None:
    assert project["www1"] == project["www2"]
    assert project["www1"] == project["after_failure"]  # and the same as the run made it
    assert project["www3"] == project["final"]


def test_an_ordinary_run_after_a_failure_runs_the_failed_task_again(project) -> None:
    plan, failed = project["plan"], project["failed"]
    assert plan.to_run == ["c"]
    assert plan.reasons["c"] == f"it failed in run {failed.run_id}"
    assert sorted(plan.unchanged) == ["a", "b"]
    reg = project["registry_ordinary"]
    assert (reg["c"]["status"], reg["c"]["estimate"]) == ("ok", 3.0)
    assert reg["c"]["run_id"] == project["ordinary"].run_id
    assert reg["a"]["run_id"] == project["first"].run_id  # unchanged: still the first run's


def test_a_policy_added_later_is_linked_from_an_unchanged_report(project) -> None:
    (a,) = [t for t in project["with_policy"].tasks if t.name == "a"]
    assert a.status == "unchanged"
    assert "A policy citing task a" in project["report_a"]


def test_a_task_removed_from_the_spec_leaves_the_index_and_the_registry(project) -> None:
    final = project["final"]
    reg = json.loads(final["evidence.json"])["evaluations"]
    assert [r["task"] for r in reg] == ["a", "c"]
    assert "reports/p/b.html" not in final["index.html"].decode()


def test_no_raw_none_for_a_dataset_digest(project) -> None:
    for name in ("index.html", "evidence.csv"):
        assert "sha256 None" not in project["final"][name].decode("utf-8-sig")
