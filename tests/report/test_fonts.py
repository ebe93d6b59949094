"""Tests of ebpm.report.fonts: which characters need the embedded Japanese font, the font stacks,
and the ``@font-face`` rule with its IPAexGothic subset (the pages of a built site are checked
in tests/site/test_site_assets.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import strategies as st

from ebpm.report import fonts


def _woff(css: str) -> bytes:
    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\) format\(\"woff\"\)", css)
    assert m, css[:200]
    return base64.b64decode(m.group(1))


# --- glyphs_needed --------------------------------------------------------------------------
def test_glyphs_needed_start_at_the_cjk_radicals() -> None:
    # U+2E7F is the last code point before the CJK radicals (U+2E80): every system font has it
    assert fonts.glyphs_needed("\u2e7f\u2e80") == "\u2e80"
    # the long vowel mark and full-width Latin need the font; ASCII and Greek do not
    assert fonts.glyphs_needed("Ａ-ーA α ー") == "ーＡ"  # distinct, in code point order
    assert fonts.glyphs_needed("") == ""


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_glyphs_needed_are_the_characters_from_u2e80_on(text: str) -> None:
    wanted = "".join(sorted(c for c in set(text) if ord(c) >= 0x2E80))
    assert fonts.glyphs_needed(text) == wanted


# --- the font stacks ------------------------------------------------------------------------
def test_the_embedded_family_comes_after_the_system_fonts() -> None:
    assert fonts.FAMILY == "ebpm-ja"
    stack = fonts.FONT_STACK.split(",")
    assert stack[0] == "system-ui"
    assert stack[-2:] == ['"ebpm-ja"', "sans-serif"]
    for system in ('"Hiragino Sans"', '"Noto Sans JP"', '"Yu Gothic"', "Meiryo"):
        assert stack.index(system) < stack.index('"ebpm-ja"'), system
    mono = fonts.MONO_STACK.split(",")
    assert mono[0] == "ui-monospace"
    assert mono[-2:] == ['"ebpm-ja"', "monospace"]


# --- font_face_css --------------------------------------------------------------------------
def test_the_rule_embeds_a_woff_and_closes_its_style_for_the_reshape_script() -> None:
    css = fonts.font_face_css("<p>縦書き</p>")
    assert css.startswith(
        '@font-face{font-family:"ebpm-ja";font-display:block;src:url(data:font/woff;base64,'
    )
    assert _woff(css)[:4] == b"wOFF"
    # inside a <style> element: it closes it for the script and opens another
    tail = css.split('format("woff")}', 1)[1]
    assert tail.startswith(".ebpm-fonts-ready body{letter-spacing:.001px}</style><script>")
    assert tail.endswith("</script><style>")
    assert "document.fonts.ready" in tail


def test_the_subset_keeps_the_copyright_names_and_the_vertical_forms() -> None:
    font = TTFont(io.BytesIO(_woff(fonts.font_face_css("「縦」"))))
    assert font.flavor == "woff"
    names = font["name"]
    assert sorted({n.nameID for n in names.names}) == [0, 1, 2, 3, 4, 5, 6]
    assert "Information-technology Promotion Agency, Japan (IPA)" in names.getDebugName(0)
    assert names.getDebugName(1) == "IPAexGothic"
    features = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
    assert features <= {"vert", "vrt2"}
    assert "vert" in features  # the brackets turn in vertical text


def test_the_cache_file_is_named_by_font_cut_and_characters(tmp_path: Path) -> None:
    import fontTools

    folder = tmp_path / "site" / "_ebpm" / "fonts"  # not there yet
    css = fonts.font_face_css("東京都", cache_dir=folder)
    font = hashlib.sha256(fonts._font_path().read_bytes()).hexdigest()
    key = f"{font}\n{fontTools.version}\n{sorted(fonts._CUT.items())!r}\n京東都"  # sorted
    name = hashlib.sha256(key.encode()).hexdigest()[:32]
    assert [p.name for p in folder.iterdir()] == [f"{name}.woff"]
    assert (folder / f"{name}.woff").read_bytes() == _woff(css)


# --- expect: one cut for the pages at hand ----------------------------------------------------
@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No subsets cut yet in this process, no pages expected; the same second on every cut."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(fonts, "_EXPECTED", [])
    monkeypatch.setattr(fonts, "_BASE", {"chars": frozenset(), "ttf": b"", "font": ""})
    fonts._subset_woff.cache_clear()
    yield
    fonts._subset_woff.cache_clear()


def test_subsets_cut_from_the_expected_pages_glyphs_are_the_same_bytes(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = ["<p>東京都の失業率</p>", "<p>「縦書き」の大阪府</p>", "<p>京都</p>"]
    direct = [_woff(fonts.font_face_css(p)) for p in pages]
    fonts._subset_woff.cache_clear()
    shutil.rmtree(fonts._user_folder())  # cut again, not served from the user's cache
    notebook = tmp_path / "n.ipynb"
    notebook.write_text("".join(pages[:2]), encoding="utf-8")
    fonts.expect(notebook, pages[2], tmp_path / "gone.ipynb")  # a missing file is skipped
    assert fonts._BASE["ttf"] == b""  # nothing read or cut yet
    sources: list[object] = []
    original = fonts._cut

    def cut(chars: str, source: bytes, flavor: str | None) -> bytes:
        sources.append(source)
        return original(chars, source, flavor)

    monkeypatch.setattr(fonts, "_cut", cut)
    assert [_woff(fonts.font_face_css(p)) for p in pages] == direct
    whole = fonts._font_path().read_bytes()
    assert sources[0] == whole  # the expected pages' glyphs, from the whole font...
    assert all(s == fonts._BASE["ttf"] for s in sources[1:])  # ...each page's from those
    assert len(sources) == 4
    assert fonts._BASE["chars"] == frozenset(fonts.glyphs_needed("".join(pages)))


def test_glyphs_not_expected_are_cut_from_the_whole_font(fresh: None) -> None:
    fonts.expect("<p>東京</p>")
    css = fonts.font_face_css("<p>北海道</p>")
    font = TTFont(io.BytesIO(_woff(css)))
    assert {chr(c) for c in font.getBestCmap()} >= set("北海道")
