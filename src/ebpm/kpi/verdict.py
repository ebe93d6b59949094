"""What an evaluation says about a link of a logic model, in one honest word.

A link backed by an evaluation used to be drawn "✓ ok" whatever its interval said, so an
interval crossing zero read as "supported". :func:`verdict` reads the evaluation's interval
against the direction the policy expects (the link's ``evidence.expected``):

============== =====================================================================
not evaluated  no result yet (never run, or never successfully)
ran            a result without an interval (nothing to judge the link by)
supports       the interval excludes 0 on the expected side (either side for "either")
inconclusive   the interval includes 0 (an end at exactly 0 included)
contradicts    the interval excludes 0 on the side opposite to the one expected
============== =====================================================================

A diagnostic warning (a failed pre-trend test, few clusters) is not a verdict: the dashboard
and the diagram show it beside the verdict, never instead of it.

>>> verdict({"estimate": -19.6, "low": -30.1, "high": -9.2}, expected="decrease")
'supports'
>>> verdict({"estimate": -19.6, "low": -40.4, "high": 1.2}, expected="decrease")
'inconclusive'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any, Literal, get_args

from ebpm.errors import DataError, check_option

__all__ = ["EXPECTED", "VERDICTS", "Expected", "Verdict", "verdict"]

#: The sign an evaluation's estimate should have if the link holds.
Expected = Literal["increase", "decrease", "either"]
EXPECTED: tuple[str, ...] = get_args(Expected)

#: What an evaluation says about a link.
Verdict = Literal["not evaluated", "ran", "supports", "inconclusive", "contradicts"]
VERDICTS: tuple[str, ...] = get_args(Verdict)


def _end(result: Mapping[str, Any], key: str) -> float | None:
    """``result[key]`` as a finite float, None when missing or not finite (NaN, ±inf)."""
    value = result.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise DataError(
            f"the {key} of the evaluation is {value!r}, not a number; pass a float (or None "
            "when the evaluation gave no interval)."
        )
    v = float(value)
    return v if math.isfinite(v) else None


def verdict(result: Mapping[str, Any] | None, *, expected: Expected = "either") -> Verdict:
    """What an evaluation's result says about the link it backs.

    Parameters
    ----------
    result : mapping or None
        The evaluation's result with its interval as ``low`` and ``high`` (as
        :func:`ebpm.kpi.dashboard.evidence` gives it; ``conf_low`` and ``conf_high``, a
        headline's names, work too). None: the evaluation has no result yet.
    expected : {"increase", "decrease", "either"}
        The sign the estimate should have if the link holds: the link's
        ``evidence.expected`` in the policy file. With "either" (the default) an interval that
        excludes 0 on either side supports the link, so nothing can contradict it.

    Returns
    -------
    str
        One of :data:`VERDICTS`: ``"not evaluated"`` (no result), ``"ran"`` (a result
        without both ends of an interval), ``"supports"``, ``"inconclusive"`` or
        ``"contradicts"``.

    Raises
    ------
    InvalidOptionError
        ``expected`` is not one of :data:`EXPECTED`.
    DataError
        An end of the interval is not a number.

    Notes
    -----
    The interval is the one the evaluation reports (95% unless it says otherwise); an end at
    exactly 0 counts as including 0. The verdict reads the interval only: the estimate's
    size, the design's assumptions and its diagnostics are for the report to discuss.
    """
    check_option(
        "expected",
        expected,
        Expected,
        why="increase: the estimate should be above 0 if the link holds; decrease: below 0; "
        "either: any effect that is not 0 supports it.",
    )
    if result is None:
        return "not evaluated"
    low = _end(result, "low" if "low" in result else "conf_low")
    high = _end(result, "high" if "high" in result else "conf_high")
    if low is None or high is None:
        return "ran"
    low, high = min(low, high), max(low, high)
    if low <= 0 <= high:
        return "inconclusive"
    side = "increase" if low > 0 else "decrease"
    return "supports" if expected in ("either", side) else "contradicts"
