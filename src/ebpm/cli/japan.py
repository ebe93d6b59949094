"""``ebpm japan``: municipality codes through time, offline."""

from __future__ import annotations

from typing import Any

import click

from ebpm.cli._base import CONTEXT, boundary, main


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
