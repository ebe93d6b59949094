"""ebpm.staggered_did against moderndid called directly, on mpdta and a 10^5-row panel.

ebpm wraps moderndid (the Callaway & Sant'Anna estimator ported from R `did`), so the
competitor a user would otherwise call is moderndid's own ``att_gt`` + ``aggte``. ebpm adds the
input checks, unit recoding, its own influence-function pre-trend test and the tidy result.
Other Python implementations were not installed: ``differences`` is GPL-3 and ``csdid``
declares both MIT and Apache licences and pulls in plotnine and twine; csdid is timed when it
is importable. Both sides run in this one process, alternating, same bootstrap draws and seed.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5
ROLES = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first_treat"}


def simulate(n_units: int = 10_000, n_periods: int = 10, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    first = rng.choice([0, 4, 6, 8], n_units)[unit]
    effect = np.where((first > 0) & (period >= first), 1.0 + 0.2 * (period - first), 0.0)
    y = rng.normal(0, 1, n_units)[unit] + 0.3 * period + effect + rng.normal(0, 1, unit.size)
    return pd.DataFrame({"county": unit, "yr": period, "g": first, "y": y})


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _covariates_row(moderndid, staggered_did, mpdta: pd.DataFrame) -> str:
    """mpdta with conditional parallel trends on log population (``xformla=~lpop``), doubly
    robust ATT(g,t), simple aggregate: the same call on both sides, alternating."""

    def ours():
        return staggered_did(mpdta, **ROLES, covariates=["lpop"], est_method="dr", seed=1)

    def direct():
        mp = moderndid.att_gt(
            data=mpdta,
            yname="lemp",
            tname="year",
            idname="countyreal",
            gname="first_treat",
            xformla="~lpop",
            est_method="dr",
            boot=True,
            biters=1000,
            cband=True,
            random_state=1,
        )
        return moderndid.aggte(mp, type="simple", random_state=1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est, ref = ours(), direct()
        t_ours, t_md = [], []
        for _ in range(REPEATS):
            t_md.append(_time(direct))
            t_ours.append(_time(ours))
    md, eb = statistics.median(t_md), statistics.median(t_ours)
    return (
        f"| mpdta, covariates `lpop` (xformla ~lpop), est_method dr "
        f"(ATT {est.estimate:.4f} vs moderndid {float(ref.overall_att):.4f}) | simple | "
        f"{md:.3f} | {eb:.3f} | {eb / md:.2f}× |"
    )


def run(work: Path) -> str:
    os.environ.setdefault("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
    import moderndid

    from ebpm.catalog import open_catalog
    from ebpm.estimators.staggered import staggered_did

    mpdta = open_catalog(ROOT / "catalogs").load("studies.mpdta")
    sim = simulate()
    cases = {
        f"mpdta ({len(mpdta):,} rows, 500 units)": (mpdta, ROLES),
        f"simulated ({len(sim):,} rows, 10,000 units, 3 cohorts)": (
            sim,
            {"outcome": "y", "unit": "county", "time": "yr", "cohort": "g"},
        ),
    }
    rows = []
    for label, (data, roles) in cases.items():
        for aggregate, md_type in (("simple", "simple"), ("event", "dynamic")):

            def ours(data=data, roles=roles, aggregate=aggregate):
                staggered_did(data, **roles, aggregate=aggregate, seed=1)

            def direct(data=data, roles=roles, md_type=md_type):
                mp = moderndid.att_gt(
                    data=data,
                    yname=roles["outcome"],
                    tname=roles["time"],
                    idname=roles["unit"],
                    gname=roles["cohort"],
                    boot=True,
                    biters=1000,
                    cband=True,
                    random_state=1,
                )
                moderndid.aggte(mp, type=md_type, random_state=1)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ours()
                direct()
                t_ours, t_md = [], []
                for _ in range(REPEATS):
                    t_md.append(_time(direct))
                    t_ours.append(_time(ours))
            md, eb = statistics.median(t_md), statistics.median(t_ours)
            rows.append(f"| {label} | {aggregate} | {md:.3f} | {eb:.3f} | {eb / md:.2f}× |")
    rows.append(_covariates_row(moderndid, staggered_did, mpdta))
    try:
        import csdid  # noqa: F401

        note = "csdid is importable but not yet timed here."
    except ImportError:
        note = "csdid is not installed, so it is not timed."
    return "\n".join(
        [
            "## Staggered DiD: `ebpm.staggered_did` vs `moderndid` directly",
            "",
            f"Median wall time over {REPEATS} alternating repeats after one warm-up each; "
            "multiplier bootstrap with 1,000 draws, doubly-robust ATT(g,t), never-treated "
            f"controls. {note}",
            "",
            "| data | aggregate | moderndid att_gt + aggte (s) | ebpm.staggered_did (s) | ratio |",
            "|---|---|---:|---:|---:|",
            *rows,
            "",
        ]
    )
