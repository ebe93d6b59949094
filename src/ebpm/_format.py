"""Numbers as people read them: the one place that decides digits, signs and missing values.

Every page, table and message of ebpm writes numbers through these functions:

* :func:`finite` — a number, or ``None`` when it is missing, NaN or infinite;
* :func:`fixed` — a fixed number of decimals (``-0.0225``, ``1,234.5``);
* :func:`significant` — significant digits, never in exponent notation for large values
  (``727,277``, ``+41.6``);
* :func:`decimals_for` — how many decimals show an estimate and its interval.

Options say where a page differs: ``thousands`` separators, a ``sign`` for changes, the true
minus sign ``−`` (U+2212) that typeset pages use, and what a missing value reads as.

This module imports nothing of ebpm, and neither numpy nor pandas.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["MINUS", "decimals_for", "finite", "fixed", "significant"]

#: The minus sign of typeset text (U+2212), not the hyphen-minus of code.
MINUS = "−"


def finite(x: Any) -> float | None:
    """``x`` as a float, or ``None`` when it is not a finite real number (None, NaN, ±inf,
    ``pd.NA``, text, a boolean)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _finish(text: str, *, minus: bool) -> str:
    return text.replace("-", MINUS) if minus else text


def fixed(
    x: Any,
    decimals: int,
    *,
    thousands: bool = False,
    sign: bool = False,
    minus: bool = False,
    missing: str = "",
    tiny: bool = False,
) -> str:
    """``x`` with ``decimals`` decimals.

    Parameters
    ----------
    x
        A number; anything :func:`finite` refuses reads as ``missing``.
    decimals
        Decimals shown.
    thousands
        Thousands separators (``1,234.5``).
    sign
        A ``+`` before positive values (changes).
    minus
        The true minus sign ``−`` instead of ``-``; a value that rounds to zero never shows
        one (``0.0``, not ``−0.0``).
    missing
        What a missing value reads as.
    tiny
        Show a non-zero value smaller than the last decimal with ``decimals`` significant
        digits (``3.2e-07``) instead of as zero.
    """
    value = finite(x)
    if value is None:
        return missing
    if tiny and value != 0 and abs(value) < 10 ** (-decimals):
        return _finish(f"{value:.{decimals}g}" if abs(value) >= 1e-300 else "0", minus=minus)
    if minus and round(value, decimals) == 0:
        value = 0.0
    text = format(value, f"{'+' if sign else ''}{',' if thousands else ''}.{decimals}f")
    return _finish(text, minus=minus)


def significant(
    x: Any,
    digits: int = 6,
    *,
    thousands: bool = True,
    sign: bool = False,
    minus: bool = False,
    missing: str = "–",
) -> str:
    """``x`` with ``digits`` significant digits; a value of ``digits`` or more whole digits is
    written whole (``14,173,000``, never ``1.4173e+07``).

    Options as for :func:`fixed`.
    """
    value = finite(x)
    if value is None:
        return missing
    plus, comma = ("+" if sign else ""), ("," if thousands else "")
    if abs(value) >= 10**digits:
        return _finish(format(value, f"{plus}{comma}.0f"), minus=minus)
    return _finish(format(value, f"{plus}{comma}.{digits}g"), minus=minus)


def decimals_for(estimate: Any, low: Any = None, high: Any = None, *, most: int = 6) -> int:
    """Decimals that show an estimate and its interval.

    One decimal from 1 to 1000, none above, two significant digits below 1; more when needed to
    show two significant digits of the interval's width; at most ``most``.
    """
    values = [abs(v) for v in map(finite, (estimate, low, high)) if v is not None]
    biggest = max(values, default=0.0)
    if biggest >= 1000:
        need = 0
    elif biggest >= 1 or biggest == 0:
        need = 1
    else:  # two significant digits
        need = 1 - math.floor(math.log10(biggest))
    lo, hi = finite(low), finite(high)
    if lo is not None and hi is not None and hi != lo:  # two of the interval's width
        need = max(need, 1 - math.floor(math.log10(abs(hi - lo))))
    return min(max(need, 0), most)
