"""The ``ebpm`` command line: a thin layer over the library.

Library errors print one red line and exit 1; usage errors exit 2. Set ``EBPM_DEBUG=1`` to see
the full traceback of a library error instead.
"""

from __future__ import annotations

import functools
import os
import re
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
      ebpm run pipelines/demo.yaml         run the notebooks of a pipeline, build site/

    \b
    Environment:
      EBPM_ESTAT_APP_ID   your e-Stat application ID (free: https://www.e-stat.go.jp/api/)
      EBPM_CACHE_DIR      where downloads are cached (default: your user cache folder)
      EBPM_OFFLINE=1      never download; serve only from the cache
      EBPM_DEBUG=1        a traceback instead of a one-line error
    """
    if offline:
        os.environ["EBPM_OFFLINE"] = "1"  # also seen by notebook kernels started by `run`


def _parse_param(ctx: click.Context, param: click.Parameter, values: Any) -> dict[str, Any]:
    import yaml

    out = {}
    for key, raw in values:
        # Codes with a leading zero (01000 Hokkaido) stay text: YAML would read 01000 as the
        # octal number 512.
        raw = re.sub(r"(?<![\w.\"'])(0\d+)(?![\w.\"'])", r'"\1"', raw)
        try:
            out[key] = yaml.safe_load(raw) if raw != "" else ""
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


# --- catalog ---------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="Find, fetch and verify datasets.")
def catalog() -> None:
    """Find datasets in the project's catalogs (catalogs/*.yaml)."""


@catalog.command("list", context_settings=CONTEXT, short_help="List the datasets.")
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
    kinds = max(len(k) for k in table["kind"])
    for row in table.itertuples():
        click.echo(
            f"{click.style(row.name.ljust(width), bold=True)}  {row.kind:<{kinds}} {row.title}"
        )


@catalog.command("search", context_settings=CONTEXT, short_help="Find datasets by words.")
@click.argument("words", nargs=-1, required=True)
@boundary
def catalog_search(words: tuple[str, ...]) -> None:
    """List the datasets whose name, title, description, source or tags contain all WORDS.

    \b
    Example:
      ebpm catalog search 人口
      ebpm catalog search world bank gdp
    """
    from ebpm import catalog as cat

    text = " ".join(words)
    table = cat.list_entries(search=text)
    if table.empty:
        click.echo(f"no dataset matches {text!r}; try fewer words, or `ebpm catalog list`")
        return
    width = max(len(n) for n in table["name"])
    for row in table.itertuples():
        click.echo(f"{click.style(row.name.ljust(width), bold=True)}  {row.title}")
        click.echo(f"{'':{width}}  {row.source} · {row.licence}")


def _cache_lines(info: Any, records: list[dict[str, Any]]) -> list[str]:
    if not info.remote:
        package = info.kwargs.get("package") or "its Python packages"
        return [f"embedded in {package}: always available offline"]
    from ebpm.catalog.cache import cache_dir

    if not records:
        return [f"not cached in {cache_dir()}: `ebpm catalog fetch {info.name}` downloads it"]
    lines = []
    for r in records:
        params = ", ".join(f"{k}={v}" for k, v in r.get("params", {}).items()) or "defaults"
        pub = r.get("publisher_updated")
        updated = f", publisher updated {pub}" if pub else ""
        lines.append(
            f"cached ({params}): {r.get('rows')} rows, retrieved {r.get('retrieved_at')}"
            f"{updated}, sha256 {str(r.get('sha256'))[:12]}…"
        )
    lines.append(f"in {cache_dir()}")
    return lines


@catalog.command(
    "show", context_settings=CONTEXT, short_help="What a dataset is: source, licence, cache."
)
@click.argument("name")
@boundary
def catalog_show(name: str) -> None:
    """Show what dataset NAME is: description, source, licence, parameters, cache state.

    Nothing is downloaded or read.
    """
    from ebpm import catalog as cat

    c = cat.open_catalog()
    info = c.info(name)
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
        ("credit", "attribution"),
        ("citation", "citation"),
    ):
        if md.get(key):
            click.echo(f"{label + ':':<10}{' '.join(str(md[key]).split())}")
    click.echo(f"{'reader:':<10}{info.reader}")
    specs = c.parameters(name)
    if specs:
        click.echo("parameters:")
        for spec in specs.values():
            extra = []
            if spec.default is not None:
                extra.append(f"default {spec.default!r}")
            if spec.allowed is not None:
                shown = ", ".join(map(str, spec.allowed[:12]))
                more = ", …" if len(spec.allowed) > 12 else ""
                extra.append(f"one of {shown}{more}")
            tail = f" ({'; '.join(extra)})" if extra else ""
            click.echo(f"  {spec.name:<16}{spec.description}{tail}")
    if md.get("columns"):
        click.echo("columns:")
        for col, text in md["columns"].items():
            click.echo(f"  {col:<16}{text}")
    for i, line in enumerate(_cache_lines(info, c.cache_state(name))):
        click.echo(f"{'cache:' if i == 0 else '':<10}{line}")
    click.echo()
    click.echo(f'load it:  ebpm.catalog.load("{info.name}")')


@catalog.command("fetch", context_settings=CONTEXT, short_help="Download a dataset into the cache.")
@click.argument("name")
@_param_option("A parameter of the entry (VALUE is read as YAML); see `ebpm catalog show NAME`.")
@click.option("--refresh", is_flag=True, help="Download again even when cached.")
@boundary
def catalog_fetch(name: str, params: dict[str, Any], refresh: bool) -> None:
    """Load dataset NAME once so it is in the cache (for offline work and scheduled runs).

    \b
    Example:
      ebpm catalog fetch japan.prefecture_population -p cdArea 13000
    """

    from ebpm import catalog as cat

    _show_progress()
    t0 = time.perf_counter()
    df = cat.load(name, refresh=refresh, **params)
    prov = cat.provenance(df)
    where = "from the cache" if prov.get("from_cache") else "downloaded"
    click.echo(
        f"{name}: {len(df):,} rows × {df.shape[1]} columns, {where} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    for label, key in (
        ("sha256", "sha256"),
        ("retrieved", "retrieved_at"),
        ("updated", "publisher_updated"),
        ("licence", "licence"),
        ("credit", "attribution"),
    ):
        if prov.get(key):
            click.echo(f"  {label + ':':<11}{prov[key]}")


def _show_progress() -> None:
    """Print the catalog's progress messages (downloads, pages) on stderr while a command runs."""
    import logging

    logger = logging.getLogger("ebpm.catalog")
    if any(getattr(h, "_ebpm_cli", False) for h in logger.handlers):
        return

    class Echo(logging.Handler):
        _ebpm_cli = True

        def emit(self, record: logging.LogRecord) -> None:
            click.secho(f"  {record.getMessage()}", dim=True, err=True)

    logger.addHandler(Echo(logging.INFO))
    logger.setLevel(logging.INFO)


@catalog.command(
    "verify", context_settings=CONTEXT, short_help="Check data and cache against sha256."
)
@click.argument("names", nargs=-1)
@boundary
def catalog_verify(names: tuple[str, ...]) -> None:
    """Check data against their checksums: embedded datasets and every cached download.

    Embedded datasets are re-read and compared with the sha256 their entries pin. Cached
    downloads are re-hashed; a file that changed on disk is removed so the next load downloads
    it again. Exits 1 if anything did not match.
    """
    from ebpm import catalog as cat
    from ebpm.catalog.cache import cache_dir, verify_cache
    from ebpm.errors import IntegrityError

    c = cat.open_catalog()
    bad = 0
    for name in names or c.names():
        info = c.info(name)
        if info.remote:
            n = len(c.cache_state(name))
            state = f"{n} cached parameter set(s)" if n else "not cached"
            click.echo(f"{click.style('remote', fg='cyan')}   {name}: {state}")
            continue
        try:
            df = c.load(name)
        except IntegrityError as err:
            bad += 1
            click.echo(f"{click.style('CHANGED', fg='red')}  {name}: {err}")
            continue
        sha = str(cat.provenance(df).get("sha256"))[:16]
        click.echo(f"{click.style('ok', fg='green')}       {name}: sha256 {sha}…")
    rows = verify_cache()
    for r in rows:
        if r["status"] != "ok":
            bad += 1
            click.echo(
                f"{click.style(r['status'].upper(), fg='red')}  {r['what']}: {r['url']} "
                "(removed from the cache)"
            )
    ok = sum(r["status"] == "ok" for r in rows)
    click.echo(
        f"cache {cache_dir()}: {ok} of {len(rows)} cached files (downloads and parsed tables) "
        "match their sha256"
    )
    if bad:
        raise IntegrityError(f"{bad} dataset(s) or download(s) did not match their sha256")


# --- e-Stat ----------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="Search e-Stat tables (政府統計).")
def estat() -> None:
    """Search e-Stat (政府統計の総合窓口) through its API (needs EBPM_ESTAT_APP_ID)."""


@estat.command("search", context_settings=CONTEXT)
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", "-n", default=20, show_default=True, help="How many tables to list.")
@boundary
def estat_search_cmd(words: tuple[str, ...], limit: int) -> None:
    """List e-Stat tables matching WORDS (getStatsList): id, survey, title, last update.

    \b
    Example:
      ebpm estat search 人口推計 都道府県
    Then load one:  ebpm.catalog.estat("0003448237", cdArea="13000")
    """
    from ebpm.catalog import estat_search

    table = estat_search(" ".join(words), limit=limit)
    if table.empty:
        click.echo(f"no e-Stat table matches {' '.join(words)!r}")
        return
    for row in table.itertuples():
        click.echo(
            f"{click.style(str(row.id), bold=True)}  {row.statistics_name} / {row.title}"
            f"  ({row.gov_org}, updated {row.updated_date or 'date not given'})"
        )


# --- run -------------------------------------------------------------------------------------
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
@_param_option("Override a parameter in every task (VALUE is read as YAML: 3, 0.5, true).")
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
