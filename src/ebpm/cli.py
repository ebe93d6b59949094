"""The ``ebpm`` command line: a thin layer over the library.

Library errors print one red line and exit 1; usage errors exit 2. Set ``EBPM_DEBUG=1`` to see
the full traceback of a library error instead.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ebpm._version import __version__
from ebpm.errors import EbpmError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def boundary(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an :class:`EbpmError` into a red one-line message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EbpmError as err:
            if os.environ.get("EBPM_DEBUG"):
                raise
            click.secho(f"error: {err}", fg="red", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="ebpm")
def main() -> None:
    """ebpm: evaluate policies on open government data and publish the evidence.

    \b
    Quick start:
      ebpm catalog list                   datasets you can load by name
      ebpm catalog show studies.prop99    what one dataset is, its source and licence
      ebpm run pipelines/demo.yaml        run the notebooks of a pipeline, build site/

    Set EBPM_DEBUG=1 to get a traceback instead of a one-line error.
    """


# --- catalog ---------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT)
def catalog() -> None:
    """Find datasets in the project's catalogs (catalogs/*.yaml)."""


@catalog.command("list", context_settings=CONTEXT)
@click.option(
    "--search",
    "-s",
    metavar="TEXT",
    help="Keep entries whose name, title, description, source or tags contain every word of TEXT.",
)
@boundary
def catalog_list(search: str | None) -> None:
    """List the datasets, one per line: name, kind and title.

    \b
    Example:
      ebpm catalog list --search "prop 99"
    """
    from ebpm import catalog as cat

    table = cat.list_entries(search=search)
    if table.empty:
        click.echo(f"no dataset matches {search!r}; try fewer words" if search else "no datasets")
        return
    width = max(len(n) for n in table["name"])
    for row in table.itertuples():
        click.echo(f"{click.style(row.name.ljust(width), bold=True)}  {row.kind:<6} {row.title}")


@catalog.command("show", context_settings=CONTEXT)
@click.argument("name")
@boundary
def catalog_show(name: str) -> None:
    """Show what dataset NAME is: description, source, licence, columns.

    Nothing is downloaded or read.
    """
    from ebpm import catalog as cat

    info = cat.describe(name)
    md = info.metadata
    click.secho(info.name, bold=True)
    click.echo(info.title)
    click.echo()
    if info.description:
        click.echo(click.wrap_text(info.description, 96))
        click.echo()
    for label, key in (
        ("source", "source"),
        ("licence", "licence"),
        ("url", "url"),
        ("citation", "citation"),
    ):
        if md.get(key):
            click.echo(f"{label + ':':<10}{' '.join(str(md[key]).split())}")
    click.echo(f"{'reader:':<10}{info.reader}")
    if md.get("columns"):
        click.echo("columns:")
        for col, text in md["columns"].items():
            click.echo(f"  {col:<16}{text}")
    click.echo()
    click.echo(f'load it:  ebpm.catalog.load("{info.name}")')


# --- run -------------------------------------------------------------------------------------
def _parse_param(ctx: click.Context, param: click.Parameter, values: Any) -> dict[str, Any]:
    import yaml

    out = {}
    for key, raw in values:
        try:
            out[key] = yaml.safe_load(raw) if raw != "" else ""
        except yaml.YAMLError as err:
            raise click.BadParameter(f"{key}={raw!r} is not a YAML scalar: {err}") from err
    return out


def _short(x: float) -> str:
    ax = abs(x)
    return f"{x:.4f}" if ax < 1 else f"{x:.3f}" if ax < 100 else f"{x:.1f}"


@main.command(context_settings=CONTEXT)
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for runs/<pipeline>/<run-id>/ and site/.",
)
@click.option(
    "-p",
    "--param",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    callback=_parse_param,
    help="Override a parameter in every task (VALUE is read as YAML: 3, 0.5, true).",
)
@boundary
def run(pipeline: Path, out_dir: Path, params: dict[str, Any]) -> None:
    """Run the notebooks of PIPELINE and rebuild the report site.

    Every task's parameters are checked against its notebook's parameters cell before any
    kernel starts. A task that fails does not stop the others; its last good report stays
    published and the site shows a failure page. Exits 1 if any task failed.

    \b
    Example:
      ebpm run pipelines/demo.yaml
      ebpm run pipelines/demo.yaml --out build -p vcov hetero
    """
    import logging

    from ebpm.errors import TaskFailedError
    from ebpm.pipeline.runner import run_pipeline

    logging.getLogger("papermill").setLevel(logging.ERROR)
    tty = sys.stdout.isatty()
    started: dict[str, float] = {}

    def progress(event: dict[str, Any]) -> None:
        i, n, name = event["index"], event["total"], event["task"]
        if event["event"] == "start":
            started[name] = time.perf_counter()
            if tty:
                click.echo(f"[{i}/{n}] {name} … ", nl=False)
            else:
                click.echo(f"[{i}/{n}] {name} started")
            return
        r = event["result"]
        if not tty:
            click.echo(f"[{i}/{n}] {name} ", nl=False)
        secs = f"{r.duration_s:.1f} s"
        if r.status == "ok":
            h = (r.headline or {}).get("headline")
            est = ""
            if h:
                estimand = str(r.headline.get("estimand", ""))
                est = (
                    f"  {estimand if len(estimand) <= 12 else 'estimate'} "
                    f"{_short(h['estimate'])} [{_short(h['conf_low'])}, {_short(h['conf_high'])}]"
                )
            click.echo(click.style("ok", fg="green") + f" ({secs}){est}")
        else:
            click.echo(click.style("FAILED", fg="red") + f" ({secs}): {r.reason}")

    click.echo(f"ebpm {__version__}: running {pipeline}")
    result = run_pipeline(pipeline, out_dir=out_dir, parameters=params, progress=progress)
    index = result.index

    def shown_path(path: Path) -> Path:
        try:
            return path.relative_to(Path.cwd().resolve())
        except ValueError:
            return path

    shown = shown_path(index)
    click.echo()
    click.echo(
        f"run {result.run_id}: {len(result.tasks) - len(result.failed)} ok, "
        f"{len(result.failed)} failed, {result.duration_s:.1f} s"
    )
    click.echo(f"manifest:    {shown_path(result.manifest)}")
    click.echo(f"report site: {shown}")
    click.echo(
        f"  open it:   python -m http.server -d {shown.parent}   (then http://127.0.0.1:8000/)"
    )
    click.echo(f"  or browse: {index.as_uri()}")
    if not result.ok:
        names = ", ".join(t.name for t in result.failed)
        raise TaskFailedError(
            f"{len(result.failed)} task(s) failed: {names}; see the failure pages in "
            f"{result.site_dir / 'failures'} (the last good reports are kept)"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
