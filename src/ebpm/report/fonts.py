"""Japanese glyphs for published pages, embedded in each page.

A reader without a Japanese font (many Linux desktops, some kiosks and e-readers) would see
empty boxes where the pages have kanji and kana. Each page ebpm writes therefore carries, as a
``data:`` URL in an ``@font-face`` rule, the IPAexGothic glyphs that page uses and no others
(a few kB to some tens of kB). The rule's family, ``ebpm-ja``, comes after the usual Japanese
system fonts in every font stack, so a reader who has Hiragino, Noto Sans JP, Yu Gothic or
Meiryo sees those.

IPAexGothic ships in the ``matplotlib-fontja`` wheel (which ebpm uses for figures too). A font
embedded in a document to render that document is an "Embedded Font" under the IPA Font
License (Article 2, paragraph 5): no further obligation when the page is published.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import logging
import re
from pathlib import Path
from typing import Any

__all__ = ["FAMILY", "FONT_STACK", "MONO_STACK", "expect", "font_face_css", "glyphs_needed"]

log = logging.getLogger(__name__)

#: Chromium can keep drawing the text it laid out before the embedded font was decoded in the
#: fallback font's empty boxes, even after the font has loaded (seen headless, on a machine
#: without Japanese fonts: the first heading and the first text of each style stay boxes).
#: Once the fonts are ready, a change of letter spacing too small to see makes it shape the
#: text again. Without script the page is as before.
_RESHAPE = (
    ".ebpm-fonts-ready body{letter-spacing:.001px}"
    "</style><script>document.fonts&&document.fonts.ready.then(function(){"
    "document.documentElement.classList.add('ebpm-fonts-ready')})</script><style>"
)

#: The CSS family of the embedded subset.
FAMILY = "ebpm-ja"

#: The font stack of every page ebpm writes: system fonts first, the embedded subset last.
FONT_STACK = (
    'system-ui,-apple-system,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN",'
    f'"Noto Sans JP","Noto Sans CJK JP","Yu Gothic",Meiryo,"{FAMILY}",sans-serif'
)

#: The same for code and ``<pre>`` (parameters, tracebacks): monospace fonts, then the subset.
MONO_STACK = (
    'ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Noto Sans Mono CJK JP",'
    f'"{FAMILY}",monospace'
)

#: First code point embedded: CJK radicals, punctuation, kana, kanji and full-width forms
#: all lie above it; Latin, Greek and the symbols before it are in every system font.
_FIRST = 0x2E80


#: One character at or after :data:`_FIRST`.
_JAPANESE = re.compile(f"[^\\x00-{chr(_FIRST - 1)}]")


def glyphs_needed(text: str) -> str:
    """The distinct characters of ``text`` that need a Japanese font, sorted. (The regular
    expression skips the rest, mostly the base64 of figures, at a third of the cost of a set of
    every character.)"""
    return "".join(sorted(set(_JAPANESE.findall(text))))


@functools.cache
def _font_path() -> Path:
    """IPAexGothic in the ``matplotlib-fontja`` wheel, found without importing the package: it
    imports matplotlib (0.15 s), which publishing does not otherwise load.

    Raises
    ------
    ModuleNotFoundError
        ``matplotlib-fontja`` is not installed.
    """
    import importlib.util

    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "matplotlib-fontja is not installed, so the Japanese glyphs of the pages cannot be "
            "embedded; install it (`pip install matplotlib-fontja`, an ebpm dependency)",
            name="matplotlib_fontja",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


@functools.lru_cache(maxsize=2)
def _read_font(path: Path, size: int, mtime_ns: int) -> tuple[str, bytes]:
    """The font file's SHA-256 and bytes, read once per process while it stays as it was."""
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), data


def _font() -> tuple[str, bytes]:
    """IPAexGothic's SHA-256 and bytes: every subset is cut from the bytes hashed, so the key a
    subset is kept under names the very font it was cut from."""
    path = _font_path()
    st = path.stat()
    return _read_font(path, st.st_size, st.st_mtime_ns)


def _font_bytes(font: str) -> bytes:
    """The bytes of the font whose SHA-256 is ``font``.

    Raises
    ------
    RuntimeError
        The font file is another one now (replaced while pages were being written): rather
        than keep its glyphs under the other font's name.
    """
    digest, data = _font()
    if digest != font:
        raise RuntimeError(
            f"the font {_font_path()} changed while pages were being written (was "
            "matplotlib-fontja upgraded?); nothing was cut from it. Publish again"
        )
    return data


#: Text the next pages will show (files or strings, :func:`expect`), not yet looked at.
_EXPECTED: list[Path | str] = []
#: The characters of a cut of the font for the pages at hand, that cut (TrueType, without
#: hinting) and the SHA-256 of the font it was cut from. A subset of characters it covers is
#: cut from it: a tenth of the time of cutting from the whole font, and the same bytes (the
#: glyphs, their order and the layout closure do not change).
_BASE: dict[str, Any] = {"chars": frozenset(), "ttf": b"", "font": ""}


def expect(*sources: Path | str) -> None:
    """Say what the pages about to be written will show: files (executed notebooks) or text.

    Nothing is read until a subset is needed; the first one then cuts, once, every glyph they
    need from the font, and each later page's subset is cut from that (a page publishing
    reports of many notebooks saves most of its font work). Characters not foreseen are cut from
    the whole font as before.
    """
    _EXPECTED.extend(sources)


def prepare() -> None:
    """Cut the glyphs of the pages expected so far now, not at the first page that needs them
    (before worker processes fork, so that each inherits the cut); nothing without the font."""
    try:
        _base(_font()[0])
    except (ModuleNotFoundError, OSError):  # no font: pages go without embedded glyphs
        return


#: How a subset is cut (fontTools' subsetter options); part of the name a subset is kept under.
_CUT: dict[str, Any] = {
    "layout_features": ["vert", "vrt2"],  # vertical forms only; no ligatures needed
    "hinting": False,
    "notdef_outline": True,
    "name_IDs": [0, 1, 2, 3, 4, 5, 6],  # keep the copyright and licence names
}


def _options() -> Any:
    from fontTools import subset

    options = subset.Options()
    for name, value in _CUT.items():
        setattr(options, name, list(value) if isinstance(value, list) else value)
    return options


def _cut(chars: str, source: bytes, flavor: str | None) -> bytes:
    """``source`` (a TrueType font) cut down to ``chars``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # As fontTools' own command-line subsetter: the bounding boxes are not recomputed (2.5×
    # faster; head/hhea keep the whole font's, which only bounds the glyphs more loosely), and
    # the modified date is the source's, so the same glyphs give the same bytes every time.
    font = TTFont(io.BytesIO(source), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    subsetter = subset.Subsetter(_options())
    subsetter.populate(text=chars)
    subsetter.subset(font)
    font.flavor = flavor
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _base(font: str) -> bytes:
    """The cut of the font with SHA-256 ``font`` for the expected pages, cut now if pages were
    expected since; ``b""`` when there is none."""
    if _BASE["font"] != font:
        _BASE.update(chars=frozenset(), ttf=b"", font=font)
    if _EXPECTED:
        texts = []
        for item in _EXPECTED:
            try:
                texts.append(item.read_text(encoding="utf-8") if isinstance(item, Path) else item)
            except (OSError, UnicodeDecodeError):
                continue  # a file gone: its pages are cut from the whole font
        _EXPECTED.clear()
        wanted = _BASE["chars"] | set(glyphs_needed("".join(texts)))
        if wanted != _BASE["chars"]:
            _BASE["ttf"] = _cut("".join(sorted(wanted)), _font_bytes(font), None)
            _BASE["chars"] = frozenset(wanted)
    return bytes(_BASE["ttf"])


@functools.lru_cache(maxsize=64)
def _subset_woff(font: str, chars: str) -> bytes:
    """IPAexGothic (SHA-256 ``font``) cut down to ``chars``, as WOFF (zlib; no brotli needed):
    from the cut for the expected pages when it covers them, else from the whole font."""
    base = _base(font)
    if base and set(chars) <= _BASE["chars"]:
        return _cut(chars, base, "woff")
    return _cut(chars, _font_bytes(font), "woff")


def _cache_name(font: str, chars: str) -> str:
    """The file name of a subset in a folder of kept subsets: what it was cut from and how (the
    font's SHA-256, fontTools' version, the options) and its characters, hashed."""
    import fontTools

    key = f"{font}\n{fontTools.version}\n{sorted(_CUT.items())!r}\n{chars}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".woff"


def _kept(path: Path) -> bytes | None:
    """The subset kept at ``path``, or None when there is none (or no WOFF: a file cut short
    by a full disk is cut again)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if data[:4] == b"wOFF" else None


def _keep(path: Path, data: bytes, *, required: bool) -> None:
    """Keep a subset at ``path``; ``required`` False (the user cache): a folder that cannot be
    written to only means the next site cuts it again."""
    from ebpm._io import atomic_write_bytes

    try:
        atomic_write_bytes(path, data)
    except OSError:
        if required:
            raise
        log.debug("could not keep a glyph subset in %s", path.parent, exc_info=True)


def _user_folder() -> Path:
    """The subsets kept for every site of this user: ``fonts`` in ebpm's cache folder."""
    from ebpm._env import cache_dir  # not the catalog's: it brings pandas

    return cache_dir() / "fonts"


def font_face_css(text: str, *, cache_dir: Path | None = None) -> str:
    """An ``@font-face`` rule embedding the glyphs ``text`` needs, or ``""`` when it needs none.

    Parameters
    ----------
    text
        The page (HTML is fine: tags and base64 images are ASCII and add nothing).
    cache_dir
        A folder to keep subsets in (the site keeps them in ``_ebpm/fonts``), so rebuilding a
        page whose characters did not change costs no font work.

    Returns
    -------
    str
        CSS for the inside of a ``<style>`` element (it closes that element for a short script
        and opens another: see ``_RESHAPE``).

    Notes
    -----
    A subset is kept under a name hashing the font's SHA-256, fontTools' version, the cutting
    options and the characters, so a kept subset is only ever served for the glyphs, font and
    cut it was made of. It is looked for in ``cache_dir``, then in the user's cache folder
    (``fonts`` under ``$EBPM_CACHE_DIR`` or the platform's user cache: a new site gets the
    subsets another site of the same user cut), then cut (once per process) and kept in both.
    """
    chars = glyphs_needed(text)
    if not chars:
        return ""
    font = _font()[0]
    name = _cache_name(font, chars)
    site = cache_dir / name if cache_dir is not None else None
    user = _user_folder() / name
    data = _kept(site) if site is not None else None
    if data is None:
        data = _kept(user)
        if data is None:
            data = _subset_woff(font, chars)
            _keep(user, data, required=False)
        if site is not None:
            _keep(site, data, required=True)
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face{{font-family:"{FAMILY}";font-display:block;'
        f'src:url(data:font/woff;base64,{encoded}) format("woff")}}' + _RESHAPE
    )
