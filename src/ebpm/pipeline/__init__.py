"""Pipelines: specs that say which notebooks run with which parameters, and the runner."""

from ebpm.pipeline.notebooks import NotebookParameter, parameters_cell, read_notebook
from ebpm.pipeline.spec import PipelineSpec, Task, load_spec

__all__ = [
    "NotebookParameter",
    "PipelineSpec",
    "RunResult",
    "Task",
    "TaskResult",
    "load_spec",
    "parameters_cell",
    "read_notebook",
    "run_pipeline",
]


def __getattr__(name: str):
    # The runner imports papermill's dependencies on use; keep `import ebpm.pipeline` cheap.
    if name in ("run_pipeline", "RunResult", "TaskResult"):
        from ebpm.pipeline import runner

        return getattr(runner, name)
    raise AttributeError(name)
