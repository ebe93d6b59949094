"""How the logic-model diagram looks: kind names, statuses with their colours and symbols,
the font stack and every size, in px."""

from __future__ import annotations

from ebpm._lang import DIAGRAM
from ebpm.kpi.model import KINDS_JA
from ebpm.report.fonts import FONT_STACK

#: The kind names in English; in Japanese they are :data:`ebpm.kpi.model.KINDS_JA`.
_KIND_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "input": "Inputs",
        "activity": "Activities",
        "output": "Outputs",
        "short_term_outcome": "Short-term outcomes",
        "mid_term_outcome": "Mid-term outcomes",
        "long_term_outcome": "Long-term outcomes",
        "impact": "Impact",
    },
    "ja": KINDS_JA,
}

_WORDS = DIAGRAM

#: Known statuses (of a KPI or of a link's evaluation), each with its class and Japanese name.
#: Classes: ``good`` (✓, green), ``warn`` (!, orange), ``bad`` (✗, vermillion), ``none`` (–, grey);
#: ``open`` (?, blue) marks an inconclusive verdict only.
STATUSES: dict[str, tuple[str, str]] = {
    "ok": ("good", "正常"),
    "pass": ("good", "合格"),
    "unchanged": ("good", "変更なし"),
    "on track": ("good", "順調"),
    "warn": ("warn", "注意"),
    "warning": ("warn", "注意"),
    "failed": ("bad", "失敗"),
    "fail": ("bad", "失敗"),
    "error": ("bad", "エラー"),
    "off track": ("bad", "遅れ"),
    "not evaluated": ("none", "未評価"),
    "no data": ("none", "データなし"),
    "pending": ("none", "未実行"),
    "cancelled": ("none", "中止"),
    "blocked": ("none", "保留"),
    "info": ("none", "情報"),
    "before baseline": ("none", "基準時点前"),
}
_STATUS_LOOKUP: dict[str, str] = {
    **{k: k for k in STATUSES},
    **{v[1]: k for k, v in STATUSES.items()},
}

#: The class of each verdict on a link (:data:`ebpm.kpi.verdict.VERDICTS`); its words are in
#: :data:`ebpm._lang.DIAGRAM`.
VERDICT_CLASS: dict[str, str] = {
    "supports": "good",
    "inconclusive": "open",
    "contradicts": "bad",
    "ran": "none",
    "not evaluated": "none",
}

# Okabe–Ito colours (line, tint behind text) and the symbol of each status class.
_STYLE: dict[str, tuple[str, str, str]] = {
    "good": ("#009E73", "#DDF2EB", "✓"),
    "warn": ("#E69F00", "#FCEFD4", "!"),
    "bad": ("#D55E00", "#F9E2D2", "✗"),
    "none": ("#8C8C8C", "#EDEDED", "–"),
    "open": ("#0072B2", "#DDEBF5", "?"),
}
_PLAIN = "#4D4D4D"  # a link with evidence but no status
_INK = "#1B1B1B"
_MUTED = "#595959"  # 7:1 on white

#: The pages' font stack (:data:`ebpm.report.fonts.FONT_STACK`): readers' Japanese fonts first,
#: then the glyphs embedded in the page.
FONT_FAMILY = FONT_STACK.replace('"', "'")

# Geometry, in px.
_MARGIN = 16.0
_BOX_W = 172.0
_BOX_PAD_X = 10.0
_BOX_PAD_Y = 8.0
_BOX_GAP = 18.0  # between boxes in a column
_DUMMY_H = 10.0  # the slot a long link takes in a column it crosses
_LABEL_FS = 13.0
_LABEL_LH = 17.0
_HEAD_FS = 13.0
_HEAD_LH = 17.0
_TITLE_FS = 16.0
_TITLE_LH = 21.0
_SMALL_FS = 11.0
_SMALL_LH = 15.0
_BADGE_H = 16.0
_BADGE_PAD = 4.0
_EDGE_TEXT_W = 136.0  # widest line of a link's label
_EDGE_PAD = 5.0
_GAP_MIN = 56.0
_GAP_SIDE = 12.0  # between a link label and the columns around it
_CH_OFF = 9.0  # first channel of an upstream link, left of a column
_CH_STEP = 7.0
_LANE_GAP = 14.0
_ARROW = 8.0
_BOLD = 1.12  # bold text is this much wider
