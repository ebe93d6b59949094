"""Per-task overhead of `ebpm run` against `papermill.execute_notebook` on the same notebook.

What a user would do instead of ebpm is call papermill directly. Both run the same notebook
with the same parameters in this one process, alternating, so machine noise hits both alike.
ebpm adds: the parameter check before the kernel starts, jupytext conversion, HTML rendering with
code hidden, the site index, the manifest. Reported: median wall time per task and the ratio.
"""

from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path

import jupytext
import nbformat
import papermill

from ebpm.pipeline.runner import run_pipeline

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5

TRIVIAL = """# %% tags=["parameters"]
x: int = 1  # a number

# %%
print(x + 1)
"""

PARAMS = {
    "dataset": "studies.organ_donations",
    "outcome": "Rate",
    "unit": "State",
    "time": "quarter_num",
    "treated": "treated",
}


def _spec(work: Path, name: str, notebook: str, params: dict) -> Path:
    import yaml

    (work / "pipelines").mkdir(exist_ok=True)
    spec = work / "pipelines" / f"{name}.yaml"
    spec.write_text(
        yaml.safe_dump(
            {"name": name, "tasks": [{"name": name, "notebook": notebook, "parameters": params}]}
        )
    )
    return spec


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(work: Path) -> str:
    logging.getLogger("papermill").setLevel(logging.ERROR)
    (work / "notebooks").mkdir()
    (work / "notebooks" / "trivial.py").write_text(TRIVIAL)
    (work / "notebooks" / "did.py").write_text((ROOT / "notebooks" / "did.py").read_text())
    cases = {
        "trivial (1 print)": ("notebooks/trivial.py", {"x": 2}),
        "did.py (catalog, TWFE, 2 plots)": ("notebooks/did.py", PARAMS),
    }
    import os

    os.environ.setdefault("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
    rows = []
    for label, (nb_rel, params) in cases.items():
        name = Path(nb_rel).stem
        spec = _spec(work, name, nb_rel, params)
        ipynb = work / f"{name}.ipynb"
        nb = jupytext.read(work / nb_rel)
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "python3",
            "language": "python",
        }
        nbformat.write(nb, ipynb)

        def direct(ipynb=ipynb, params=params, name=name):
            papermill.execute_notebook(
                str(ipynb),
                str(work / f"{name}.out.ipynb"),
                parameters=params,
                kernel_name="python3",
                progress_bar=False,
                cwd=str(work),
            )

        def ebpm_run(spec=spec):
            result = run_pipeline(spec, out_dir=work / "out")
            assert result.ok, [t.reason for t in result.tasks]

        direct()  # warm-up: imports, caches, first kernel start
        ebpm_run()
        t_pm, t_eb = [], []
        for _ in range(REPEATS):
            t_pm.append(_time(direct))
            t_eb.append(_time(ebpm_run))
        pm, eb = statistics.median(t_pm), statistics.median(t_eb)
        rows.append(f"| {label} | {pm:.2f} | {eb:.2f} | {eb / pm:.2f}× | {eb - pm:+.2f} |")
    return "\n".join(
        [
            "## Per-task overhead of `ebpm run` vs `papermill.execute_notebook`",
            "",
            f"Median wall time of one task over {REPEATS} alternating repeats in one long-lived "
            "process, after one warm-up each. papermill's default graceful kernel shutdown; ebpm "
            "shuts kernels down immediately, checks parameters first, renders the HTML report "
            "(code hidden), rebuilds the site index and writes the manifest.",
            "",
            "| notebook | papermill.execute_notebook (s) | ebpm run, per task (s) | ratio | "
            "ebpm − papermill (s) |",
            "|---|---:|---:|---:|---:|",
            *rows,
            "",
        ]
    )
