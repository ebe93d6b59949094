"""What of a notebook may reach a published page: an allow-list of HTML, SVG and MathML.

A notebook's outputs and markdown are written by whoever wrote the notebook, its parameters
and the catalog entries it reads: a ``<script>`` in a title shown with
``display(Markdown(...))``, a catalog description, a ``javascript:`` link in a markdown cell or
a cell of a pandas Styler table would otherwise run in every reader's browser. Before a page is
published, that content goes through :func:`sanitize_html`, which is `Ammonia
<https://github.com/rust-ammonia/ammonia>`_ (through its Python binding ``nh3``) with the
allow-list below: no script, no event handler, no URL but ``http``, ``https``, ``mailto``,
relative ones and in-page anchors, ``data:`` images only as an ``<img src>`` (figures are
embedded so), and CSS only where it cannot fetch anything.

The page around the content (ebpm's bar, its code toggle, its font script) is ebpm's own and
is added after this step.
"""

from __future__ import annotations

import functools
import re
import secrets
from typing import Any

__all__ = ["sanitize_html"]


def _names(text: str) -> frozenset[str]:
    """The names in ``text``, separated by spaces (long lists read better so)."""
    return frozenset(text.split())


#: HTML a notebook shows: text, lists, tables (pandas, Styler, ebpm's own), figures, details.
_HTML_TAGS = _names(
    "a abbr acronym article aside b bdi bdo blockquote br caption center cite code col colgroup "
    "data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hgroup hr i img ins kbd li main mark nav ol p pre q rp rt rtc ruby s samp section small span "
    "strike strong sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr "
    # a Styler table's cell styles; its CSS is checked by _safe_css
    "style"
)

#: Inline SVG as ebpm draws it (the KPI logic model: ``ebpm.kpi.diagram``) and as plotting
#: libraries write it; no <script>, <foreignObject>, <use>, <image> or animation, which can
#: load or run something (an <a> is HTML's, with its URL checked).
_SVG_TAGS = _names(
    "svg g defs title desc marker path rect circle ellipse line polyline polygon text tspan "
    "clipPath mask pattern linearGradient radialGradient stop symbol"
)

#: Presentation Markup of MathML Core, which ``ebpm.site.mathml`` (latex2mathml) writes.
_MATHML_TAGS = _names(
    "math semantics annotation mrow mi mn mo ms mtext mspace mglyph msup msub msubsup mfrac "
    "msqrt mroot mstyle merror mpadded mphantom mfenced menclose munder mover munderover "
    "mmultiscripts mprescripts none mtable mtr mtd mlabeledtr"
)

#: Elements dropped with everything inside them (rather than leaving their text behind).
_DROPPED_WITH_CONTENT = _names("script noscript iframe frame frameset object embed applet template")

#: Attributes allowed on any element (``data-*`` and ``aria-*`` too: _GENERIC_PREFIXES).
_GENERIC = _names("class id title lang dir role tabindex style")
_GENERIC_PREFIXES = frozenset({"data-", "aria-"})

_PER_TAG: dict[str, set[str]] = {
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "align"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "data": {"value"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "abbr": {"title"},
    "col": {"span", "width", "align"},
    "colgroup": {"span", "width", "align"},
    "hr": {"align", "size", "width"},
    "table": {"border", "cellpadding", "cellspacing", "width", "align", "summary"},
    "th": {"colspan", "rowspan", "scope", "headers", "align", "valign", "width", "abbr"},
    "td": {"colspan", "rowspan", "headers", "align", "valign", "width"},
    **{t: {"align", "valign"} for t in ("tr", "thead", "tbody", "tfoot")},
    "style": {"type", "media"},
}

#: Presentation attributes of SVG (none of them takes script; the few that take a ``url(...)``
#: are held to in-page references by _attribute).
_SVG_ATTRS = _names(
    """
    xmlns viewBox width height x y x1 x2 y1 y2 cx cy r rx ry d points transform
    preserveAspectRatio fill fill-opacity fill-rule stroke stroke-width stroke-dasharray
    stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit stroke-opacity opacity
    font-family font-size font-weight font-style font-variant font-variant-numeric
    text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing
    text-decoration dx dy rotate textLength lengthAdjust clip-path clip-rule mask
    marker-start marker-mid marker-end refX refY markerWidth markerHeight markerUnits orient
    offset stop-color stop-opacity gradientUnits gradientTransform spreadMethod fx fy
    patternUnits patternContentUnits patternTransform clipPathUnits maskUnits
    maskContentUnits visibility display color vector-effect shape-rendering
    text-rendering paint-order
    """
)

#: Attributes of MathML Core and of what latex2mathml writes (no ``href``).
_MATHML_ATTRS = _names(
    """
    xmlns display alttext mathvariant mathsize mathcolor mathbackground displaystyle
    scriptlevel stretchy fence separator separators accent accentunder lspace rspace
    minsize maxsize movablelimits symmetric largeop form width height depth voffset
    linethickness notation encoding open close columnalign rowalign columnspacing
    rowspacing columnlines rowlines frame framespacing equalrows equalcolumns columnspan
    rowspan numalign denomalign bevelled subscriptshift superscriptshift
    """
)

#: Attributes whose value is a URL.
_URL_ATTRS = frozenset({"href", "src", "cite", "xlink:href", "action", "formaction"})

#: The URL forms allowed: a scheme below, or none (relative, ``#anchor``).
_SCHEMES = frozenset({"http", "https", "mailto"})

#: A figure embedded as ``<img src="data:image/png;base64,...">`` (SVG in an ``<img>`` runs no
#: script).
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]", re.I)

#: CSS that can fetch, import or run something, or hide that it does (escapes, comments).
_UNSAFE_CSS = re.compile(
    r"url\s*\(|image-set|image\s*\(|src\s*\(|@import|@font-face|@namespace|expression|"
    r"behavior|binding|javascript|vbscript|\\|/\*|<|&",
    re.I,
)

#: ``url(#id)`` in an SVG presentation attribute: a marker, clip path or gradient of the page.
_LOCAL_URL = re.compile(r"\s*url\(\s*#[\w:.-]+\s*\)\s*")

_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S | re.I)

#: Ids that ebpm's own page uses: content may not take them over.
_RESERVED_ID = re.compile(r"^\s*ebpm-", re.I)

#: Control characters and spaces a browser ignores inside a URL's scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]+")


def _scheme(url: str) -> str | None:
    """The scheme of ``url`` as a browser reads it (lower case), None when it has none."""
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", _IGNORED_IN_SCHEME.sub("", url))
    return m.group(1).lower() if m else None


def _safe_url(tag: str, attr: str, value: str) -> bool:
    scheme = _scheme(value)
    if scheme is None:
        return True
    if scheme == "data":
        return tag == "img" and attr == "src" and bool(_DATA_IMAGE.match(value.strip()))
    return scheme in _SCHEMES


def _safe_css(css: str) -> bool:
    return not _UNSAFE_CSS.search(css)


def _attribute(tag: str, attr: str, value: str) -> str | None:
    """Ammonia's allow-list is by name; this holds the values of the names allowed."""
    if attr in _URL_ATTRS:
        return value if _safe_url(tag, attr, value) else None
    if attr == "style":
        return value if _safe_css(value) else None
    if attr == "id" and _RESERVED_ID.match(value):
        return None
    if attr in _SVG_ATTRS and re.search(r"url\s*\(|\\", value, re.I):
        # fill="url(#g)", marker-end="url(#m)": read as CSS, so no escapes either
        return value if _LOCAL_URL.fullmatch(value) else None
    return value


@functools.cache
def _options() -> dict[str, Any]:
    attributes: dict[str, set[str]] = {"*": set(_GENERIC)}
    for tag, names in _PER_TAG.items():
        attributes.setdefault(tag, set()).update(names)
    for tag in _SVG_TAGS:
        attributes.setdefault(tag, set()).update(_SVG_ATTRS)
    for tag in _MATHML_TAGS:
        attributes.setdefault(tag, set()).update(_MATHML_ATTRS)
    return {
        "tags": set(_HTML_TAGS | _SVG_TAGS | _MATHML_TAGS),
        "clean_content_tags": set(_DROPPED_WITH_CONTENT),
        "attributes": attributes,
        "generic_attribute_prefixes": set(_GENERIC_PREFIXES),
        "attribute_filter": _attribute,
        "url_schemes": set(_SCHEMES | {"data"}),  # data: is narrowed to images by _attribute
        "strip_comments": True,
        "link_rel": "noopener noreferrer",
    }


def _style_block(m: re.Match[str]) -> str:
    return m.group(0) if _safe_css(m.group(2)) else ""


#: The base64 of a figure as nbconvert embeds it: ``<img ... src="data:image/png;base64,``,
#: then its payload (group 2). Base64's letters, digits, ``+``, ``/`` and ``=`` mean nothing to
#: an HTML parser or to the allow-list (which reads a data URL's type, and drops CSS holding a
#: ``<`` as this does), so the payload is held out of the sanitizer: its parser took 2/3 of the
#: time of a page with figures, on bytes it could not change.
_FIGURE_DATA = re.compile(
    r"(<img\b[^<>]*?\ssrc=\"data:image/(?:png|jpeg|gif|webp);base64,)"
    r"([A-Za-z0-9+/]{64,}={0,2})(?=\")"
)
#: Stands for a held payload; random per process, so no content can write one.
_HOLD_TOKEN = f"ebpm{secrets.token_hex(8)}i"
_HELD_AT = re.compile(f"{_HOLD_TOKEN}(\\d+)x")


def sanitize_html(fragment: str) -> str:
    """``fragment`` with only what the allow-list keeps: safe to publish.

    Parameters
    ----------
    fragment
        HTML as nbconvert renders a notebook's cells (markdown, outputs, code), or any other
        HTML that did not come from ebpm itself.

    Returns
    -------
    str
        The same content without scripts, event handlers (``on*``), ``javascript:`` and other
        script URLs, ``data:`` URLs other than images in ``<img src>``, elements that embed
        another document (``iframe``, ``object``, ``embed``) and CSS that could fetch or import
        anything (a ``<style>`` block with ``url(``, ``@import`` or ``expression`` is dropped
        whole; so is such a ``style`` attribute). Figures, tables (pandas Styler tables keep
        their styles), inline SVG, MathML, heading anchors, ``class`` and ``id`` stay.

    Notes
    -----
    The HTML is parsed by html5ever, as a browser parses it, and written out again, so what a
    browser would have read from a malformed tag is what the allow-list is applied to.
    """
    held: list[str] = []
    if _HOLD_TOKEN not in fragment:  # (it cannot be: the token is this process's secret)

        def hold(m: re.Match[str]) -> str:
            held.append(m.group(2))
            return f"{m.group(1)}{_HOLD_TOKEN}{len(held) - 1}x"

        fragment = _FIGURE_DATA.sub(hold, fragment)
    clean = _clean(fragment)
    if held:
        clean = _HELD_AT.sub(lambda m: held[int(m.group(1))], clean)
    return clean


def _clean(fragment: str) -> str:
    """``fragment`` through the allow-list."""
    import nh3

    clean = nh3.clean(fragment, **_options())
    return _STYLE_BLOCK.sub(_style_block, clean)
