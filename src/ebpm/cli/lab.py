"""``ebpm lab``: explore a task in JupyterLab on a scratch copy of its notebook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from ebpm.cli._base import CONTEXT, _param_option, boundary, main


@main.command(context_settings=CONTEXT)
@click.argument("task")
@click.argument("pipeline", required=False, type=click.Path(path_type=Path))
@_param_option(
    "Set a parameter of the task, as `ebpm run -p` would (VALUE is read as YAML: 3, 0.5, true)."
)
@click.option("--force", is_flag=True, help="Replace an existing scratch copy and the work in it.")
@click.option(
    "--no-browser",
    is_flag=True,
    help="Start JupyterLab without opening a browser (it prints the URL to open).",
)
@click.option(
    "--print-only",
    is_flag=True,
    help="Make the scratch copy and print its path; do not start JupyterLab.",
)
@boundary
def lab(
    task: str,
    pipeline: Path | None,
    params: dict[str, Any],
    force: bool,
    no_browser: bool,
    print_only: bool,
) -> None:
    """Open a scratch copy of TASK's notebook in JupyterLab, with its parameters injected.

    TASK is a task of PIPELINE (a spec; default: the project's spec that has the task), named
    as its report is (`prop99-cluster`) or as the spec names it when that is one report. The
    copy goes to scratch/<pipeline>/<task>.ipynb with the parameters `ebpm run` would pass in
    a cell tagged `injected-parameters`; secret-looking ones are never written. Pipelines
    never read scratch/, so nothing you do there reaches a report. An existing copy is kept
    unless you give --force.

    \b
    Examples:
      ebpm lab organ_donations
      ebpm lab prop99-hetero pipelines/demo.yaml -p vcov iid
      ebpm lab senate_rdd --print-only        just make the copy and print its path
    """
    from ebpm.pipeline.lab import lab_command, make_scratch_copy

    copy = make_scratch_copy(task, pipeline, parameters=params, force=force)
    if print_only:
        click.echo(copy.path)
        return
    click.echo(f"scratch copy of {copy.task.name} ({copy.spec.display_path}): {copy.path}")
    if copy.left_out:
        click.echo(f"left out (secret-looking): {', '.join(copy.left_out)}")
    sys.exit(subprocess.call(lab_command(copy, browser=not no_browser)))
