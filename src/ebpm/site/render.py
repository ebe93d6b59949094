"""Render executed notebooks to standalone HTML reports with the code hidden."""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

__all__ = ["check_disclosure", "error_of", "render_html", "report_page", "strip_ansi"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (tracebacks from kernels carry them)."""
    return _ANSI.sub("", text)


#: nbconvert's page loads require.js and MathJax from a CDN, and mermaid when a diagram is in the
#: notebook. A published report must work from file:// and any static host, offline, so they go
#: (math is converted to MathML beforehand).
_REMOTE_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>\s*"
    r"|<script\b[^>]*>(?:(?!</script>).)*?import\(\"https?://(?:(?!</script>).)*</script>\s*"
    # MathJax's configuration, useless without MathJax, and nbconvert's comments around it
    r"|<script type=\"text/x-mathjax-config\">.*?</script>\s*"
    r"|<!-- (?:Load mathjax|MathJax configuration|End of mathjax configuration) -->\s*",
    re.S | re.I,
)


#: A start tag as the sanitizer writes it (:func:`_sanitized`: attribute values in double
#: quotes, ``"`` in them escaped) of the elements nbconvert's BeautifulSoup pass would have
#: changed, or a heading (which names the figures under it).
_HEADING_OR_TAG = re.compile(
    r"<h[1-4][^>]*>(.*?)</h[1-4]>"
    r"|<(img|div)((?:\s+[^\s\"'>/=]+(?:=\"[^\"]*\")?)*)(\s*/?)>",
    re.S,
)
_ATTR = re.compile(r"\s+([^\s\"'>/=]+)(?:=\"([^\"]*)\")?")
#: nbconvert's lab template: the elements its pass makes reachable with the keyboard.
_FOCUSABLE = frozenset({"jp-Cell-inputWrapper", "jp-OutputArea-output"})


def _accessible(page: str, title: str | None) -> str:
    """What nbconvert's BeautifulSoup pass gives a page, done on the sanitized page: each
    figure without an alt text gets one from the heading it sits under (nbconvert writes "No
    description has been provided for this image"), and each cell's input and each output
    ``tabindex="0"``, so a keyboard reaches them."""
    import html

    heading = title or ""

    def tag(m: re.Match[str]) -> str:
        nonlocal heading
        if m.group(2) is None:
            text = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).replace("¶", "").strip()
            heading = text or heading
            return m.group(0)
        attrs = {name.lower(): value for name, value in _ATTR.findall(m.group(3))}
        if m.group(2) == "img":
            if "alt" in attrs:
                return m.group(0)
            alt = f"Figure: {heading}" if heading else "Figure"
            added = f' alt="{html.escape(alt, quote=True)}"'
        else:
            classes = set(html.unescape(attrs.get("class", "")).split())
            if not classes & _FOCUSABLE or attrs.get("tabindex") == "0":
                return m.group(0)
            if "tabindex" in attrs:  # as the pass does: the element's own becomes 0
                rest = re.sub(r'\s+tabindex="[^"]*"', "", m.group(3), flags=re.I)
                return f'<div{rest} tabindex="0"{m.group(4)}>'
            added = ' tabindex="0"'
        return f"<{m.group(2)}{m.group(3)}{added}{m.group(4)}>"

    return _HEADING_OR_TAG.sub(tag, page)


def _offline(page: str) -> str:
    """``page`` without scripts fetched from the network (the TeX in markdown is MathML by
    then: :mod:`ebpm.site.mathml`)."""
    return _REMOTE_SCRIPT.sub("", page)


class _Highlighted(str):
    """Pygments' HTML of a code cell's source, every character of which it escaped."""


@functools.lru_cache(maxsize=4096)
def _highlight(highlighter: Any, source: str, language: str | None, magics: Any) -> str:
    """``highlighter`` (nbconvert's ``Highlight2HTML``) on a cell's ``source``, memoized: the
    reports of a grid's tasks show the same cells, and Pygments' HTML of the same source with
    the same lexer and options is the same. ``magics``: the cell's ``magics_language``, the one
    thing of its metadata the highlighter reads."""
    metadata = {} if magics is None else {"magics_language": magics}
    return str(highlighter(source, language=language, metadata=metadata))


def _highlighter_key(jinja_filter: Any) -> Any:
    """What of nbconvert's highlighter decides its HTML (its lexer and formatter options), or
    None for a highlighter that is not nbconvert's (not memoized)."""
    from nbconvert.filters.highlight import Highlight2HTML

    if type(jinja_filter) is not Highlight2HTML:
        return None
    options = repr(sorted(jinja_filter.extra_formatter_options.items()))
    return (jinja_filter.pygments_lexer, options)


def _code_not_cleaned(name: str, jinja_filter: Any) -> Any:
    """nbconvert's filter ``name``, except that its ``clean_html`` (bleach) leaves the
    highlighted code alone: Pygments escapes all of it, so bleach's pass over every code cell
    changed nothing and took most of the time of a page with its code. The whole ``<body>`` still
    goes through :func:`_sanitized`. The code is highlighted once per source, lexer and options
    in a process (:func:`_highlight`)."""
    if name == "highlight_code":

        def highlight(source: str, language: str | None = None, metadata: Any = None) -> str:
            key = _highlighter_key(jinja_filter)
            if key is None:
                return _Highlighted(jinja_filter(source, language=language, metadata=metadata))
            magics = (metadata or {}).get("magics_language")
            return _Highlighted(_highlight(_Memo(jinja_filter, key), source, language, magics))

        return highlight
    if name == "clean_html":
        return lambda html: html if type(html) is _Highlighted else jinja_filter(html)
    return jinja_filter


class _Memo:
    """A highlighter as a memo key: equal when its lexer and formatter options are."""

    def __init__(self, highlighter: Any, key: Any) -> None:
        self.highlighter, self.key = highlighter, key

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self.highlighter(*args, **kw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Memo) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


@functools.cache
def _exporter(show_code: bool) -> Any:
    """One nbconvert exporter per setting: building one compiles its Jinja templates again
    (0.07-0.1 s per report, against 0.006 s reused)."""
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        """nbconvert's HTML exporter without its BeautifulSoup pass: that pass parses and
        writes again the whole page (every ``<span>`` Pygments wrote) to add alt texts and
        ``tabindex``, 45% of the time of a page; :func:`_accessible` adds the same to the
        sanitized page, which the sanitizer has written again anyway."""

        def _register_filter(self, environ: Any, name: str, jinja_filter: Any) -> Any:
            if callable(jinja_filter) and not isinstance(jinja_filter, type | str):
                jinja_filter = _code_not_cleaned(name, jinja_filter)
            return super()._register_filter(environ, name, jinja_filter)

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            # HTMLExporter's own, up to its BeautifulSoup pass
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            highlight = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return Exporter(
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # the notebook is checked once, after nbconvert's preprocessors, not after each
        optimistic_validation=True,
    )


def warm() -> None:
    """Import and compile what every page needs (nbconvert, its Jinja templates, Pygments'
    Python lexer, the sanitizer, the MathML converter) by rendering a small notebook, so that
    worker processes forked after this inherit it (:mod:`ebpm.pipeline.render_pool`)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    table = "<table><tr><th>x</th></tr><tr><td>1.5</td></tr></table>"
    cell = new_code_cell("import math\nx = math.sqrt(2)  # √2\nprint(f'{x:.3f}', [1, None])")
    cell.outputs = [new_output("display_data", data={"text/html": table, "text/plain": "x"})]
    nb = new_notebook(cells=[new_markdown_cell("# 見出し\n\n$x^2$ and **b**"), cell])
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    render_html(nb, show_code=True)


def render_html(
    nb: Any,
    *,
    title: str | None = None,
    show_code: bool = False,
    notice: str | None = None,
    lang: str = "en",
) -> str:
    """HTML of an executed notebook: outputs and markdown, code and prompts hidden.

    What of the outputs reaches a reader is :func:`ebpm.site.outputs.reader_outputs`'s choice:
    ebpm's own warnings (rows dropped, few clusters, units dropped to balance a panel) as notes
    worded for readers, since a reader must know them to read the estimate; other libraries'
    stderr noise and bare object reprs stay in the executed notebook in the run folder; table
    numbers rounded.
    """
    from ebpm.site.mathml import markdown_math_to_mathml
    from ebpm.site.outputs import reader_outputs, reader_source

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = reader_outputs(cell.get("outputs", []), lang)
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell.source = reader_source(cell.source)
            for out in cell.outputs:
                data = out.get("data") or {}
                if isinstance(data.get("text/markdown"), str):
                    data["text/markdown"] = markdown_math_to_mathml(data["text/markdown"])
        elif cell.cell_type == "markdown":
            cell.source = markdown_math_to_mathml(cell.source)
    if title:
        nb.metadata["title"] = title
    # a widget state would bring a loader script from a CDN and the state into the page
    nb.metadata.pop("widgets", None)
    body, _ = _exporter(show_code).from_notebook_node(nb)
    body = _accessible(_offline(_sanitized(body)), title)
    if notice:
        # e.g. a revision alert: first thing a reader sees, above the notebook's own content
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + notice, body, count=1)
    return body


#: nbconvert's ``<body>`` tag: everything after it is the notebook's cells.
_BODY = re.compile(r"<body\b[^>]*>", re.I)


def _sanitized(page: str) -> str:
    """``page`` (nbconvert's) with everything in its ``<body>``, the notebook's cells, through
    :func:`ebpm.site.sanitize.sanitize_html`: what a notebook shows is written by its author,
    its parameters and the catalog entries it reads, and may carry script. The ``<head>``
    (nbconvert's CSS; the title is escaped) and what ebpm adds later (its bar, code toggle and
    font script) are not content and stay.

    The whole rest of the page is sanitized, not only ``<main>``: a ``</main></body>`` in an
    output ends those elements there for a browser, and the output's remaining HTML lands after
    them.

    Raises
    ------
    RuntimeError
        nbconvert's page has no ``<body>`` tag (a template other than ``lab``): rather than
        publish the content unchecked.
    """
    from ebpm.site.sanitize import sanitize_html

    m = _BODY.search(page)
    if m is None:
        import nbconvert

        raise RuntimeError(
            f"nbconvert {nbconvert.__version__} wrote a page without a <body> tag, so the "
            "notebook's content cannot be told from the page around it and sanitized before "
            "it is published; nothing was published. Install an nbconvert whose 'lab' "
            "template writes one (7.16 and later do)"
        )
    return page[: m.end()] + "\n" + sanitize_html(page[m.end() :]) + "\n</body>\n</html>\n"


def _page_css() -> str:
    from ebpm.report.fonts import FONT_STACK, MONO_STACK

    return (
        "body.ebpm-hide-code .jp-CodeCell .jp-Cell-inputWrapper{display:none}\n"
        ".ebpm-bar{position:sticky;top:0;z-index:10;background:#fff;"
        "border-bottom:1px solid #ddd;padding:.4rem 1rem;font-size:14px}\n"
        ".ebpm-bar a{margin-right:1rem} .ebpm-informs{margin-left:1rem}\n"
        ".ebpm-about{margin:2rem 1rem;padding-top:1rem;border-top:1px solid #ccc;font-size:14px}\n"
        ".ebpm-about dt{font-weight:600;margin-top:.5rem} .ebpm-about dd{margin-left:1rem}\n"
        ".ebpm-math-block{margin:1rem 0;overflow-x:auto;overflow-y:hidden} math{font-size:1.1em}\n"
        # the logic model fits the page's width (its viewBox scales it; readers can zoom)
        ".ebpm-scroll{overflow-x:visible!important}"
        " svg.ebpm-logic-model{max-width:100%!important;height:auto!important}\n"
        # printed on A4: no bar, no code (even shown on screen), sections on new pages,
        # figures and table rows not cut in two
        "@media print{@page{size:A4;margin:14mm}"
        " .ebpm-bar{display:none!important}"
        " .jp-CodeCell .jp-Cell-inputWrapper,.jp-InputArea{display:none!important}"
        " .jp-RenderedHTMLCommon h2{break-before:page}"
        " .jp-RenderedHTMLCommon :is(h1,h2,h3){break-after:avoid}"
        " img,svg,tr,.jp-OutputArea-output{break-inside:avoid}"
        " thead{display:table-header-group}"
        " body{font-size:10pt}}\n"
        # ebpm's warnings, worded for readers (ebpm.site.outputs)
        ".ebpm-note{border-left:4px solid #b35806;background:#fff7ec;padding:.4rem .8rem;"
        "margin:.5rem 0}\n"
        # text columns of ebpm's own tables read from the left (notebook tables align right)
        ".jp-RenderedHTMLCommon table.ebpm-table :is(td,th){text-align:left;vertical-align:top}"
        " .jp-RenderedHTMLCommon table.ebpm-table td.num{text-align:right;white-space:nowrap}\n"
        f"body,.jp-RenderedHTMLCommon,.ebpm-bar,.ebpm-about{{font-family:{FONT_STACK}}}\n"
        f":root{{--jp-code-font-family:{MONO_STACK}}} "
        f"pre,code,kbd,samp,.ebpm-about pre{{font-family:{MONO_STACK}}}\n"
    )


_TOGGLE_JS = """
<script>
(function(){
  var b=document.getElementById('ebpm-toggle-code');
  b.addEventListener('click',function(){
    var hidden=document.body.classList.toggle('ebpm-hide-code');
    b.setAttribute('aria-pressed',hidden?'false':'true');
    b.textContent=hidden?b.dataset.show:b.dataset.hide;
  });
})();
</script>
"""


def check_disclosure(nb: Any) -> None:
    """Refuse a notebook that shows a sensitive table which did not pass disclosure control.

    Raises
    ------
    DisclosureError
        Naming every such table and the fix.
    """
    from ebpm._protocol import MICRODATA_MIME, TABLE_MIME
    from ebpm.errors import DisclosureError

    bad = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            marker = out.get("data", {}).get(TABLE_MIME)
            if marker and marker.get("sensitive") and not marker.get("suppressed"):
                bad.append(str(marker.get("name")))
            release = out.get("data", {}).get(MICRODATA_MIME)
            if release:
                _check_release(release)
    if bad:
        names = ", ".join(repr(b) for b in bad)
        raise DisclosureError(
            f"table(s) {names} are marked sensitive and did not pass disclosure control; "
            "nothing was published. Show them as "
            "`report.table(ebpm.disclosure.suppress(df, k=3), name=...)` (cells counting fewer "
            "than k people are hidden, and enough others that none can be worked out)"
        )


def _check_release(marker: dict[str, Any]) -> None:
    """Refuse a microdata release (``ebpm.report.microdata``) that does not meet its standard.

    Raises
    ------
    DisclosureError
        Naming the release, what it misses (not anonymized; the share of records at risk;
        l-diversity not reached) and the fix.
    """
    from ebpm.errors import DisclosureError

    name, k = str(marker.get("name")), marker.get("k")
    keys = ", ".join(map(str, marker.get("keys") or []))
    fix = (
        f"Anonymize it first: release = ebpm.privacy.anonymize(df, keys=[...], k={k}) "
        f"(recode the keys if too many values are blanked), then report.microdata(release, "
        f"name={name!r}, keys=[...], k={k})"
    )
    if not marker.get("anonymized"):
        raise DisclosureError(
            f"microdata release {name!r} was not processed by ebpm.privacy.anonymize to "
            f"{k}-anonymity on its keys ({keys}); nothing was published. {fix}"
        )
    if marker.get("violating"):
        raise DisclosureError(
            f"microdata release {name!r}: {marker['violating']} of {marker.get('records')} "
            f"records ({float(marker.get('share', 0)):.1%}) match fewer than {k} records on "
            f"their keys ({keys}); nothing was published. {fix}"
        )
    if not marker.get("l_ok", True):
        raise DisclosureError(
            f"microdata release {name!r} asked for {marker.get('l')}-diversity of "
            f"{marker.get('sensitive')} but some key combination holds only "
            f"{marker.get('l_reached')} value(s); nothing was published. Recode the keys more "
            "coarsely so each combination mixes more values, and anonymize again"
        )
    if marker.get("csv") is not None:
        _check_release_file(marker, fix)


def _check_release_file(marker: dict[str, Any], fix: str) -> None:
    """Check the file a release publishes (``report.microdata(download=True)``) itself, not the
    kernel's word for it: it is the CSV the mark says (SHA-256), every record matches ``k``
    records on its keys, no column holds a direct identifier the anonymization did not keep on
    purpose, and nothing in it looks like a secret.

    Raises
    ------
    DisclosureError
        Naming the release and what the file fails.
    """
    import hashlib

    from ebpm._protocol import is_secret_name, secret_query_keys
    from ebpm.errors import DisclosureError
    from ebpm.privacy import find_identifiers
    from ebpm.report.release import read_release, standing

    name, k, text = str(marker.get("name")), int(marker.get("k") or 1), str(marker["csv"])
    keys = [str(c) for c in marker.get("keys") or []]
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != marker.get("sha256"):
        raise DisclosureError(
            f"microdata release {name!r}: its file does not match the SHA-256 recorded when it "
            "was checked in the notebook; nothing was published. Run the notebook again"
        )
    frame = read_release(text)
    absent = [c for c in keys if c not in frame.columns]
    if absent:
        raise DisclosureError(
            f"microdata release {name!r}: its file has no column(s) {absent} among its keys; "
            f"nothing was published. {fix}"
        )
    sensitive = [c for c in marker.get("sensitive") or [] if c in frame.columns]
    violating, l_reached = standing(frame, keys, k, sensitive if marker.get("l") else [])
    if violating:
        raise DisclosureError(
            f"microdata release {name!r}: in its file, {violating} of {len(frame)} records "
            f"({violating / len(frame):.1%}) match fewer than {k} records on their keys "
            f"({', '.join(keys)}); nothing was published. {fix}"
        )
    if l_reached is not None and l_reached < int(marker["l"]):
        raise DisclosureError(
            f"microdata release {name!r}: in its file, some combination of its keys holds only "
            f"{l_reached} value(s) of {sensitive}, short of the {marker['l']}-diversity asked "
            "for; nothing was published. Recode the keys more coarsely and anonymize again"
        )
    found = find_identifiers(frame)
    found = found[~found["column"].isin(marker.get("keep") or [])]
    if not found.empty:
        listed = ", ".join(f"{r.column!r} ({r.kind})" for r in found.itertuples())
        raise DisclosureError(
            f"microdata release {name!r}: its file holds direct identifiers: {listed}; nothing "
            "was published. Anonymize with ebpm.privacy.anonymize(df, ..., identifiers='drop'), "
            "or pass keep=[...] there for a column flagged wrongly"
        )
    secret = [str(c) for c in frame.columns if is_secret_name(c)]
    if secret_query_keys(text):  # which columns: only then look value by value
        secret += [
            str(c)
            for c in frame.columns
            if frame[c].dropna().map(secret_query_keys).map(bool).any()
        ]
    if secret:
        raise DisclosureError(
            f"microdata release {name!r}: its column(s) {secret} hold what looks like a secret "
            "(a secret's name, or URLs with a token, key or password); nothing was published. "
            "Drop them from the records before anonymize"
        )


def report_page(
    nb: Any,
    *,
    title: str,
    index_href: str = "../../index.html",
    notice: str | None = None,
    about: str | None = None,
    lang: str = "en",
    informs: list[tuple[str, str | None]] | None = None,
    font_cache: Path | None = None,
) -> str:
    """A published report: the notebook with its code included but hidden behind a toggle, a
    bar linking back to the index (and to the policies whose logic models this evaluation is
    evidence for: ``informs``, (title, href or None) pairs), an optional notice on top (a
    revision alert) and the ``about`` block (run, software, parameters, data, downloads) at the
    end.

    ``notice`` and ``about`` are HTML that the caller has escaped; ``informs`` is escaped here.
    ``font_cache``: the folder of the site's glyph subsets
    (:func:`ebpm.report.fonts.font_face_css`).
    """
    import html

    from ebpm.site.pages import words

    check_disclosure(nb)
    w = words(lang)
    page = render_html(nb, title=title, show_code=True, lang=lang)
    if lang != "en":
        page = page.replace('<html lang="en">', f'<html lang="{lang}">', 1)
    bar = (
        '<nav class="ebpm-bar" aria-label="report">'
        f'<a href="{html.escape(index_href)}">{w["all_reports"]}</a>'
        '<button id="ebpm-toggle-code" type="button" aria-pressed="false" '
        f'data-show="{w["show_code"]}" data-hide="{w["hide_code"]}">{w["show_code"]}</button>'
    )
    if informs:
        esc = html.escape
        policies = ", ".join(
            f'<a href="{esc(href)}">{esc(title)}</a>' if href else esc(title)
            for title, href in informs
        )
        bar += f'<span class="ebpm-informs">{w["informs"]} {policies}</span>'
    bar += "</nav>"
    page = re.sub(
        r"<body([^>]*)>",
        lambda m: f"<body{_add_class(m.group(1), 'ebpm-hide-code')}>" + bar + (notice or ""),
        page,
        count=1,
    )
    page = page.replace("</body>", (about or "") + _TOGGLE_JS + "</body>", 1)
    from ebpm.report.fonts import font_face_css

    style = f"<style>\n{font_face_css(page, cache_dir=font_cache)}\n{_page_css()}</style>\n"
    if 'class="ebpm-logic-model"' in page:
        # a logic model is wide (one column per stage): its page prints in landscape
        style += "<style>@media print{@page{size:A4 landscape;margin:10mm}}</style>\n"
    return page.replace("</head>", style + "</head>", 1)


def _add_class(attrs: str, name: str) -> str:
    m = re.search(r'class="([^"]*)"', attrs)
    if m:
        return attrs[: m.start()] + f'class="{m.group(1)} {name}"' + attrs[m.end() :]
    return f'{attrs} class="{name}"'


def error_of(nb: Any) -> dict[str, Any] | None:
    """The first error in an executed notebook: cell index, source, ename, evalue, traceback."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return {
                    "cell_index": index,
                    "execution_count": cell.get("execution_count"),
                    "source": cell.source,
                    "ename": out.get("ename", ""),
                    "evalue": out.get("evalue", ""),
                    "traceback": strip_ansi("\n".join(out.get("traceback", []))),
                }
    return None
