"""A report's analysis-plan note (issue 21): whether its run follows the locked plan, each
deviation in words in the page's language, escaped, sanitized and without secrets."""

from __future__ import annotations

import string
from typing import Any

import pytest

from ebpm.site.pages import PLAN, deviation_text, plan_block

SECRET = "S3CRET-VALUE-42"

CHECK: dict[str, Any] = {
    "plan": "pipelines/plans/demo.plan.json",
    "locked_at": "2026-03-01T09:00:00+00:00",
    "locked_by": "Hanako <hanako@example.jp>",
    "history": [
        {"at": "2026-01-01T09:00:00+00:00", "by": "Taro", "reason": None},
        {"at": "2026-03-01T09:00:00+00:00", "by": "Hanako", "reason": "<b>more</b> controls"},
    ],
    "follows": False,
    "deviations": [
        {"kind": "parameter", "name": "vcov", "planned": "cluster", "actual": "wild"},
        {"kind": "cell", "change": "edited", "cell": 9, "line": "print('<script>x</script>')"},
        {
            "kind": "data_sha256",
            "entry": "studies.mpdta",
            "planned": "abc" * 21 + "a",
            "actual": "def" * 21 + "d",
        },
        {"kind": "design", "planned": "did", "actual": "synthdid", "notebook": "nb/s.py"},
        {"kind": "not_in_plan", "task": "t<2>"},
        {
            "kind": "relocked",
            "at": "2026-03-01T09:00:00+00:00",
            "by": "Hanako",
            "reason": "<script>alert(1)</script>",
        },
    ],
}


def test_both_languages_have_the_same_words_and_placeholders() -> None:
    en, ja = PLAN["en"], PLAN["ja"]
    assert set(en) == set(ja)
    fields = string.Formatter()
    for key in en:
        names = [{f for _, f, _, _ in fields.parse(t[key]) if f} for t in (en, ja)]
        assert names[0] == names[1], key


def test_the_note_lists_every_deviation_in_words() -> None:
    text = plan_block(CHECK)
    assert text.startswith('<section class="ebpm-prereg"')
    assert "departs from the locked analysis plan" in text
    assert "in 6 way(s)" in text
    assert (
        "parameter <code>vcov</code> was <code>cluster</code> in the plan, is <code>wild</code> "
        "in this run" in text
    )
    assert "cell 9 changed: <code>print('&lt;script&gt;x&lt;/script&gt;')</code>" in text
    assert (
        "dataset <code>studies.mpdta</code> was sha256 <code>abcabcabcabc…</code> when the plan "
        "was locked, is <code>defdefdefdef…</code> in this run" in text
    )
    assert "design changed: <code>did</code> in the plan, <code>synthdid</code>" in text
    assert "task <code>t&lt;2&gt;</code> was added after the plan was locked" in text
    assert "because: &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "relocked 2026-03-01 09:00 UTC by Hanako: &lt;b&gt;more&lt;/b&gt; controls" in text
    assert "<script>" not in text
    assert "<b>" not in text


def test_the_note_speaks_japanese() -> None:
    text = plan_block(CHECK, "ja")
    assert "分析計画（事前登録）" in text
    assert "次の 6 点で逸脱しています" in text
    assert (
        "パラメータ <code>vcov</code> は計画では <code>cluster</code>、この実行では "
        "<code>wild</code>" in text
    )
    assert "セル 9 を変更" in text
    assert "2026年3月1日 18:00（日本時間）" in text


def test_a_run_that_follows_the_plan_says_so() -> None:
    text = plan_block({**CHECK, "deviations": [], "follows": True, "history": CHECK["history"][:1]})
    assert "This run follows the locked analysis plan (<code>pipelines/plans/demo.plan.json" in (
        text
    )
    assert "<ul>" not in text  # no deviations, no list of one lock


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_secret_reaches_the_note_at_any_depth(lang: str) -> None:
    check: dict[str, Any] = {
        **CHECK,
        "locked_by": f"https://x.jp/?token={SECRET}",
        "deviations": [
            {
                "kind": "parameter",
                "name": "options",
                "planned": {"auth": {"password": SECRET}, "list": [{"api_key": SECRET}]},
                "actual": f"https://x.jp/data?appId={SECRET}&year=2020",
            },
            {"kind": "parameter_added", "name": "token", "actual": {"token": SECRET}},
            {"kind": "relocked", "at": "2026-03-01", "by": "x", "reason": f"sig={SECRET}"},
        ],
    }
    text = plan_block(check, lang)
    assert SECRET not in text
    assert "***" in text
    assert all(SECRET not in deviation_text(d, lang) for d in check["deviations"])


def test_an_unknown_kind_is_shown_by_its_name() -> None:
    assert deviation_text({"kind": "from_the_future"}) == "`from_the_future`"
