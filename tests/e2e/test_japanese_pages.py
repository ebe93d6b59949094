"""A site published in Japanese reads in Japanese and renders without a Japanese font
(issue 18): the demo's runs published with ``--lang ja``."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ebpm.pipeline.runner import publish_runs

pytestmark = pytest.mark.slow

#: Characters a machine without a Japanese font cannot draw: kana, kanji, full-width forms.
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
FONT = re.compile(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)")


@pytest.fixture(scope="module")
def site_ja(demo_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    _result, out, _events = demo_run
    site = tmp_path_factory.mktemp("site-ja")
    publish_runs(out, site=site, lang="ja")
    return site


def _embedded(page: str) -> set[str]:
    """The characters the page's embedded font subset draws."""
    fonts = FONT.findall(page)
    assert fonts, "no embedded font"
    covered: set[str] = set()
    for data in fonts:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        covered |= {chr(c) for c in font.getBestCmap()}
    return covered


def _pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted((site / "reports").rglob("*.html"))]


def test_every_japanese_glyph_of_every_page_is_in_its_embedded_font(site_ja) -> None:
    """Text, the Show/Hide code button (the hidden label is in an attribute) and every other
    interface string: nothing draws as an empty box without a Japanese font."""
    for path in _pages(site_ja):
        page = path.read_text(encoding="utf-8")
        page_text = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
        needed = set(JAPANESE.findall(page_text))
        missing = needed - _embedded(page)
        assert not missing, f"{path.name}: {''.join(sorted(missing))}"


def test_the_index_reads_in_japanese(site_ja) -> None:
    index = (site_ja / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in index
    assert '<span class="ok">正常</span>' in index
    assert '<span class="ok">ok</span>' not in index
    assert "95% 信頼区間" in index
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（日本時間）", index)
    assert "事前トレンドの検定：p = " in index


def test_a_report_reads_in_japanese(site_ja) -> None:
    page = (site_ja / "reports" / "demo" / "organ_donations.html").read_text(encoding="utf-8")
    assert 'data-show="コードを表示" data-hide="コードを隠す"' in page
    assert "<strong>注記:</strong>" in page
    assert "実行済みノートブック（.ipynb）" in page
    assert "executed notebook" not in page
