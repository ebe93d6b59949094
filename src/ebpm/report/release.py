"""A microdata release in a report, marked for the release gate.

:func:`microdata` (``ebpm.report.microdata``) shows what is released (records, key variables,
the standard it was anonymized to, the steps, the records at risk) and tags the output
(``application/vnd.ebpm.microdata+json``). ``ebpm run`` and ``ebpm publish`` refuse to publish
a report whose release was not processed by :func:`ebpm.privacy.anonymize` or has records
matching fewer than ``k`` records on its keys, naming the share at risk, as they refuse a
sensitive table that did not pass disclosure control (:func:`ebpm.site.render.check_disclosure`).

The released records travel in the mark as CSV (``download=True``, the default): the publisher
checks that file again itself (k-anonymity on its keys, no direct identifier, no secret) and
writes it beside the report, with its SHA-256 shown on the page, so what readers download is
exactly what was checked.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from typing import Any

from ebpm._protocol import MICRODATA_MIME

__all__ = ["MICRODATA_MIME", "microdata"]

_WORDS = {
    "en": {
        "title": "Microdata release",
        "records": "records",
        "keys": "key variables",
        "standard": "standard",
        "anon": "{k}-anonymity",
        "ldiv": "{l}-diversity of {s}",
        "at_risk": "records matching fewer than {k} records",
        "steps": "anonymization steps",
        "not_anonymized": "not processed by ebpm.privacy.anonymize: this release cannot be "
        "published",
        "none": "none",
        "file": "file (CSV, SHA-256)",
    },
    "ja": {
        "title": "個票データの提供",
        "records": "レコード数",
        "keys": "キー変数",
        "standard": "基準",
        "anon": "{k}-匿名性",
        "ldiv": "{s}の{l}-多様性",
        "at_risk": "キーが一致するレコードが{k}件未満のレコード",
        "steps": "匿名化の手順",
        "not_anonymized": "ebpm.privacy.anonymize で処理されていないため、公表できません",
        "none": "なし",
        "file": "ファイル（CSV、SHA-256）",
    },
}


def microdata(
    data: Any,
    *,
    name: str,
    keys: str | Sequence[str],
    k: int = 3,
    caption: str | None = None,
    download: bool = True,
) -> None:
    """Show a microdata release in a report and mark it for the release gate.

    Parameters
    ----------
    data : DataFrame or ebpm.privacy.Anonymized
        The records to release: the result of :func:`ebpm.privacy.anonymize` (or its
        ``.data``).
    name : str
        What the release is called; the publisher's messages name it.
    keys : str or list of str
        The key variables an intruder could know.
    k : int, default 3
        The k-anonymity the release must meet: every record matches at least ``k`` records
        on its keys, a missing (suppressed) value matching any.
    caption : str, optional
        A line shown above the release's table.
    download : bool, default True
        Publish the records as a CSV file (UTF-8 with a byte-order mark, which Excel reads)
        beside the report, linked from its downloads. The file travels inside the executed
        notebook, so leave it out (``False``) for a release too large for that.

    Notes
    -----
    ``ebpm run`` refuses to publish the report (the task fails; the last good report stays)
    when the records were not processed by :func:`ebpm.privacy.anonymize` to at least this
    ``k`` on these keys, when records still match fewer than ``k``, or when the l-diversity
    the anonymization asked for was not reached.
    """
    import pandas as pd

    from ebpm._lang import current_lang
    from ebpm.errors import DataError, InvalidOptionError
    from ebpm.privacy import ANONYMIZE_STEP, Anonymized
    from ebpm.privacy._checks import check_keys

    frame = data.data if isinstance(data, Anonymized) else data
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            f"report.microdata({name!r}) takes the records as a DataFrame or the result of "
            f"ebpm.privacy.anonymize, not a {type(data).__name__}"
        )
    keys = check_keys(frame, keys)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidOptionError(
            f"report.microdata({name!r}): k={k!r} must be a whole number >= 1, e.g. k=3"
        )
    if not isinstance(download, bool):
        raise InvalidOptionError(
            f"report.microdata({name!r}): download={download!r} must be True (publish the "
            "records as CSV beside the report) or False"
        )
    steps = [dict(s) for s in frame.attrs.get("privacy", [])]
    done = [s for s in steps if s.get("step") == ANONYMIZE_STEP]
    last = done[-1] if done else None
    anonymized = (
        last is not None and int(last.get("k", 0)) >= k and set(keys) <= set(last.get("keys", []))
    )
    sensitive = [str(c) for c in (last or {}).get("sensitive") or [] if c in frame.columns]
    l_asked = (last or {}).get("l")
    text = None
    if download:  # what readers get: its counts are the ones that matter
        shown = frame.copy()
        for column in shown.columns[[pd.api.types.is_float_dtype(t) for t in shown.dtypes]]:
            shown[column] = shown[column] + 0.0  # -0.0 is 0.0: one value, one text
        text = "\ufeff" + shown.to_csv(index=False, lineterminator="\n")
        violating, l_reached = standing(read_release(text), keys, k, sensitive)
    else:
        violating, l_reached = standing(frame, keys, k, sensitive)
    # a sensitive variable dropped since has nothing left to reveal
    l_ok = l_asked is None or not sensitive or (l_reached is not None and l_reached >= l_asked)
    marker = {
        "name": name,
        "keys": list(keys),
        "k": int(k),
        "records": len(frame),
        "violating": violating,
        "share": violating / len(frame) if len(frame) else 0.0,
        "anonymized": bool(anonymized),
        "l": l_asked,
        "sensitive": sensitive,
        "l_reached": l_reached,
        "l_ok": bool(l_ok),
        "steps": [str(s.get("step")) for s in steps],
        "keep": [str(c) for c in (last or {}).get("keep") or []],
    }
    if text is not None:
        marker["csv"] = text
        marker["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    lang = current_lang()
    body, plain = _view(marker, caption, lang)
    _display({"text/html": body, "text/plain": plain, MICRODATA_MIME: marker})


def read_release(text: str) -> Any:
    """The records of a release's CSV as a reader gets them: every value as its text, an empty
    field missing (a suppressed value, which matches any)."""
    import io

    import pandas as pd

    return pd.read_csv(
        io.StringIO(text.removeprefix("\ufeff")), dtype=str, keep_default_na=False, na_values=[""]
    )


def standing(
    frame: Any, keys: Sequence[str], k: int, sensitive: Sequence[str]
) -> tuple[int, int | None]:
    """The records of ``frame`` matching fewer than ``k`` records on ``keys`` (a missing value
    matching any, as sdcMicro counts), and the smallest distinct l of the ``sensitive``
    variables over the key combinations (None without one), measured on ``frame`` as it is,
    not as an earlier step left it."""
    from ebpm.privacy import frequencies, l_diversity

    if not len(frame):
        return 0, None
    violating = int((frequencies(frame, keys=list(keys))["fk"] < k).sum())
    if not sensitive:
        return violating, None
    groups = l_diversity(frame, keys=list(keys), sensitive=list(sensitive)).groups
    return violating, int(groups[list(sensitive)].min().min())


def _display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def _view(marker: dict[str, Any], caption: str | None, lang: str) -> tuple[str, str]:
    w = _WORDS.get(lang, _WORDS["en"])
    esc = html.escape
    standard = w["anon"].format(k=marker["k"])
    if marker["l"] is not None:
        standard += ", " + w["ldiv"].format(l=marker["l"], s="/".join(marker.get("sensitive", [])))
    rows = [
        (w["records"], f"{marker['records']:,}"),
        (w["keys"], ", ".join(marker["keys"])),
        (w["standard"], standard),
        (
            w["at_risk"].format(k=marker["k"]),
            f"{marker['violating']:,} ({marker['share']:.1%})",
        ),
        (w["steps"], " → ".join(marker["steps"]) or w["none"]),
    ]
    if marker.get("sha256"):
        rows.append((w["file"], str(marker["sha256"])))
    head = f"<p><strong>{esc(caption)}</strong></p>" if caption else ""
    warn = "" if marker["anonymized"] else f"<p class='ebpm-note'>{esc(w['not_anonymized'])}</p>"
    table = "".join(f"<tr><th>{esc(a)}</th><td>{esc(b)}</td></tr>" for a, b in rows)
    body = (
        f"{head}<table class='ebpm-table'><caption>{esc(w['title'])}: "
        f"{esc(marker['name'])}</caption>{table}</table>{warn}"
    )
    text = f"{w['title']}: {marker['name']}\n" + "\n".join(f"{a}: {b}" for a, b in rows)
    return body, text
