"""Prefecture codes (JIS X 0401), municipality codes (JIS X 0402) and the 6-digit
全国地方公共団体コード: their forms, the check digit and the conversions between them.

Only the form of a code is checked here; which codes exist is for :mod:`ebpm.japan.areas`
(today) and :mod:`ebpm.japan.history` (since 1970).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import InvalidCodeError, check_option
from ebpm.japan._values import _map_series

CodeLevel = Literal["prefecture", "municipality"]


_WEIGHTS = (6, 5, 4, 3, 2)
_N_PREFECTURES = 47


def _digit_string(code: Any, *, what: str) -> tuple[str, bool]:
    """Return the code's digits as text, and whether it came from a number (so lost its zeros)."""
    if isinstance(code, bool):
        raise InvalidCodeError(
            f"{what} {code!r} is a boolean, not a code; pass a string like '13101'"
        )
    if isinstance(code, int | np.integer):
        if code < 0:
            raise InvalidCodeError(f"{what} {code!r} is negative; codes are digits like '13101'")
        return str(int(code)), True
    if isinstance(code, float | np.floating):
        if not math.isfinite(code) or code != int(code) or code < 0:
            raise InvalidCodeError(
                f"{what} {code!r} is not a whole number; codes are digits like '13101' (read the "
                "column as text, e.g. pd.read_csv(..., dtype={'code': str}))"
            )
        return str(int(code)), True
    if isinstance(code, str):
        text = unicodedata.normalize("NFKC", code).strip()
        if not re.fullmatch(r"[0-9]+", text):
            raise InvalidCodeError(
                f"{what} {code!r} is not a string of digits; pass a code like '13101', '131016' "
                "or '13'"
            )
        return text, False
    raise InvalidCodeError(
        f"{what} {code!r} has type {type(code).__name__}; pass a string like '13101' or an int"
    )


def check_digit(code5: str | int) -> str:
    """Return the check digit that turns a 5-digit code into a 全国地方公共団体コード.

    Parameters
    ----------
    code5 : str or int
        A 5-digit JIS X 0402 municipality code (``"13101"``) or a 5-digit prefecture-level code
        (``"13000"``). An int is zero-padded to 5 digits (``1100`` is ``"01100"``).

    Returns
    -------
    str
        One digit, ``"0"`` to ``"9"``.

    Raises
    ------
    InvalidCodeError
        When ``code5`` is not 5 digits.

    Notes
    -----
    The rule (総務省, 全国地方公共団体コード): multiply the five digits by the weights 6, 5, 4,
    3, 2 and sum; let ``r`` be the sum modulo 11; the check digit is the last digit of
    ``11 - r``, i.e. ``(11 - r) % 10``. So ``r = 0`` gives ``1`` (11 → 1) and ``r = 1`` gives
    ``0`` (10 → 0); otherwise it is ``11 - r``. The ``r = 0`` and ``r = 1`` cases were checked
    against the data: of the 1,916 codes in japancode, the 177 with ``r = 0`` all end in 1 and
    the 184 with ``r = 1`` all end in 0, and every one of the 1,916 check digits follows the rule.

    Examples
    --------
    >>> check_digit("13101")
    '6'
    >>> check_digit("01100")
    '2'
    """
    text, from_int = _digit_string(code5, what="code")
    if from_int and len(text) < 5:
        text = text.zfill(5)
    if len(text) != 5:
        raise InvalidCodeError(
            f"check_digit needs a 5-digit code, got {code5!r} ({len(text)} digits); use "
            "to_lg_code() to convert a 2- or 6-digit code"
        )
    r = sum(int(d) * w for d, w in zip(text, _WEIGHTS, strict=True)) % 11
    return str((11 - r) % 10)


def _check_structure(code5: str, original: Any, *, five_digits: bool = False) -> None:
    """Raise unless ``code5`` has a valid prefecture part and municipality part.

    ``five_digits``: the input had exactly five digits, so it may be a 6-digit code that lost its
    leading zero; the message then says so.
    """
    pref, part = int(code5[:2]), int(code5[2:])
    if code5 == "00000":
        return
    if not 1 <= pref <= _N_PREFECTURES:
        raise InvalidCodeError(
            f"code {original!r} starts with prefecture {code5[:2]!r}, but prefecture codes run "
            "from '01' (北海道) to '47' (沖縄県); check the code"
        )
    if 0 < part < 100:
        hint = (
            f"If it is a 6-digit 全国地方公共団体コード that lost its leading zero, pass "
            f"{'0' + code5!r}"
            if five_digits
            else "Check the code"
        )
        raise InvalidCodeError(
            f"code {original!r} is not a valid municipality code: JIS X 0402 numbers "
            f"municipalities from 100, and '{code5[2:]}' is below that. {hint}"
        )


def normalize_code(code: Any, *, level: CodeLevel | None = None) -> Any:
    """Return a prefecture or municipality code in its standard 5-digit (or 2-digit) form.

    Parameters
    ----------
    code : str, int or pandas.Series
        One of

        * a prefecture code, ``"13"``, ``"1"``, ``13``, ``"JP-13"`` (ISO 3166-2);
        * a 5-digit code (JIS X 0402 municipality code ``"13101"``, or an e-Stat area code:
          ``"13000"`` for a prefecture, ``"00000"`` for the whole country), also with its
          leading zero lost: ``"1100"`` or ``1100`` is ``"01100"``;
        * a 6-digit 全国地方公共団体コード ``"131016"`` (its check digit is verified).

        Full-width digits are accepted. A Series is converted element by element (missing
        values stay missing).
    level : {None, "prefecture", "municipality"}
        ``None`` (default) returns the 5-digit code, prefecture-level codes included
        (``"13"`` → ``"13000"``). ``"municipality"`` also returns 5 digits but rejects
        prefecture-level and national codes. ``"prefecture"`` returns the 2-digit prefecture
        code; for a municipality code that is its prefecture (``"13101"`` → ``"13"``).

    Returns
    -------
    str or pandas.Series
        The normalised code(s).

    Raises
    ------
    InvalidCodeError
        When the code has the wrong number of digits, a prefecture outside 01–47, a
        municipality number 001–099 (unused by JIS X 0402, so most often a 6-digit code that lost
        its leading zero), a wrong check digit, or does not fit ``level``.
    InvalidOptionError
        When ``level`` is not one of the values above.

    Notes
    -----
    Only the form of the code is checked, not whether the municipality exists today: old codes of
    merged municipalities stay valid input. A 5-digit number is always read as a JIS X 0402 code;
    a 6-digit 全国地方公共団体コード stored as an int loses its leading zero and must be passed as
    a string (or through :func:`validate_lg_code`, which pads to 6 digits).

    Examples
    --------
    >>> normalize_code(1100)
    '01100'
    >>> normalize_code("131016")
    '13101'
    >>> normalize_code("13101", level="prefecture")
    '13'
    """
    if level is not None:
        check_option("level", level, CodeLevel)
    if isinstance(code, pd.Series):
        return _map_series(code, lambda c: normalize_code(c, level=level), "str")
    if isinstance(code, str):
        iso = re.fullmatch(r"JP-?([0-9]{2})", unicodedata.normalize("NFKC", code).strip().upper())
        if iso:
            code = iso.group(1)
    text, from_int = _digit_string(code, what="code")
    n = len(text)
    if n in (1, 2):
        if not 1 <= int(text) <= _N_PREFECTURES:
            raise InvalidCodeError(
                f"prefecture code {code!r} is out of range; prefecture codes run from '01' "
                "(北海道) to '47' (沖縄県)"
            )
        code5 = text.zfill(2) + "000"
    elif n == 4:
        code5 = text.zfill(5)
    elif n == 5:
        code5 = text
    elif n == 6:
        code5 = validate_lg_code(text)[:5]
    else:
        how = "a number" if from_int else "a string"
        raise InvalidCodeError(
            f"code {code!r} ({how} of {n} digits) is not a prefecture code (2 digits), a "
            "municipality code (5 digits) or a 全国地方公共団体コード (6 digits); check the value"
        )
    _check_structure(code5, code, five_digits=n == 5)
    if level == "prefecture":
        if code5 == "00000":
            raise InvalidCodeError(
                f"code {code!r} is the national code (全国), which has no prefecture; pass a "
                "prefecture or municipality code"
            )
        return code5[:2]
    if level == "municipality" and code5.endswith("000"):
        raise InvalidCodeError(
            f"code {code!r} is a prefecture-level or national code, not a municipality; pass a "
            "municipality code like '13101', or use level='prefecture'"
        )
    return code5


def to_lg_code(code: Any) -> str:
    """Return the 6-digit 全国地方公共団体コード (5-digit code plus check digit).

    Parameters
    ----------
    code : str or int
        Any form :func:`normalize_code` accepts: ``"13101"`` → ``"131016"``, ``"13"`` →
        ``"130001"`` (the prefecture's own code), ``1100`` → ``"011002"``.

    Returns
    -------
    str
        Six digits.

    Raises
    ------
    InvalidCodeError
        When :func:`normalize_code` rejects ``code``.

    Examples
    --------
    >>> to_lg_code("13101")
    '131016'
    """
    code5 = normalize_code(code)
    return code5 + check_digit(code5)


def validate_lg_code(code6: str | int) -> str:
    """Check a 全国地方公共団体コード and return it as a 6-character string.

    Parameters
    ----------
    code6 : str or int
        Six digits (``"131016"``). An int is zero-padded to 6 digits, since a code like
        ``"011002"`` loses its leading zero when stored as a number.

    Returns
    -------
    str
        The code, six digits.

    Raises
    ------
    InvalidCodeError
        When ``code6`` is not six digits or its check digit is wrong (the message gives the
        expected digit and the corrected code).

    See Also
    --------
    check_digit : the rule.
    """
    text, from_int = _digit_string(code6, what="全国地方公共団体コード")
    if from_int and len(text) < 6:
        text = text.zfill(6)
    if len(text) == 5:
        raise InvalidCodeError(
            f"全国地方公共団体コード {code6!r} has 5 digits: that is a JIS X 0402 code without a "
            f"check digit (use to_lg_code({code6!r}) to add one), or a 6-digit code that lost its "
            f"leading zero (then pass {'0' + text!r})"
        )
    if len(text) != 6:
        raise InvalidCodeError(
            f"全国地方公共団体コード {code6!r} has {len(text)} digits; it must have 6 (5-digit "
            "code plus a check digit, e.g. '131016')"
        )
    _check_structure(text[:5], code6)
    expected = check_digit(text[:5])
    if text[5] != expected:
        raise InvalidCodeError(
            f"全国地方公共団体コード {code6!r} has check digit {text[5]}, but {text[:5]} needs "
            f"{expected}: the code is mistyped. If {text[:5]} is right, the code is "
            f"{text[:5] + expected!r}"
        )
    return text
