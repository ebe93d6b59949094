"""Shared helpers of the pipeline tests: hand-written run manifests, the way a run leaves them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT


def record(name: str, status: str = "ok", **fields: Any) -> dict[str, Any]:
    """A task record as a manifest holds it (what ``TaskResult.to_dict`` writes)."""
    return {
        "name": name,
        "group": name,
        "notebook": "notebooks/n.py",
        "parameters": {},
        "status": status,
        "reason": None,
        "headline": None,
        "datasets": [],
        "fingerprint": {},
        "unchanged_since": None,
        "revision": None,
        **fields,
    }


def write_run(
    out: Path, pipeline: str, run_id: str, tasks: list[dict[str, Any]], **fields: Any
) -> Path:
    """Write ``<out>/runs/<pipeline>/<run_id>/manifest.json``; returns its path."""
    path = out / "runs" / pipeline / run_id / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "manifest_version": 2,
        "pipeline": pipeline,
        "run_id": run_id,
        "status": "ok" if all(t["status"] in ("ok", "unchanged") for t in tasks) else "failed",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:01:00+00:00",
        "duration_s": 60.0,
        "tasks": tasks,
        **fields,
    }
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def headline(estimate: float | None, **more: Any) -> dict[str, Any]:
    """A published result (``application/vnd.ebpm.result+json``) around ``estimate``."""
    numbers = {"estimate": estimate, "std_error": 0.1, "conf_low": None, "conf_high": None}
    if estimate is not None:
        numbers.update(conf_low=estimate - 0.2, conf_high=estimate + 0.2)
    return {"headline": {**numbers, "p_value": None}, "estimand": "ATT", **more}


def context(spec: Any, plans: dict[str, Any], *, run_id: str, **fields: Any) -> Any:
    """A :class:`~ebpm.pipeline.plan.RunContext` of ``spec`` writing under its project root."""
    from ebpm.pipeline.fingerprint import Hasher
    from ebpm.pipeline.plan import RunContext

    base: dict[str, Any] = {
        "spec": spec,
        "plans": plans,
        "run_id": run_id,
        "run_dir": spec.root / "runs" / spec.name / run_id,
        "site": spec.root / "site",
        "kernel": "python3",
        "jobs": 2,
        "scheduler": None,
        "backoff": 0.0,
        "emit": lambda event: None,
        "git": {"commit": None, "dirty": None},
        "hasher": Hasher(),
        "environment": "environment-1",
        "started_at": "2026-01-03T00:00:00+00:00",
    }
    return RunContext(**{**base, **fields})


# --- a notebook for the executor tests --------------------------------------------------------
PROBE_CELLS = [
    'mode: str = "ok"  # ok | raise | transient | crash\n'
    "seconds: float = 0.0  # how long to sleep after writing the marker\n"
    'marker: str = ""  # a file written once the notebook runs\n'
    'source: str = ""  # a project file holding the value to print\n'
    "value: float = 1.0",
    "import os\n"
    "import signal\n"
    "import time\n"
    "from pathlib import Path\n"
    "\n"
    "if marker:\n"
    '    Path(marker).write_text(str(os.getpid()), encoding="utf-8")\n'
    "time.sleep(seconds)\n"
    'if mode == "raise":\n'
    '    raise ValueError(f"failed on purpose (mode={mode})")\n'
    'if mode == "transient":\n'
    '    raise ConnectionError("the publisher did not answer")\n'
    'if mode == "crash":\n'
    "    os.kill(os.getpid(), signal.SIGKILL)\n"
    "if source:\n"
    '    value = float(Path(source).read_text(encoding="utf-8"))\n'
    'print(f"value={value}")',
]


def probe_payload(
    task: str, project: Path, *, timeout: float | None = None, attempt: int = 1, **parameters: Any
) -> Any:
    """A :class:`~ebpm.pipeline.execute.Payload` running the probe notebook in ``project`` (the
    kernel's working folder and the root its reads are recorded under)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from ebpm._protocol import PROJECT_ROOT_ENV
    from ebpm.pipeline.execute import KERNEL_ENV, Payload

    params, code = PROBE_CELLS
    nb = new_notebook(
        cells=[new_code_cell(params, metadata={"tags": ["parameters"]}), new_code_cell(code)]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    return Payload(
        task=task,
        notebook=nbformat.writes(nb),
        parameters=parameters,
        cwd=str(project),
        env={**KERNEL_ENV, PROJECT_ROOT_ENV: str(project)},
        timeout=timeout,
        attempt=attempt,
    )


@pytest.fixture(scope="module")
def catalog_env() -> Iterator[None]:
    """Kernels inherit os.environ: point them (and us) at the project's catalogs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
        yield
