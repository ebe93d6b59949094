"""One column of a local table typed: numbers (marks kept as flags), dates, booleans or text.

:mod:`ebpm.catalog.local` describes what a number column, a mark and a code are.
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from ebpm.catalog._local_grid import _NUMBER, _is_number, _number_text
from ebpm.errors import MixedColumnWarning

_SIGNED_NUMBER = rf"^-?(?:{_NUMBER.pattern})$"  # after NFKC, △/▲ → -, a + dropped (Arrow's RE2)
_PARENTHESISED = re.compile(r"\(\s*-?[\d,]*\.?\d+\s*\)")
_CODE_NAME = re.compile(r"コード|番号|(?:^|[^a-z])(?:code|id)(?:$|[^a-z])", re.IGNORECASE)


@dataclass
class _Column:
    values: pd.Series
    flags: pd.Series | None
    marks: dict[str, int]


def _column(name: str, cells: list[Any], marks: frozenset[str], where: str) -> _Column:
    """Type one column: numbers (marks → NaN, kept as flags), dates, or text.

    Text cells are classified with Arrow's vectorised string functions (NFKC, the number
    pattern, the marks), so a CSV of a few hundred thousand rows reads in seconds.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array([v if isinstance(v, str) else None for v in cells], type=pa.string())
    typed = np.array([float(v) if _is_number(v) else np.nan for v in cells], dtype="float64")
    is_date = np.array([isinstance(v, date) for v in cells], dtype=bool)  # datetime too
    n_other = sum(
        v is not None and not isinstance(v, str | date) and not _is_number(v) for v in cells
    )  # booleans, times of day: text
    norm = pc.utf8_trim_whitespace(pc.utf8_normalize(raw, form="NFKC"))
    is_mark = pc.fill_null(pc.is_in(norm, value_set=pa.array(sorted(marks))), False)
    # △▲ (accounting minus) and the minus sign U+2212, which NFKC leaves alone, are "-"
    signed = pc.replace_substring_regex(norm, pattern=r"^[△▲−]\s*", replacement="-")
    signed = pc.replace_substring_regex(signed, pattern=r"^\+", replacement="")
    is_num = pc.fill_null(pc.match_substring_regex(signed, _SIGNED_NUMBER), False)
    is_code = pc.fill_null(pc.match_substring_regex(signed, r"^-?0\d"), False)
    parsed = pc.cast(pc.replace_substring(pc.if_else(is_num, signed, None), ",", ""), pa.float64())
    mark = is_mark.to_numpy(zero_copy_only=False)
    num = is_num.to_numpy(zero_copy_only=False)
    text = raw.is_valid().to_numpy(zero_copy_only=False) & ~mark & ~num
    n_num = int(num.sum()) + int(np.isfinite(typed).sum())
    n_text = int(text.sum()) + n_other
    n_date = int(is_date.sum())
    code = bool(_CODE_NAME.search(name)) or bool(pc.any(pc.and_(is_num, is_code)).as_py())
    if n_text and n_num >= 4 * n_text and not code:
        shown = sorted({str(cells[i]).strip() for i in np.flatnonzero(text)})[:5]
        if all(_PARENTHESISED.fullmatch(unicodedata.normalize("NFKC", v)) for v in shown):
            # a number in brackets is a negative in accounting, and in ministry tables often a
            # value on another basis (MIC's 23 special wards, FY2008): the analyst decides
            fix = (
                "numbers in brackets mean a negative in accounting and often a value on another "
                "basis in ministry tables (see the file's notes); decide which, then convert the "
                f"column, e.g. pd.to_numeric(df[{name!r}].astype(str).str.strip('()'))"
            )
        else:
            fix = (
                "if these cells mark suppressed or missing values, pass them as marks (e.g. "
                f"marks: {json.dumps(shown[:2], ensure_ascii=False)})"
            )
        warnings.warn(
            f"{where}: column {name!r} holds numbers and {n_text} cell(s) of text {shown}, "
            f"so it was kept as text; {fix}",
            MixedColumnWarning,
            stacklevel=5,  # read_local_table's caller
        )
    if (
        n_other
        and n_other == sum(v is not None for v in cells)
        and all(isinstance(v, bool) for v in cells if v is not None)
    ):  # TRUE/FALSE cells of a workbook
        return _Column(pd.Series(cells, dtype="boolean"), None, {})
    if n_text or code or (n_date and n_num):
        return _Column(_text_series(cells), None, {})
    flags = pc.if_else(is_mark, pc.utf8_trim_whitespace(raw), None).to_pylist()
    if n_date:
        values = pd.to_datetime(pd.Series([v if isinstance(v, date) else None for v in cells]))
    else:
        numbers = np.where(num, parsed.to_numpy(zero_copy_only=False), typed)
        values = pd.Series(numbers, dtype="float64")
        whole = np.isfinite(numbers).all() and (np.abs(numbers) < 2**53).all()
        if len(numbers) and whole and (numbers == np.floor(numbers)).all():
            values = values.astype("int64")  # complete whole numbers: counts, populations
    counts = Counter(f for f in flags if f is not None)
    flag = pd.Series(flags, dtype="string") if counts else None
    return _Column(values, flag, dict(counts))


def _text_series(cells: list[Any]) -> pd.Series:
    out: list[str | None] = []
    for v in cells:
        if v is None:
            out.append(None)
        elif _is_number(v):
            out.append(_number_text(v))
        elif isinstance(v, datetime | date):
            out.append(v.isoformat())
        else:
            out.append(str(v).strip())
    return pd.Series(out, dtype=object).infer_objects()
