"""Sensitivity of an event-study estimate to violations of parallel trends (Rambachan & Roth).

Rambachan & Roth (2023, "A More Credible Approach to Parallel Trends", *Review of Economic
Studies*) replace "trends are exactly parallel" by a bound on how far they may diverge after
adoption, given how far they diverged before:

- **relative magnitudes** (``"relative_magnitude"``, bound M̄): a post-period violation (between
  consecutive periods) is at most M̄ times the largest pre-period one. M̄ = 1: no worse than the
  worst change before adoption.
- **smoothness** (``"smoothness"``, bound M, in outcome units): the slope of the difference in
  trends changes by at most M from one period to the next. M = 0: a linear pre-trend continues.

For each bound, :func:`sensitivity` gives a confidence set for the target (the average of the
post-period effects, or one event time's) that stays valid under any violation within the bound,
and the *breakdown value*: the bound at which the set first includes zero. The computations are
those of ``moderndid.didhonest``, the Python port of the authors' R package HonestDiD (the hybrid
least-favourable conditional test, "C-LF", for relative magnitudes; fixed-length intervals,
"FLCI", for smoothness: the package's defaults). This module reads numbers (coefficients and
their covariance), never an estimator; :meth:`ebpm.results.EstimateResult.sensitivity` feeds it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm._display import ResultDisplay
from ebpm.errors import DataError, InvalidOptionError

__all__ = ["METHODS", "Sensitivity", "SensitivityMethod", "sensitivity"]

SensitivityMethod = Literal["relative_magnitude", "smoothness"]
METHODS: tuple[str, ...] = ("relative_magnitude", "smoothness")
#: The bound's name in each method (the column of :meth:`Sensitivity.tidy`).
BOUND = {"relative_magnitude": "Mbar", "smoothness": "M"}
#: The computation each method uses (HonestDiD's default for it).
ENGINE = {"relative_magnitude": "C-LF", "smoothness": "FLCI"}
#: The bound as a reader writes it.
_SYMBOL = {"Mbar": "M̄", "M": "M"}
#: HonestDiD README's grid for relative magnitudes.
DEFAULT_MBAR = (0.5, 1.0, 1.5, 2.0)

_WORDS = {
    "en": {
        "relative_magnitude": "relative magnitudes",
        "smoothness": "smoothness",
        "title": "Sensitivity to violations of parallel trends ({method}, Rambachan & Roth 2023)",
        "target_average": "average effect over event times {first} to {last}",
        "target_one": "effect at event time {e}",
        "original": "original",
        "breakdown": "breakdown value: {bound} = {value}",
        "breakdown_none": "no breakdown within the bounds tried (up to {bound} = {value})",
        "breakdown_first": "breakdown at or below the smallest bound tried ({bound} = {value})",
        "not_significant": "the original interval already includes zero: no breakdown value",
        "xlabel_relative_magnitude": "M̄ (post-period violation relative to the largest before)",
        "xlabel_smoothness": "M (change in the slope of the trend difference per period)",
        "ylabel": "robust {level:.0%} confidence set",
        "intro": "How far may parallel trends fail after adoption before the conclusion "
        "changes (Rambachan & Roth 2023)? Each bar is a {level:.0%} confidence set for the "
        "{target} that stays valid under any violation within the bound on the horizontal axis.",
        "explain_relative_magnitude": "Under relative magnitudes, a violation of parallel trends "
        "after adoption (the change from one period to the next) may be up to M̄ times the "
        "largest one before adoption. The breakdown value is the smallest M̄ at which the robust "
        "confidence set includes zero: below 1, a violation no larger than those already seen "
        "before adoption could explain the effect away; well above 1, it would take a much "
        "larger one.",
        "explain_smoothness": "Under smoothness, the difference in trends between adopters and "
        "comparison units may bend after adoption: its slope may change by up to M (in units of "
        "{outcome}) from one period to the next; M = 0 lets a linear pre-trend continue. The "
        "breakdown value is the smallest M at which the robust confidence set includes zero: "
        "the smaller it is, the less the trends need to bend to explain the effect away.",
        "result": "Result for this estimate: {said}.",
        "the_outcome": "the outcome",
    },
    "ja": {
        "relative_magnitude": "相対的大きさ",
        "smoothness": "滑らかさ",
        "title": "平行トレンドの仮定の破れに対する感度分析（{method}、Rambachan & Roth 2023）",
        "target_average": "イベント時点 {first}〜{last} の平均効果",
        "target_one": "イベント時点 {e} の効果",
        "original": "元の推定",
        "breakdown": "ブレークダウン値：{bound} = {value}",
        "breakdown_none": "試した範囲（{bound} = {value} まで）ではブレークダウンしない",
        "breakdown_first": "試した最小の上限（{bound} = {value}）以下でブレークダウン",
        "not_significant": "元の信頼区間がすでに 0 を含む（ブレークダウン値なし）",
        "xlabel_relative_magnitude": "M̄（処置前の最大の乖離に対する処置後の乖離の比）",
        "xlabel_smoothness": "M（トレンド差の傾きの 1 期あたりの変化）",
        "ylabel": "頑健な {level:.0%} 信頼集合",
        "intro": "導入後に平行トレンドの仮定がどこまで破れたら結論が変わるか（Rambachan & Roth "
        "2023）。各棒は、横軸の上限までのどんな乖離の下でも有効な{target}の {level:.0%} 信頼集合"
        "である。",
        "explain_relative_magnitude": "相対的大きさの考え方では、導入後の平行トレンドからの乖離"
        "（1 期ごとの変化）が、導入前の最大の乖離の M̄ 倍までありうるとする。ブレークダウン値は、"
        "頑健な信頼集合が 0 を含むようになる最小の M̄ である。1 未満なら、導入前に見られた程度の"
        "乖離で効果が説明できてしまう。1 を大きく上回れば、それよりずっと大きな乖離が必要になる。",
        "explain_smoothness": "滑らかさの考え方では、導入単位と比較単位のトレンドの差が導入後に"
        "曲がることを許し、その傾きが 1 期ごとに最大 M（{outcome} の単位）だけ変わりうるとする。"
        "M = 0 は線形の事前トレンドがそのまま続く場合である。ブレークダウン値は、頑健な信頼集合が"
        " 0 を含むようになる最小の M であり、小さいほど、わずかなトレンドの曲がりで効果が説明"
        "できてしまう。",
        "result": "この推定の結果は「{said}」。",
        "the_outcome": "結果変数",
    },
}


@dataclass(frozen=True, eq=False)
class Sensitivity(ResultDisplay):
    """Robust confidence sets over a grid of bounds, and the breakdown value.

    Attributes
    ----------
    method : str
        ``"relative_magnitude"`` or ``"smoothness"``.
    target : str
        ``"average"`` or the event time (as text) the sets are for.
    estimate : float
        The target's estimate.
    original : tuple of float
        Its usual confidence interval (parallel trends exactly).
    table : pandas.DataFrame
        One row per bound asked for: ``Mbar`` or ``M``, ``conf_low``, ``conf_high``.
    refined : pandas.DataFrame
        The same for the bounds the breakdown search tried between them.
    breakdown : float or None
        The smallest bound at which the robust set includes zero, to within ``tolerance``
        (between the largest bound whose set excludes zero and this one). None when no bound
        tried reaches it, or when the original interval already includes zero.
    breakdown_bracket : tuple of float or None
        ``(excludes zero, includes zero)``: the bounds the breakdown lies between.
    """

    method: str
    target: str
    target_label: str
    estimate: float
    original: tuple[float, float]
    table: pd.DataFrame
    refined: pd.DataFrame
    breakdown: float | None
    breakdown_bracket: tuple[float, float] | None
    conf_level: float
    n_pre: int
    n_post: int
    engine: str = ""
    post_times: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def label(self, lang: str = "en") -> str:
        """The target in words, in ``lang`` ("en" or "ja")."""
        w = _WORDS["ja" if lang == "ja" else "en"]
        if self.target == "average" and self.post_times:
            return w["target_average"].format(first=self.post_times[0], last=self.post_times[-1])
        if self.target.lstrip("-").isdigit():
            return w["target_one"].format(e=self.target)
        return self.target_label

    @property
    def bound(self) -> str:
        """The bound's name: ``"Mbar"`` (relative magnitudes) or ``"M"`` (smoothness)."""
        return BOUND[self.method]

    def tidy(self) -> pd.DataFrame:
        """One row per bound: the bound (``Mbar`` or ``M``), ``conf_low``, ``conf_high``."""
        return self.table.copy()

    def said(self, lang: str = "en") -> str:
        """The breakdown in words, in ``lang`` ("en" or "ja")."""
        w = _WORDS["ja" if lang == "ja" else "en"]
        lo, hi = self.original
        if lo <= 0 <= hi:
            return w["not_significant"]
        values = self.table[self.bound]
        name = _SYMBOL[self.bound]
        if self.breakdown is None:
            return w["breakdown_none"].format(bound=name, value=_num(values.max()))
        if self.breakdown_bracket is None:
            return w["breakdown_first"].format(bound=name, value=_num(self.breakdown))
        return w["breakdown"].format(bound=name, value=_num(self.breakdown))

    def conclusion(self, lang: str = "en") -> str:
        """One sentence for a report: the result of this analysis, in ``lang``."""
        return _WORDS["ja" if lang == "ja" else "en"]["result"].format(said=self.said(lang))

    def explain(self, lang: str = "en", *, outcome: str | None = None) -> str:
        """What the robust sets and the breakdown value mean, for a reader, in ``lang``;
        ``outcome`` names the outcome's units (smoothness bounds are in them)."""
        w = _WORDS["ja" if lang == "ja" else "en"]
        intro = w["intro"].format(level=self.conf_level, target=self.label(lang))
        more = w[f"explain_{self.method}"].format(outcome=outcome or w["the_outcome"])
        return f"{intro}{'' if lang == 'ja' else ' '}{more}"

    def summary(self) -> str:
        """The sets as a plain-text table, with the original interval and the breakdown."""
        w = _WORDS["en"]
        lines = [
            w["title"].format(method=w[self.method]),
            f"target: {self.label()}; estimate {_num(self.estimate)}; "
            f"{self.n_pre} pre-period and {self.n_post} post-period coefficients; "
            f"{self.engine}, {self.conf_level:.0%} sets",
            f"{'':>8} {'conf_low':>10} {'conf_high':>10}",
            f"{w['original']:>8} {_num(self.original[0]):>10} {_num(self.original[1]):>10}",
        ]
        for row in self.table.itertuples(index=False):
            bound, low, high = row
            lines.append(f"{self.bound + '=' + _num(bound):>8} {_num(low):>10} {_num(high):>10}")
        lines.append(self.said("en"))
        lines.extend(self.notes)
        return "\n".join(lines)

    def plot(self, ax: Any = None, *, lang: str | None = None) -> Any:
        """The original interval and the robust sets by bound, as error bars; returns the Axes."""
        from ebpm._lang import current_lang
        from ebpm.plotting import OKABE_ITO, get_ax

        w = _WORDS[current_lang(lang)]
        ax = get_ax(ax)
        values = self.table[self.bound].to_numpy(float)
        step = float(np.min(np.diff(values))) if len(values) > 1 else 1.0
        x0 = values.min() - step
        mid = (self.table["conf_low"] + self.table["conf_high"]) / 2
        for x, lo, hi, colour, label in [
            (x0, *self.original, OKABE_ITO[7], w["original"]),
            *[
                (v, lo, hi, OKABE_ITO[0], None)
                for v, lo, hi in zip(
                    values, self.table["conf_low"], self.table["conf_high"], strict=True
                )
            ],
        ]:
            ax.plot([x, x], [lo, hi], color=colour, lw=2.5, label=label)
        ax.plot(values, mid, "o", color=OKABE_ITO[0], ms=3)
        ax.axhline(0, color="grey", lw=0.8, ls="--")
        if self.breakdown is not None:
            ax.axvline(
                self.breakdown, color=OKABE_ITO[1], lw=1, ls=":", label=self.said(lang or "en")
            )
        ax.set_xticks([x0, *values], [w["original"], *[_num(v) for v in values]])
        ax.set_xlabel(w[f"xlabel_{self.method}"])
        ax.set_ylabel(w["ylabel"].format(level=self.conf_level))
        ax.set_title(self.label(lang or "en"), fontsize=10)
        ax.legend(fontsize=8, loc="best")
        return ax

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: method, target, the sets, the original interval and the breakdown."""
        return {
            "method": self.method,
            "bound": self.bound,
            "engine": self.engine,
            "target": self.target,
            "target_label": self.target_label,
            "estimate": self.estimate,
            "original": list(self.original),
            "conf_level": self.conf_level,
            "sets": self.table.to_dict(orient="records"),
            "refined": self.refined.to_dict(orient="records"),
            "breakdown": self.breakdown,
            "breakdown_bracket": None
            if self.breakdown_bracket is None
            else list(self.breakdown_bracket),
            "n_pre": self.n_pre,
            "n_post": self.n_post,
        }


def _num(x: float) -> str:
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3g}"


def _check_inputs(
    betahat: np.ndarray, sigma: np.ndarray, n_pre: int, n_post: int, l_vec: np.ndarray
) -> None:
    k = len(betahat)
    if n_pre < 2:
        raise DataError(
            f"sensitivity needs at least two pre-period coefficients besides the reference "
            f"period (found {n_pre}): both kinds of bound are read from how the trends moved "
            "between pre-periods. Estimate the event study with a window reaching three periods "
            "before adoption, or more"
        )
    if n_post < 1:
        raise DataError(
            "sensitivity needs at least one post-period coefficient (event time 0 or later); "
            "found none"
        )
    if k != n_pre + n_post or sigma.shape != (k, k):
        raise DataError(
            f"sensitivity got {k} coefficients and a {sigma.shape[0]}x{sigma.shape[1]} "
            f"covariance for {n_pre} pre- and {n_post} post-period terms: pass one coefficient "
            "per event time and their covariance"
        )
    if not (np.isfinite(betahat).all() and np.isfinite(sigma).all()):
        raise DataError(
            "sensitivity got a non-finite coefficient or covariance: an event time has no "
            "estimate; narrow the window to event times every cohort reaches"
        )
    if len(l_vec) != n_post:
        raise InvalidOptionError(
            f"target weights have {len(l_vec)} entries for {n_post} post periods: give one weight "
            "per post-period event time"
        )


def _bounds(
    method: str, values: Sequence[float] | None, betahat: np.ndarray, sigma: np.ndarray, n_pre: int
) -> list[float]:
    name = BOUND[method]
    if values is None:
        if method == "relative_magnitude":
            return list(DEFAULT_MBAR)
        # ebpm's default for M: six steps from 0 to the largest pre-period standard error, a
        # change of slope the pre-period test could barely tell from noise.
        se_pre = float(np.sqrt(np.diag(sigma)[:n_pre]).max())
        return [float(f"{x:.3g}") for x in np.linspace(0, se_pre, 6)]
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError) as err:
        raise InvalidOptionError(
            f"{name}={values!r} is not a list of numbers: pass e.g. {name}=[0.5, 1, 1.5, 2]"
        ) from err
    if not out:
        raise InvalidOptionError(f"{name}=[] has no bound: pass e.g. {name}=[0.5, 1, 1.5, 2]")
    bad = [v for v in out if not np.isfinite(v) or v < 0]
    if bad:
        raise InvalidOptionError(
            f"{name} must be finite and 0 or more; got {bad[0]!r}: bounds are sizes of a "
            "violation of parallel trends"
        )
    return sorted(set(out))


def _solve(
    method: str,
    bounds: list[float],
    betahat: np.ndarray,
    sigma: np.ndarray,
    n_pre: int,
    n_post: int,
    l_vec: np.ndarray,
    alpha: float,
) -> pd.DataFrame:
    from moderndid.didhonest import create_sensitivity_results_rm, create_sensitivity_results_sm

    from ebpm.trust._lf_cv import patched

    kwargs: dict[str, Any] = dict(
        betahat=betahat,
        sigma=sigma,
        num_pre_periods=n_pre,
        num_post_periods=n_post,
        l_vec=l_vec,
        alpha=alpha,
    )
    with warnings.catch_warnings():
        # cvxpy's "solution may be inaccurate" on near-degenerate FLCI programs: HonestDiD's
        # own results print no such note, and the bounds agree with its README to its digits.
        warnings.filterwarnings("ignore", message="Solution may be inaccurate")
        if method == "relative_magnitude":
            # The same sets as moderndid's, ~20x faster: its thousands of small linear
            # programs (one per simulated draw for the least-favourable critical value, one
            # per bisection step for the truncation bounds) become maxima over the vertices of
            # one polytope, enumerated once (ebpm.trust._lf_cv).
            with patched():
                out = create_sensitivity_results_rm(m_bar_vec=bounds, method="C-LF", **kwargs)
        else:
            out = create_sensitivity_results_sm(m_vec=bounds, method="FLCI", **kwargs)
    frame = pd.DataFrame(out.to_dict(as_series=False)) if hasattr(out, "to_dict") else out
    name = BOUND[method]
    column = "Mbar" if method == "relative_magnitude" else "m"
    return pd.DataFrame(
        {
            name: frame[column].astype(float).to_numpy(),
            "conf_low": frame["lb"].astype(float).to_numpy(),
            "conf_high": frame["ub"].astype(float).to_numpy(),
        }
    )


def _covers_zero(low: float, high: float) -> bool:
    return bool(low <= 0 <= high) or not (np.isfinite(low) and np.isfinite(high))


def _breakdown(
    table: pd.DataFrame,
    name: str,
    refine: int,
    solve: Any,
) -> tuple[float | None, tuple[float, float] | None, pd.DataFrame]:
    """The first bound whose set covers zero, narrowed by ``refine`` bisection steps; the
    bracket it lies in; the sets of the bounds tried in between."""
    covers = [
        _covers_zero(lo, hi) for lo, hi in zip(table["conf_low"], table["conf_high"], strict=True)
    ]
    if not any(covers):
        return None, None, table.iloc[:0]
    first = covers.index(True)
    values = table[name].tolist()
    if first == 0:
        return float(values[0]), None, table.iloc[:0]
    lo, hi = float(values[first - 1]), float(values[first])
    extra = []
    for _ in range(refine):
        mid = (lo + hi) / 2
        row = solve([mid]).iloc[0]
        extra.append(row)
        if _covers_zero(row["conf_low"], row["conf_high"]):
            hi = mid
        else:
            lo = mid
    steps = pd.DataFrame(extra, columns=table.columns).reset_index(drop=True)
    return hi, (lo, hi), steps


def sensitivity(
    betahat: Sequence[float] | np.ndarray,
    sigma: Sequence[Sequence[float]] | np.ndarray,
    *,
    n_pre: int,
    method: SensitivityMethod = "relative_magnitude",
    bounds: Sequence[float] | None = None,
    target: str = "average",
    l_vec: Sequence[float] | np.ndarray | None = None,
    target_label: str = "",
    post_times: Sequence[int] | None = None,
    conf_level: float = 0.95,
    refine: int | None = None,
) -> Sensitivity:
    """Robust confidence sets for an event-study target under bounded violations of parallel
    trends, over a grid of bounds, and the breakdown value (Rambachan & Roth 2023).

    Parameters
    ----------
    betahat : array-like
        Event-study coefficients in event-time order: the ``n_pre`` pre-period ones (the
        reference period, normalised to zero, left out; it must be the period just before
        adoption), then the post-period ones from event time 0.
    sigma : array-like
        Their covariance matrix.
    n_pre : int
        How many of ``betahat`` are pre-period coefficients.
    method : {"relative_magnitude", "smoothness"}
        The kind of bound (see the module's description).
    bounds : sequence of float, optional
        The bounds to try: M̄ values (default 0.5, 1, 1.5, 2, as in HonestDiD's README) or M
        values (default six from 0 to the largest pre-period standard error, rounded).
    target : str
        ``"average"`` (the mean of the post-period effects: ``l_vec`` equal weights) or an
        event time as text; only a label here, ``l_vec`` says the weights.
    l_vec : sequence of float, optional
        Weights of the post-period effects in the target; default equal weights.
    target_label : str
        The target in words, for the summary and plot (else made from ``target``).
    post_times : sequence of int, optional
        The post-period event times, for the target's words.
    conf_level : float
        Level of the sets.
    refine : int, optional
        Bisection steps between the last bound whose set excludes zero and the first that
        includes it, to narrow the breakdown value (default 8 for smoothness, whose sets take
        about 0.15 s; 4 for relative magnitudes, about 0.4 s a set on a small event study).

    Returns
    -------
    Sensitivity
    """
    if method not in METHODS:
        raise InvalidOptionError(
            f"method={method!r} is not a sensitivity method; use one of {', '.join(METHODS)}"
        )
    b = np.asarray(betahat, float).ravel()
    s = np.asarray(sigma, float)
    n_post = len(b) - int(n_pre)
    weights = np.full(n_post, 1 / max(n_post, 1)) if l_vec is None else np.asarray(l_vec, float)
    _check_inputs(b, s, int(n_pre), n_post, weights)
    if not 0 < conf_level < 1:
        raise InvalidOptionError(f"conf_level={conf_level!r} must lie between 0 and 1, e.g. 0.95")
    grid = _bounds(method, bounds, b, s, int(n_pre))
    alpha = 1 - conf_level
    s = (s + s.T) / 2

    def solve(values: list[float]) -> pd.DataFrame:
        return _solve(method, values, b, s, int(n_pre), n_post, weights, alpha)

    from scipy import stats

    est = float(weights @ b[int(n_pre) :])
    se = float(np.sqrt(weights @ s[int(n_pre) :, int(n_pre) :] @ weights))
    z = float(stats.norm.ppf(1 - alpha / 2))
    original = (est - z * se, est + z * se)
    table = solve(grid)
    steps = (8 if method == "smoothness" else 4) if refine is None else int(refine)
    refined = table.iloc[:0]
    if _covers_zero(*original):
        breakdown, bracket = None, None
    else:
        breakdown, bracket, refined = _breakdown(table, BOUND[method], steps, solve)
    return Sensitivity(
        method=method,
        target=str(target),
        target_label=target_label or str(target),
        estimate=est,
        original=original,
        table=table.reset_index(drop=True),
        refined=refined,
        breakdown=breakdown,
        breakdown_bracket=bracket,
        conf_level=conf_level,
        n_pre=int(n_pre),
        n_post=n_post,
        engine=f"{ENGINE[method]} (moderndid.didhonest, a port of R HonestDiD)",
        post_times=tuple(int(t) for t in post_times) if post_times is not None else (),
    )


def event_coefficients(
    table: pd.DataFrame, vcov: Any, *, method_name: str, ref_period: Any = -1
) -> tuple[np.ndarray, np.ndarray, int, list[int]]:
    """The event-study coefficients (reference period left out), their covariance, the number
    of pre-period ones and the post-period event times, from an event study's table and its
    coefficients' covariance (a DataFrame over its terms)."""
    if "event_time" not in table.columns or not isinstance(vcov, pd.DataFrame):
        raise InvalidOptionError(
            f"sensitivity() needs an event study: a {method_name} result has no event-time "
            "coefficients with a covariance. Use event_study(), or staggered_did(..., "
            'aggregate="event", base_period="universal")'
        )
    rows = table[table["event_time"].notna()].copy()
    if "binned" in rows.columns:
        rows = rows[~rows["binned"].astype(bool)]
    rows["event_time"] = rows["event_time"].astype(int)
    ref = ref_period
    if ref != -1:
        raise InvalidOptionError(
            f"sensitivity() needs the period just before adoption as the reference; this event "
            f"study's is {ref}. Estimate it again with ref_period=-1"
        )
    rows = rows[rows["event_time"] != -1].sort_values("event_time")
    times = rows["event_time"].tolist()
    pre = [e for e in times if e < 0]
    post = [e for e in times if e >= 0]
    if pre and pre != list(range(pre[0], -1)):
        raise DataError(
            f"sensitivity() needs consecutive pre-period event times up to -2; this event study "
            f"has {pre}. Estimate it with a window of whole periods"
        )
    if post and post != list(range(0, post[-1] + 1)):
        raise DataError(
            f"sensitivity() needs consecutive post-period event times from 0; this event study "
            f"has {post}. Estimate it with a window of whole periods"
        )
    terms = rows["term"].tolist()
    missing = [t for t in terms if t not in vcov.index]
    if missing:
        raise DataError(
            f"the covariance of this event study lacks {missing[:3]}: estimate it again with "
            "this version of ebpm"
        )
    b = rows["estimate"].to_numpy(float)
    s = vcov.loc[terms, terms].to_numpy(float)
    return b, s, len(pre), post


def target_weights(target: Any, post: list[int]) -> tuple[np.ndarray, str, str]:
    """The weights of the post-period effects for ``target`` ("average" or an event time),
    its key and its label."""
    if target == "average":
        label = f"average effect over event times 0 to {post[-1]}" if post else "average"
        return np.full(len(post), 1 / max(len(post), 1)), "average", label
    if isinstance(target, bool) or not isinstance(target, int | np.integer) or target not in post:
        raise InvalidOptionError(
            f"target={target!r} is not a post-period event time of this event study; use "
            f'"average" or one of {post}'
        )
    weights = np.zeros(len(post))
    weights[post.index(int(target))] = 1.0
    return weights, str(int(target)), f"effect at event time {int(target)}"
