"""``ebpm catalog`` and ``ebpm estat``: find, fetch, verify and add datasets."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ebpm.cli._base import CONTEXT, _param_option, boundary, main
from ebpm.cli._display import _shown


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
    if getattr(info, "local", False):
        return [f"a file on disk, read at each load: {info.kwargs.get('path')}"]
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
            click.echo(f"  {col:<15} {text}")
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

    t0 = time.perf_counter()
    with _show_progress():
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


@contextlib.contextmanager
def _show_progress() -> Iterator[None]:
    """Print the catalog's progress messages (downloads, pages) on stderr inside the block;
    the ``ebpm.catalog`` logger is as it was after it."""
    import logging

    class Echo(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            click.secho(f"  {record.getMessage()}", dim=True, err=True)

    logger = logging.getLogger("ebpm.catalog")
    handler, level = Echo(logging.INFO), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


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
    from ebpm.errors import CatalogError, IntegrityError

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
        except CatalogError as err:
            if not info.local:
                raise
            bad += 1  # a local file moved or unreadable: report it with the others
            click.echo(f"{click.style('FAILED', fg='red')}   {name}: {err}")
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


@catalog.command("add", context_settings=CONTEXT, short_help="Add a CSV or Excel file of yours.")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--name",
    metavar="NS.ENTRY",
    help="The entry's name (default: local.<file name>); NS is the catalog file catalogs/NS.yaml.",
)
@click.option("--sheet", metavar="S", help="Workbooks: the sheet name or 0-based position.")
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    metavar="N",
    help="The row of the column names, as Excel numbers rows (default: found).",
)
@click.option(
    "--header-rows",
    type=click.IntRange(min=1),
    metavar="K",
    help="How many rows the header spans, e.g. 2 under merged group titles (default: found).",
)
@click.option("--force", is_flag=True, help="Replace an entry of the same name.")
@boundary
def catalog_add(
    path: Path,
    name: str | None,
    sheet: str | None,
    header_row: int | None,
    header_rows: int | None,
    force: bool,
) -> None:
    """Read the CSV or Excel file PATH once and write a catalog entry for it to complete.

    The entry goes to catalogs/NS.yaml (created when missing; other entries and comments are
    kept): the path relative to that file, the file's sha256, the encoding or sheet and the
    header rows found, and metadata with TODOs and every column with its type.

    \b
    Example:
      ebpm catalog add data/kosodate.xlsx --name local.kosodate --sheet 2
      ebpm catalog show local.kosodate
    """
    from ebpm.catalog.local import add_entry
    from ebpm.errors import HeaderRowError, SheetNotFoundError

    try:
        added = add_entry(
            path,
            name=name,
            sheet=sheet,
            header_row=header_row,
            header_rows=header_rows,
            force=force,
        )
    except (HeaderRowError, SheetNotFoundError) as err:  # the fix, said as this command's options
        text = re.sub(r"\bheader_row(s?)=(\d+)", r"--header-row\1 \2", str(err))
        raise type(err)(
            text.replace("Pass sheet= one of them", "Pass --sheet with one of them")
        ) from err
    df = added.frame
    details = df.attrs["ebpm"]["details"]
    verb = "replaced" if added.replaced else "added"
    where = _shown(added.catalog_file.resolve())
    new = " (a new catalog file)" if added.created else ""
    click.echo(f"{verb} {click.style(added.name, bold=True)} in {where}{new}:")
    click.echo(added.text.rstrip("\n"))
    click.echo()
    found = [f"{len(df):,} rows × {df.shape[1]} columns"]
    found.append(
        f"encoding {details['encoding']}"
        if details.get("encoding")
        else f"sheet {details.get('sheet')!r}"
    )
    found.append(
        f"header row {details['header_row']}"
        + (f" ({details['header_rows']} rows)" if details["header_rows"] > 1 else "")
    )
    click.echo("read: " + ", ".join(found))
    for column, marks in (details.get("flags") or {}).items():
        shown = ", ".join(f"{m!r} ×{n}" for m, n in marks.items())
        click.echo(f"  {column}: marks read as missing ({shown}), kept in {column}_flag")
    if details.get("notes"):
        click.echo(f"  {len(details['notes'])} row(s) of notes below the table left out")
    for message in added.warnings:
        click.secho(f"warning: {message}", fg="yellow", err=True)
    click.echo()
    click.echo(f"next: fill in the TODOs in {where}, then")
    click.echo(f"  ebpm catalog show {added.name}")


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
