"""A site published in Japanese reads in Japanese and renders without a Japanese font
(issue 18): the demo's runs published with ``--lang ja``."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ebpm.pipeline.runner import publish_runs, run_pipeline
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

#: Characters a machine without a Japanese font cannot draw: kana, kanji, full-width forms.
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
FONT = re.compile(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)")
HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.S)
DESIGN = re.compile(r'<dl class="ebpm-design">(.*?)</dl>', re.S)


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


@pytest.fixture(scope="module")
def organ_donations_ja(tmp_path_factory: pytest.TempPathFactory):
    """One small demo task run with ``lang="ja"``, as ``ebpm run --lang ja`` runs it:
    (RunResult, out folder)."""
    out = tmp_path_factory.mktemp("organ-ja")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
        result = run_pipeline(
            ROOT / "pipelines" / "demo.yaml", tasks=["organ_donations"], out_dir=out, lang="ja"
        )
    return result, out


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("¶", "").strip()


def test_a_japanese_run_writes_the_notebooks_own_words_in_japanese(organ_donations_ja) -> None:
    """Issue 18: the notebook's headings and design statement follow the site's language,
    not only ebpm's own words around them."""
    result, out = organ_donations_ja
    assert result.ok, [(t.name, t.reason) for t in result.tasks]
    page = (out / "site" / "reports" / "demo" / "organ_donations.html").read_text("utf-8")
    headings = [_plain(text) for level, text in HEADING.findall(page) if level == "2"]
    assert headings[:4] == ["評価デザイン", "群別・期間別の記述統計", "群別平均の推移", "推定結果"]
    design = DESIGN.search(page)
    assert design, "no design statement"
    terms = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", design.group(1)))
    assert terms["推定対象"] == "処置群平均処置効果（ATT）"
    assert terms["比較群"] == "未処置群（26 単位）"
    assert terms["期間"] == "1〜6（処置前 3 期、処置後 3 期）"
    assert terms["識別の仮定"].startswith("平行トレンドの仮定：")
    assert "平均値の差の差：" in page


def test_a_japanese_run_estimates_what_the_english_run_does(organ_donations_ja, demo_run) -> None:
    """The language changes words, never numbers: the same ATT as the English demo run."""
    result, _ = organ_donations_ja
    english, _out, _events = demo_run
    ja = {t.name: t.headline["headline"] for t in result.tasks if t.headline}
    en = {t.name: t.headline["headline"] for t in english.tasks if t.headline}
    assert ja["organ_donations"]["estimate"] == en["organ_donations"]["estimate"]
    assert ja["organ_donations"]["std_error"] == en["organ_donations"]["std_error"]
    assert ja["organ_donations"]["estimate"] == pytest.approx(-0.0225, abs=5e-5)


def test_publishing_elsewhere_leaves_the_run_folder_as_the_run_made_it(demo_run, site_ja) -> None:
    """The Japanese site above was published from the demo's recorded run: the report copies
    in the run's folder are still the ones the run wrote, in English."""
    result, _out, _events = demo_run
    page = (result.run_dir / "organ_donations.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "コードを表示" not in page
