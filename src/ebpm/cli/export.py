"""``ebpm export``: a task's report as PDF or Word."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ebpm.cli._base import _OUT, CONTEXT, boundary, main


@main.command("export", context_settings=CONTEXT)
@click.argument("report")
@click.option(
    "--to",
    "to",
    type=click.Choice(["pdf", "docx"]),
    required=True,
    help="pdf: A4 with the Japanese font embedded, for print; docx: Word, to edit.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: TASK.pdf or TASK.docx in the current folder).",
)
@_OUT
@click.option(
    "--run",
    "run_id",
    metavar="RUN_ID",
    default=None,
    help="Export the task as run RUN_ID made it (unique prefixes work; default: its last good "
    "run, as the site shows it).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default=None,
    help="Language of ebpm's words in the document (default: the site's, else en).",
)
@boundary
def export(
    report: str,
    to: str,
    output: Path | None,
    out_dir: Path,
    run_id: str | None,
    lang: str | None,
) -> None:
    """Write the report of a task as PDF or Word, offline.

    REPORT is PIPELINE/TASK, the report's page in the site, or a task name that one pipeline
    has. The document is made from the executed notebook of the run and its manifest: the
    report's headings, text, tables and figures (code hidden, as on the site), then the run, git
    commit, software, parameters (secrets redacted) and each dataset with its licence and
    credit line.

    \b
    Examples:
      ebpm export demo/tokyo_profile-OWNH --to pdf
      ebpm export site/reports/demo/organ_donations.html --to docx -o organ.docx
      ebpm export organ_donations --run 20261126T0600 --to pdf --lang ja
      ebpm publish --formats pdf,docx      every report in the site, linked from its downloads
    """
    from ebpm.pipeline.export import export_report

    t0 = time.perf_counter()
    path = export_report(report, to=to, out_dir=out_dir, output=output, run_id=run_id, lang=lang)
    size = path.stat().st_size / 1024
    click.echo(f"wrote {path} ({size:,.0f} KB in {time.perf_counter() - t0:.1f} s)")
