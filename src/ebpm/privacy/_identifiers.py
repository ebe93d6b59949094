"""Direct identifiers in microdata: found, named, and removed before anything else is done.

The Personal Information Protection Commission's guidelines for 匿名加工情報 begin with deleting
every description that identifies a person by itself (name, address, phone number, e-mail,
individual numbers such as 個人番号). A record set that still holds one is not anonymized,
whatever happens to its key variables, so ebpm looks for them by the column's name and by its
values, and refuses to go on while one is left (:func:`check_no_identifiers`).

Values are recognised by pattern: an e-mail address; a Japanese phone number (fixed line or
mobile, with or without hyphens, ``+81``); a 12-digit number whose last digit is the check digit
of the 個人番号 (the Order for Enforcement of the My Number Act, art. 8); a postal code with an
address (``〒123-4567``) or a street address (都道府県 or 市区町村 followed by a block number
such as ``1丁目2-3``). A column is flagged when at least :data:`SHARE` of its non-missing values
match, or when its name says what it is (``name``, ``氏名``, ``address``, ``住所``...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ebpm.errors import DataError, InvalidOptionError
from ebpm.privacy._checks import _column, check_frame

__all__ = ["SHARE", "check_no_identifiers", "drop_identifiers", "find_identifiers", "my_number_ok"]

#: The share of a column's values that must match a pattern for the column to be flagged.
SHARE = 0.5

_NAMES = {
    "name": re.compile(
        r"^(full_?name|first_?name|last_?name|given_?name|family_?name|surname|name|"
        r"氏名|名前|姓名|ふりがな|フリガナ|氏|名)$",
        re.I,
    ),
    "address": re.compile(r"^(address|street|street_address|住所|所在地|番地)$", re.I),
    "phone": re.compile(r"^(phone|tel|telephone|mobile|phone_?number|電話|電話番号|携帯)$", re.I),
    "email": re.compile(r"^(e-?mail|mail|email_?address|メール|メールアドレス)$", re.I),
    "individual number": re.compile(
        r"^(my_?number|mynumber|個人番号|マイナンバー|social_?security|ssn)$", re.I
    ),
}

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^(\+81[- ]?|0)\d{1,4}[- ]?\d{1,4}[- ]?\d{3,4}$")
_ADDRESS = re.compile(
    r"(〒\s?\d{3}-?\d{4})|((都|道|府|県|市|区|町|村).*\d+\s*(丁目|番地?|[-－ー‐]\s*\d+))"
)
_DIGITS12 = re.compile(r"^\d{4}[- ]?\d{4}[- ]?\d{4}$")


def my_number_ok(text: str) -> bool:
    """Whether ``text`` is 12 digits whose last is the 個人番号 check digit.

    With P(n) the n-th digit counted leftwards from the one before the check digit and
    Q(n) = n + 1 for n <= 6, n - 5 for n >= 7: the check digit is 0 when sum(P(n)Q(n)) mod 11
    is 0 or 1, else 11 minus it.
    """
    digits = re.sub(r"[- ]", "", text)
    if not (len(digits) == 12 and digits.isdigit()):
        return False
    body = [int(c) for c in digits[:11]][::-1]  # P(1) is the digit before the check digit
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, start=1))
    rest = total % 11
    return int(digits[11]) == (0 if rest <= 1 else 11 - rest)


def _value_kind(value: str) -> str | None:
    if _EMAIL.match(value):
        return "email"
    if _DIGITS12.match(value) and my_number_ok(value):
        return "individual number"
    if _PHONE.match(value):
        return "phone"
    if _ADDRESS.search(value):
        return "address"
    return None


def find_identifiers(df: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``df`` that hold direct identifiers.

    Returns
    -------
    pandas.DataFrame
        One row per flagged column: ``column``, ``kind`` (name, address, phone, email,
        individual number), ``by`` (``"name"``: the column's name says so; ``"values"``: its
        values match) and ``share`` (of its non-missing values matching the kind's pattern).
    """
    df = check_frame(df)
    rows: list[dict[str, Any]] = []
    for column in df.columns:
        label = str(column).strip()
        by_name = next((kind for kind, rx in _NAMES.items() if rx.match(label)), None)
        values = df[column].dropna()
        texts = _texts(values) if len(values) else pd.Series([], dtype=str)
        kinds = texts.map(_value_kind) if len(texts) else pd.Series([], dtype=object)
        counts = kinds.value_counts()
        by_value = counts.index[0] if len(counts) else None
        share = float(counts.iloc[0] / len(texts)) if len(counts) else 0.0
        if by_value is not None and share >= SHARE:
            rows.append({"column": column, "kind": by_value, "by": "values", "share": share})
        elif by_name is not None:
            same = float((kinds == by_name).mean()) if len(kinds) else 0.0
            rows.append({"column": column, "kind": by_name, "by": "name", "share": same})
    return pd.DataFrame(rows, columns=["column", "kind", "by", "share"])


def _texts(values: pd.Series) -> pd.Series:
    """Values as text, whole floats without their ``.0``: a 個人番号 in a float column (one
    missing value makes pandas store integers as floats) reads as its 12 digits."""
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: str(int(v)) if float(v).is_integer() else str(v))
    return values.astype(str)


def _keep(df: pd.DataFrame, keep: Sequence[str] | str | None) -> list[str]:
    if keep is None:
        return []
    keep = [keep] if isinstance(keep, str) else list(keep)
    for column in keep:
        _column(df, "keep", column)
    return keep


def check_no_identifiers(df: pd.DataFrame, *, keep: Sequence[str] | str | None = None) -> None:
    """Raise :class:`~ebpm.errors.DataError` naming every direct identifier left in ``df``.

    ``keep`` names columns flagged wrongly (a column called ``name`` that holds product names):
    they are the analyst's responsibility from then on.
    """
    kept = _keep(df, keep)
    found = find_identifiers(df)
    found = found[~found["column"].isin(kept)]
    if found.empty:
        return
    listed = "; ".join(
        f"{row.column!r} ({row.kind}, by its {row.by}"
        + (f", {row.share:.0%} of values" if row.by == "values" else "")
        + ")"
        for row in found.itertuples()
    )
    raise DataError(
        f"the data still hold direct identifiers: {listed}. Remove them first "
        "(ebpm.privacy.drop_identifiers(df)), or, for a column flagged wrongly, pass "
        f"keep=[{found['column'].iloc[0]!r}]"
    )


def drop_identifiers(
    df: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    keep: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """``df`` without its direct identifiers: the ``columns`` given, else every column
    :func:`find_identifiers` flags (but ``keep``). The step goes to ``attrs["privacy"]``."""
    df = check_frame(df)
    kept = _keep(df, keep)
    if columns is None:
        found = find_identifiers(df)
        drop = [c for c in found["column"] if c not in kept]
    else:
        if isinstance(columns, str):
            raise InvalidOptionError(
                f"columns={columns!r} must be a list of column names, e.g. [{columns!r}]"
            )
        drop = list(columns)
        for column in drop:
            _column(df, "columns", column)
    out = df.drop(columns=drop)
    steps = [dict(step) for step in df.attrs.get("privacy", [])]
    steps.append({"step": "drop_identifiers", "columns": [str(c) for c in drop]})
    out.attrs = {**df.attrs, "privacy": steps}
    return out
