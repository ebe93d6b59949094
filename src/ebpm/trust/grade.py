"""An evidence grade per evaluation: how strong its research design is, on the Maryland
Scientific Methods Scale (SMS), lowered for each check that undermines the design.

:func:`grade` reads a result's JSON record (:meth:`ebpm.results.EstimateResult.to_dict`, or the
headline a published report keeps) and places its design on the scale's five levels, as the
What Works Centre for Local Economic Growth defines them (its page "The Maryland Scientific
Methods Scale (SMS)" and Madaleno & Waights' scoring guide):

===== ===========================================================================================
level what the design compares
===== ===========================================================================================
1     treated with untreated units at one time, or the treated before and after, without controls
2     the same, with adequate controls (for a before-and-after comparison: controls for the
      changes over time in macro-level factors)
3     the treated before and after the intervention against a comparison group that provides
      the counterfactual (e.g. difference-in-differences); the scoring guide's SMS 3 methods are
      difference-in-differences, panel data methods and propensity score matching
4     quasi-random variation in treatment exploited: the scoring guide's SMS 4 methods are
      instrumental variables and regression discontinuity
5     explicit random assignment to treatment and control (randomised controlled trial)
===== ===========================================================================================

The base level of each ebpm design:

- ``did``, ``event_study``, ``staggered_did``: difference-in-differences, level 3;
- ``synthetic_control``, ``synthdid``: the treated unit before and after against a weighted
  comparison group of donors, which is the level-3 definition (the scoring guide does not name
  synthetic control; we place it by that definition, with difference-in-differences);
- ``rdd``: regression discontinuity, level 4; a fuzzy design (the cutoff as an instrument for
  take-up) is the scoring guide's instrumental-variables case, also level 4;
- ``its`` with a comparison series (a controlled interrupted time series: its ``design`` names
  the ``control`` units): level 3; without one, a before-and-after comparison of the treated
  series alone whose pre-period trend stands in for the controls of level 2: level 2;
- ``moran``, ``describe``, ``balance`` and any other method: no grade (None): they estimate no
  effect of a policy, and a method this module does not know is not guessed at.

Each check of :func:`ebpm.trust.checks.checks` that says the design's assumption is in doubt
lowers the grade by one level (never below 1), with a reason in words: a failed pre-trend
test; a pre-trend test too weak to rule out a trend as large as the estimate (Roth 2022); a
sensitivity breakdown below M̄ = 1 (Rambachan & Roth 2023); staggered adoption or treatment
switching off under a two-way fixed-effects DiD (Goodman-Bacon 2021); sorting at an RDD cutoff
(the density test). The scoring guide likewise scores a study on how well its method is carried
out, not only on the method's name.

The grade is about the design, not the result: a missing estimate, an interval that includes
zero or a small effect does not lower it. Whether the estimate supports a link of a logic model
is :func:`ebpm.kpi.verdict.verdict`'s question, shown beside the grade, never mixed into it.

Japanese government evidence levels: we could not find an evidence-level scale of research
designs that the Japanese government has adopted for EBPM. The Cabinet Secretariat's EBPM
materials we could read define EBPM and ask for logic models and evidence, without such a
scale; the papers that discuss evidence levels for EBPM (ESRI Research Note No. 49, 土屋隆裕
2019, 「EBPMとエビデンスレベルの評価指標」; New ESRI Working Paper No. 48, 田中裕太郎・野村裕・
間真実 2019) say they are their authors' views, not the Cabinet Office's; the medical evidence
pyramids (Minds) grade clinical studies. So ``jp_level`` is None and ``jp_label`` gives the
Maryland level in Japanese (メリーランド科学的手法尺度), rather than inventing a Japanese scale.

References
----------
Sherman, L. W., Gottfredson, D., MacKenzie, D., Eck, J., Reuter, P. & Bushway, S. (1997).
Preventing Crime: What Works, What Doesn't, What's Promising. Report to the U.S. Congress.
What Works Centre for Local Economic Growth. The Maryland Scientific Methods Scale (SMS).
https://whatworksgrowth.org/resources/the-scientific-maryland-scale/
Madaleno, M. & Waights, S. Guide to scoring methods using the Maryland Scientific Methods
Scale. What Works Centre for Local Economic Growth (updated June 2016).
https://whatworksgrowth.org/resource-library/guide-to-scoring-the-evidence/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ebpm.trust.checks import checks

__all__ = ["GRADE_KEYS", "LEVELS", "SCALE", "grade", "grade_short"]

#: The scale every grade is on.
SCALE = "Maryland SMS"
#: Its levels, lowest to highest.
LEVELS = (1, 2, 3, 4, 5)
#: The keys of every grade, in this order.
GRADE_KEYS = ("scale", "level", "base", "label", "reasons", "jp_level", "jp_label")

#: The base level of each method that estimates a policy's effect (ITS: without a comparison).
_BASE = {
    "did": 3,
    "event_study": 3,
    "staggered_did": 3,
    "synthetic_control": 3,
    "synthdid": 3,
    "rdd": 4,
    "its": 2,
}

#: The checks that lower the grade when they warn, in the order their reasons are given.
_DOWNGRADES = ("pre-trends", "pre-trend power", "sensitivity", "staggered adoption", "density test")

_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "scale": "Maryland Scientific Methods Scale",
        "level": "{scale} level {level}: {what}",
        "levels": {
            1: "cross-section or before-and-after comparison, without controls",
            2: "cross-section or before-and-after comparison, with controls",
            3: "before and after against a comparison group (e.g. difference-in-differences)",
            4: "quasi-random assignment (e.g. regression discontinuity, instrumental variables)",
            5: "random assignment (randomised controlled trial)",
        },
        "base": {
            "did": "difference-in-differences: the treated before and after against a "
            "comparison group (SMS 3)",
            "event_study": "event study: the treated before and after against a comparison "
            "group, period by period (SMS 3)",
            "staggered_did": "difference-in-differences with staggered adoption: each cohort "
            "before and after against units not yet treated (SMS 3)",
            "synthetic_control": "synthetic control: the treated unit before and after against "
            "a weighted comparison group of donors (SMS 3)",
            "synthdid": "synthetic difference-in-differences: the treated before and after "
            "against a weighted comparison group (SMS 3)",
            "rdd": "regression discontinuity: assignment by a cutoff, as good as random near "
            "it (SMS 4)",
            "rdd_fuzzy": "fuzzy regression discontinuity: the cutoff as an instrument for "
            "take-up, as good as random near it (SMS 4)",
            "its": "interrupted time series without a comparison series: the treated series "
            "before and after, its pre-period trend standing in for controls (SMS 2)",
            "its_controlled": "controlled interrupted time series: the treated series before "
            "and after against a comparison series (SMS 3)",
        },
        "down": {
            "pre-trends": "one level down: the pre-trend test rejects parallel trends{p}",
            "pre-trend power": "one level down: the pre-trend test is too weak: a linear "
            "pre-trend it would often miss, carried into the post-period, is as large as the "
            "estimate",
            "sensitivity": "one level down: sensitivity breakdown M̄ = {value} is below 1: a "
            "post-period violation of parallel trends no larger than the pre-period ones "
            "could explain the effect",
            "staggered adoption": "one level down: staggered adoption (or treatment switching "
            "off) under a two-way fixed-effects DiD, which can be biased; use staggered_did",
            "density test": "one level down: the density test finds sorting at the cutoff{p}",
        },
        "p": " (p = {p})",
        "floor": "the scale stops at level 1",
    },
    "ja": {
        "scale": "メリーランド科学的手法尺度",
        "level": "{scale} レベル{level}：{what}",
        "levels": {
            1: "統制変数のない横断比較または前後比較",
            2: "統制変数のある横断比較または前後比較",
            3: "比較群のある前後比較（差の差分法など）",
            4: "準ランダムな割当て（回帰不連続デザイン、操作変数法など）",
            5: "ランダムな割当て（ランダム化比較試験）",
        },
        "base": {
            "did": "差の差分法：処置群の前後を比較群と比べる（SMS 3）",
            "event_study": "イベントスタディ：処置群の前後を比較群と期ごとに比べる（SMS 3）",
            "staggered_did": "導入時期の異なる差の差分法：各コホートの前後をまだ処置されて"
            "いない単位と比べる（SMS 3）",
            "synthetic_control": "合成コントロール法：処置単位の前後をドナーの加重平均による"
            "比較群と比べる（SMS 3）",
            "synthdid": "合成差の差分法：処置群の前後を加重した比較群と比べる（SMS 3）",
            "rdd": "回帰不連続デザイン：閾値による割当てが閾値の近くではランダムとみなせる"
            "（SMS 4）",
            "rdd_fuzzy": "ファジー回帰不連続デザイン：閾値を処置の受け入れの操作変数とし、"
            "閾値の近くではランダムとみなせる（SMS 4）",
            "its": "比較系列のない分断時系列分析：処置系列の前後比較で、処置前のトレンドが"
            "統制の代わりとなる（SMS 2）",
            "its_controlled": "比較系列のある分断時系列分析：処置系列の前後を比較系列と比べる"
            "（SMS 3）",
        },
        "down": {
            "pre-trends": "1 段階下げる：事前トレンドの検定が平行トレンドを棄却{p}",
            "pre-trend power": "1 段階下げる：事前トレンドの検定の検出力が低い（見逃しうる"
            "線形のトレンドが処置後も続くと推定値と同じ大きさになる）",
            "sensitivity": "1 段階下げる：感度分析のブレークダウン値 M̄ = {value} が 1 未満"
            "（処置前と同程度の平行トレンドからの乖離で効果が説明できてしまう）",
            "staggered adoption": "1 段階下げる：処置の開始時期が異なる（または処置が終わる）"
            "のに二方向固定効果の差の差分法を使っており、偏りうる。staggered_did を使うこと",
            "density test": "1 段階下げる：密度検定が閾値での操作（ソーティング）を示す{p}",
        },
        "p": "（p = {p}）",
        "floor": "尺度の最低はレベル 1",
    },
}


def _base(record: Mapping[str, Any]) -> tuple[int, str] | None:
    """The design's base level and the key of its reason; None when it is not graded."""
    method = record.get("method")
    if not isinstance(method, str) or method not in _BASE:
        return None
    design = record.get("design")
    design = design if isinstance(design, Mapping) else {}
    if method == "its" and design.get("control"):
        return 3, "its_controlled"
    if method == "rdd" and design.get("fuzzy"):
        return 4, "rdd_fuzzy"
    return _BASE[method], method


def _label(level: int, lang: str) -> str:
    w = _WORDS[lang]
    return w["level"].format(scale=w["scale"], level=level, what=w["levels"][level])


def _reason(check: Mapping[str, Any], w: Mapping[str, Any]) -> str:
    p = check.get("p_value")
    value = check.get("value")
    return str(w["down"][check["check"]]).format(
        p="" if p is None else w["p"].format(p=f"{p:.3g}"),
        value="?" if value is None else f"{value:.3g}",
    )


def grade(record: Mapping[str, Any] | None, lang: str = "en") -> dict[str, Any] | None:
    """The evidence grade of the design behind ``record`` (a result's
    :meth:`~ebpm.results.EstimateResult.to_dict`, or a published report's headline).

    Parameters
    ----------
    record : mapping or None
        The result's JSON record: its ``method``, ``design`` and ``diagnostics`` are read.
    lang : {"en", "ja"}
        The language of ``label`` and ``reasons`` (any other: English).

    Returns
    -------
    dict or None
        :data:`GRADE_KEYS`: ``scale`` ("Maryland SMS"), ``level`` (1-5, after the
        downgrades), ``base`` (the design's level before them), ``label`` (the level in
        words), ``reasons`` (why the base level, then one line per downgrade), ``jp_level``
        (None: no official Japanese scale was found) and ``jp_label`` (the level on the
        Maryland scale in Japanese). None for a record without a graded design (no record,
        Moran's I, a description, a balance table, an unknown method).

    Notes
    -----
    The grade is about the design: a missing estimate or an interval that includes zero does
    not lower it. See the module's docstring for the scale, its source and the downgrades.
    """
    if not record:
        return None
    found = _base(record)
    if found is None:
        return None
    base, key = found
    lang = "ja" if lang == "ja" else "en"
    w = _WORDS[lang]
    warned = {c["check"]: c for c in checks(record) if c["status"] == "warn"}
    reasons = [str(w["base"][key])]
    level = base
    for name in _DOWNGRADES:
        if name in warned:
            reasons.append(_reason(warned[name], w))
            level -= 1
    if level < LEVELS[0]:
        reasons.append(str(w["floor"]))
        level = LEVELS[0]
    return {
        "scale": SCALE,
        "level": level,
        "base": base,
        "label": _label(level, lang),
        "reasons": reasons,
        "jp_level": None,
        "jp_label": _label(level, "ja"),
    }


def grade_short(g: Mapping[str, Any] | None) -> str:
    """A grade in a few characters, "SMS 3/5"; "–" for none."""
    if not g:
        return "–"
    return f"SMS {g['level']}/{LEVELS[-1]}"
