"""What an :func:`ebpm.estimators.rdd.rdd` result says in words, in English and Japanese.

The title, estimand, inference and identifying assumption of a sharp or fuzzy discontinuity
or kink, from the design's facts and the checked options.
"""

from __future__ import annotations

from typing import Any

from ebpm.estimators._rdd_options import RddOptions, variance_words

__all__ = ["design_words"]

_ASSUMPTION = (
    "Continuity at the cutoff: average potential outcomes change smoothly in the running "
    "variable at the cutoff (no precise manipulation of the score, nothing else changes "
    "there), so units just below are a valid comparison for units just above."
)
_ASSUMPTION_KINK = (
    "Smoothness at the cutoff: the slopes of average potential outcomes in the running "
    "variable are continuous at the cutoff (no precise manipulation of the score, nothing "
    "else changes its slope there), so a change in the slope of the outcome is the policy's."
)
_ASSUMPTION_FUZZY = (
    " Fuzzy design: assignment at the cutoff changes the outcome only through take-up "
    "(exclusion), and no one takes the treatment up because of being below the cutoff "
    "(monotonicity), so the ratio is the effect for compliers at the cutoff."
)
_ASSUMPTION_JA = (
    "閾値での連続性：潜在的結果の平均は閾値において割当変数に対して滑らかに変化する（得点の精密な"
    "操作がなく、閾値でほかに何も変わらない）ため、閾値のすぐ下の単位はすぐ上の単位の妥当な"
    "比較対象となる。"
)
_ASSUMPTION_KINK_JA = (
    "閾値での滑らかさ：潜在的結果の平均の割当変数に対する傾きは閾値で連続である（得点の精密な"
    "操作がなく、閾値でほかに傾きを変えるものがない）ため、結果の傾きの変化は政策によるもの"
    "である。"
)
_ASSUMPTION_FUZZY_JA = (
    "ファジー・デザイン：閾値での割当は受け入れ（テイクアップ）を通じてのみ結果に影響し"
    "（除外制約）、閾値の下にいるために処置を受ける者はいない（単調性）ため、比は閾値での"
    "コンプライアーに対する効果となる。"
)


def design_words(
    design: dict[str, Any], opts: RddOptions, *, n_clusters: int | None
) -> dict[str, dict[str, str]]:
    """Title, estimand, inference and assumption of the design, in English and Japanese."""
    running, fuzzy, outcome = design["running"], design["fuzzy"], design["outcome"]
    at = f"{running} = {opts.cutoff:g}"
    kink = opts.deriv == 1
    sharpness = "fuzzy" if fuzzy else "sharp"
    if kink and fuzzy:
        estimand = (
            f"Change in the slope of {outcome} over the change in the slope of take-up "
            f"({fuzzy}) at the cutoff ({at})"
        )
        estimand_ja = (
            f"閾値での {outcome} の傾きの変化と受け入れ（{fuzzy}）の傾きの変化の比（{at}）"
        )
    elif kink:
        estimand = f"Change in the slope of {outcome} at the cutoff ({at})"
        estimand_ja = f"閾値での {outcome} の傾きの変化（{at}）"
    elif fuzzy:
        estimand = (
            f"Local average treatment effect of take-up ({fuzzy}) for compliers at the cutoff "
            f"({at})"
        )
        estimand_ja = f"閾値でのコンプライアーに対する受け入れ（{fuzzy}）の局所平均処置効果（{at}）"
    else:
        estimand = f"Average effect at the cutoff ({at})"
        estimand_ja = f"閾値での平均効果（{at}）"
    cluster = design["cluster"]
    variance = variance_words(opts, cluster=cluster, n_clusters=n_clusters)
    variance_ja = variance_words(opts, cluster=cluster, n_clusters=n_clusters, lang="ja")
    level = f"{opts.conf_level:.0%}"
    inference = (
        f"conventional estimate and SE; robust bias-corrected z, p-value and {level} interval "
        f"(CCT 2014), {variance}"
    )
    inference_ja = (
        f"推定値と標準誤差は通常の方法、z 値・p値・{level}信頼区間は頑健バイアス補正"
        f"（CCT 2014）、{variance_ja}"
    )
    if design["weights"] is not None:
        inference += f"; observations weighted by {design['weights']} (times the kernel)"
        inference_ja += f"、観測値は {design['weights']} で重み付け（カーネルとの積）"
    assumption = _ASSUMPTION_KINK if kink else _ASSUMPTION
    assumption_ja = _ASSUMPTION_KINK_JA if kink else _ASSUMPTION_JA
    if fuzzy:
        assumption += _ASSUMPTION_FUZZY
        assumption_ja += _ASSUMPTION_FUZZY_JA
    kind = "Regression kink" if kink else "Regression discontinuity"
    return {
        "en": {
            "title": f"{kind} ({sharpness}, local polynomial)",
            "estimand": estimand,
            "inference": inference,
            "assumption": assumption,
        },
        "ja": {"estimand": estimand_ja, "inference": inference_ja, "assumption": assumption_ja},
    }
