"""What a published result says about its evidence: whether its estimate is missing, the status
of its diagnostics, how current its data are.

:func:`diagnostics` reads the diagnostics a result carries and says, per check, what was tested,
the p-value or statistic and a status: ``pass`` (no evidence against the design's assumption at
the 5% level), ``warn`` (evidence against it: read the report before the estimate) or ``info``.
The site's index and its evidence registry (:mod:`ebpm.site.registry`) show them; a KPI
dashboard shows them beside each estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ebpm._format import finite
from ebpm._lang import DIAGNOSTICS, when, words
from ebpm.trust.checks import ALPHA, checks

__all__ = ["ALPHA", "data_vintage", "diagnostics", "estimate_missing"]

_num = finite


def estimate_missing(headline: Mapping[str, Any] | None) -> bool:
    """Whether a published result (``headline`` as a task records it) has no usable estimate.

    A notebook that publishes no result at all (a KPI dashboard) has nothing missing; one that
    publishes a result whose headline estimate is NaN, infinite or absent does: the run shows it
    as a warning, never as "ok" with a blank.
    """
    if not headline:
        return False
    numbers = headline.get("headline")
    return not isinstance(numbers, Mapping) or _num(numbers.get("estimate")) is None


def diagnostics(headline: Mapping[str, Any] | None, lang: str = "en") -> list[dict[str, Any]]:
    """The checks a published result carries, each with its status and a one-line text in
    ``lang`` ("en" or "ja"; ``check`` stays the English name, for machines): those of
    :func:`ebpm.trust.checks.checks`, the one reader of a result's diagnostics."""
    return checks(headline, lang)


def data_identity(d: dict[str, Any]) -> str:
    """Which bytes a dataset was: ``sha256 <first 12 digits>`` of a download, else the package
    and version that shipped it, else "" (an estimate shown as evidence names its run)."""
    if d.get("sha256"):
        return f"sha256 {str(d['sha256'])[:12]}"
    if d.get("package"):
        version = d.get("package_version")
        return f"{d['package']} {version}" if version else str(d["package"])
    return ""


def data_vintage(d: dict[str, Any], lang: str = "en") -> str:
    """How current a dataset is: the publisher's update date, else the package version that
    shipped it, else when it was retrieved (an estimate shown as evidence: the run that made
    it); in ``lang``."""
    w = words(DIAGNOSTICS, lang)
    if d.get("kind") == "evidence":
        return w["made_by"].format(run=d["run_id"]) if d.get("run_id") else w["not_evaluated"]
    if d.get("publisher_updated"):
        return w["updated"].format(date=d["publisher_updated"])
    if d.get("package_version"):
        return f"{d.get('package')} {d['package_version']}"
    return w["retrieved"].format(when=when(d.get("retrieved_at", "?"), lang))
