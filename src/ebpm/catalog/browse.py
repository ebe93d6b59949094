"""Find data from the notebook: the catalog as a table to filter, one entry in full.

:func:`ebpm.catalog.browse` shows every catalog entry (name, title, source, licence, and
whether its data are here: shipped in a package, a local file, a cached download, or not yet
downloaded) as a table with a filter box. :func:`ebpm.catalog.show` shows one entry: what it is,
its columns and parameters, and its first rows when the data are on this machine, or how to get
them when they are not; nothing is downloaded. The functions live in :mod:`ebpm.catalog`, which
imports this module; the views and their words live here.

Both render in JupyterLab without a server extension: ``_repr_html_`` gives self-contained
HTML, every value escaped, with a few lines of inline script for the filter (JupyterLab runs the
scripts of outputs of cells the user ran). Without the script the table is whole and the
filter box stays hidden. Text (``repr``) is there for terminals, and ``to_frame()`` for pandas.
Headings follow the site's language (``EBPM_LANG``, :func:`ebpm.report.language`).
"""

from __future__ import annotations

import html
import itertools
import os
import textwrap
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ebpm._lang import Lang, current_lang
from ebpm.catalog.cache import cache_only
from ebpm.errors import CatalogError, InvalidOptionError, OfflineError

__all__ = ["Browse", "Show", "browse_view", "show_view"]

#: The words of both views, in English and Japanese (``_lang`` keeps the site's tables).
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "name": "Name",
        "title": "Title",
        "kind": "Kind",
        "source": "Source",
        "licence": "Licence",
        "data": "Data",
        "packaged": "packaged (offline)",
        "local": "local file",
        "cached": "cached",
        "missing": "not downloaded",
        "filter": "Filter",
        "placeholder": "words in any column, e.g. population e-stat",
        "datasets": "{n} datasets",
        "matching": "matching {search!r}",
        "none": "No dataset matches {search!r}; try fewer words.",
        "description": "Description",
        "url": "URL",
        "columns": "Columns",
        "parameters": "Parameters",
        "default": "default",
        "allowed": "allowed",
        "preview": "First {n} of {total} rows",
        "unread": "Could not read the file: {error}",
        "how": "How to get it",
        "needs_app_id": (
            "Not downloaded. Downloading it needs an e-Stat application ID: set {env} (free: "
            "{register}), then `catalog.load({name!r})` or `ebpm catalog fetch {name}` keeps a "
            "copy in the cache. Nothing was downloaded to show this."
        ),
        "download": (
            "Not downloaded. `catalog.load({name!r})` or `ebpm catalog fetch {name}` downloads "
            "it and keeps a copy in the cache. Nothing was downloaded to show this."
        ),
    },
    "ja": {
        "name": "名前",
        "title": "タイトル",
        "kind": "種類",
        "source": "出典",
        "licence": "利用条件",
        "data": "データ",
        "packaged": "同梱（オフライン可）",
        "local": "ローカルファイル",
        "cached": "キャッシュ済み",
        "missing": "未取得",
        "filter": "絞り込み",
        "placeholder": "どの列の語でも（例: 人口 e-stat）",
        "datasets": "{n} 件のデータセット",
        "matching": "検索語 {search!r}",
        "none": "{search!r} に合うデータセットはありません。語を減らしてください。",
        "description": "説明",
        "url": "URL",
        "columns": "列",
        "parameters": "パラメータ",
        "default": "既定値",
        "allowed": "指定できる値",
        "preview": "先頭 {n} 行（全 {total} 行）",
        "unread": "ファイルを読めません: {error}",
        "how": "入手方法",
        "needs_app_id": (
            "未取得です。ダウンロードには e-Stat のアプリケーションIDが必要です。{env} を設定し"
            "（無料登録: {register}）、`catalog.load({name!r})` または "
            "`ebpm catalog fetch {name}` でキャッシュに保存します。表示のためのダウンロードは"
            "していません。"
        ),
        "download": (
            "未取得です。`catalog.load({name!r})` または `ebpm catalog fetch {name}` で"
            "ダウンロードし、キャッシュに保存します。表示のためのダウンロードはしていません。"
        ),
    },
}

#: The columns of :meth:`Browse.to_frame`; ``data`` is one of ``STATES``.
COLUMNS = ["name", "title", "kind", "source", "licence", "data", "offline"]
STATES = ("packaged", "local", "cached", "missing")

_ids = itertools.count(1)


def _state(info: Any, records: list[dict[str, Any]]) -> str:
    """Where the data of an entry are: one of :data:`STATES`."""
    if info.local:
        return "local"
    if not info.remote:
        return "packaged"
    return "cached" if records else "missing"


def _search_text(info: Any) -> str:
    """What the filter box searches: the words ``list_entries(search=...)`` searches."""
    tags = " ".join(map(str, info.metadata.get("tags", [])))
    return " ".join([info.name, info.title, info.description, info.source, tags]).lower()


def _esc(value: Any) -> str:
    return html.escape(" ".join(str(value).split()), quote=True)


def _uid(prefix: str) -> str:
    """An id for one rendering, so that two outputs in a notebook never share one."""
    return f"ebpm-{prefix}-{os.getpid()}-{next(_ids)}"


# --- browse ----------------------------------------------------------------------------------
_FILTER_JS = """
(function(){
  var root=document.getElementById('%s'); if(!root){return;}
  var box=root.querySelector('input'), count=root.querySelector('.ebpm-count');
  var rows=Array.prototype.slice.call(root.querySelectorAll('tbody tr'));
  root.querySelector('.ebpm-filter').hidden=false;
  box.addEventListener('input',function(){
    var words=box.value.toLowerCase().split(/\\s+/).filter(Boolean), shown=0;
    rows.forEach(function(r){
      var t=r.getAttribute('data-text')||'';
      var ok=words.every(function(w){return t.indexOf(w)>=0;});
      r.hidden=!ok; if(ok){shown++;}
    });
    count.textContent=shown+' / '+rows.length;
  });
})();
"""


@dataclass(frozen=True)
class Browse:
    """The catalog as a table: what :func:`browse` returns.

    A notebook shows it as a table with a filter box, a terminal as text; :meth:`to_frame`
    gives the pandas table.
    """

    table: pd.DataFrame = field(repr=False)
    search: str | None = None
    lang: Lang = "en"
    texts: tuple[str, ...] = field(default=(), repr=False)  #: what the filter searches, a row

    def __len__(self) -> int:
        return len(self.table)

    def to_frame(self) -> pd.DataFrame:
        """One row per entry: ``name, title, kind, source, licence, data, offline``.

        ``data`` is ``packaged``, ``local``, ``cached`` or ``missing``; ``offline`` is whether
        the data load without a download.
        """
        return self.table.copy()

    def _heading(self) -> str:
        w = WORDS[self.lang]
        head = w["datasets"].format(n=len(self))
        return f"{head}, {w['matching'].format(search=self.search)}" if self.search else head

    def __repr__(self) -> str:
        w = WORDS[self.lang]
        if not len(self):
            return w["none"].format(search=self.search)
        width = max(len(n) for n in self.table["name"])
        states = max(len(w[s]) for s in self.table["data"])
        lines = [f"ebpm catalog: {self._heading()}"]
        for row in self.table.itertuples():
            title = textwrap.shorten(str(row.title), 70, placeholder="…")
            lines.append(f"{row.name:<{width}}  {w[str(row.data)]:<{states}}  {title}")
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        w = WORDS[self.lang]
        if not len(self):
            return f"<p>{_esc(w['none'].format(search=self.search))}</p>"
        uid = _uid("browse")
        heads = "".join(
            f"<th>{_esc(w[k])}</th>" for k in ("name", "title", "source", "licence", "data")
        )
        body = []
        for row, text in zip(self.table.itertuples(), self.texts, strict=True):
            mark = "✓ " if row.offline else ""
            body.append(
                f'<tr data-text="{_esc(text)}"><td><code>{_esc(row.name)}</code></td>'
                f"<td>{_esc(row.title)}</td><td>{_esc(row.source)}</td>"
                f"<td>{_esc(row.licence)}</td><td>{mark}{_esc(w[str(row.data)])}</td></tr>"
            )
        return (
            f'<div id="{uid}" class="ebpm-browse">'
            f"<p><strong>{_esc(self._heading())}</strong></p>"
            f'<p class="ebpm-filter" hidden><label>{_esc(w["filter"])} '
            f'<input type="search" placeholder="{_esc(w["placeholder"])}" size="40"></label> '
            f'<span class="ebpm-count">{len(self)} / {len(self)}</span></p>'
            f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<script>{_FILTER_JS % uid}</script></div>"
        )


def browse_view(cat: Any, table: pd.DataFrame, search: str | None, lang: Any) -> Browse:
    """What :func:`ebpm.catalog.browse` returns: the rows of ``table`` (``list_entries``) of
    catalog ``cat`` (a :class:`~ebpm.catalog.Catalog`), with where their data are.

    ``cat`` is passed in because this module may not import :mod:`ebpm.catalog`, which imports
    it (tests/repo/test_architecture.py forbids the cycle).
    """
    rows, texts = [], []
    for row in table.to_dict("records"):
        info = cat.info(str(row["name"]))
        state = _state(info, cat.cache_state(info.name) if info.remote else [])
        rows.append({**row, "data": state, "offline": state != "missing"})
        texts.append(_search_text(info))
    table = pd.DataFrame(rows, columns=COLUMNS)
    return Browse(table, search, current_lang(lang), tuple(texts))


# --- show ------------------------------------------------------------------------------------
def _shown_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A plain frame to show: a geometry column as its shapes' type, not their coordinates."""
    out = pd.DataFrame(df)
    if "geometry" in out.columns:
        out = out.assign(geometry=[getattr(g, "geom_type", g) for g in out["geometry"]])
    return out


@dataclass(frozen=True)
class Show:
    """One catalog entry in full: what :func:`show` returns.

    ``preview`` holds the first rows when the data are on this machine (``None`` otherwise,
    and ``how`` says how to get them).
    """

    info: Any  #: the entry's :class:`~ebpm.catalog.EntryInfo`
    parameters: dict[str, Any] = field(repr=False)  #: name -> :class:`~ebpm.catalog.ParameterSpec`
    data: str = "missing"
    preview: pd.DataFrame | None = field(default=None, repr=False)
    total: int = 0
    how: str = ""
    lang: Lang = "en"

    def _fields(self) -> list[tuple[str, str]]:
        w, md = WORDS[self.lang], self.info.metadata
        out = [(w["description"], self.info.description)]
        out += [(w[k], " ".join(str(md.get(k) or "").split())) for k in ("source", "licence")]
        out += [(w["url"], str(md.get("url") or "")), (w["data"], w[self.data])]
        return [(k, v) for k, v in out if v]

    def _columns(self) -> list[tuple[str, str]]:
        cols = self.info.metadata.get("columns") or {}
        if not isinstance(cols, dict):
            return [(str(c), "") for c in cols]
        return [(str(k), " ".join(str(v or "").split())) for k, v in cols.items()]

    def _parameters(self) -> list[tuple[str, str]]:
        w, out = WORDS[self.lang], []
        for spec in self.parameters.values():
            extra = []
            if spec.default is not None:
                extra.append(f"{w['default']} {spec.default!r}")
            if spec.allowed is not None:
                values = ", ".join(map(str, spec.allowed[:12]))
                extra.append(f"{w['allowed']}: {values}{', …' if len(spec.allowed) > 12 else ''}")
            out.append((spec.name, "; ".join([spec.description, *extra]).strip("; ")))
        return out

    def __repr__(self) -> str:
        w = WORDS[self.lang]
        lines = [self.info.name, self.info.title, ""]
        lines += [f"{k}: {v}" for k, v in self._fields()]
        for heading, items in (
            (w["columns"], self._columns()),
            (w["parameters"], self._parameters()),
        ):
            if items:
                lines += ["", f"{heading}:", *(f"  {k}: {v}".rstrip(": ") for k, v in items)]
        if self.preview is not None:
            lines += ["", w["preview"].format(n=len(self.preview), total=self.total) + ":"]
            lines.append(_shown_frame(self.preview).to_string(max_colwidth=40))
        if self.how:
            lines += ["", f"{w['how']}: {self.how}"]
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        w = WORDS[self.lang]
        parts = [
            f'<div class="ebpm-show"><h3><code>{_esc(self.info.name)}</code> '
            f"{_esc(self.info.title)}</h3><dl>"
            + "".join(f"<dt>{_esc(k)}</dt><dd>{_link(k, v, w)}</dd>" for k, v in self._fields())
            + "</dl>"
        ]
        for heading, items in (
            (w["columns"], self._columns()),
            (w["parameters"], self._parameters()),
        ):
            if items:
                rows = "".join(
                    f"<tr><td><code>{_esc(k)}</code></td><td>{_esc(v)}</td></tr>" for k, v in items
                )
                parts.append(f"<h4>{_esc(heading)}</h4><table><tbody>{rows}</tbody></table>")
        if self.preview is not None:
            caption = w["preview"].format(n=len(self.preview), total=self.total)
            table = _shown_frame(self.preview).to_html(max_cols=30, escape=True, border=0)
            parts.append(f"<h4>{_esc(caption)}</h4>{table}")
        if self.how:
            parts.append(f"<h4>{_esc(w['how'])}</h4><p>{_esc(self.how)}</p>")
        return "".join(parts) + "</div>"


def _link(key: str, value: str, w: dict[str, str]) -> str:
    """A URL as a link (http and https only); any other value as escaped text."""
    if key == w["url"] and value.startswith(("https://", "http://")):
        return f'<a href="{_esc(value)}" target="_blank" rel="noopener">{_esc(value)}</a>'
    return _esc(value)


def _how(info: Any, lang: Lang) -> str:
    """How to get the data of a remote entry that is not cached."""
    from ebpm.catalog._estat_api import APP_ID_ENV, REGISTER_URL

    w = WORDS[lang]
    if info.reader.startswith("ebpm.catalog.estat:") and not os.environ.get(APP_ID_ENV, "").strip():
        return w["needs_app_id"].format(env=APP_ID_ENV, register=REGISTER_URL, name=info.name)
    return w["download"].format(name=info.name)


def show_view(cat: Any, name: str, *, rows: int, lang: Any) -> Show:
    """What :func:`ebpm.catalog.show` returns for entry ``name`` of catalog ``cat``."""
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise InvalidOptionError(
            f"rows={rows!r}: give a whole number of rows to preview, 0 or more (0 reads nothing)"
        )
    language = current_lang(lang)
    info = cat.info(name)
    records = cat.cache_state(name) if info.remote else []
    state = _state(info, records)
    preview, total, how = None, 0, ""
    if state == "missing":
        how = _how(info, language)
    elif rows:
        params = dict(records[0].get("params") or {}) if records else {}
        try:
            with cache_only():
                df = cat.load(name, **params)
        except OfflineError:  # the cached copy went away since it was recorded
            state, how = "missing", _how(info, language)
        except CatalogError as err:
            if state != "local":  # a package's data must read: say so loudly
                raise
            how = WORDS[language]["unread"].format(error=err)  # the entry tells how to fix it
        else:
            preview, total = df.head(rows), len(df)
    return Show(info, cat.parameters(name), state, preview, total, how, language)
