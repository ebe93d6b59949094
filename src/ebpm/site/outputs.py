"""What of an executed notebook reaches a reader of its report (issue 18, "Clean pages").

The executed notebook in the run folder keeps everything; the published page shows:

* ebpm's own warnings (rows dropped, few clusters, ...) as a note worded for readers, without
  the kernel's temporary file path or the advice meant for the analyst, in the page's language
  (the warnings readers meet most have Japanese notes; a message of another shape stays in
  English); other libraries' warnings and stderr noise are left out;
* no bare object reprs (``Text(0.5, 1.0, '...')``, ``<Axes: ...>``, ``[<matplotlib.lines...>]``)
  that a cell's last line returns;
* numbers in tables rounded for display (the CSV and JSON downloads keep full precision);
* the parameters cell as Python with its text readable (``"村の割合"``, not ``"\\u6751..."``);
* tracebacks on failure pages without the server's paths.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ebpm import errors
from ebpm._format import MINUS, significant

__all__ = [
    "DIGITS",
    "reader_outputs",
    "reader_source",
    "reader_traceback",
    "reader_warning",
]

#: Significant digits of a number shown in a published table.
DIGITS = 4

#: ``path:line: Category: message`` as :func:`warnings.showwarning` prints it.
_WARNING_LINE = re.compile(r"^\S.*?:\d+: (?P<category>[A-Za-z_]\w*): (?P<message>.*)$")
#: A function name ebpm puts before its messages ("rdd(): ").
_CALLER = re.compile(r"^[a-z_][\w.]*\(\): ")
#: Advice to the analyst at the end of a message ("; impute or filter them first ...").
_ADVICE = re.compile(
    r";\s+(?:impute|filter|use|pass|set|give|drop|add|choose|check|run|install|rename|call|"
    r"see|cast|convert|remove|keep|make|fix|read|ask|balance|aggregate)\b.*$",
    re.I | re.S,
)
_LABEL = {"en": "Note:", "ja": "注記:"}

#: Japanese notes for the ebpm warnings readers meet most: the shape of the English note
#: (:func:`reader_warning`, without its full stop) and its Japanese wording. The facts (counts,
#: names, rows) are carried over as printed; see :func:`_ja_facts` for the words among them.
_JA_NOTES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "MissingValueWarning": (
        (
            re.compile(
                r"Dropped (?P<n>\d+) of (?P<total>\d+) rows with missing (?P<inf>or infinite )?"
                r"values \((?P<counts>.*?)\) at (?P<where>.*)",
                re.S,
            ),
            "{what}のある{n}行（全{total}行中）を除外しました（{counts}）。該当する行：{where}",
        ),
        (
            re.compile(
                r"Dropped (?P<n>\d+) of (?P<total>\d+) unit\(s\) with a missing (?P<col>.+?): "
                r"(?P<names>.*)\. Neighbour relations are built without them",
                re.S,
            ),
            "{col} が欠測の{n}単位（全{total}単位中）を除外しました：{names}。"
            "近隣関係はこれらを除いて構築しています",
        ),
        (
            re.compile(r"Every value of column=(?P<col>.+?) is missing"),
            "列 {col} の値がすべて欠測です",
        ),
    ),
    "FewClustersWarning": (
        (
            re.compile(
                r"Only (?P<n>\d+) clusters of (?P<col>.+?): cluster-robust \(CRV1\) tests "
                r"over-reject with fewer than (?P<min>\d+) clusters"
            ),
            "{col} のクラスターは{n}個だけです。クラスターが{min}個未満では、クラスター頑健"
            "（CRV1）な検定は帰無仮説を棄却しすぎます",
        ),
        (
            re.compile(
                r"Only (?P<n>\d+) treated cluster\(s\): the wild cluster bootstrap is "
                r"unreliable with so few treated clusters \(MacKinnon & Webb 2017\)"
            ),
            "処置群のクラスターは{n}個だけです。処置群のクラスターがこれほど少ないと、ワイルド・"
            "クラスター・ブートストラップは信頼できません（MacKinnon & Webb 2017）",
        ),
    ),
    "BalancedPanelWarning": (
        (
            re.compile(
                r"Dropped (?P<n>\d+) unit\(s\) not observed in all (?P<t>\d+) periods, to "
                r"balance the panel \(as R did does\)"
            ),
            "パネルをそろえるため、全{t}期間のいずれかで観測されていない{n}単位を除外しました"
            "（R の did パッケージと同じ扱い）",
        ),
    ),
    "CollinearityWarning": (
        (
            re.compile(
                r"Covariate (?P<col>.+?) was dropped(?:: | by pyfixest as collinear).*", re.S
            ),
            "共変量 {col} は、ほかの説明変数と固定効果で説明しつくされる（共線性がある）ため、"
            "推定から除外しました",
        ),
    ),
    "UnmatchedRowsWarning": (
        (
            re.compile(
                r"(?P<n>\d+) row\(s\) have no geometry and are (?:left out|not drawn): "
                r"(?P<names>.*?)(?:\. They are not areas|; they are left out of the classes).*",
                re.S,
            ),
            "地域の形状（ジオメトリ）のない{n}行を除外しました：{names}",
        ),
        (
            re.compile(
                r"(?P<rows>\d+) of (?P<total>\d+) rows matched no (?P<level>.+?) by "
                r"(?P<col>.+?) and are (?P<fate>dropped|kept).*",
                re.S,
            ),
            "{total}行中{rows}行は、{col} で地域と対応付けられませんでした（{fate}）",
        ),
        (
            re.compile(r"(?P<n>\d+) of (?P<total>\d+) points lie in no area.*", re.S),
            "{total}地点中{n}地点はどの地域にも入りません（座標の欠測、海上または地図の範囲外）。"
            "地域の列を欠測として残しています",
        ),
    ),
    "IslandWarning": (
        (
            re.compile(
                r"(?P<n>\d+) unit\(s\) have no neighbours (?:under (?P<what>.+?)|in w): "
                r"(?P<names>.*?); linked to the nearest unit\(s\) by centroid distance: "
                r"(?P<links>.*)",
                re.S,
            ),
            "{what}では近隣のない単位が{n}件あります：{names}。重心間の距離で最も近い単位と"
            "結びました：{links}",
        ),
        (
            re.compile(
                r"(?P<n>\d+) unit\(s\) have no neighbours (?:under (?P<what>.+?)|in w): "
                r"(?P<names>.*?)\. They keep a spatial lag of 0.*",
                re.S,
            ),
            "{what}では近隣のない単位が{n}件あります：{names}。これらの空間ラグは0です",
        ),
    ),
}
#: What became of rows a join could not match.
_FATES = {"dropped": "除外しました", "kept": "形状を空にして残しています"}
#: Words inside the facts of those messages.
_JA_FACTS = (
    (re.compile(r"\bqueen contiguity\b"), "クイーン型隣接"),
    (re.compile(r"\brook contiguity\b"), "ルーク型隣接"),
    (re.compile(r"^rows? "), "行 "),
    (re.compile(r",? and (\d+) more$"), r" ほか\1件"),
    (re.compile(r"(\d+) missing\b"), r"欠測\1"),
    (re.compile(r"(\d+) infinite\b"), r"無限大\1"),
)

#: What a cell's last line returns when it is a plot call: not for readers.
_OBJECT_REPR = re.compile(
    r"^\s*(?:"
    r"\[?\s*<[\w.]+(?:\s[^<>]*)?\bat 0x[0-9a-f]+>(?:,\s*<[\w.]+(?:\s[^<>]*)?\bat 0x[0-9a-f]+>)*"
    r"\s*\]?"
    r"|Text\(.*\)"
    r"|<(?:Axes|Figure|Axes3D|AxesSubplot|GeoAxes)\b[^<]*>"
    r"|<Figure size [^>]*>"
    r")\s*$",
    re.S,
)


def _is_ebpm_warning(category: str) -> bool:
    cls = getattr(errors, category, None)
    return isinstance(cls, type) and issubclass(cls, errors.EbpmWarning)


def _ja_facts(text: str) -> str:
    for pattern, ja in _JA_FACTS:
        text = pattern.sub(ja, text)
    return text


def _japanese(note: str, category: str | None) -> str | None:
    """The Japanese note for an English one of a known shape, else None."""
    if category:
        shapes = _JA_NOTES.get(category, ())
    else:
        shapes = tuple(shape for known in _JA_NOTES.values() for shape in known)
    for pattern, ja in shapes:
        m = pattern.fullmatch(note)
        if m is None:
            continue
        facts = {k: _ja_facts(v) if v else "" for k, v in m.groupdict().items()}
        facts["what"] = facts.get("what") or "重み w "  # islands: "under queen contiguity", "in w"
        if "inf" in facts:  # rows dropped
            facts["what"] = "欠測値または無限大の値" if facts["inf"] else "欠測値"
        facts["fate"] = _FATES.get(facts.get("fate", ""), "")
        return ja.format(**facts) + "。"
    return None


def reader_warning(message: str, lang: str = "en", *, category: str | None = None) -> str:
    """An ebpm warning as a reader reads it: without the function name in front and the
    advice to the analyst at the end; in Japanese (``lang="ja"``) when its message has one of
    the shapes of the warnings readers meet most (``category`` narrows the search to that
    warning class's), else in English."""
    text = _CALLER.sub("", message.strip())
    text = _ADVICE.sub("", text).rstrip(" ;:")
    text = text[:1].upper() + text[1:]
    if lang == "ja":
        ja = _japanese(text.rstrip("."), category)
        if ja is not None:
            return ja
    return text + ("" if text.endswith((".", "。")) else ".")


def _stderr_notes(text: str, lang: str = "en") -> list[str]:
    notes = []
    for line in text.splitlines():
        m = _WARNING_LINE.match(line)
        if m and _is_ebpm_warning(m.group("category")):
            note = reader_warning(m.group("message"), lang, category=m.group("category"))
            if note not in notes:
                notes.append(note)
    return notes


def _note_output(notes: list[str], lang: str) -> dict[str, Any]:
    label = _LABEL.get(lang, _LABEL["en"])
    items = "".join(
        f'<p class="ebpm-note" role="note"><strong>{label}</strong> {html.escape(n)}</p>'
        for n in notes
    )
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": items}}


_NUMBER_CELL = re.compile(r"(<td[^>]*>)\s*(-?\d+\.\d+(?:e[-+]?\d+)?)\s*(</td>)", re.I)


def _round_cell(m: re.Match[str]) -> str:
    raw = m.group(2)
    decimals = len(raw.split(".", 1)[1].split("e")[0].split("E")[0])
    if decimals <= DIGITS and "e" not in raw.lower():
        return m.group(0)
    shown = significant(float(raw), DIGITS, thousands=False).replace(MINUS, "-")
    return f"{m.group(1)}{shown}{m.group(3)}"


def _rounded_tables(text: str) -> str:
    """Numbers with more than :data:`DIGITS` decimals in the cells of an HTML table, shown to
    :data:`DIGITS` significant digits."""
    return _NUMBER_CELL.sub(_round_cell, text)


def reader_outputs(outputs: list[Any], lang: str = "en") -> list[Any]:
    """A code cell's outputs as published: see the module's docstring."""
    shown: list[Any] = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stderr":
            notes = _stderr_notes(str(out.get("text", "")), lang)
            if notes:
                shown.append(_note_output(notes, lang))
            continue
        data = out.get("data") or {}
        bare = kind == "execute_result" and set(data) <= {"text/plain"}
        if bare and _OBJECT_REPR.match(str(data.get("text/plain", ""))):
            continue
        if isinstance(data.get("text/html"), str):
            data["text/html"] = _rounded_tables(data["text/html"])
        shown.append(out)
    return shown


_UNICODE_ESCAPES = re.compile(r"(?<!\\)(?:\\u[0-9a-fA-F]{4})+")


def _unescape(m: re.Match[str]) -> str:
    units = [int(m.group(0)[i + 2 : i + 6], 16) for i in range(0, len(m.group(0)), 6)]
    raw = b"".join(u.to_bytes(2, "big") for u in units)
    try:
        return raw.decode("utf-16-be")
    except UnicodeDecodeError:  # a lone surrogate: leave it as written
        return m.group(0)


def reader_source(source: str) -> str:
    """A parameters cell as readers see it under *Show code*: ``\\uXXXX`` escapes in its string
    literals shown as the characters they stand for."""
    return _UNICODE_ESCAPES.sub(_unescape, source)


_ABSOLUTE_PATH = re.compile(r"(?P<path>(?:/[^/\s\"':,()]+)+/?)")
#: A notebook cell as ipykernel names it: ``<the temp folder>/ipykernel_<pid>/<hash>.py``,
#: wherever the machine's temp folder is (``/tmp``, macOS's ``/var/folders/…/T``).
_KERNEL_CELL = re.compile(r"(?:/[^/\s\"':,()]+)*/ipykernel_\d+/\d+\.py")


#: Where an installed package's files are, then the standard library's.
_LIBRARY_FILE = (
    re.compile(r"/(?:site|dist)-packages/(?P<file>.+)$"),
    re.compile(r"/lib/python3\.\d+/(?P<file>.+)$"),
)


def _shorten(m: re.Match[str]) -> str:
    path = m.group("path")
    for pattern in _LIBRARY_FILE:
        lib = pattern.search(path)
        if lib:
            return lib.group("file")
    return path.rstrip("/").rsplit("/", 1)[-1] or path


def reader_traceback(traceback: str) -> str:
    """A traceback without the server's paths: a library's file named from its package
    (``pandas/core/frame.py``), the notebook's own cells as ``cell``, any other path by its
    file name. The executed notebook in the run folder keeps the full traceback."""
    text = _KERNEL_CELL.sub("cell", traceback)
    return _ABSOLUTE_PATH.sub(_shorten, text)
