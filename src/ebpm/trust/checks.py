"""The checks a result carries, in words: one shape for every design.

:func:`checks` reads a result's JSON record (:meth:`ebpm.results.EstimateResult.to_dict`, as a
published report keeps it) and returns one row per diagnostic that applies to the design, each
with the same keys (:data:`CHECK_KEYS`): ``check`` (the English name, for machines),
``status`` (``pass``: no evidence against the design's assumption at the 5% level; ``warn``:
read the report before the estimate; ``info``), ``value`` (the statistic or bound the check
reads, else None), ``p_value`` (else None) and ``text`` (one line in ``lang``).

The checks, by design:

- event studies and staggered DiD: the pre-trend test, and its power (Roth 2022): the slope of
  a linear pre-trend the test detects 80% of the time; when such a trend, carried into the
  post-period, would be as large as the estimate itself, the test is too weak to reassure;
- two-way fixed-effects DiD: staggered adoption or treatment switching off (Goodman-Bacon 2021);
- any event study whose report ran a sensitivity analysis (Rambachan & Roth 2023): the
  breakdown value; under relative magnitudes a breakdown below M̄ = 1 means a post-period
  violation no bigger than the largest pre-period one could explain the effect;
- regression discontinuity: the density (manipulation) test;
- synthetic control: the placebo (in-space permutation) p-value, the in-time placebo;
- interrupted time series: residual autocorrelation;
- Moran's I: the permutation test.

:func:`ebpm.report.evidence.diagnostics`, the site's index and registry, the KPI dashboards and
:meth:`ebpm.results.EstimateResult.checks` all read this one function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ebpm._format import finite
from ebpm._lang import DIAGNOSTICS, words

__all__ = ["ALPHA", "CHECK_KEYS", "checks"]

ALPHA = 0.05
#: The keys of every check, in this order.
CHECK_KEYS = ("check", "status", "value", "p_value", "text")

_MORE: dict[str, dict[str, str]] = {
    "en": {
        "power": "pre-trend power: a linear pre-trend of {s80} per period would be detected 80% "
        "of the time ({s50}: half the time)",
        "power_weak": "; carried into the post-period such a trend is {bias}, as large as the "
        "estimate {estimate}: the test is too weak to rule it out",
        "power_ok": "; carried into the post-period such a trend is {bias}, against the "
        "estimate {estimate}",
        "staggered": "treatment starts at {n} different times{off}: a two-way fixed-effects DiD "
        "then compares later with earlier adopters and can be biased; use staggered_did and "
        "see bacon_decomposition",
        "switches_off": " and switches off in {units}",
        "switch_only": "treatment switches off in {units}: a two-way fixed-effects DiD then "
        "compares units after treatment ends; use staggered_did and see bacon_decomposition",
        "breakdown_rm": "sensitivity (relative magnitudes): the effect stays significant unless "
        "post-period violations of parallel trends exceed {value} times the largest "
        "pre-period one{says}",
        "rm_weak": " (below 1: a violation no bigger than those before adoption explains it)",
        "rm_ok": "",
        "breakdown_sd": "sensitivity (smoothness): the effect stays significant unless the "
        "slope of the trend difference changes by more than {value} per period",
        "breakdown_none": "sensitivity ({method}): significant at every bound tried, up to {value}",
        "breakdown_zero": "sensitivity ({method}): the usual interval already includes zero",
        "relative_magnitude": "relative magnitudes",
        "smoothness": "smoothness",
    },
    "ja": {
        "power": "事前トレンド検定の検出力：1 期あたり {s80} の線形の事前トレンドを 80% の確率で"
        "検出する（{s50} なら 50%）",
        "power_weak": "。そのトレンドが処置後も続くと {bias} となり、推定値 {estimate} と同じ"
        "大きさになる：この検定ではそれを否定できない",
        "power_ok": "。そのトレンドが処置後も続くと {bias}（推定値は {estimate}）",
        "staggered": "処置の開始時期が {n} 通りある{off}：二方向固定効果の差の差分法は後から"
        "導入した単位を先に導入した単位と比べ、偏りうる。staggered_did を使い、"
        "bacon_decomposition で確認すること",
        "switches_off": "。また {units} で処置が終わる",
        "switch_only": "{units} で処置が終わる：二方向固定効果の差の差分法は処置の終わった単位"
        "と比べることになる。staggered_did を使い、bacon_decomposition で確認すること",
        "breakdown_rm": "感度分析（相対的大きさ）：処置後の平行トレンドからの乖離が処置前の最大の"
        "乖離の {value} 倍を超えない限り効果は有意{says}",
        "rm_weak": "（1 未満：処置前と同程度の乖離で効果が説明できてしまう）",
        "rm_ok": "",
        "breakdown_sd": "感度分析（滑らかさ）：トレンド差の傾きの変化が 1 期あたり {value} を"
        "超えない限り効果は有意",
        "breakdown_none": "感度分析（{method}）：試したすべての上限（{value} まで）で有意",
        "breakdown_zero": "感度分析（{method}）：元の信頼区間がすでに 0 を含む",
        "relative_magnitude": "相対的大きさ",
        "smoothness": "滑らかさ",
    },
}


_num = finite  # numbers only: text, booleans, NaN and infinities are no value


def _g(x: float) -> str:
    return f"{x:.3g}"


def _row(
    check: str, status: str, text: str, *, value: Any = None, p_value: Any = None
) -> dict[str, Any]:
    return {
        "check": check,
        "status": status,
        "value": _num(value),
        "p_value": _num(p_value),
        "text": text,
    }


def _test(
    name: str, p: Any, passes: str, fails: str, w: Mapping[str, str]
) -> dict[str, Any] | None:
    p = _num(p)
    if p is None:
        return None
    ok = p >= ALPHA
    text = w["test"].format(name=w[name], p=f"{p:.3g}", says=w[passes if ok else fails])
    return _row(name, "pass" if ok else "warn", text, p_value=p)


def _post_horizon(record: Mapping[str, Any], reference: float) -> float | None:
    """How many periods after the reference the headline's post periods lie, on average."""
    rows = record.get("table") or []
    times = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping) or row.get("binned"):
            continue
        e = _num(row.get("event_time"))
        if e is not None and e >= 0:
            times.append(e - reference)
    return sum(times) / len(times) if times else None


def _power(record: Mapping[str, Any], pre: Mapping[str, Any], m: Mapping[str, str]) -> Any:
    s50, s80 = _num(pre.get("power_slope_50")), _num(pre.get("power_slope_80"))
    if s50 is None or s80 is None:
        return None
    text = m["power"].format(s80=_g(s80), s50=_g(s50))
    status = "info"
    d = record.get("diagnostics") or {}
    design = record.get("design") or {}
    # event_study keeps its reference period among the diagnostics, not in the design
    reference = _num(pre.get("reference", d.get("ref_period", design.get("ref_period", -1))))
    horizon = _post_horizon(record, -1.0 if reference is None else reference)
    estimate = _num((record.get("headline") or {}).get("estimate"))
    if horizon is not None and estimate is not None:
        bias = s80 * horizon
        weak = abs(bias) >= abs(estimate)
        status = "warn" if weak else "pass"
        text += m["power_weak" if weak else "power_ok"].format(bias=_g(bias), estimate=_g(estimate))
    return _row("pre-trend power", status, text, value=s80)


def _adoption(d: Mapping[str, Any], m: Mapping[str, str]) -> Any:
    found = d.get("adoption")
    if not isinstance(found, Mapping):
        return None
    times = list(found.get("adoption_times") or [])
    off = [str(u) for u in (found.get("switches_off") or [])]
    units = ", ".join(off[:5]) + (" …" if len(off) > 5 else "")
    if found.get("staggered"):
        more = m["switches_off"].format(units=units) if off else ""
        text = m["staggered"].format(n=len(times), off=more)
    elif off:
        text = m["switch_only"].format(units=units)
    else:
        return None
    return _row("staggered adoption", "warn", text, value=len(times) or None)


def _sensitivity(d: Mapping[str, Any], m: Mapping[str, str]) -> Any:
    s = d.get("sensitivity")
    if not isinstance(s, Mapping):
        return None
    method = str(s.get("method", ""))
    name = m.get(method, method)
    low, high = [*(s.get("original") or []), None, None][:2]
    lo, hi = _num(low), _num(high)
    if lo is not None and hi is not None and lo <= 0 <= hi:
        return _row("sensitivity", "info", m["breakdown_zero"].format(method=name))
    value = _num(s.get("breakdown"))
    if value is None:
        sets = s.get("sets") or []
        top = max((_num(r.get(s.get("bound", ""))) or 0.0) for r in sets) if sets else 0.0
        return _row(
            "sensitivity",
            "pass",
            m["breakdown_none"].format(method=name, value=_g(top)),
            value=None,
        )
    if method == "relative_magnitude":
        weak = value < 1
        text = m["breakdown_rm"].format(value=_g(value), says=m["rm_weak" if weak else "rm_ok"])
        return _row("sensitivity", "warn" if weak else "pass", text, value=value)
    return _row("sensitivity", "info", m["breakdown_sd"].format(value=_g(value)), value=value)


def _design_specific(
    method: Any, d: Mapping[str, Any], w: Mapping[str, str]
) -> list[dict[str, Any] | None]:
    out: list[dict[str, Any] | None] = []
    if method == "synthetic_control" and _num(d.get("p_value")) is not None:
        p = float(d["p_value"])
        out.append(
            _row(
                "placebo (in-space permutation)",
                "info",
                w["placebo"].format(p=f"{p:.3g}"),
                p_value=p,
            )
        )
    in_time = d.get("in_time_placebo")
    if isinstance(in_time, Mapping) and _num(in_time.get("estimate")) is not None:
        est = float(in_time["estimate"])
        text = w["in_time"].format(at=in_time.get("treatment_time"), estimate=f"{est:.3g}")
        out.append(_row("in-time placebo", "info", text, value=est))
    auto = d.get("residual_autocorrelation")
    if isinstance(auto, Mapping) and isinstance(auto.get("ljung_box_pvalue"), Mapping):
        pvals = [p for p in map(_num, auto["ljung_box_pvalue"].values()) if p is not None]
        if pvals:
            p = min(pvals)
            says = w["autocorrelated" if p < ALPHA else "independent"]
            text = w["ljung_box"].format(p=f"{p:.3g}", says=says)
            out.append(_row("residual autocorrelation", "info", text, p_value=p))
    if method == "moran" and _num(d.get("p_sim")) is not None:
        p = float(d["p_sim"])
        text = w["permutation"].format(p=f"{p:.3g}", n=d.get("permutations", "?"))
        out.append(_row("permutation test", "info", text, p_value=p))
    return out


def checks(record: Mapping[str, Any] | None, lang: str = "en") -> list[dict[str, Any]]:
    """The checks ``record`` (a result's :meth:`~ebpm.results.EstimateResult.to_dict`, or a
    published report's headline) carries, each a dict with :data:`CHECK_KEYS`, ``text`` in
    ``lang`` ("en" or "ja"); none for a record without diagnostics."""
    if not record:
        return []
    w = words(DIAGNOSTICS, lang)
    m = _MORE["ja" if lang == "ja" else "en"]
    d = record.get("diagnostics") or {}
    if not isinstance(d, Mapping):
        return []
    out: list[dict[str, Any] | None] = []
    pre = d.get("pretrend")
    if isinstance(pre, Mapping):
        out.append(_test("pre-trends", pre.get("p_value"), "parallel", "not_parallel", w))
        out.append(_power(record, pre, m))
    out.append(_adoption(d, m))
    out.append(_sensitivity(d, m))
    if isinstance(d.get("density_test"), Mapping):
        p = d["density_test"].get("p_value")
        out.append(_test("density test", p, "no_sorting", "sorting", w))
    out.extend(_design_specific(record.get("method"), d, w))
    return [c for c in out if c is not None]
