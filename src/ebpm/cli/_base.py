"""The ``ebpm`` group, the boundary that turns an EbpmError into one red line, and
options shared by several commands."""

from __future__ import annotations

import functools
import os
import re
import sys
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
            # 130 is what a shell reports for a command stopped by Ctrl-C
            sys.exit(130 if type(err).__name__ == "RunCancelledError" else 1)

    return wrapper


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="ebpm")
@click.option(
    "--offline",
    is_flag=True,
    help="Use only cached data; never download (the same as EBPM_OFFLINE=1).",
)
def main(offline: bool) -> None:
    """ebpm: evaluate policies on open government data and publish the evidence.

    \b
    Quick start:
      ebpm catalog list                    datasets you can load by name
      ebpm catalog show studies.prop99     what one dataset is: source, licence, cache
      ebpm catalog fetch world.population  download a remote dataset into the cache
      ebpm estat search 人口推計           find e-Stat tables (needs EBPM_ESTAT_APP_ID)
      ebpm japan convert 22201 --from 2000-04-01   a municipality code through the mergers
      ebpm new evaluation mine --design did --dataset studies.prop99   start your own
      ebpm lab prop99-hetero               explore a task on a scratch copy in JupyterLab
      ebpm run pipelines/demo.yaml         run the notebooks of a pipeline, build site/
      ebpm publish --lang ja               rebuild site/ from the recorded runs, in Japanese
      ebpm export demo/organ_donations --to pdf    one report as PDF (or --to docx)
      ebpm kpi review-sheet prop99 --out sheet.xlsx   a policy's KPIs, review-sheet layout

    \b
    Environment:
      EBPM_ESTAT_APP_ID   your e-Stat application ID (free sign-up:
                          https://www.e-stat.go.jp/mypage/user/preregister)
      EBPM_CACHE_DIR      where downloads are cached (default: your user cache folder)
      EBPM_OFFLINE=1      never download; serve only from the cache
      EBPM_DEBUG=1        a traceback instead of a one-line error
    """
    if offline:
        os.environ["EBPM_OFFLINE"] = "1"  # also seen by notebook kernels started by `run`


def _parse_param(ctx: click.Context, param: click.Parameter, values: Any) -> dict[str, Any]:
    import yaml

    from ebpm import _yaml  # aliases within a budget, no duplicate keys: as in specs

    out = {}
    for key, raw in values:
        # Codes with a leading zero (01000 Hokkaido) stay text: YAML would read 01000 as the
        # octal number 512.
        raw = re.sub(r"(?<![\w.\"'])(0\d+)(?![\w.\"'])", r'"\1"', raw)
        try:
            out[key] = _yaml.safe_load(raw) if raw != "" else ""
        except yaml.YAMLError as err:
            raise click.BadParameter(f"{key}={raw!r} is not a YAML scalar: {err}") from err
    return out


def _param_option(help_text: str) -> Callable[[Any], Any]:
    """The repeatable ``-p NAME VALUE`` option of ``catalog fetch`` and ``run``."""
    return click.option(
        "-p",
        "--param",
        "params",
        nargs=2,
        multiple=True,
        metavar="NAME VALUE",
        callback=_parse_param,
        help=help_text,
    )


_OUT = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder holding runs/.",
)
