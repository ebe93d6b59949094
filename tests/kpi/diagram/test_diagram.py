"""The logic-model diagram: well-formed accessible SVG, every node and link, legible layout."""

from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib_fontja
import pytest

from ebpm.errors import DataError, InvalidOptionError
from ebpm.kpi import diagram
from ebpm.kpi.diagram import KINDS, logic_model_svg, logic_model_text

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"

NODES = [
    {"id": "tax", "kind": "input", "label": "25-cent tax on each pack (1989)"},
    {"id": "programmes", "kind": "activity", "label": "Anti-smoking programmes"},
    {
        "id": "sales",
        "kind": "short_term_outcome",
        "label": "Cigarette sales fall",
        "label_ja": "たばこ販売量の減少",
        "kpis": [
            {"name": "Packs per capita", "name_ja": "1人当たり箱数", "status": "on track"},
            {"name": "Youth smoking", "status": "off track"},
            {"name": "Retail audits", "status": None},
        ],
    },
    {"id": "health", "kind": "impact", "label": "Fewer smoking-related deaths"},
]
SYNTH = {
    "label": "Synthetic control",
    "estimate": -19.6,
    "low": -30.1,
    "high": -9.2,
    "status": "ok",
}
LINKS = [
    {"source": "tax", "target": "programmes", "evidence": None},
    {"source": "programmes", "target": "sales", "evidence": SYNTH},
    {"source": "tax", "target": "sales", "evidence": None},
    {"source": "sales", "target": "health", "evidence": None},
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def text_of(el: ET.Element) -> str:
    return " ".join(" ".join(el.itertext()).split())


def node_group(root: ET.Element, node_id: str) -> ET.Element:
    (g,) = [g for g in root.iter(f"{SVG}g") if g.get("data-node") == node_id]
    return g


def link_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("data-source") is not None]


def link_label(root: ET.Element, index: int) -> ET.Element:
    (g,) = [
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "lm-link-label" and g.get("data-link-index") == str(index)
    ]
    return g


def box(g: ET.Element) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the first <rect> of a group."""
    r = g.find("svg:rect", NS)
    assert r is not None
    x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
    return x, y, x + w, y + h


def boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    return {g.get("data-node"): box(g) for g in root.iter(f"{SVG}g") if g.get("data-node")}


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def segments(d: str) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """A path's pieces as (command, start, end); only the commands the module writes."""
    toks = re.findall(r"[MCHQV]|-?[\d.]+", d)
    out, i, cur = [], 0, (0.0, 0.0)
    while i < len(toks):
        cmd = toks[i]
        n = {"M": 2, "C": 6, "H": 1, "Q": 4, "V": 1}[cmd]
        args = [float(t) for t in toks[i + 1 : i + 1 + n]]
        i += 1 + n
        if cmd == "H":
            end = (args[0], cur[1])
        elif cmd == "V":
            end = (cur[0], args[0])
        else:
            end = (args[-2], args[-1])
        if cmd != "M":
            out.append((cmd, cur, end))
        cur = end
    return out


# --- structure -------------------------------------------------------------------------------
def test_svg_is_well_formed_and_accessible() -> None:
    svg = logic_model_svg(NODES, LINKS, title="Proposition 99")
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None
    assert title.text == "Proposition 99"
    assert desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    x0, y0, w, h = (float(v) for v in root.get("viewBox").split())
    assert (x0, y0) == (0, 0)
    assert (float(root.get("width")), float(root.get("height"))) == (w, h)
    # the pages' stack: readers' Japanese fonts first, the glyphs embedded in the page last
    assert root.get("font-family").endswith("'Yu Gothic',Meiryo,'ebpm-ja',sans-serif")
    assert svg.startswith("<svg ")
    assert svg.endswith("</svg>")


def test_every_node_and_link_is_there() -> None:
    root = parse(logic_model_svg(NODES, LINKS))
    assert set(boxes(root)) == {"tax", "programmes", "sales", "health"}
    assert "Anti-smoking programmes" in text_of(node_group(root, "programmes"))
    pairs = [(g.get("data-source"), g.get("data-target")) for g in link_groups(root)]
    assert pairs == [(lk["source"], lk["target"]) for lk in LINKS]


def test_the_description_says_every_link_in_words() -> None:
    root = parse(logic_model_svg(NODES, LINKS))
    desc = root.find("svg:desc", NS).text
    assert "4 nodes in 4 columns (Inputs → Activities → Short-term outcomes → Impact)" in desc
    assert (
        "Link 2: Anti-smoking programmes (Activities) → Cigarette sales fall (Short-term "
        "outcomes): Synthetic control, estimate −19.6, interval −30.1 to −9.2, supports the "
        "link (the interval excludes 0)."
    ) in desc
    assert (
        "Link 4: Cigarette sales fall (Short-term outcomes) → Fewer smoking-related deaths "
        "(Impact): not evaluated."
    ) in desc
    assert desc.count("Link ") == len(LINKS)
    tooltip = link_groups(root)[1].find("svg:title", NS).text  # shown on hover
    assert tooltip.startswith("Link 2: Anti-smoking programmes (Activities) → ")
    assert "[KPI Youth smoking: off track]" in desc


def test_arrowheads_are_defined_and_used() -> None:
    root = parse(logic_model_svg(NODES, LINKS))
    markers = {m.get("id"): m for m in root.iterfind("svg:defs/svg:marker", NS)}
    assert markers
    for g in link_groups(root):
        path = g.find("svg:path", NS)
        ref = re.fullmatch(r"url\(#(.+)\)", path.get("marker-end")).group(1)
        assert ref in markers
        assert markers[ref].find("svg:path", NS).get("fill") == path.get("stroke")


def test_evidence_is_solid_and_labelled_with_the_estimate_and_interval() -> None:
    root = parse(logic_model_svg(NODES, LINKS))
    g = link_groups(root)[1]
    path = g.find("svg:path", NS)
    assert path.get("stroke-dasharray") is None
    assert path.get("stroke") == "#009E73"  # supports, Okabe–Ito bluish green
    assert (g.get("data-evaluated"), g.get("data-verdict"), g.get("data-status")) == (
        "yes",
        "supports",
        "ok",
    )
    label = text_of(link_label(root, 1))
    assert "Synthetic control" in label
    assert "−19.6 [−30.1, −9.2]" in label
    assert "✓ supports" in label  # the verdict as a symbol and a word, not colour alone
    assert "ok" not in label.split()  # "✓ ok" would read as "supported" whatever the interval


def test_a_link_without_evidence_is_dashed_grey_and_says_not_evaluated() -> None:
    root = parse(logic_model_svg(NODES, LINKS))
    g = link_groups(root)[0]
    path = g.find("svg:path", NS)
    assert path.get("stroke-dasharray") == "6 4"
    assert path.get("stroke") == "#8C8C8C"
    assert g.get("data-evaluated") == "no"
    assert "not evaluated" in text_of(link_label(root, 0))
    ja = parse(logic_model_svg(NODES, LINKS, lang="ja"))
    assert "未評価" in text_of(link_label(ja, 0))


def test_evidence_marked_not_evaluated_is_drawn_as_not_evaluated() -> None:
    links = [{"source": "tax", "target": "programmes", "evidence": {"status": "not_evaluated"}}]
    g = link_groups(parse(logic_model_svg(NODES, links)))[0]
    assert g.find("svg:path", NS).get("stroke-dasharray") == "6 4"


@pytest.mark.parametrize(
    ("status", "colour", "mark"),
    [
        ("warn", "#E69F00", "! warn"),
        ("failed", "#D55E00", "✗ failed"),
        ("Off_Track", "#D55E00", "✗ off track"),
    ],
)
def test_a_status_that_is_not_ok_is_shown_beside_the_verdict(status, colour, mark) -> None:
    """A diagnostic warning never hides behind the verdict: both badges, each with its colour,
    symbol and word; the line takes the verdict's colour."""
    links = [{"source": "tax", "target": "programmes", "evidence": {**SYNTH, "status": status}}]
    root = parse(logic_model_svg(NODES, links))
    assert link_groups(root)[0].find("svg:path", NS).get("stroke") == "#009E73"  # supports
    label = link_label(root, 0)
    assert text_of(label).endswith(f"✓ supports {mark}")
    assert {colour, "#009E73"} <= {r.get("stroke") for r in label.iter(f"{SVG}rect")}


@pytest.mark.parametrize(
    ("low", "high", "expected", "verdict", "colour", "en", "ja"),
    [
        (-30.1, -9.2, "decrease", "supports", "#009E73", "✓ supports", "✓ 効果を支持"),
        (-30.1, -9.2, "either", "supports", "#009E73", "✓ supports", "✓ 効果を支持"),
        (9.2, 30.1, None, "supports", "#009E73", "✓ supports", "✓ 効果を支持"),
        (-40.4, 1.2, "decrease", "inconclusive", "#0072B2", "? inconclusive", "? 判断できない"),
        (0.0, 3.0, "increase", "inconclusive", "#0072B2", "? inconclusive", "? 判断できない"),
        (-30.1, -9.2, "increase", "contradicts", "#D55E00", "✗ contradicts", "✗ 想定と逆"),
        (None, None, "decrease", "ran", "#8C8C8C", "– ran, no interval", "– 推定値のみ"),
    ],
)
def test_a_link_is_drawn_by_what_its_interval_says(
    low, high, expected, verdict, colour, en, ja
) -> None:
    ev = {**SYNTH, "low": low, "high": high, "expected": expected}
    links = [{"source": "tax", "target": "programmes", "evidence": ev}]
    for lang, mark in (("en", en), ("ja", ja)):
        root = parse(logic_model_svg(NODES, links, lang=lang))
        (g,) = link_groups(root)
        assert (g.get("data-verdict"), g.get("data-evaluated")) == (verdict, "yes")
        path = g.find("svg:path", NS)
        assert (path.get("stroke"), path.get("stroke-dasharray")) == (colour, None)
        label = link_label(root, 0)
        assert label.get("data-verdict") == verdict
        assert text_of(label).endswith(mark)
        assert colour in {r.get("stroke") for r in label.iter(f"{SVG}rect")}
        assert "ok" not in text_of(label).split()


def test_the_evaluation_is_named_by_its_title_with_its_task_in_the_description() -> None:
    ev = {**SYNTH, "label": "Proposition 99 and sales", "pipeline": "demo", "task": "sc"}
    links = [{"source": "tax", "target": "programmes", "evidence": ev}]
    root = parse(logic_model_svg(NODES, links))
    label = text_of(link_label(root, 0))
    assert label.startswith("Proposition 99 and sales")
    assert "demo / sc" not in label  # the box stays small: the task is in the description
    tooltip = link_groups(root)[0].find("svg:title", NS).text
    assert "Proposition 99 and sales (demo / sc), estimate −19.6" in tooltip
    ja = parse(logic_model_svg(NODES, links, lang="ja"))
    assert "Proposition 99 and sales（demo / sc）、推定値 −19.6" in (ja.find("svg:desc", NS).text)
    text = logic_model_text(NODES, links)
    assert "Proposition 99 and sales (demo / sc), −19.6 [−30.1, −9.2], ✓ supports the link" in text


def test_an_unknown_expected_direction_names_the_link_and_the_choices() -> None:
    links = [{"source": "tax", "target": "programmes", "evidence": {**SYNTH, "expected": "down"}}]
    with pytest.raises(
        InvalidOptionError,
        match=r"^the evidence of link 0 \('tax' → 'programmes'\) has expected='down', which is "
        r"not a direction\. Use one of: increase, decrease, either \(or None, the same as "
        r"'either'\)\.$",
    ):
        logic_model_svg(NODES, links)
    links[0]["evidence"]["expected"] = "Decrease"
    with pytest.raises(InvalidOptionError, match=r"Did you mean 'decrease'\?"):
        logic_model_text(NODES, links)


def test_kpi_badges_show_status_by_colour_symbol_and_text() -> None:
    g = node_group(parse(logic_model_svg(NODES, LINKS)), "sales")
    kpis = [k for k in g.iter(f"{SVG}g") if k.get("class") == "lm-kpi"]
    assert [text_of(k) for k in kpis] == [
        "✓ on track Packs per capita",
        "✗ off track Youth smoking",
        "– no data Retail audits",
    ]
    assert [k.find(".//svg:rect", NS).get("stroke") for k in kpis] == [
        "#009E73",
        "#D55E00",
        "#8C8C8C",
    ]
    # the KPIs sit under the label, inside the box
    label_bottom = max(float(t.get("y")) for t in g.find("svg:text", NS))
    x0, _, _, y1 = box(g)
    for k in kpis:
        r = k.find(".//svg:rect", NS)
        assert float(r.get("y")) > label_bottom
        assert x0 < float(r.get("x"))
        assert float(r.get("y")) + float(r.get("height")) < y1


def test_numbers_are_formatted_with_a_true_minus_and_sensible_decimals() -> None:
    fmt = diagram._estimate_text
    assert fmt({"estimate": -19.6, "low": -30.1, "high": -9.2}) == "−19.6 [−30.1, −9.2]"
    assert fmt({"estimate": -4.2, "low": -8.0, "high": 0.3}) == "−4.2 [−8.0, 0.3]"
    assert fmt({"estimate": 0.0123, "low": 0.001, "high": 0.0236}) == "0.012 [0.001, 0.024]"
    assert fmt({"estimate": 1234.5, "low": 1233.9, "high": 1235.2}) == "1,234.5 [1,233.9, 1,235.2]"
    assert fmt({"estimate": 12345.0, "low": None, "high": None}) == "12,345"
    assert fmt({"estimate": None, "low": -1.0, "high": 2.0}) == "– [−1.0, 2.0]"
    assert fmt({"estimate": -0.01, "low": -1.0, "high": 1.0}) == "0.0 [−1.0, 1.0]"  # no −0.0
    assert fmt({"estimate": None, "low": None, "high": None}) is None


def test_evidence_without_numbers_or_label_still_draws_the_link() -> None:
    links = [
        {"source": "tax", "target": "programmes", "evidence": {"status": "failed"}},
        {"source": "programmes", "target": "sales", "evidence": {"pipeline": "demo", "task": "t"}},
        {"source": "sales", "target": "health", "evidence": {"estimate": float("nan")}},
    ]
    root = parse(logic_model_svg(NODES, links))
    assert text_of(link_label(root, 0)) == "✗ failed"
    assert text_of(link_label(root, 1)) == "demo / t"
    assert len(link_groups(root)) == 3
    assert not [g for g in root.iter(f"{SVG}g") if g.get("data-link-index") == "2"][1:]


# --- escaping --------------------------------------------------------------------------------
def test_every_caller_text_is_escaped() -> None:
    evil = "<script>alert('x')</script> & \"co\""
    nodes = [
        {"id": 'a"><script>', "kind": "input", "label": evil},
        {"id": "b&c", "kind": "output", "label": "ok\x00\x1b", "kpis": [{"name": evil}]},
    ]
    links = [{"source": 'a"><script>', "target": "b&c", "evidence": {**SYNTH, "label": evil}}]
    svg = logic_model_svg(nodes, links, title=evil)
    assert "<script" not in svg
    root = parse(svg)
    assert root.find("svg:title", NS).text == evil
    assert node_group(root, 'a"><script>').get("data-node") == 'a"><script>'
    lines = [t.text for t in node_group(root, 'a"><script>').find("svg:text", NS)]
    assert "".join(lines).replace(" ", "") == evil.replace(" ", "")
    assert link_groups(root)[0].get("data-target") == "b&c"
    assert evil.replace(" ", "") in text_of(link_label(root, 0)).replace(" ", "")
    assert "ok\ufffd\ufffd" in text_of(node_group(root, "b&c"))  # control characters replaced
    text = logic_model_text(nodes, links, title=evil)
    outside_code = re.sub(r"`[^`]*`", "", text)  # ids are code spans: Markdown shows them as is
    assert re.search(r"(?<!\\)[<>&]", outside_code) is None
    assert r"\<script\>" in text


# --- Japanese --------------------------------------------------------------------------------
def test_japanese_headings_labels_and_statuses() -> None:
    root = parse(logic_model_svg(NODES, LINKS, lang="ja"))
    heads = [text_of(g) for g in root.iter(f"{SVG}g") if g.get("class") == "lm-heading"]
    assert heads == ["インプット", "活動", "短期アウトカム", "インパクト"]
    sales = text_of(node_group(root, "sales"))
    assert "たばこ販売量の減少" in sales  # label_ja wins in Japanese
    assert "✓ 順調 1人当たり箱数" in sales
    assert "✗ 遅れ Youth smoking" in sales  # no name_ja: the name as given
    assert "✓ 効果を支持" in text_of(link_label(root, 1))
    assert "正常" not in text_of(link_label(root, 1))
    desc = root.find("svg:desc", NS).text
    assert "「たばこ販売量の減少」（短期アウトカム）" in desc
    assert "推定値 −19.6、信頼区間 −30.1〜−9.2、効果を支持（信頼区間が0を含まない）。" in desc
    assert root.get("lang") == "ja"


def test_all_seven_kinds_have_english_and_japanese_headings() -> None:
    nodes = [{"id": k, "kind": k, "label": k} for k in KINDS]
    en = [
        text_of(g)
        for g in parse(logic_model_svg(nodes, [])).iter(f"{SVG}g")
        if g.get("class") == "lm-heading"
    ]
    ja = [
        text_of(g)
        for g in parse(logic_model_svg(nodes, [], lang="ja")).iter(f"{SVG}g")
        if g.get("class") == "lm-heading"
    ]
    assert en == [
        "Inputs",
        "Activities",
        "Outputs",
        "Short-term outcomes",
        "Mid-term outcomes",
        "Long-term outcomes",
        "Impact",
    ]
    assert ja == [
        "インプット",
        "活動",
        "アウトプット",
        "短期アウトカム",
        "中期アウトカム",
        "長期アウトカム",
        "インパクト",
    ]


def test_labels_wrap_by_character_width() -> None:
    long_ja = "地域の保健師が毎月すべての世帯を訪問し、糖尿病の検診を勧める。"
    long_en = "Community health workers visit every household monthly to screen for diabetes"
    nodes = [
        {"id": "ja", "kind": "input", "label": long_ja},
        {"id": "en", "kind": "activity", "label": long_en},
    ]
    root = parse(logic_model_svg(nodes, []))
    inner = diagram._BOX_W - 2 * diagram._BOX_PAD_X
    for node_id, text in (("ja", long_ja), ("en", long_en)):
        lines = [t.text for t in node_group(root, node_id).find("svg:text", NS)]
        assert len(lines) > 1
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            body = line.rstrip("、。")  # closing marks may hang into the padding
            assert diagram._text_width(body, diagram._LABEL_FS) <= inner
            assert line[0] not in "、。"
    # a wide character counts twice: the same number of narrow ones fits on fewer lines
    assert diagram._em("日本語") == pytest.approx(3.0)
    assert diagram._em("abc") < 2.0


def test_wrapping_rules() -> None:
    wrap = diagram._wrap
    assert wrap("Difference-in-differences estimates", 120, 13) == [
        "Difference-in-",
        "differences",
        "estimates",
    ]
    assert wrap("first line\nsecond", 500, 13) == ["first line", "second"]
    # a task name breaks after its underscores, not in the middle of a word
    assert wrap("prop99_synthetic_control", 110, 11, bold=True) == [
        "prop99_",
        "synthetic_",
        "control",
    ]
    lines = wrap("「東京都」の人口、大きく増加した。", 80, 13)
    assert not any(line[0] in "、。」" for line in lines)
    assert not any(line.endswith("「") for line in lines)
    assert len(wrap("禁煙メディアキャンペーン", 150, 13)[-1]) > 1  # no lone last character
    cut = wrap("x" * 80, 100, 13)  # a word wider than the line is cut
    assert len(cut) > 1
    assert "".join(cut) == "x" * 80


# --- layout ----------------------------------------------------------------------------------
def test_columns_follow_the_chain() -> None:
    nodes = [{"id": k, "kind": k, "label": k} for k in reversed(KINDS)]
    root = parse(logic_model_svg(nodes, []))
    xs = [boxes(root)[k][0] for k in KINDS]
    assert xs == sorted(xs)
    assert len(set(xs)) == len(KINDS)
    heads = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lm-heading"]
    assert [g.get("data-kind") for g in heads] == list(KINDS)


def test_only_kinds_present_get_a_column() -> None:
    nodes = [
        {"id": "a", "kind": "input", "label": "a"},
        {"id": "b", "kind": "impact", "label": "b"},
    ]
    root = parse(logic_model_svg(nodes, [{"source": "a", "target": "b", "evidence": None}]))
    heads = [g.get("data-kind") for g in root.iter(f"{SVG}g") if g.get("class") == "lm-heading"]
    assert heads == ["input", "impact"]


def test_ordering_removes_a_crossing() -> None:
    nodes = [
        {"id": "a", "kind": "input", "label": "A"},
        {"id": "b", "kind": "input", "label": "B"},
        {"id": "x", "kind": "activity", "label": "X"},
        {"id": "y", "kind": "activity", "label": "Y"},
    ]
    links = [
        {"source": "a", "target": "y", "evidence": None},
        {"source": "b", "target": "x", "evidence": None},
    ]
    b = boxes(parse(logic_model_svg(nodes, links)))
    assert (b["a"][1] < b["b"][1]) == (b["y"][1] < b["x"][1])


def random_model(seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    words = ["health", "workers", "visit", "households", "monthly", "to", "screen", "for"]
    nodes = []
    for kind in KINDS:
        for j in range(rng.randint(0, 3)):
            nodes.append(
                {
                    "id": f"{kind}-{j}",
                    "kind": kind,
                    "label": " ".join(rng.sample(words, rng.randint(1, 8))),
                    "kpis": [{"name": "KPI", "status": "warn"}] * rng.randint(0, 2),
                }
            )
    ids = [n["id"] for n in nodes]
    links = []
    for _ in range(rng.randint(0, 14)):
        a, b = rng.sample(ids, 2)
        ev = rng.choice([None, SYNTH, {**SYNTH, "label": "Event study with staggered adoption"}])
        links.append({"source": a, "target": b, "evidence": ev})
    return nodes, links


@pytest.mark.parametrize("seed", range(40))
def test_boxes_labels_and_lines_do_not_collide(seed: int) -> None:
    nodes, links = random_model(seed)
    if len(nodes) < 2:
        nodes.append({"id": "extra", "kind": "output", "label": "extra"})
        nodes.append({"id": "extra2", "kind": "impact", "label": "extra"})
    root = parse(logic_model_svg(nodes, links, title="A title that is quite long " * 3))
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    nodes_at = boxes(root)
    labels = [box(g) for g in root.iter(f"{SVG}g") if g.get("class") == "lm-link-label"]
    for a, b in itertools.combinations([*nodes_at.values(), *labels], 2):
        assert not overlap(a, b), (a, b)
    for x0, y0, x1, y1 in [*nodes_at.values(), *labels]:
        assert 0 <= x0 < x1 <= width
        assert 0 <= y0 < y1 <= height
    title = root.find("svg:text", NS)  # the visible title is above every box
    title_bottom = max(float(t.get("y")) for t in title)
    assert all(y0 > title_bottom for _, y0, _, _ in nodes_at.values())
    # no line runs through a box: straight runs miss them, curves stay in the gaps
    for g in link_groups(root):
        for cmd, (xa, ya), (xb, yb) in segments(g.find("svg:path", NS).get("d")):
            lo_x, hi_x, lo_y, hi_y = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)
            for x0, y0, x1, y1 in nodes_at.values():
                inside_x = lo_x < x1 - 0.5 and x0 + 0.5 < hi_x
                inside_y = lo_y < y1 - 0.5 and y0 + 0.5 < hi_y
                if cmd == "H":
                    assert not (inside_x and y0 < ya < y1), (g.attrib, cmd, ya)
                elif cmd == "V":
                    assert not (inside_y and x0 < xa < x1), (g.attrib, cmd, xa)
                elif cmd == "C":
                    assert not inside_x, (g.attrib, cmd, xa, xb)


def test_a_link_that_skips_columns_passes_between_the_boxes() -> None:
    nodes = [
        {"id": "a", "kind": "input", "label": "A"},
        {"id": "m1", "kind": "activity", "label": "M1"},
        {"id": "m2", "kind": "output", "label": "M2"},
        {"id": "z", "kind": "impact", "label": "Z"},
    ]
    links = [
        {"source": "a", "target": "m1", "evidence": None},
        {"source": "m1", "target": "m2", "evidence": None},
        {"source": "m2", "target": "z", "evidence": None},
        {"source": "a", "target": "z", "evidence": SYNTH},
    ]
    root = parse(logic_model_svg(nodes, links))
    b = boxes(root)
    skip = link_groups(root)[3]
    assert skip.get("data-route") == "forward"
    runs = [s for s in segments(skip.find("svg:path", NS).get("d")) if s[0] == "H"]
    assert len(runs) == 2  # through the activity and output columns
    for _, (xa, y), (xb, _) in runs:
        for x0, y0, x1, y1 in (b["m1"], b["m2"]):
            assert not (xa < x1 and x0 < xb and y0 < y < y1)


def test_a_link_back_up_the_chain_runs_under_the_boxes() -> None:
    links = [*LINKS, {"source": "health", "target": "tax", "evidence": None}]
    root = parse(logic_model_svg(NODES, links))
    back = link_groups(root)[-1]
    assert back.get("data-route") == "back"
    ys = [end[1] for _, _, end in segments(back.find("svg:path", NS).get("d"))]
    assert max(ys) > max(y1 for *_, y1 in boxes(root).values())
    assert "not evaluated" in text_of(link_label(root, len(links) - 1))


def test_a_link_within_a_column_is_drawn() -> None:
    nodes = [*NODES, {"id": "media", "kind": "activity", "label": "Media campaign"}]
    links = [*LINKS, {"from": "programmes", "to": "media", "evidence": SYNTH}]
    root = parse(logic_model_svg(nodes, links))
    same = link_groups(root)[-1]
    assert (same.get("data-source"), same.get("data-target")) == ("programmes", "media")
    assert same.get("data-route") == "same"
    assert "−19.6 [−30.1, −9.2]" in text_of(link_label(root, len(links) - 1))


def test_output_is_deterministic_and_ids_differ_between_diagrams() -> None:
    one = logic_model_svg(NODES, LINKS)
    assert one == logic_model_svg([dict(n) for n in NODES], [dict(lk) for lk in LINKS])
    other = logic_model_svg(NODES, LINKS[:2])
    ids = lambda s: set(re.findall(r'id="([^"]+)"', s))  # noqa: E731
    assert not ids(one) & ids(other)


def test_width_scales_the_drawing() -> None:
    root = parse(logic_model_svg(NODES, LINKS, width=400))
    _, _, w, h = (float(v) for v in root.get("viewBox").split())
    assert float(root.get("width")) == 400
    assert float(root.get("height")) == pytest.approx(h * 400 / w, abs=0.1)


# --- text outline ----------------------------------------------------------------------------
def test_text_outline() -> None:
    text = logic_model_text(NODES, LINKS, title="Proposition 99")
    assert text.startswith(
        "# Proposition 99\n\n## Inputs\n\n- 25-cent tax on each pack (1989) (`tax`)"
    )
    assert "## Short-term outcomes" in text
    assert "## Outputs" not in text
    assert "  - KPI: ✗ Youth smoking: off track" in text
    assert (
        "- Anti-smoking programmes → Cigarette sales fall: Synthetic control, "
        "−19.6 [−30.1, −9.2], ✓ supports the link (the interval excludes 0)\n"
    ) in text
    assert "- 25-cent tax on each pack (1989) → Anti-smoking programmes: – not evaluated" in text
    ja = logic_model_text(NODES, LINKS, lang="ja")
    assert ja.startswith("# ロジックモデル\n")
    assert "## 短期アウトカム" in ja
    assert "- たばこ販売量の減少 → Fewer smoking-related deaths：– 未評価" in ja
    assert logic_model_text(NODES[:1], []).endswith("## Links\n\nNo links.\n")


# --- errors ----------------------------------------------------------------------------------
def test_unknown_kind_names_it_and_lists_the_kinds() -> None:
    nodes = [{"id": "tax", "kind": "inputs", "label": "Tax"}]
    with pytest.raises(
        InvalidOptionError,
        match=r"node 'tax' has kind 'inputs'.*Did you mean 'input'\?.*input, activity, output, "
        r"short_term_outcome, mid_term_outcome, long_term_outcome, impact",
    ):
        logic_model_svg(nodes, [])
    with pytest.raises(InvalidOptionError, match=r"kind 'inputs'"):
        logic_model_text(nodes, [])


def test_unknown_node_in_a_link_names_it_and_lists_the_nodes() -> None:
    links = [{"source": "tax", "target": "programme", "evidence": None}]
    with pytest.raises(
        InvalidOptionError,
        match=r"link 0 names target 'programme', which is not a node\. Did you mean "
        r"'programmes'\? Node ids: tax, programmes, sales, health\. Add the node or fix the link",
    ):
        logic_model_svg(NODES, links)
    with pytest.raises(InvalidOptionError, match=r"link 0 names source 'nope'"):
        logic_model_svg(NODES, [{"source": "nope", "target": "tax"}])


def test_unknown_status_and_language_and_width() -> None:
    links = [{"source": "tax", "target": "programmes", "evidence": {**SYNTH, "status": "okay"}}]
    with pytest.raises(
        InvalidOptionError,
        match=r"the evidence of link 0 \('tax' → 'programmes'\) has status 'okay'.*Did you mean "
        r".*'ok'.*Use one of: ok, pass",
    ):
        logic_model_svg(NODES, links)
    nodes = [{"id": "a", "kind": "input", "label": "A", "kpis": [{"name": "k", "status": "gut"}]}]
    with pytest.raises(InvalidOptionError, match=r"KPI 'k' of node 'a' has status 'gut'"):
        logic_model_svg(nodes, [])
    with pytest.raises(InvalidOptionError, match=r"lang='fr' is not supported.*'en', 'ja'"):
        logic_model_svg(NODES, LINKS, lang="fr")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"lang='EN' is not supported\. Did you mean 'en'"):
        logic_model_text(NODES, LINKS, lang="EN")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"width=-5 is not a positive number.*width=800"):
        logic_model_svg(NODES, LINKS, width=-5)


def test_malformed_nodes_and_links() -> None:
    with pytest.raises(DataError, match=r"nodes is empty.*at least one node"):
        logic_model_svg([], [])
    with pytest.raises(DataError, match=r"node 0 .* has no 'id'; give every node an id"):
        logic_model_svg([{"kind": "input", "label": "x"}], [])
    with pytest.raises(DataError, match=r"node id 'tax' is used twice \(nodes 0 and 4\)"):
        logic_model_svg([*NODES, NODES[0]], [])
    with pytest.raises(DataError, match=r"node 1 is 'tax', not a mapping"):
        logic_model_svg([NODES[0], "tax"], [])
    with pytest.raises(DataError, match=r"link 0 goes from 'tax' to itself"):
        logic_model_svg(NODES, [{"source": "tax", "target": "tax"}])
    with pytest.raises(DataError, match=r"link 0 .* has no 'target'"):
        logic_model_svg(NODES, [{"source": "tax"}])
    with pytest.raises(
        DataError, match=r"the estimate of link 0 \('tax' → 'sales'\) is '-19.6', not a number"
    ):
        logic_model_svg(
            NODES, [{"source": "tax", "target": "sales", "evidence": {"estimate": "-19.6"}}]
        )
    with pytest.raises(DataError, match=r"KPI 0 of node 'tax' has no 'name'"):
        logic_model_svg([{"id": "tax", "kind": "input", "label": "t", "kpis": [{}]}], [])
    with pytest.raises(DataError, match=r"links is dict; pass a list of link mappings"):
        logic_model_svg(NODES, {"source": "tax"})  # type: ignore[arg-type]


# --- in a real browser -----------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

# For every <text>: its bounding box and the box it must stay inside (the first <rect> of the
# nearest group that has one: a badge, a link label or a node).
_FIT_SCRIPT = """
const out = [];
for (const t of document.querySelectorAll('svg text')) {
  let g = t.parentElement, r = null;
  while (g && g.tagName !== 'svg') {
    r = Array.from(g.children).find(c => c.tagName === 'rect');
    if (g.classList.contains('lm-badge') || g.classList.contains('lm-link-label')
        || g.dataset.node) break;
    g = g.parentElement;
  }
  if (!r) continue;
  const b = t.getBBox();
  out.push({text: t.textContent, x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height,
            rx0: r.x.baseVal.value, ry0: r.y.baseVal.value,
            rx1: r.x.baseVal.value + r.width.baseVal.value,
            ry1: r.y.baseVal.value + r.height.baseVal.value});
}
return out;
"""


@pytest.mark.slow
def test_text_fits_its_boxes_in_chromium(tmp_path) -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        why = f"{', '.join(missing)} not found: apt install chromium chromium-driver"
        if os.environ.get("EBPM_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    nodes = [
        *NODES,
        {"id": "caps", "kind": "output", "label": "CALIFORNIA DEPARTMENT OF PUBLIC HEALTH MEDIA"},
        {"id": "wide", "kind": "output", "label": "WWW MMM @@@ mmm www %%% WWWWWWWWWWWWWWWWWWWW"},
    ]
    links = [
        *LINKS,
        {"source": "programmes", "target": "caps", "evidence": {**SYNTH, "status": "warn"}},
        {
            "source": "caps",
            "target": "health",
            "evidence": {
                "label": "Difference-in-differences (Callaway & Sant'Anna)",
                "estimate": -1234.567,
                "low": -2345.5,
                "high": -123.25,
                "status": "off track",
            },
        },
        {"source": "health", "target": "wide", "evidence": None},
    ]
    nodes_ja = [
        *nodes,
        {
            "id": "long_ja",
            "kind": "activity",
            "label": "地域の保健師が毎月すべての世帯を訪問し、"
            "糖尿病の検診を勧める（「特定健診」）。",
            "kpis": [{"name": "訪問した世帯の割合（％）", "status": "順調"}],
        },
    ]
    links_ja = [
        *links,
        {
            "source": "tax",
            "target": "long_ja",
            "evidence": {**SYNTH, "label": "合成コントロール法による推定（カリフォルニア州）"},
        },
    ]
    font = Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf"  # real kana metrics
    page = tmp_path / "diagram.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'>"
        f"<style>@font-face{{font-family:'ebpm-ja';src:url('{font.as_uri()}')}}</style>"
        "<body><template>"  # drawn only once the font is in, so no text keeps fallback metrics
        + logic_model_svg(nodes, links, title="Proposition 99")
        + logic_model_svg(nodes_ja, links_ja, title="提案99号", lang="ja")
        + "</template></body>",
        encoding="utf-8",
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1800,1100"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(page.as_uri())
        loaded = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "document.fonts.load(\"13px 'ebpm-ja'\", '日本').then(f => {"
            "  const t = document.querySelector('template');"
            "  document.body.append(t.content.cloneNode(true));"
            "  requestAnimationFrame(() => done(f.length));"
            "});"
        )
        assert loaded == 1  # the Japanese font is in use, so the check below means something
        fits = driver.execute_script(_FIT_SCRIPT)
        driver.save_screenshot(str(tmp_path / "diagram.png"))
    finally:
        driver.quit()
    assert len(fits) > 40
    assert any("糖尿病" in f["text"] for f in fits)
    spill = [
        (f["text"], round(f["x1"] - f["rx1"], 1), round(f["rx0"] - f["x0"], 1))
        for f in fits
        if f["x0"] < f["rx0"] - 0.5
        or f["x1"] > f["rx1"] + 0.5
        or f["y0"] < f["ry0"] - 0.5
        or f["y1"] > f["ry1"] + 0.5
    ]
    assert not spill, spill
