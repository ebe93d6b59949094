"""Pipelines: specs that say which notebooks run with which parameters, and the runner.

* :mod:`~ebpm.pipeline.spec` reads and validates ``pipelines/*.yaml`` (a JSON schema, errors
  with file and line); :mod:`~ebpm.pipeline.params` checks and coerces parameters against a
  notebook's annotated ``parameters`` cell; :mod:`~ebpm.pipeline.check` does both for a whole
  project (``ebpm check``).
* :mod:`~ebpm.pipeline.runner` runs a pipeline (``ebpm run``): in parallel on warm kernels or on
  Dask (:mod:`~ebpm.pipeline.scheduler`, :mod:`~ebpm.pipeline.executors`,
  :mod:`~ebpm.pipeline.execute`), skipping tasks whose fingerprint
  (:mod:`~ebpm.pipeline.fingerprint`) did not change (:mod:`~ebpm.pipeline.plan`), one run at a
  time (:mod:`~ebpm.pipeline.lock`); it publishes each finished task into the site
  (:mod:`~ebpm.pipeline.publish`) and records the run (:mod:`~ebpm.pipeline.records`). Its
  ``progress`` callback gets the typed events of :mod:`~ebpm.pipeline.events`.
* :mod:`~ebpm.pipeline.history` reads the run manifests (``ebpm runs``, ``ebpm rerun``) and
  compares estimates across runs; :mod:`~ebpm.pipeline.schedule` turns ``schedule:`` into words,
  due times and a crontab block (``ebpm schedule``).
"""

from typing import TYPE_CHECKING

from ebpm._lazy import defer_iri_grammar, exports

# papermill and nbformat load here on use; spare them a grammar they never use (1 s of CPU)
defer_iri_grammar()

if TYPE_CHECKING:  # what type checkers and editors see; at run time each loads on first use
    from ebpm.pipeline.check import check_paths
    from ebpm.pipeline.events import Event
    from ebpm.pipeline.notebooks import NotebookParameter, parameters_cell, read_notebook
    from ebpm.pipeline.runner import RunResult, TaskResult, run_pipeline
    from ebpm.pipeline.spec import PipelineSpec, Task, Tolerance, load_spec

__all__ = [
    "Event",
    "NotebookParameter",
    "PipelineSpec",
    "RunResult",
    "Task",
    "TaskResult",
    "Tolerance",
    "check_paths",
    "load_spec",
    "parameters_cell",
    "read_notebook",
    "run_pipeline",
]


# The runner and the checker import more (papermill on use, the catalog): every name loads on
# first use, so `import ebpm.pipeline` stays cheap.
__getattr__, __dir__ = exports(
    __name__,
    {
        "NotebookParameter": ".notebooks",
        "parameters_cell": ".notebooks",
        "read_notebook": ".notebooks",
        "PipelineSpec": ".spec",
        "Task": ".spec",
        "Tolerance": ".spec",
        "load_spec": ".spec",
        "RunResult": ".runner",
        "TaskResult": ".runner",
        "run_pipeline": ".runner",
        "check_paths": ".check",
        "Event": ".events",
    },
)
