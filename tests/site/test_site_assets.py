"""What published pages carry with them: the Japanese glyphs they use (ebpm.report.fonts)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from ebpm.report import fonts

# --- Japanese glyphs embedded in each page ---------------------------------------------------


def _embedded_font(css: str):
    from fontTools.ttLib import TTFont

    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", css)
    assert m, css[:200]
    return TTFont(io.BytesIO(base64.b64decode(m.group(1))))


def test_glyphs_needed_are_the_distinct_japanese_characters_sorted() -> None:
    text = "<p>失業率 (unemployment) 失業 – ½ α ｱ</p>"
    assert fonts.glyphs_needed(text) == "".join(sorted("失業率ｱ"))


def test_a_page_without_japanese_embeds_no_font() -> None:
    assert fonts.font_face_css("<p>Proposition 99 – α ≥ 0.05 ½</p>") == ""


def test_the_embedded_font_has_exactly_the_page_glyphs() -> None:
    css = fonts.font_face_css("<h1>政策評価の一覧</h1><p>都道府県</p>")
    assert css.startswith('@font-face{font-family:"ebpm-ja";font-display:block;')
    font = _embedded_font(css)
    cmap = set(font.getBestCmap())
    assert {ord(c) for c in "政策評価の一覧都道府県"} <= cmap
    assert ord("人") not in cmap  # nothing the page does not use
    assert len(css) < 40_000  # a few kB, not the 6 MB font


def test_a_character_the_font_lacks_is_left_to_the_readers_fonts() -> None:
    css = fonts.font_face_css("東京 \U0001f600")  # an emoji: not in IPAexGothic
    font = _embedded_font(css)
    assert ord("東") in font.getBestCmap()
    assert 0x1F600 not in font.getBestCmap()


def test_the_font_cache_is_keyed_by_characters(tmp_path: Path) -> None:
    first = fonts.font_face_css("東京都", cache_dir=tmp_path)
    cached = list(tmp_path.glob("*.woff"))
    assert len(cached) == 1
    assert fonts.font_face_css("<p>都京東</p>", cache_dir=tmp_path) == first  # same characters
    cached[0].write_bytes(b"wOFF-not-really")  # a cache hit does no font work at all
    assert "d09GRi1ub3QtcmVhbGx5" in fonts.font_face_css("京都東", cache_dir=tmp_path)
    fonts.font_face_css("大阪", cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.woff"))) == 2
