"""``ebpm kpi``: a policy's logic model and KPIs, written out for the ministry's forms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from ebpm.cli._base import CONTEXT, boundary, main

_POLICIES = Path("pipelines") / "policies"


# --- kpi -------------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="Policies' logic models and KPIs.")
def kpi() -> None:
    """Policies' logic models and the KPIs followed up on them (pipelines/policies/*.yaml).

    \b
    Examples:
      ebpm kpi review-sheet pipelines/policies/japan_mergers.yaml --out mergers.xlsx
      ebpm kpi review-sheet prop99 --out prop99.xlsx --lang en --years 1988-2000
    """


def _parse_years(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """``2019-2023`` (both included) or ``2019,2021,2023``; None when not given."""
    if value is None:
        return None
    text = value.replace(" ", "")
    span = re.fullmatch(r"(\d{4})-(\d{4})", text)
    if span:
        first, last = int(span.group(1)), int(span.group(2))
        if first > last:
            raise click.BadParameter(
                f"{value!r} runs backwards; write the first year first, e.g. {last}-{first}"
            )
        return list(range(first, last + 1))
    if re.fullmatch(r"\d{4}(,\d{4})*", text):
        return [int(y) for y in text.split(",")]
    raise click.BadParameter(
        f"{value!r} is not a span or a list of four-digit years; write e.g. 2019-2023 or "
        "2019,2021,2023"
    )


def _policy_file(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """A policy file as given, else the policy of that name in ./pipelines/policies/."""
    from ebpm.errors import did_you_mean

    given = Path(value)
    if given.is_file():
        return given
    named = _POLICIES / f"{value}.yaml"
    if not given.suffix and named.is_file():
        return named
    names = sorted(p.stem for p in _POLICIES.glob("*.yaml")) if _POLICIES.is_dir() else []
    known = f" Policies in {_POLICIES}/: {', '.join(names)}." if names else ""
    raise click.BadParameter(
        f"{value!r} is neither a file nor a policy in {_POLICIES}/ of this folder."
        f"{did_you_mean(value, names)}{known} Give the path of a policy file."
    )


@kpi.command(
    "review-sheet",
    context_settings=CONTEXT,
    short_help="Write the 行政事業レビューシート outcome section (.xlsx).",
)
@click.argument("policy", callback=_policy_file)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.xlsx",
    help="The Excel workbook to write (replaced whole if it exists).",
)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default="ja",
    show_default=True,
    help="Language of the headings and remarks.",
)
@click.option(
    "--years",
    callback=_parse_years,
    metavar="FIRST-LAST|YEAR,YEAR",
    help="The (fiscal) years to give a column of actual values "
    "[default: the baseline to the latest value].",
)
@boundary
def kpi_review_sheet(policy: Path, out: Path, lang: str, years: list[int] | None) -> None:
    """Write POLICY's outcomes and KPIs as the 行政事業レビューシート's outcome section.

    POLICY is a policy file, or the name of one in pipelines/policies/. The workbook lists
    the short-, mid- and long-term outcomes (短期・中期・長期アウトカム), each KPI with its
    unit, baseline and its year, actual values by fiscal year (令和5年度, ...), target and
    target year, and the reasoning from the policy file (definition, source, why the target),
    ready to paste into the ministry's sheet. Actual values are those of the KPI follow-up
    (the datasets are read from the catalog, downloaded if need be); a year without data is
    left empty with a note, never filled in.

    \b
    Example:
      ebpm kpi review-sheet pipelines/policies/japan_mergers.yaml --out mergers.xlsx
    """
    from ebpm import kpi as kpis
    from ebpm._lang import check_lang
    from ebpm.kpi.review_sheet import OUTCOME_KINDS

    if out.suffix.lower() != ".xlsx":  # before the data is read
        raise click.BadParameter(
            f"{str(out)!r} does not end in .xlsx; the sheet is an Excel workbook: write it to "
            f"{out.with_suffix('.xlsx').name!r}",
            param_hint="'--out'",
        )
    model = kpis.load(policy)
    report = kpis.compute(model)
    written = kpis.review_sheet(model, path=out, lang=check_lang(lang), report=report, years=years)
    outcomes = [n for n in model.nodes if n.kind in OUTCOME_KINDS]
    measured = [k for n in outcomes for k in model.kpis_for(n.id)]
    rows = sum(max(1, len(model.kpis_for(n.id))) for n in outcomes)
    click.echo(
        f"wrote {written}: {rows} outcome row(s) of policy {model.policy}, "
        f"{len(measured)} with a KPI"
    )
    for n in outcomes:
        if not model.kpis_for(n.id):
            click.echo(f"  outcome {n.id!r} has no KPI: its row says so")
    for k in measured:
        if report.summaries[k.id]["latest_period"] is None:
            click.echo(f"  KPI {k.id!r} has no actual value yet: its cells are empty")
