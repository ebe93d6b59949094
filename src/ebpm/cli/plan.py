"""``ebpm plan``: lock a pipeline's analysis plan (pre-registration), show it, and list how the
pipeline departs from it now (:mod:`ebpm.pipeline.prereg`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ebpm.cli._base import _OUT, CONTEXT, boundary, main


def _spec_path(pipeline: str) -> Path:
    """A spec's path, or the spec of a pipeline named so in ``pipelines/``."""
    path = Path(pipeline)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return path
    return Path("pipelines") / f"{pipeline}.yaml"


def _no_plan(spec: Path) -> Any:
    from ebpm.errors import PipelineError

    return PipelineError(
        f"{spec} has no analysis plan yet; lock one (before looking at the outcome data) with "
        f"`ebpm plan lock {spec}`"
    )


_PIPELINE = click.argument("pipeline", metavar="PIPELINE")


@main.group(
    context_settings=CONTEXT,
    short_help="Lock a pipeline's analysis plan and show how runs depart from it.",
)
def plan() -> None:
    """Analysis plans (pre-registration): what each task will estimate, locked before the
    outcome data are looked at, in pipelines/plans/<pipeline>.plan.json (commit it).

    Each report of a pipeline with a plan says whether its run follows the plan and lists
    every deviation (a changed parameter, notebook cell, dataset version or design, a task
    added after the lock, a relock after the first run). PIPELINE is a spec's path or a
    pipeline's name in pipelines/.

    \b
    Examples:
      ebpm plan lock pipelines/demo.yaml                 lock every task's plan
      ebpm plan lock demo --task prop99-cluster --reason "add the wild bootstrap"
      ebpm plan show demo                                the plan and its history
      ebpm plan diff demo                                how the pipeline departs from it now
    """


@plan.command("lock", context_settings=CONTEXT)
@_PIPELINE
@click.option(
    "--task",
    "-t",
    "tasks",
    multiple=True,
    metavar="NAME",
    help="Lock only this task (a task or spec-task name; repeat for several). The plan's other "
    "tasks stay as locked.",
)
@click.option(
    "--reason",
    metavar="TEXT",
    help="Why the plan is locked again: required once the pipeline has a plan (the old lock is "
    "kept in its history, with this reason).",
)
@click.option("--by", metavar="NAME", help="Who locks (default: git's user.name and user.email).")
@_OUT
@boundary
def plan_lock(
    pipeline: str, tasks: tuple[str, ...], reason: str | None, by: str | None, out_dir: Path
) -> None:
    """Lock the analysis plan of PIPELINE (every task, or those of --task).

    Records each task's design (its notebook), the notebook's sha256 and cells, the parameters
    as `ebpm run` resolves them (a secret is refused), the outcome column and each dataset's
    identity as known now: its catalog entry's definition and, when cached or shipped in a
    package, its sha256 and version. Nothing is run or downloaded.

    \b
    Examples:
      ebpm plan lock pipelines/demo.yaml
      ebpm plan lock demo --reason "referee 2: cluster by state"
    """
    from ebpm.pipeline import prereg

    spec = _spec_path(pipeline)
    path = prereg.lock(spec, out=out_dir, tasks=list(tasks) or None, reason=reason, by=by)
    locked = prereg.read_plan(_load(spec)) or {}
    which = sorted(locked.get("relocked_tasks") or locked.get("tasks") or [])
    verb = "relocked" if locked.get("history") else "locked"
    click.echo(f"{verb} the analysis plan of {len(which)} task(s): {', '.join(which)}")
    click.echo(f"plan: {_shown(path)} (commit it with the project)")
    ran = [t for t in which if (locked["tasks"][t].get("ran_before_lock"))]
    if ran:
        click.secho(
            f"note: {', '.join(ran)} ran before this lock; their reports will say the plan was "
            "locked after they first ran",
            fg="yellow",
        )


def _load(spec: Path) -> Any:
    from ebpm.pipeline.spec import load_spec

    return load_spec(spec)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _when(iso: Any) -> str:
    from ebpm._lang import when

    return when(iso, "en")


def _task_lines(name: str, entry: dict[str, Any]) -> list[str]:
    import json

    params = ", ".join(
        f"{k}={v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
        for k, v in (entry.get("parameters") or {}).items()
    )
    lines = [
        f"  {click.style(name, bold=True)}: {entry.get('design')} ({entry.get('notebook')}, "
        f"sha256 {str(entry.get('notebook_sha256'))[:12]}…, {len(entry.get('cells') or [])} "
        f"cells); outcome {entry.get('outcome') or '–'}",
        f"    parameters: {params or '–'}",
    ]
    for d in entry.get("data") or []:
        bits = [f"entry definition {str(d.get('entry_sha256') or '?')[:12]}…"]
        if d.get("sha256"):
            bits.append(f"sha256 {str(d['sha256'])[:12]}…")
        if d.get("package"):
            bits.append(f"{d['package']} {d.get('package_version') or ''}".strip())
        lines.append(f"    data {d.get('entry')}: {', '.join(bits)}")
    if entry.get("ran_before_lock"):
        lines.append(f"    ran before the lock (run {entry['ran_before_lock']})")
    return lines


@plan.command("show", context_settings=CONTEXT)
@_PIPELINE
@boundary
def plan_show(pipeline: str) -> None:
    """Print the locked plan of PIPELINE and its history (every lock, with its reason).

    \b
    Example:
      ebpm plan show demo
    """
    from ebpm.pipeline import prereg

    spec = _spec_path(pipeline)
    locked = prereg.read_plan(_load(spec))
    if locked is None:
        raise _no_plan(spec)
    click.echo(
        f"analysis plan of {locked.get('pipeline')}: {_shown(prereg.plan_path(_load(spec)))}"
    )
    click.echo(f"locked {_when(locked.get('locked_at'))} by {locked.get('locked_by')}")
    for name, entry in (locked.get("tasks") or {}).items():
        for line in _task_lines(name, entry):
            click.echo(line)
    click.echo("history:")
    for i, made in enumerate([*(locked.get("history") or []), locked]):
        what = "locked" if i == 0 else "relocked"
        why = f": {made.get('reason')}" if i else ""
        which = made.get("relocked_tasks")
        only = f" (tasks {', '.join(which)})" if i and which else ""
        click.echo(f"  {what} {_when(made.get('locked_at'))} by {made.get('locked_by')}{only}{why}")


@plan.command("diff", context_settings=CONTEXT)
@_PIPELINE
@_OUT
@boundary
def plan_diff(pipeline: str, out_dir: Path) -> None:
    """Print how PIPELINE departs from its locked plan now, task by task, without running
    anything (the data as cached or installed now; nothing is downloaded). Also `ebpm plan
    status`.

    \b
    Example:
      ebpm plan diff demo
    """
    from ebpm.pipeline import prereg
    from ebpm.site.pages import deviation_text

    spec = _spec_path(pipeline)
    standing = prereg.status(spec, out=out_dir)
    locked = standing["plan"]
    if locked is None:
        raise _no_plan(spec)
    click.echo(
        f"analysis plan {standing['plan_file']}, locked {_when(locked.get('locked_at'))} by "
        f"{locked.get('locked_by')}"
    )
    for name, check in standing["tasks"].items():
        deviations = check["deviations"]
        if not deviations:
            click.echo(f"{click.style(name, bold=True)}: follows the locked plan")
            continue
        click.secho(f"{name}: {len(deviations)} deviation(s)", fg="yellow", bold=True)
        for d in deviations:
            click.echo(f"  - {deviation_text(d, 'en', now='now')}")
    for name in standing["dropped"]:
        click.secho(f"{name}: in the plan but no longer in the spec", fg="yellow", bold=True)


plan.add_command(plan_diff, "status")
