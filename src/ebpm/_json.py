"""Plain JSON from what analyses hold: the one converter every record, result and page uses.

:func:`jsonable` turns numpy and pandas scalars and containers into JSON types (a non-finite
float, ``pd.NA`` and ``NaT`` become ``None``; a date its ISO text; anything else its ``str``).
:func:`canonical` is the one text form of a value for hashing: sorted keys, no spaces.

This module imports nothing of ebpm, and neither numpy nor pandas: it recognises their objects
only when the caller already imported them, so it costs nothing where they are not used.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical", "jsonable"]


def _missing(value: Any) -> bool:
    pd = sys.modules.get("pandas")
    return value is None or (pd is not None and (value is pd.NA or value is pd.NaT))


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types, recursively.

    Mappings become dicts with string keys; a DataFrame a list of records; a Series a dict by
    index label; lists, tuples and arrays lists; numpy scalars Python ones. NaN, ±inf, ``pd.NA``
    and ``NaT`` become ``None``; dates and times their ISO 8601 text; anything else ``str``.
    """
    pd = sys.modules.get("pandas")
    np = sys.modules.get("numpy")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if pd is not None and isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if pd is not None and isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple) or (np is not None and isinstance(value, np.ndarray)):
        return [jsonable(v) for v in value]
    if _missing(value):
        return None
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat") and not isinstance(value, type):
        return value.isoformat()
    return str(value)


def canonical(value: Any) -> str:
    """One text for ``value`` whatever its key order: compact JSON with sorted keys (what
    fingerprints and cache keys hash). Objects JSON has no type for are written as ``str``."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
