"""The demo's published reports are clean for readers (issue 18, "Clean pages"): no Python
warnings with temporary paths, no object reprs, no ``\\uXXXX`` escapes in the parameters shown,
no server paths; ebpm's own warnings stay, as notes."""

from __future__ import annotations

import html
import re
import tempfile

import pytest

pytestmark = pytest.mark.slow

#: What must not reach a reader, by what it is.
NOT_FOR_READERS = {
    "a temporary path": re.compile(re.escape(tempfile.gettempdir()) + r"/|ipykernel_\d+"),
    "an object repr": re.compile(r"Text\(\d|<matplotlib\.|at 0x[0-9a-f]{6,}"),
    "a unicode escape": re.compile(r"\\u[0-9a-fA-F]{4}"),
    "a warning category": re.compile(r"\b\w+Warning:"),
    "a server path": re.compile(r"site-packages|/home/|/work/"),
}


def _text(page: str) -> str:
    """What a reader reads: the page without its style sheets, scripts and tags."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_reports_hold_nothing_meant_for_the_analyst(demo_run) -> None:
    _result, out, _events = demo_run
    pages = sorted((out / "site" / "reports").rglob("*.html"))
    assert len(pages) >= 10
    found = []
    for page in pages:
        text = _text(page.read_text(encoding="utf-8"))
        for what, pattern in NOT_FOR_READERS.items():
            m = pattern.search(text)
            if m:
                found.append(
                    f"{page.name}: {what}: {text[max(0, m.start() - 40) : m.end() + 40]!r}"
                )
    assert found == []


def test_ebpm_warnings_stay_as_notes_for_readers(demo_run) -> None:
    _result, out, _events = demo_run
    organ = (out / "site" / "reports" / "demo" / "organ_donations.html").read_text("utf-8")
    assert re.search(r"<strong>Note:</strong> Only \d+ clusters of", organ)
    senate = (out / "site" / "reports" / "demo" / "senate_rdd.html").read_text("utf-8")
    assert "<strong>Note:</strong> Dropped 93 of 1390 rows with missing values" in senate


def test_parameters_shown_read_as_written(demo_run) -> None:
    _result, out, _events = demo_run
    page = (out / "site" / "reports" / "demo" / "tokyo_profile-OWNH.html").read_text("utf-8")
    assert "持ち家率" in _text(page)
