"""The ``ebpm`` command line: a thin layer over the library.

Library errors print one red line and exit 1; usage errors exit 2. Set ``EBPM_DEBUG=1`` to see
the full traceback of a library error instead.
"""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
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


# --- japan -----------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="Municipality codes through time (offline).")
def japan() -> None:
    """Japan's municipality codes through the mergers since 1970 (廃置分合), offline.

    \b
    Examples:
      ebpm japan convert 22201 22204 --from 2000-04-01 --to latest
      ebpm japan codes 2006-03-31 --pref 静岡県 --no-wards
      ebpm japan changes --pref 新潟県 --start 2005-01-01 --end 2005-12-31
      ebpm japan name 平泉 --pref 岩手県 --date 2010-01-01
    """


def _show_frame(frame: Any, csv: str | None, columns: list[str] | None = None) -> None:
    """Print a frame as a table, or write it as CSV (``-`` for standard output)."""
    shown = frame[columns] if columns else frame
    if csv == "-":
        click.echo(shown.to_csv(index=False), nl=False)
    elif csv:
        from ebpm._io import atomic_write_text

        atomic_write_text(csv, shown.to_csv(index=False))
        click.echo(f"wrote {len(shown)} rows to {csv}")
    elif shown.empty:
        click.echo("(no rows)")
    else:
        click.echo(shown.to_string(index=False, na_rep=""))


_CSV_OPTION = click.option(
    "--csv", "csv", metavar="FILE", help="Write CSV to FILE (- for standard output)."
)


@japan.command("convert", context_settings=CONTEXT)
@click.argument("codes", nargs=-1, required=True)
@click.option("--from", "from_date", required=True, help="Date the CODES were in force.")
@click.option("--to", "to_date", default="latest", show_default=True, help="Date to convert to.")
@click.option("--wards", is_flag=True, help="Give designated cities as their wards.")
@click.option("--digits", type=click.Choice(["5", "6"]), default="5", show_default=True)
@_CSV_OPTION
@boundary
def japan_convert(
    codes: tuple[str, ...], from_date: str, to_date: str, wards: bool, digits: str, csv: str | None
) -> None:
    """Convert municipality CODES in force on --from to the codes of --to (forward or backward).

    One line per (from, to) pair with the changes that link them; a code whose area went to
    several municipalities has several lines.

    \b
    Example:
      ebpm japan convert 19341 --from 2006-01-01 --to 2007-01-01
    """
    from ebpm.japan import convert_codes

    xw = convert_codes(
        list(codes), from_date=from_date, to_date=to_date, wards=wards, digits=int(digits)
    )
    cols = ["from_code", "from_name", "to_code", "to_name", "n_to", "changes"]
    _show_frame(xw, csv, None if csv else cols)


@japan.command("codes", context_settings=CONTEXT)
@click.argument("date")
@click.option("--pref", help="Only this prefecture (code or name).")
@click.option("--no-wards", is_flag=True, help="Leave out the wards of designated cities.")
@_CSV_OPTION
@boundary
def japan_codes(date: str, pref: str | None, no_wards: bool, csv: str | None) -> None:
    """List every municipality in force on DATE (YYYY-MM-DD, or latest)."""
    from ebpm.japan import codes_in_force

    df = codes_in_force(date, wards=not no_wards, pref=pref)
    _show_frame(df, csv, None if csv else ["code", "pref_name", "full_name", "kind"])
    if not csv:
        click.echo(f"{len(df)} codes in force on {df.attrs['ebpm']['date']}", err=True)


@japan.command("changes", context_settings=CONTEXT)
@click.option("--pref", help="Only this prefecture (code or name).")
@click.option("--start", help="First date (YYYY-MM-DD).")
@click.option("--end", help="Last date (YYYY-MM-DD).")
@_CSV_OPTION
@boundary
def japan_changes(pref: str | None, start: str | None, end: str | None, csv: str | None) -> None:
    """List the recorded changes (mergers, splits, renames), optionally of one prefecture."""
    from ebpm.japan import changes

    df = changes(pref=pref, start=start, end=end)
    if not csv:
        df = df.assign(date=df["date"].dt.strftime("%Y-%m-%d"))
    cols = ["date", "type", "from_code", "from_name", "to_code", "to_name"]
    _show_frame(df, csv, None if csv else cols)


@japan.command("name", context_settings=CONTEXT)
@click.argument("name")
@click.option("--pref", help="The prefecture (code or name), when the name is not unique.")
@click.option("--date", "on", help="The date the name is read on (default: today's names).")
@boundary
def japan_name(name: str, pref: str | None, on: str | None) -> None:
    """Print the 5-digit code of the municipality NAME (as it was on --date)."""
    from ebpm.japan import municipality_code

    click.echo(municipality_code(name, pref=pref, date=on))


# --- run -------------------------------------------------------------------------------------
def _short(x: Any) -> str:
    if not isinstance(x, int | float) or not math.isfinite(x):
        return "missing"
    ax = abs(x)
    return f"{x:.4f}" if ax < 1 else f"{x:.3f}" if ax < 100 else f"{x:.1f}"


MISSING_ESTIMATE = (
    "estimate missing: the notebook published a result whose headline estimate is not a "
    "number (NaN); read its report to see why"
)


def _estimate_missing(headline: Any) -> bool:
    from ebpm.report.evidence import estimate_missing  # lazily: keep `ebpm --help` fast

    return estimate_missing(headline)


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


class _RunDisplay:
    """Progress of a run: one line per finished task; on a terminal, also a live status line
    (done / running / failed, elapsed) that is redrawn in place."""

    def __init__(self, *, tty: bool) -> None:
        self.tty = tty
        self.t0 = time.perf_counter()
        self.total = 0
        self.done = 0
        self.failed = 0
        self.running: list[str] = []
        self._status_shown = False

    def _echo(self, text: str, nl: bool = True) -> None:
        # on a terminal, keep the escape codes that redraw the status line (click strips
        # them when it cannot tell the output is a terminal)
        click.echo(text, nl=nl, color=True if self.tty else None)

    def _clear(self) -> None:
        if self.tty and self._status_shown:
            self._echo("\r\x1b[K", nl=False)
            self._status_shown = False

    def _status(self) -> None:
        if not self.tty or self.total == 0:
            return
        names = ", ".join(self.running[:3]) + (" …" if len(self.running) > 3 else "")
        text = (
            f"[{self.done}/{self.total}] {len(self.running)} running"
            + (f" ({names})" if names else "")
            + (click.style(f" · {self.failed} failed", fg="red") if self.failed else "")
            + f" · {time.perf_counter() - self.t0:.0f} s"
        )
        width = shutil.get_terminal_size((100, 20)).columns
        self._echo("\r\x1b[K" + text[: max(20, width - 1)], nl=False)
        self._status_shown = True

    def line(self, text: str) -> None:
        self._clear()
        self._echo(text)
        self._status()

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "plan":
            self.total = event["total"]
            unchanged = event["unchanged"]
            n_run = len(event["to_run"])
            where = (
                f"{event['jobs']} at a time"
                if event["executor"] == "local"
                else f"on Dask ({event['executor']}, {event['jobs']} workers)"
            )
            self.line(
                f"run {event['run_id']}: {self.total} task(s); {n_run} to run {where}"
                + (f", {len(unchanged)} unchanged (--force reruns them)" if unchanged else "")
            )
            self.done = len(unchanged)
            if unchanged:
                self.line(click.style("  unchanged: ", dim=True) + ", ".join(unchanged))
            # why a task that ran well before runs again (a first run or --force says it all)
            again: dict[str, list[str]] = {}
            for name in event["to_run"]:
                why = event.get("reasons", {}).get(name)
                if why and why not in ("never ran successfully", "--force"):
                    again.setdefault(why, []).append(name)
            for why, names in again.items():
                self.line(click.style("  rerun: ", dim=True) + f"{', '.join(names)} ({why})")
        elif kind == "cancel":
            self.line(
                click.style(f"  {event['signal']}: cancelling", fg="yellow")
                + f"; stopping {len(event['running'])} running task(s), publishing nothing "
                "half-written (press Ctrl-C again to quit at once)"
            )
        elif kind == "refresh":
            if not event["ok"]:
                self.line(
                    click.style("  fetch  ", fg="yellow")
                    + f"{event['entry']}: could not check the publisher ({event['reason']}); "
                    "the cached copy is used"
                )
            else:
                what = (
                    f"revised (sha256 {str(event['old_sha256'])[:12]} → "
                    f"{str(event['new_sha256'])[:12]})"
                    if event["revised"]
                    else "unchanged at the publisher"
                )
                self.line(f"  fetch  {event['entry']}: {what}")
        elif kind == "start":
            self.running.append(event["task"])
            if not self.tty:
                self.line(f"  start  {event['task']}")
            else:
                self._status()
        elif kind == "retry":
            self.line(
                click.style("  retry  ", fg="yellow")
                + f"{event['task']} (attempt {event['attempt']} in {event['delay']:.0f} s): "
                + str(event["reason"])
            )
        elif kind == "tick":
            self.running = list(event["running"])
            self._status()
        elif kind == "done":
            r = event["result"]
            if r.status == "unchanged":
                return  # listed with the plan
            if r.name in self.running:
                self.running.remove(r.name)
            self.done += 1
            secs = f"{r.duration_s:.1f} s" if r.duration_s is not None else ""
            if r.status == "ok" and _estimate_missing(r.headline):
                self.line(
                    click.style("  WARN   ", fg="yellow") + f"{r.name} ({secs}): {MISSING_ESTIMATE}"
                )
            elif r.status == "ok":
                h = (r.headline or {}).get("headline")
                est = ""
                if h:
                    estimand = str(r.headline.get("estimand", ""))
                    est = (
                        f"  {estimand if len(estimand) <= 12 else 'estimate'} "
                        f"{_short(h['estimate'])} "
                        f"[{_short(h['conf_low'])}, {_short(h['conf_high'])}]"
                    )
                rev = ""
                if r.revision:
                    o, n = r.revision["old"], r.revision["new"]
                    rev = click.style(
                        f"  REVISED: was {_short(o['estimate'])} in run "
                        f"{r.revision['previous_run']}, now {_short(n['estimate'])}",
                        fg="yellow",
                    )
                retried = f", {r.attempts} attempts" if r.attempts > 1 else ""
                self.line(
                    click.style("  ok     ", fg="green") + f"{r.name} ({secs}{retried}){est}{rev}"
                )
            else:
                self.failed += 1
                label = {"failed": "FAILED ", "cancelled": "cancel ", "blocked": "blocked"}
                self.line(
                    click.style(f"  {label.get(r.status, r.status)}", fg="red")
                    + f"{r.name}"
                    + (f" ({secs})" if r.status == "failed" else "")
                    + f": {r.reason}"
                )

    def close(self) -> None:
        self._clear()


def _specs_in(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
        else:
            out.append(p)
    return out


def _summary(result: Any) -> None:
    index = result.index
    counts = (
        f"{len(result.tasks) - len(result.failed) - len(result.skipped)} ran ok, "
        f"{len(result.skipped)} unchanged, {len(result.failed)} not ok"
    )
    click.echo(f"run {result.run_id}: {counts}, {result.duration_s:.1f} s")
    if result.revisions:
        click.secho(
            f"revised estimates: {', '.join(t.name for t in result.revisions)} "
            "(old and new values are in the manifest and at the top of each report)",
            fg="yellow",
        )
    missing = [t.name for t in result.tasks if t.status == "ok" and _estimate_missing(t.headline)]
    if missing:
        click.secho(
            f"estimate missing: {', '.join(missing)} (the headline estimate is NaN; read the "
            "report; the next run reruns them)",
            fg="yellow",
        )
    click.echo(f"manifest:    {_shown(result.manifest)}")
    shown = _shown(index)
    click.echo(f"report site: {shown}")
    click.echo(
        f"  open it:   python -m http.server -d {shown.parent}   (then http://127.0.0.1:8000/)"
    )
    click.echo(f"  or browse: {index.as_uri()}")


def _run_one(spec: Path, display: _RunDisplay | None = None, **kwargs: Any) -> Any:
    from ebpm.pipeline.runner import run_pipeline

    tty = sys.stdout.isatty()
    display = display or _RunDisplay(tty=tty)
    click.echo(f"ebpm {__version__}: running {spec}")
    try:
        result = run_pipeline(spec, progress=display, **kwargs)
    finally:
        display.close()
    click.echo()
    _summary(result)
    return result


def _raise_for(results: list[Any]) -> None:
    from ebpm.errors import RunCancelledError, TaskFailedError

    if any(r.cancelled for r in results):
        raise RunCancelledError(
            "the run was cancelled; the tasks that finished were published, the others keep "
            "their last good report. Run the same command again to finish (unchanged tasks are "
            "skipped)."
        )
    failed = [t for r in results for t in r.failed]
    if failed:
        names = ", ".join(t.name for t in failed)
        site = results[0].site_dir / "failures"
        raise TaskFailedError(
            f"{len(failed)} task(s) did not succeed: {names}; see the failure pages in {site} "
            "(the last good reports are kept)"
        )


def _jobs_option(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--scheduler",
        "--dask",
        "scheduler",
        metavar="local|tcp://HOST:PORT",
        help="Run the tasks on Dask: `local` starts a LocalCluster of --jobs workers; an address "
        "uses a running scheduler (its workers need ebpm and the project at the same path).",
    )(func)
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=None,
        help="Tasks at a time (default: the number of cores).",
    )(func)


@main.command(context_settings=CONTEXT)
@click.argument("pipelines", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for runs/<pipeline>/<run-id>/ and site/.",
)
@_param_option(
    "Set a parameter in every task whose notebook declares it (VALUE is read as YAML: 3, 0.5, "
    "true, [a, b])."
)
@_jobs_option
@click.option("--force", is_flag=True, help="Rerun every task, even those that did not change.")
@click.option(
    "--task",
    "-t",
    "only",
    multiple=True,
    metavar="NAME",
    help="Run only this task (a task name or a spec task name); repeatable.",
)
@click.option(
    "--due",
    is_flag=True,
    help="Run only the pipelines whose schedule fired since their last successful run "
    "(default PIPELINES: every spec in pipelines/). What cron calls.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default=None,
    help="Language of the site's pages (kept for later runs; default: as before, else en).",
)
@click.option(
    "--refresh-data/--no-refresh-data",
    default=None,
    help="Download remote datasets again before deciding what changed, to pick up a "
    "publisher's revision (default: on with --due, off otherwise).",
)
@boundary
def run(
    pipelines: tuple[Path, ...],
    out_dir: Path,
    params: dict[str, Any],
    jobs: int | None,
    scheduler: str | None,
    force: bool,
    only: tuple[str, ...],
    due: bool,
    lang: str | None,
    refresh_data: bool | None,
) -> None:
    """Run the notebooks of PIPELINES (spec files or folders) and rebuild the report site.

    Before any kernel starts, every task's parameters are checked and coerced against its
    notebook's parameters cell. A task is skipped when nothing it depends on changed since its
    last good run (notebook, parameters, the data it loaded, the installed packages); its report
    stays. The others run in parallel. A task that fails does not stop the others; its last good
    report stays published and the site shows a failure page. Ctrl-C cancels cleanly.

    Exits 1 if any task failed, 130 if the run was cancelled.

    \b
    Examples:
      ebpm run pipelines/demo.yaml
      ebpm run pipelines/demo.yaml -j 4 -p vcov hetero
      ebpm run pipelines/demo.yaml --task prop99 --force
      ebpm run pipelines/demo.yaml --dask local        (or --scheduler tcp://HOST:8786)
      ebpm run --due                      every pipeline whose schedule fired
    """
    if not pipelines:
        if not due:
            raise click.UsageError(
                "give a pipeline spec, e.g. `ebpm run pipelines/demo.yaml` (or `--due` to run "
                "every pipeline whose schedule fired)"
            )
        pipelines = (Path("pipelines"),)
    specs = _specs_in(pipelines)
    broken: list[Path] = []
    if due:
        specs, broken = _due_specs(specs, out_dir)
    results = []
    for spec in specs:
        result = _run_one(
            spec,
            out_dir=out_dir,
            parameters=params,
            jobs=jobs,
            scheduler=scheduler,
            force=force,
            tasks=list(only) or None,
            refresh_data=due if refresh_data is None else refresh_data,
            lang=lang,
        )
        results.append(result)
    _raise_for(results)
    if broken:
        from ebpm.errors import SpecError

        raise SpecError(
            f"{len(broken)} spec(s) could not be read ({', '.join(map(str, broken))}); the "
            "others ran as scheduled. `ebpm check` lists what is wrong"
        )


def _due_specs(specs: list[Path], out_dir: Path) -> tuple[list[Path], list[Path]]:
    """The specs due now, and those that did not load; says each verdict in one line."""
    from ebpm.pipeline import schedule

    chosen, broken = [], []
    for verdict in schedule.due_pipelines(specs, out_dir=out_dir):
        if verdict.error is not None:  # one broken spec must not stop the others' schedules
            click.secho(f"error: {verdict.error}", fg="red", err=True)
            broken.append(verdict.path)
        elif verdict.due:
            click.echo(f"{verdict.pipeline}: due ({verdict.reason})")
            chosen.append(verdict.path)
        else:
            click.echo(
                f"{verdict.pipeline}: {verdict.reason}" if verdict.pipeline else verdict.reason
            )
    return chosen, broken


# --- check -----------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@boundary
def check(paths: tuple[Path, ...]) -> None:
    """Check pipeline specs, notebooks' parameters cells and catalogs without running anything.

    PATHS are spec files or folders (default: pipelines/, notebooks/ and catalogs/ of the
    current project). Every problem is listed with its file and line; exits 1 if any is an
    error.

    \b
    Example:
      ebpm check
      ebpm check pipelines/demo.yaml
    """
    from ebpm.errors import SpecError
    from ebpm.pipeline.check import check_paths

    default = [p for p in ("pipelines", "notebooks", "catalogs") if Path(p).is_dir()]
    if not paths and not default:
        raise click.UsageError(
            "no pipelines/, notebooks/ or catalogs/ here; run it in the project folder or give "
            "the paths to check"
        )
    problems = check_paths(list(paths) or default)
    errors = [p for p in problems if p.level == "error"]
    for p in problems:
        click.secho(f"{p.level}: {p}", fg="red" if p.level == "error" else "yellow")
    if errors:
        raise SpecError(f"{len(errors)} error(s) found; nothing was run")
    click.secho(
        f"ok: no errors ({len(problems)} warning(s))" if problems else "ok: no problems found",
        fg="green",
    )


# --- history ---------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="List and inspect recorded runs.")
def runs() -> None:
    """Recorded runs: runs/<pipeline>/<run-id>/manifest.json."""


_OUT = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder holding runs/.",
)


@runs.command("list", context_settings=CONTEXT)
@click.argument("pipeline", required=False)
@click.option("--limit", "-n", default=20, show_default=True, help="How many runs to show.")
@_OUT
@boundary
def runs_list(pipeline: str | None, limit: int, out_dir: Path) -> None:
    """List recorded runs, newest last (of PIPELINE, or of all)."""
    from ebpm.pipeline import history

    rows = history.list_runs(out_dir, pipeline=pipeline)
    if not rows:
        where = out_dir / "runs" / (pipeline or "")
        click.echo(f"no runs recorded under {where}")
        return
    for r in rows[-limit:]:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(r.counts.items()))
        colour = {"ok": "green", "failed": "red", "cancelled": "yellow"}.get(r.status)
        click.echo(
            f"{click.style(r.run_id, bold=True)}  {r.pipeline:<16} "
            f"{click.style(f'{r.status:<9}', fg=colour)} {r.started_at or '?'}  "
            f"{(r.duration_s or 0):7.1f} s  {counts}"
        )


@runs.command("show", context_settings=CONTEXT)
@click.argument("run_id")
@_OUT
@boundary
def runs_show(run_id: str, out_dir: Path) -> None:
    """Show one run: its tasks, estimates, data and revisions (RUN_ID may be a prefix)."""
    from ebpm.pipeline import history

    m = history.find_run(out_dir, run_id)
    click.echo(f"run {m['run_id']} of {m['pipeline']} ({m.get('spec')}): {m['status']}")
    click.echo(
        f"  {m.get('started_at')} → {m.get('finished_at')}, {m.get('duration_s')} s; git "
        f"{(m.get('git') or {}).get('commit')}; "
        f"executor {(m.get('executor') or {}).get('kind', 'local')}"
    )
    if m.get("rerun_of"):
        click.echo(f"  a rerun of {m['rerun_of']}")
    for t in m.get("tasks", []):
        h = ((t.get("headline") or {}).get("headline")) or {}
        est = (
            f" estimate {_short(h['estimate'])} [{_short(h['conf_low'])}, {_short(h['conf_high'])}]"
            if h
            else ""
        )
        extra = (
            f" (unchanged since {t['unchanged_since']})"
            if t.get("status") == "unchanged"
            else f": {t['reason']}"
            if t.get("reason")
            else ""
        )
        status = t["status"]
        if status in ("ok", "unchanged") and _estimate_missing(t.get("headline")):
            status, est = "warning", f": {MISSING_ESTIMATE}"
        click.echo(f"  {status:<9} {t['name']}{est}{extra}")
        rev = t.get("revision")
        if rev:
            click.secho(
                f"            revised: {_short(rev['old']['estimate'])} in run "
                f"{rev['previous_run']} → {_short(rev['new']['estimate'])}; changed: "
                + (
                    ", ".join(str(c.get("what")) for c in rev["changed_inputs"])
                    or "nothing recorded"
                ),
                fg="yellow",
            )
    for d in m.get("datasets", []):
        click.echo(
            f"  data {d.get('entry')} sha256 {str(d.get('sha256'))[:12]} ({d.get('source')})"
        )
    click.echo(f"  manifest: {m['_path']}")


@main.command(context_settings=CONTEXT)
@click.argument("run_id")
@_OUT
@_jobs_option
@click.option(
    "--allow-changed-data",
    is_flag=True,
    help="Run even if a dataset is no longer the one the run used (its sha256 differs).",
)
@boundary
def rerun(
    run_id: str, out_dir: Path, jobs: int | None, scheduler: str | None, allow_changed_data: bool
) -> None:
    """Run the tasks of run RUN_ID again, with the same parameters on the same data.

    The notebooks are today's (that is the point: rerun fixed code on the recorded inputs).
    Each dataset must still be the one the run used (same sha256): a revised download or a new
    package version stops the rerun, unless --allow-changed-data.
    """
    from ebpm.pipeline.runner import rerun_plan

    plan = rerun_plan(out_dir, run_id, allow_changed_data=allow_changed_data)
    result = _run_one(
        plan.spec,
        out_dir=out_dir,
        parameters=plan.overrides,
        jobs=jobs,
        scheduler=scheduler,
        force=True,
        tasks=plan.tasks,
        task_parameters=plan.task_parameters,
        rerun_of=plan.run_id,
    )
    _raise_for([result])


@main.command(context_settings=CONTEXT)
@click.argument("run_ids", nargs=-1)
@_OUT
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site (default: OUT/site).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default=None,
    help="Language of the site's pages (kept for later runs; default: as before, else en).",
)
@boundary
def publish(
    run_ids: tuple[str, ...], out_dir: Path, site_dir: Path | None, lang: str | None
) -> None:
    """Rebuild the report site from recorded runs, without running anything.

    RUN_IDS (unique prefixes work) are published in order; by default the latest run of every
    pipeline. `ebpm run` publishes as it goes; use this to rebuild a deleted or moved site, or
    to publish a chosen run.

    \b
    Example:
      ebpm publish
      ebpm publish 20261126T0600 --site /srv/www/evidence
      ebpm publish --lang ja                 pages in Japanese
    """
    from ebpm.pipeline.runner import publish_runs

    index = publish_runs(out_dir, list(run_ids) or None, site=site_dir, lang=lang)
    shown = _shown(index)
    click.echo(f"report site: {shown}")
    click.echo(f"  or browse: {index.as_uri()}")


# --- schedules -------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="Show, install and remove pipeline schedules.")
def schedule() -> None:
    """Pipeline schedules (a spec's `schedule:`, cron syntax, this machine's local time)."""


_SPECS = click.argument("pipelines", nargs=-1, type=click.Path(exists=True, path_type=Path))


def _scheduled(pipelines: tuple[Path, ...]) -> list[Any]:
    from ebpm.pipeline.spec import load_spec

    return [
        (path, spec)
        for path in _specs_in(pipelines or (Path("pipelines"),))
        for spec in [load_spec(path)]
        if spec.schedule
    ]


@schedule.command("list", context_settings=CONTEXT)
@_SPECS
@_OUT
@boundary
def schedule_list(pipelines: tuple[Path, ...], out_dir: Path) -> None:
    """When each pipeline runs next, in words (default: every spec in pipelines/)."""
    from datetime import datetime

    from ebpm.pipeline import schedule as sched

    now = datetime.now()
    found = _scheduled(pipelines)
    if not found:
        click.echo('no pipeline has a `schedule:`; add one to a spec, e.g. schedule: "0 6 1 * *"')
        return
    for path, spec in found:
        nxt = sched.next_runs(spec.schedule, after=now, n=1)[0]
        when = sched.last_scheduled_success(out_dir, spec.name)
        last = f"{when.astimezone():%Y-%m-%d %H:%M}" if when else None
        click.echo(
            f"{click.style(spec.name, bold=True)} ({_shown(path.resolve())}): "
            f"{sched.describe(spec.schedule)} [{spec.schedule}]"
        )
        click.echo(
            f"  next: {nxt:%Y-%m-%d %H:%M} ({sched.humanize(nxt, now=now)}); last successful "
            f"run: {last or 'never'}"
        )
    from ebpm.errors import ScheduleError

    try:
        block = sched.installed(Path.cwd())
    except ScheduleError as err:
        click.echo(f"crontab: cannot be read here ({err})")
        return
    click.echo(
        "crontab: installed (`ebpm schedule uninstall` removes it)"
        if block
        else "crontab: not installed (`ebpm schedule install` adds these to your crontab)"
    )


@schedule.command("install", context_settings=CONTEXT)
@_SPECS
@boundary
def schedule_install(pipelines: tuple[Path, ...]) -> None:
    """Add the schedules to your crontab, in one marked block for this project.

    Idempotent: running it again replaces the block; the rest of your crontab is kept as it is.
    Each line runs `ebpm run --due SPEC` from the project folder, logging to
    runs/<pipeline>/cron.log.
    """
    from ebpm.pipeline import schedule as sched

    root = Path.cwd().resolve()
    entries = [
        sched.CronEntry(
            pipeline=spec.name, spec=str(_rel_to(path.resolve(), root)), schedule=spec.schedule
        )
        for path, spec in _scheduled(pipelines)
    ]
    if not entries:
        raise click.UsageError("no pipeline has a `schedule:`; nothing to install")
    ebpm_cmd = (
        str(Path(sys.argv[0]).resolve())
        if Path(sys.argv[0]).name == "ebpm"
        else (str(Path(sys.executable).with_name("ebpm")))
    )
    result = sched.install(root, entries, ebpm=ebpm_cmd)
    click.echo(sched.installed(root) or "")
    click.echo("crontab updated" if result.changed else "crontab already up to date")


def _rel_to(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root)
    except ValueError:
        return path


@schedule.command("uninstall", context_settings=CONTEXT)
@boundary
def schedule_uninstall() -> None:
    """Remove this project's block from your crontab (nothing else is touched)."""
    from ebpm.pipeline import schedule as sched

    removed = sched.uninstall(Path.cwd().resolve())
    click.echo(
        "removed this project's schedules from your crontab"
        if removed
        else "this project had no block in your crontab"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
