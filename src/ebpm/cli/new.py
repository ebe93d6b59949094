"""``ebpm new``: start an evaluation, a pipeline or a policy (:mod:`ebpm.pipeline.scaffold`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ebpm.cli._base import CONTEXT, boundary, main

_LANG = click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default="en",
    show_default=True,
    help="Language of the comments and texts written (and of the pages, for the next run).",
)


@main.group(context_settings=CONTEXT, short_help="Start an evaluation, a pipeline or a policy.")
def new() -> None:
    """Start your own evaluation, pipeline or policy from ebpm's templates.

    Nothing is overwritten. What ebpm cannot guess is written TODO; `ebpm check` lists each one
    until it is filled in, so none reaches a published page.

    \b
    Examples:
      ebpm new evaluation tax_effect --design did --dataset studies.prop99
      ebpm new evaluation mergers --design staggered --dataset japan.municipal_fiscal_indices \\
          --pipeline japan --lang ja
      ebpm new pipeline japan --description "Evaluations of municipal mergers"
      ebpm new policy child_allowance --title "Child allowance reform"
    """


def _report(result: Any, *, check: list[Path], lang: str) -> None:
    """Print what was written, what is left, the check's findings and the next command."""
    from ebpm.pipeline.check import check_paths
    from ebpm.project import Project

    project = Project.find()
    for path in result.created:
        click.secho(f"created {project.shown(path)}", fg="green")
    for path in result.changed:
        click.secho(f"added a task to {project.shown(path)}", fg="green")
    for line in result.guessed:
        click.secho(f"guessed (check it): {line}", fg="yellow")
    problems = check_paths(check, root=project.root) if check else []
    errors = [p for p in problems if p.level == "error"]
    if errors:
        click.echo(f"to fill in ({len(errors)}, from `ebpm check`):")
        for p in errors:
            click.echo(f"  {p}")
    elif check:
        click.secho("ebpm check: ok", fg="green")
    if result.pipeline is None:
        shown = " ".join(project.shown(p) for p in check)
        click.echo(f"next: fill in the TODOs, then `ebpm check {shown}`")
        return
    if not check:  # a new, empty pipeline
        return
    spec = project.shown(result.pipeline)
    run = f"ebpm run {spec}" + (" --lang ja" if lang == "ja" else "")
    if errors:
        click.echo(f"next: fill in the TODOs above, then `ebpm check {spec}` and `{run}`")
    else:
        click.echo(f"next: `{run}`")


@new.command("evaluation", context_settings=CONTEXT)
@click.argument("name")
@click.option(
    "--design",
    required=True,
    type=click.Choice(["did", "staggered", "event_study", "synth", "rdd", "its"]),
    help="The research design; its template notebook (notebooks/<design>.py) is copied.",
)
@click.option(
    "--dataset",
    required=True,
    metavar="NS.ENTRY",
    help="The catalog entry evaluated (`ebpm catalog list`).",
)
@click.option(
    "--pipeline",
    metavar="NAME",
    default=None,
    help="Add the task to pipelines/NAME.yaml (created when missing; default: the evaluation's "
    "name).",
)
@click.option("--title", default=None, help="The report's title (default: the dataset's).")
@click.option("--policy", default=None, help="The policy evaluated, in words (default: a TODO).")
@_LANG
@boundary
def evaluation(
    name: str,
    design: str,
    dataset: str,
    pipeline: str | None,
    title: str | None,
    policy: str | None,
    lang: str,
) -> None:
    """Start evaluation NAME: notebooks/NAME.py from the design's template with its parameters
    filled from the dataset's declared columns, a task in a pipeline, and a logic-model stub
    (pipelines/policies/NAME.yaml) linking the evaluation to a KPI on its outcome.

    \b
    Example:
      ebpm new evaluation tobacco_tax --design synth --dataset studies.prop99 \\
          --policy "California's Proposition 99 (1989)"
    """
    from ebpm.pipeline.scaffold import new_evaluation

    result = new_evaluation(
        name,
        design=design,
        dataset=dataset,
        pipeline=pipeline,
        title=title,
        policy=policy,
        lang=lang,
    )
    assert result.pipeline is not None
    policy_file = next(p for p in result.created if p.parent.name == "policies")
    _report(result, check=[result.pipeline, policy_file], lang=lang)


@new.command("pipeline", context_settings=CONTEXT)
@click.argument("name")
@click.option("--description", default=None, help="What the pipeline evaluates, in words.")
@_LANG
@boundary
def pipeline(name: str, description: str | None, lang: str) -> None:
    """Start an empty pipeline pipelines/NAME.yaml; `ebpm new evaluation ... --pipeline NAME`
    adds tasks to it.

    \b
    Example:
      ebpm new pipeline japan --description "Evaluations of municipal mergers"
    """
    from ebpm.pipeline.scaffold import new_pipeline

    result = new_pipeline(name, description=description, lang=lang)
    _report(result, check=[], lang=lang)
    click.echo(
        f"next: `ebpm new evaluation NAME --design did --dataset NS.ENTRY --pipeline {name}`"
    )


@new.command("policy", context_settings=CONTEXT)
@click.argument("name")
@click.option("--title", default=None, help="The policy's title.")
@_LANG
@boundary
def policy(name: str, title: str | None, lang: str) -> None:
    """Start a policy's logic model pipelines/policies/NAME.yaml: inputs, activities, outputs,
    outcome and impact, one node each, and one KPI, each value to fill in marked TODO.

    \b
    Example:
      ebpm new policy child_allowance --title "Child allowance reform" --lang ja
    """
    from ebpm.pipeline.scaffold import new_policy

    result = new_policy(name, title=title, lang=lang)
    _report(result, check=list(result.created), lang=lang)
