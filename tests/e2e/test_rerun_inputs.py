"""Incremental reruns notice every input a notebook uses (issue 16, "Stale results").

A small project in a temporary folder: ``catalogs/studies.yaml`` (entry ``organ``, a study
bundled in a package, with an ``assign:``), ``helpers.py`` (a module the notebook imports),
``data/rates.csv`` (a CSV it reads by relative path) and ``pipelines/p.yaml`` (one task). The
project is run again and again with one thing changed each time: the run says which input made
the task run again, and a change to something the task does not use reruns nothing.

Kernels are real, so the runs happen once, in a module-scoped fixture the tests read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ebpm.cli import main
from ebpm.pipeline import run_pipeline
from ebpm.pipeline.events import Event, Planned

pytestmark = pytest.mark.slow

NOTEBOOK = """\
# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% tags=["parameters"]
entry: str = "studies.organ"  # the catalog entry to load
csv: str = "data/rates.csv"  # a CSV of the project, read by its path

# %%
import json

import pandas as pd
from IPython.display import display

from ebpm import catalog
from helpers import scale

frame = catalog.load(entry)
extra = pd.read_csv(csv)
value = scale(float(frame["treated"].mean())) + float(extra["x"].sum())
display(
    {
        "text/plain": str(value),
        "application/vnd.ebpm.result+json": {
            "headline": {
                "estimate": value,
                "std_error": 0.5,
                "conf_low": value - 1,
                "conf_high": value + 1,
                "p_value": None,
            },
            "estimand": "mean",
        },
        "application/vnd.ebpm.provenance+json": {
            "datasets": [json.loads(json.dumps(frame.attrs["ebpm"], default=str))]
        },
    },
    raw=True,
)
"""

ENTRY = """\
  organ:
    reader: ebpm.catalog.readers:PackageCSV
    kwargs:
      package: causaldata
      resource: organ_donations/organ_donation.csv
      recode:
        Quarter:
          to: quarter_num
          map: {Q42010: 1, Q12011: 2, Q22011: 3, Q32011: 4, Q42011: 5, Q12012: 6}
      assign:
        treated: "((State == 'California') & (quarter_num >= FIRST)).astype('int64')"
    metadata:
      title: Organ donor registration rates
"""

OTHER = """\
  other:
    reader: ebpm.catalog.readers:PackageCSV
    kwargs:
      package: causaldata
      resource: organ_donations/organ_donation.csv
    metadata:
      title: The same file, another entry (TITLE)
"""

SPEC = """\
name: p
tasks:
  - name: t
    notebook: notebooks/inputs.py
"""


def _catalog(first: int = 4, title: str = "one") -> str:
    return (
        "version: 2\nentries:\n"
        + ENTRY.replace("FIRST", str(first))
        + OTHER.replace("TITLE", title)
    )


def _make_project(root: Path) -> Path:
    for folder in ("catalogs", "data", "notebooks", "pipelines"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "catalogs" / "studies.yaml").write_text(_catalog(), encoding="utf-8")
    (root / "helpers.py").write_text("def scale(x):\n    return x\n", encoding="utf-8")
    (root / "data" / "rates.csv").write_text("x\n1\n2\n", encoding="utf-8")
    (root / "data" / "unused.csv").write_text("x\n9\n", encoding="utf-8")
    (root / "notebooks" / "inputs.py").write_text(NOTEBOOK, encoding="utf-8")
    spec = root / "pipelines" / "p.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return spec


def _manifest_path(root: Path, run_id: str) -> Path:
    return root / "runs" / "p" / run_id / "manifest.json"


def _task(root: Path, run_id: str) -> dict[str, Any]:
    (task,) = json.loads(_manifest_path(root, run_id).read_text(encoding="utf-8"))["tasks"]
    return task


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project run ten times; each entry of the dict is one run (its result, the `why`
    the plan gave, its manifest's task record)."""
    root = tmp_path_factory.mktemp("inputs").resolve()
    spec = _make_project(root)
    out: dict[str, Any] = {"root": root}

    def run(step: str) -> None:
        events: list[Event] = []
        result = run_pipeline(spec, out_dir=root, jobs=1, progress=events.append)
        (plan,) = [e for e in events if isinstance(e, Planned)]
        (t,) = result.tasks
        record = _task(root, result.run_id)
        out[step] = {"task": t, "why": plan.reasons["t"], "record": record, "run": result}

    with pytest.MonkeyPatch.context() as mp:
        # the kernel finds the project's catalogs/ from its working folder, as a user's would
        mp.delenv("EBPM_CATALOG_DIR", raising=False)
        run("first")
        run("again")
        # things the task does not use: a new file, another data file, another catalog entry
        (root / "notes.md").write_text("to do\n", encoding="utf-8")
        (root / "data" / "unused.csv").write_text("x\n10\n11\n", encoding="utf-8")
        (root / "catalogs" / "studies.yaml").write_text(_catalog(title="two"), encoding="utf-8")
        run("unrelated")
        # the entry's assign: the package file it reads is byte for byte the same
        (root / "catalogs" / "studies.yaml").write_text(
            _catalog(first=5, title="two"), encoding="utf-8"
        )
        cli = CliRunner().invoke(main, ["run", str(spec), "--out", str(root)], prog_name="ebpm")
        out["entry"] = {"cli": cli}
        (root / "helpers.py").write_text("def scale(x):\n    return 10 * x\n", encoding="utf-8")
        run("helper")
        (root / "data" / "rates.csv").write_text("x\n1\n2\n3\n", encoding="utf-8")
        run("csv")
        run("stable")
        csv = (root / "data" / "rates.csv").read_bytes()
        (root / "data" / "rates.csv").unlink()
        run("gone")
        (root / "data" / "rates.csv").write_bytes(csv)
        run("restored")
        # a record from before ebpm recorded entry definitions and the files read
        path = _manifest_path(root, out["restored"]["run"].run_id)
        manifest = json.loads(path.read_text(encoding="utf-8"))
        (record,) = manifest["tasks"]
        out["before_stripping"] = json.loads(json.dumps(record))
        record["fingerprint"].pop("reads", None)
        for d in record["datasets"]:
            d.pop("entry_sha256", None)
        path.write_text(json.dumps(manifest), encoding="utf-8")
        (root / "helpers.py").write_text("def scale(x):\n    return 100 * x\n", encoding="utf-8")
        (root / "catalogs" / "studies.yaml").write_text(_catalog(first=3), encoding="utf-8")
        run("old_record")
    return out


def test_unrelated_changes_rerun_nothing_and_the_record_names_the_files_read(runs) -> None:
    assert runs["first"]["task"].status == "ok", runs["first"]["task"].reason
    assert runs["again"]["task"].status == "unchanged"
    unrelated = runs["unrelated"]
    assert unrelated["task"].status == "unchanged", unrelated["why"]
    # what the notebook read, with sha256: not the catalog file (its entries are compared one
    # by one), not the run folders, not Python's or ebpm's own files
    reads = runs["first"]["record"]["fingerprint"]["reads"]
    assert sorted(reads) == ["data/rates.csv", "helpers.py"]
    assert all(len(v) == 64 for v in reads.values())
    (dataset,) = runs["first"]["record"]["datasets"]
    assert dataset["entry"] == "studies.organ"
    assert len(dataset["entry_sha256"]) == 64
    # a skipped task keeps what the next run compares with
    assert unrelated["record"]["fingerprint"]["reads"] == reads


def test_an_edited_catalog_entry_reruns_the_task_and_says_so(runs) -> None:
    cli: Result = runs["entry"]["cli"]
    assert cli.exit_code == 0, cli.output
    assert "  rerun: t (catalog entry studies.organ changed)\n" in cli.stdout
    assert "1 ran ok, 0 unchanged" in cli.stdout
    # quarter 5 on instead of 4: California is treated one quarter fewer, the estimate moved
    assert "REVISED" in cli.stdout


def test_an_edited_helper_module_reruns_the_task(runs) -> None:
    helper = runs["helper"]
    assert helper["why"] == "project file helpers.py changed"
    assert helper["task"].status == "ok", helper["task"].reason
    assert {"input": "project file", "what": "helpers.py"} in helper["task"].revision[
        "changed_inputs"
    ]


def test_an_edited_csv_read_by_path_reruns_the_task(runs) -> None:
    csv = runs["csv"]
    assert csv["why"] == "project file data/rates.csv changed"
    assert csv["task"].status == "ok", csv["task"].reason
    old = runs["helper"]["task"].headline["headline"]["estimate"]
    assert csv["task"].headline["headline"]["estimate"] == pytest.approx(old + 3)
    assert runs["stable"]["task"].status == "unchanged", runs["stable"]["why"]


def test_a_deleted_input_reruns_the_task_and_restoring_it_reruns_the_failed_task(runs) -> None:
    gone = runs["gone"]
    assert gone["why"] == "project file data/rates.csv is gone"
    assert gone["task"].status == "failed"
    assert "FileNotFoundError" in gone["task"].reason
    restored = runs["restored"]
    # its last run failed: the next run runs it again (issue 18), and it succeeds
    assert restored["why"] == f"it failed in run {gone['run'].run_id}"
    assert restored["task"].status == "ok", restored["task"].reason


def test_a_record_from_before_is_not_compared_on_entries_and_files(runs) -> None:
    # the record did name them before it was stripped, so the stripping is what counts
    before = runs["before_stripping"]
    assert "reads" in before["fingerprint"]
    assert before["datasets"][0]["entry_sha256"]
    old = runs["old_record"]
    assert old["task"].status == "unchanged", old["why"]
