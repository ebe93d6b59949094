"""The glyph subsets ebpm.report.fonts keeps: in the process (by font and characters) and in a
site's ``_ebpm/fonts`` folder (by the font's SHA-256, fontTools' version and the characters).
None of them may serve a subset of other glyphs or of another font."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ebpm.report import fonts


def _woff(css: str) -> bytes:
    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\) format\(\"woff\"\)", css)
    assert m, css[:200]
    return base64.b64decode(m.group(1))


def _chars(woff: bytes) -> set[str]:
    return {chr(c) for c in TTFont(io.BytesIO(woff)).getBestCmap() if c >= 0x2E80}


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Nothing cut or read in this process yet; yields the characters of every cut made."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(fonts, "_EXPECTED", [])
    monkeypatch.setattr(fonts, "_BASE", {"chars": frozenset(), "ttf": b"", "font": ""})
    fonts._subset_woff.cache_clear()
    fonts._read_font.cache_clear()
    cuts: list[str] = []
    original = fonts._cut

    def cut(chars: str, source: bytes, flavor: str | None) -> bytes:
        cuts.append(chars)
        return original(chars, source, flavor)

    monkeypatch.setattr(fonts, "_cut", cut)
    yield cuts
    fonts._subset_woff.cache_clear()
    fonts._read_font.cache_clear()


@pytest.fixture
def own_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of IPAexGothic the tests may change."""
    path = tmp_path / "font" / "ipaexg.ttf"
    path.parent.mkdir()
    shutil.copyfile(fonts._font_path(), path)
    monkeypatch.setattr(fonts, "_font_path", lambda: path)
    return path


def _change(font: Path, revision: float) -> None:
    """Give ``font`` another revision (other bytes, other SHA-256) and another mtime."""
    ttf = TTFont(font)
    ttf["head"].fontRevision = revision
    ttf.save(font)
    st = font.stat()
    os.utime(font, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_pages_with_other_glyphs_get_other_subsets(fresh: list[str], tmp_path: Path) -> None:
    tokyo = _woff(fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path))
    osaka = _woff(fonts.font_face_css("<p>大阪</p>", cache_dir=tmp_path))
    assert _chars(tokyo) == set("東京")
    assert _chars(osaka) == set("大阪")
    assert len(list(tmp_path.glob("*.woff"))) == 2
    assert fresh == ["京東", "大阪"]


def test_the_same_glyphs_are_cut_once_per_process(fresh: list[str], tmp_path: Path) -> None:
    first = fonts.font_face_css("<p>東京</p>")
    assert fonts.font_face_css("<h1>京東</h1>") == first  # the same characters, another page
    assert fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path) == first  # not in the folder
    assert fresh == ["京東"]
    assert fonts._read_font.cache_info().misses == 1  # the font was read once


def test_a_subset_in_the_sites_folder_is_served_without_cutting(
    fresh: list[str], tmp_path: Path
) -> None:
    css = fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path)
    fonts._subset_woff.cache_clear()  # a new process...
    shutil.rmtree(fonts._user_folder())  # ...of a user whose cache was emptied
    fresh.clear()
    assert fonts.font_face_css("<p>京東</p>", cache_dir=tmp_path) == css
    assert fresh == []


def test_a_new_site_gets_the_subsets_another_site_cut(fresh: list[str], tmp_path: Path) -> None:
    css = fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path / "one")
    assert len(list(fonts._user_folder().glob("*.woff"))) == 1
    fonts._subset_woff.cache_clear()  # a new process
    fresh.clear()
    assert fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path / "two") == css
    assert fresh == []
    assert [p.name for p in (tmp_path / "two").iterdir()] == [
        p.name for p in fonts._user_folder().iterdir()
    ]


def test_a_kept_file_that_is_no_woff_is_cut_again(fresh: list[str], tmp_path: Path) -> None:
    css = fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path)
    (kept,) = tmp_path.glob("*.woff")
    (user,) = fonts._user_folder().glob("*.woff")
    kept.write_bytes(b"")  # cut short by a full disk
    user.write_bytes(b"\0" * 8)
    fonts._subset_woff.cache_clear()
    fresh.clear()
    assert fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path) == css
    assert fresh == ["京東"]
    assert kept.read_bytes() == user.read_bytes() == _woff(css)


def test_a_user_cache_that_cannot_be_written_only_costs_time(
    fresh: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("EBPM_CACHE_DIR", str(blocker))  # no folder can be made under it
    css = fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path / "site")
    assert _chars(_woff(css)) == set("東京")
    assert len(list((tmp_path / "site").glob("*.woff"))) == 1


def test_a_changed_font_file_is_cut_again(fresh: list[str], own_font: Path, tmp_path: Path) -> None:
    before = _woff(fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path))
    assert TTFont(io.BytesIO(before))["head"].fontRevision != 9.5
    _change(own_font, 9.5)
    after = _woff(fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path))  # same process
    assert TTFont(io.BytesIO(after))["head"].fontRevision == 9.5
    assert fresh == ["京東", "京東"]
    assert len(list(tmp_path.glob("*.woff"))) == 2  # each font's subset under its own name
    assert len(list(fonts._user_folder().glob("*.woff"))) == 2
    fonts._subset_woff.cache_clear()  # a new process, with the changed font
    fresh.clear()
    again = _woff(fonts.font_face_css("<p>東京</p>", cache_dir=tmp_path))
    assert again == after
    assert fresh == []


def test_the_cut_for_the_expected_pages_is_of_the_font_at_hand(
    fresh: list[str], own_font: Path
) -> None:
    fonts.expect("<p>東京都</p>")
    fonts.font_face_css("<p>東京</p>")
    assert fresh == ["京東都", "京東"]  # the expected pages' glyphs, then the page's from them
    _change(own_font, 8.25)
    fonts.expect("<p>東京都</p>")
    after = _woff(fonts.font_face_css("<p>京都</p>"))
    assert TTFont(io.BytesIO(after))["head"].fontRevision == 8.25
    assert fresh[2:] == ["京東都", "京都"]  # cut again from the changed font


def test_a_font_replaced_while_pages_are_written_fails_the_cut(
    fresh: list[str], own_font: Path
) -> None:
    hashed = fonts._font()[0]
    _change(own_font, 7.0)
    with pytest.raises(
        RuntimeError,
        match=r"^the font .*ipaexg\.ttf changed while pages were being written \(was "
        r"matplotlib-fontja upgraded\?\); nothing was cut from it\. Publish again$",
    ):
        fonts._subset_woff(hashed, "東")
    assert fresh == []


@pytest.mark.parametrize("env", ["set", "unset"])
def test_the_users_folder_is_in_ebpms_cache_folder(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ebpm.catalog.cache import cache_dir

    if env == "set":
        monkeypatch.setenv("EBPM_CACHE_DIR", str(tmp_path))
    else:
        monkeypatch.delenv("EBPM_CACHE_DIR")
    assert fonts._user_folder() == cache_dir() / "fonts"


def test_the_font_is_found_without_importing_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import sys

    import matplotlib_fontja

    fonts._font_path.cache_clear()
    monkeypatch.delitem(sys.modules, "matplotlib_fontja")
    try:
        path = fonts._font_path()
    finally:
        fonts._font_path.cache_clear()
    assert "matplotlib_fontja" not in sys.modules  # found, not imported
    assert path == Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf"
    assert path.is_file()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(
            ModuleNotFoundError,
            match=r"^matplotlib-fontja is not installed, so the Japanese glyphs of the pages "
            r"cannot be embedded; install it \(`pip install matplotlib-fontja`",
        ):
            fonts._font_path()
    finally:
        fonts._font_path.cache_clear()
