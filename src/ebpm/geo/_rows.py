"""Row checks shared by maps and spatial statistics: one row per area."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

#: Column names that mark time in a panel (area x period).
TIME_COLUMNS = ("year", "fiscal_year", "fy", "年", "年度", "time", "period", "date")


def panel_filter(gdf: Any, key: Any, repeated: np.ndarray, skip: Collection[Any] = ()) -> str:
    """A filter keeping one copy of each repeated area, e.g. ``gdf[gdf['year'] == 2020]``.

    The column is a time column (named like one, or of datetime dtype) whose values differ
    between the copies (rows with the same ``key``) of every repeated area, a year in a
    prefecture x year panel; its latest value is shown. Without one, a generic example.
    """
    rows = gdf[repeated]
    key = pd.Series(np.asarray(key)[repeated], index=rows.index)
    candidates = [
        c
        for c in rows.columns
        if c not in skip
        and c != getattr(gdf, "_geometry_column_name", None)
        and (
            str(c).lower() in TIME_COLUMNS
            or any(w in str(c).lower() for w in ("year", "年"))
            or pd.api.types.is_datetime64_any_dtype(rows[c])
        )
    ]
    for col in candidates:
        values = rows[col]
        if values.isna().any():
            continue
        try:
            if pd.DataFrame({"key": key, "value": values}).duplicated().any():
                continue
            latest = sorted(values.unique())[-1]
        except TypeError:  # unhashable or unorderable values: not a filter column
            continue
        latest = latest.item() if isinstance(latest, np.generic) else latest
        return f"gdf[gdf[{col!r}] == {latest!r}]"
    return "gdf[gdf['year'] == 2020]"
