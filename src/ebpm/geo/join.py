"""Put a table on the map: join rows to prefecture or municipality geometry by code or name.

>>> gdf = attach(table, code="pref_code")                              # doctest: +SKIP
>>> gdf = attach(table, name="市区町村", level="municipality", geometry=tokyo())  # doctest: +SKIP

Codes and names are read the way :mod:`ebpm.japan` reads them, so ``13``, ``"13"``,
``"13000"``, ``"130001"``, ``"東京都"``, ``"東京"``, ``"TOKYO"``, ``"tokyo-to"`` and
``"とうきょうと"`` all reach the same prefecture. Every row of the table is kept; the rows that
match nothing get an empty geometry and are reported (:class:`~ebpm.errors.UnmatchedRowsWarning`
and ``attrs["ebpm_geo"]``).
"""

from __future__ import annotations

import copy
import functools
import logging
import math
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm import japan
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidCodeError,
    InvalidOptionError,
    MissingCRSError,
    UnmatchedRowsWarning,
    did_you_mean,
)

__all__ = ["How", "Level", "attach"]

log = logging.getLogger(__name__)

Level = Literal["prefecture", "municipality"]
How = Literal["left", "inner"]

#: How many distinct unmatched values the warning lists.
SHOWN = 10
#: Columns of a geometry table that may hold its codes, in order of preference.
CODE_COLUMNS = ("code", "muni_code", "pref_code")
#: Columns of a geometry table whose names are matched too (municipality level).
NAME_COLUMNS = ("name_ja", "name", "name_en", "muni_name")
#: CRS of N03 (JGD2011), used for an empty municipal result.
N03_CRS = "EPSG:6668"

# A key is (code, None) when resolved, or (None, reason) when not.
Key = tuple[str | None, str | None]


def _check_choice(option: str, value: Any, alias: Any) -> None:
    choices = get_args(alias)
    if not isinstance(value, str) or value not in choices:
        raise InvalidOptionError(
            f"{option}={value!r} is not supported; use one of "
            f"{', '.join(map(repr, choices))}.{did_you_mean(str(value), choices)}"
        )


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _plain(value: Any) -> Any:
    """``value`` as a JSON-friendly Python scalar (numpy scalars unwrapped, NaN → None)."""
    if _is_missing(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --- names ----------------------------------------------------------------------------------
def _name_key(text: str) -> str:
    """A name folded for lookup: NFKC, no spaces, katakana as hiragana, ヶ as ケ; romaji
    lowercase without accents, hyphens or apostrophes (``"Chūō-ku"`` → ``"chuoku"``)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    ascii_form = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    if ascii_form.isascii():
        return re.sub(r"[^a-z0-9]", "", ascii_form.lower())
    text = text.replace("ヶ", "ケ").replace("ヵ", "カ")
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


@functools.cache
def _japan_index() -> dict[str, frozenset[str]]:
    """Folded municipality name (kanji, kana, romaji) → codes, from :mod:`ebpm.japan`."""
    table = japan.municipalities()
    index: dict[str, set[str]] = {}
    for column in ("name_ja", "name_kana", "name_en"):
        for code, name in zip(table["code"], table[column], strict=True):
            index.setdefault(_name_key(str(name)), set()).add(str(code))
    return {k: frozenset(v) for k, v in index.items()}


@functools.cache
def _ward_index() -> dict[str, frozenset[str]]:
    """A designated city's ward by its own name (鶴見区, つるみく, Tsurumi-ku) → codes.

    Consulted only when the full name finds nothing, since the short names repeat (中央区 is a
    ward of eight cities and one of Tokyo's special wards).
    """
    table = japan.municipalities()
    by_code = table.set_index("code")
    index: dict[str, set[str]] = {}
    for row in table[table["kind"] == "ward"].itertuples():
        city = by_code.loc[row.parent_code]
        names = (
            row.name_ja.removeprefix(city["name_ja"]),
            row.name_kana.removeprefix(city["name_kana"]),
            row.name_en.split(" ")[-1],
        )
        for name in names:
            index.setdefault(_name_key(name), set()).add(str(row.code))
    return {k: frozenset(v) for k, v in index.items()}


@functools.cache
def _prefecture_prefixes() -> tuple[tuple[str, str], ...]:
    """(full kanji name, code), longest first, to split 東京都千代田区 into 東京都 + 千代田区."""
    table = japan.prefectures()
    pairs = zip(table["name_ja"], table["code"], strict=True)
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def _split_prefecture(text: str) -> tuple[str | None, str]:
    stripped = unicodedata.normalize("NFKC", text).strip()
    for full, code in _prefecture_prefixes():
        if stripped.startswith(full) and len(stripped) > len(full):
            return code, stripped[len(full) :].strip()
    return None, stripped


class _Names:
    """Municipality names → codes, from ebpm.japan and from the geometry's own name columns."""

    def __init__(self, geometry: Any | None, codes: list[str] | None):
        self.geometry_codes = frozenset(codes) if codes is not None else None
        self.index: dict[str, set[str]] = {k: set(v) for k, v in _japan_index().items()}
        self.labels: dict[str, str] = {}  # code → a readable name, for messages
        table = japan.municipalities()
        for code, pref, name in zip(
            table["code"], table["prefecture_ja"], table["name_ja"], strict=True
        ):
            self.labels[str(code)] = f"{pref}{name}"
        self.choices: list[str] = list(table["name_ja"])
        if geometry is not None and codes is not None:
            own: list[str] = []
            for column in NAME_COLUMNS:
                if column not in geometry.columns:
                    continue
                for code, name in zip(codes, geometry[column], strict=True):
                    if isinstance(name, str) and name.strip():
                        self.index.setdefault(_name_key(name), set()).add(code)
                        own.append(name.strip())
                        self.labels.setdefault(code, name.strip())
            if own:
                self.choices = own

    def resolve(self, value: Any) -> Key:
        if _is_missing(value):
            return None, "missing value"
        if not isinstance(value, str):
            return None, f"not a name ({type(value).__name__}); join numbers with code="
        pref, rest = _split_prefecture(value)
        codes = self._lookup(rest, pref)
        if not codes:  # 西多摩郡瑞穂町 → 瑞穂町 (only when the full name is unknown: 郡山市)
            county = re.fullmatch(r"(.+?郡)(.+[町村])", rest)
            if county:
                codes = self._lookup(county.group(2), pref)
        if not codes:  # a ward by its own name: 鶴見区 for 横浜市鶴見区
            codes = self._in_pref(set(_ward_index().get(_name_key(rest), ())), pref)
        if len(codes) > 1 and self.geometry_codes is not None:
            codes = (codes & self.geometry_codes) or codes
        if len(codes) == 1:
            return next(iter(codes)), None
        if not codes:
            hint = did_you_mean(rest, self.choices)
            return None, f"no municipality is named {value!r}.{hint}".rstrip(".")
        listing = ", ".join(f"{c} {self.labels.get(c, '')}".strip() for c in sorted(codes))
        return None, (
            f"{value!r} names {len(codes)} municipalities ({listing}); prefix the prefecture "
            "(東京都府中市) or join by code="
        )

    def _lookup(self, text: str, pref: str | None) -> set[str]:
        return self._in_pref(set(self.index.get(_name_key(text), ())), pref)

    @staticmethod
    def _in_pref(codes: set[str], pref: str | None) -> set[str]:
        return codes if pref is None else {c for c in codes if c.startswith(pref)}


def _looks_like_code(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        return True
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return bool(re.fullmatch(r"(JP-?)?[0-9]+", text, flags=re.IGNORECASE))


def _not_a_code(value: Any) -> Key | None:
    """The reason when a code column holds a name (``"東京都"``), else ``None``."""
    if isinstance(value, str) and not _looks_like_code(value):
        return None, f"{value!r} is not a code but looks like a name; join names with name="
    return None


def _prefecture_by_name(value: Any) -> Key:
    if _is_missing(value):
        return None, "missing value"
    if _looks_like_code(value):  # the same rules as code=: 13101 is not a prefecture
        return _prefecture_by_code(value)
    try:
        return japan.prefecture_code(value), None
    except InvalidCodeError:
        table = japan.prefectures()
        hint = did_you_mean(str(value), [*table["name_ja"], *table["name_en"]])
        return None, f"no prefecture is named {value!r}.{hint}".rstrip(".")


# --- codes ----------------------------------------------------------------------------------
def _prefecture_by_code(value: Any) -> Key:
    if _is_missing(value):
        return None, "missing value"
    named = _not_a_code(value)
    if named is not None:
        return named
    try:
        code5 = japan.normalize_code(value)
    except InvalidCodeError as err:
        return None, str(err)
    if code5 == "00000":
        return None, f"{value!r} is the national code (全国), not a prefecture"
    if not code5.endswith("000"):
        return None, (
            f"{value!r} is a municipality code ({code5}), not a prefecture; use "
            "level='municipality'"
        )
    return code5[:2], None


def _municipality_by_code(value: Any) -> Key:
    if _is_missing(value):
        return None, "missing value"
    named = _not_a_code(value)
    if named is not None:
        return named
    try:
        code5 = japan.normalize_code(value)
    except InvalidCodeError as err:
        return None, str(err)
    if code5.endswith("000"):
        what = "the national code (全国)" if code5 == "00000" else f"a prefecture code ({code5})"
        return None, f"{value!r} is {what}, not a municipality; use level='prefecture'"
    return code5, None


# --- geometry -------------------------------------------------------------------------------
def _geometry_codes(geometry: Any, level: str) -> list[str]:
    """The geometry's codes, normalised to the level (2 or 5 digits); errors name the fix."""
    column = next((c for c in CODE_COLUMNS if c in geometry.columns), None)
    if column is None:
        have = [str(c) for c in geometry.columns if c != geometry.geometry.name]
        raise ColumnNotFoundError(
            f"geometry has no code column ({' or '.join(CODE_COLUMNS)}); it has {have}. Rename "
            "its code column to 'code' (2-digit prefecture or 5-digit municipality codes)"
        )
    resolve = _prefecture_by_code if level == "prefecture" else _municipality_by_code
    codes = []
    for value in geometry[column]:
        key, reason = resolve(value)
        if key is None:
            raise InvalidCodeError(
                f"geometry column {column!r} holds {value!r}, which is not a {level} code: "
                f"{reason}. Fix the geometry table, or check level={level!r}"
            )
        codes.append(key)
    repeated = sorted(c for c, n in Counter(codes).items() if n > 1)
    if repeated:
        raise DataError(
            f"geometry has several rows for {level} code(s) {repeated[:5]}; a join would copy "
            "table rows. Dissolve it to one row per code first (gdf.dissolve(by='code')), or "
            f"check level={level!r}"
        )
    return codes


def _check_geometry(geometry: Any) -> None:
    import geopandas as gpd

    if not isinstance(geometry, gpd.GeoDataFrame):
        raise DataError(
            f"geometry= must be a GeoDataFrame (e.g. ebpm.geo.tokyo() or "
            f"ebpm.geo.municipalities('13')), not {type(geometry).__name__}"
        )
    if geometry.crs is None:
        raise MissingCRSError(
            "geometry= has no CRS, so the map could not be placed; set the one its coordinates "
            "are in, e.g. geometry.set_crs('EPSG:6668') (JGD2011 longitude/latitude)"
        )


def _municipal_geometry(codes: set[str]) -> Any:
    """N03 boundaries (remote, cached) for the prefectures of ``codes``."""
    import geopandas as gpd

    from ebpm.geo.data import MUNICIPALITY_COLUMNS, municipalities

    if not codes:
        return gpd.GeoDataFrame(columns=MUNICIPALITY_COLUMNS, geometry="geometry", crs=N03_CRS)
    table = japan.municipalities()
    kinds = dict(zip(table["code"], table["kind"], strict=True))
    found = {kinds.get(c) for c in codes}
    wards = not ("designated_city" in found and "ward" not in found)
    prefs = sorted({c[:2] for c in codes})
    log.info("attach: N03 boundaries of prefectures %s (wards=%s)", prefs, wards)
    return municipalities(prefs, wards=wards)


def _provenance_of(geometry: Any) -> dict[str, Any]:
    prov = getattr(geometry, "attrs", {}).get("ebpm", {}) or {}
    return {k: prov.get(k) for k in ("entry", "title", "source", "licence", "sha256") if k in prov}


# --- the join -------------------------------------------------------------------------------
def attach(
    df: pd.DataFrame,
    *,
    code: str | None = None,
    name: str | None = None,
    level: Level = "prefecture",
    geometry: Any = None,
    how: How = "left",
    columns: list[str] | None = None,
) -> Any:
    """Join a table to prefecture or municipality geometry by code or name.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, one row per area (or several: each row is joined on its own).
    code : str, optional
        Column of area codes. Prefecture level: ``13``, ``"13"``, ``"1"``, ``"01"``,
        ``"13000"``, ``1000`` (a 5-digit code that lost its zero), ``"130001"`` (6-digit with
        check digit), ``"JP-13"``, full-width digits. Municipality level: ``"13101"``,
        ``13101``, ``1100`` (→ ``"01100"``), ``"131016"``. Give ``code`` or ``name``, not both.
    name : str, optional
        Column of names. Prefecture level: kanji with or without 都/道/府/県 (``"東京都"``,
        ``"東京"``, ``"北海道"``), kana (``"とうきょうと"``, ``"トウキョウ"``) or romaji in any
        case, with or without a suffix (``"TOKYO"``, ``"tokyo-to"``, ``"Osaka Prefecture"``).
        Municipality level: the name with its suffix in kanji, kana or romaji (``"千代田区"``,
        ``"ちよだく"``, ``"Chiyoda-ku"``), a designated city's ward with its city
        (``"札幌市中央区"``), optionally led by the prefecture (``"東京都府中市"``) or a county
        (``"西多摩郡瑞穂町"``). The geometry's own name columns (``name_ja``, ``name``,
        ``name_en``) are matched too, so the 1990 names of :func:`~ebpm.geo.tokyo` work.
    level : {"prefecture", "municipality"}
        The level of the rows.
    geometry : geopandas.GeoDataFrame, optional
        The shapes to join to, with a ``code`` (or ``muni_code``) column and a CRS. Default:
        :func:`~ebpm.geo.prefectures` at the prefecture level; at the municipality level the
        N03 boundaries (:func:`~ebpm.geo.municipalities`, **downloaded** on first use and
        cached) of every prefecture the table's codes fall in, with designated cities whole
        (``wards=False``) when the table has a designated city's code and none of a ward.
        Pass ``geometry=`` for offline work or another year (``municipalities('13', 2020)``,
        :func:`~ebpm.geo.tokyo` for the 1990 Tokyo area).
    how : {"left", "inner"}
        ``"left"`` (default) keeps every row, with an empty geometry where nothing matched.
        ``"inner"`` drops the unmatched rows; they are still warned about and listed.
    columns : list of str, optional
        Columns of the geometry to bring along (``["name_ja", "region"]``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``df``'s rows and columns in their order and index, plus the requested ``columns`` and
        ``geometry`` (in the geometry's CRS). ``attrs`` keeps ``df.attrs`` (its ``"ebpm"``
        provenance) and adds ``attrs["ebpm_geo"]``: ``level``, ``by`` (``"code"`` or
        ``"name"``), ``column``, ``matched`` (rows), ``unmatched`` (the distinct values that
        matched nothing), ``unmatched_rows``, ``reasons`` (value → why) and ``geometry`` (the
        geometry's provenance).

    Raises
    ------
    InvalidOptionError
        Both or neither of ``code`` and ``name``, or ``level``/``how`` not one of the values
        above.
    ColumnNotFoundError
        The ``code``/``name`` column is not in ``df``, a ``columns`` entry is not in the
        geometry, or the geometry has no code column (the message suggests close names).
    DataError
        ``df`` is not a DataFrame or already has a ``geometry`` column, a ``columns`` entry
        is already in ``df``, ``geometry`` is not a GeoDataFrame or has several rows per code.
    MissingCRSError
        ``geometry`` has no CRS.

    Warns
    -----
    UnmatchedRowsWarning
        When some rows match nothing: the first values, how many there are, why, and close
        names ("did you mean").

    Notes
    -----
    A 5-digit municipality code at the prefecture level is *not* joined to its prefecture (the
    table is probably municipal: use ``level="municipality"``), and a prefecture-level code
    (``"13000"``) is not a municipality. The input is never modified.
    """
    import geopandas as gpd

    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"attach() takes a pandas DataFrame as its first argument, not "
            f"{type(df).__name__}; build one first, e.g. pd.DataFrame(...)"
        )
    _check_choice("level", level, Level)
    _check_choice("how", how, How)
    if (code is None) == (name is None):
        given = "both" if code is not None else "neither"
        raise InvalidOptionError(
            f"attach() got {given} of code= and name=; give exactly one: the column holding "
            "area codes (code='pref_code') or area names (name='都道府県')"
        )
    column = code if code is not None else name
    if column not in df.columns:
        have = [str(c) for c in df.columns]
        raise ColumnNotFoundError(
            f"column {column!r} is not in the table; it has {have}."
            f"{did_you_mean(str(column), have)}"
        )
    if "geometry" in df.columns:
        raise DataError(
            "the table already has a 'geometry' column; drop or rename it before attach() "
            "(df.drop(columns='geometry'))"
        )
    if geometry is not None:
        _check_geometry(geometry)
    columns = list(columns or [])

    by = "code" if code is not None else "name"
    geo_codes = _geometry_codes(geometry, level) if geometry is not None else None
    resolver: Callable[[Any], Key]
    if by == "code":
        resolver = _prefecture_by_code if level == "prefecture" else _municipality_by_code
    elif level == "prefecture":
        resolver = _prefecture_by_name
    else:
        resolver = _Names(geometry, geo_codes).resolve

    values = df[column]
    keys: dict[Hashable, Key] = {}
    for value in pd.unique(values.to_numpy(dtype=object)):
        keys[_hashable(value)] = resolver(value)

    if geometry is None:
        if level == "prefecture":
            from ebpm.geo.data import prefectures

            geometry = prefectures()
        else:
            geometry = _municipal_geometry({k for k, _ in keys.values() if k is not None})
        geo_codes = _geometry_codes(geometry, level)

    missing = [c for c in columns if c not in geometry.columns]
    if missing:
        have = [str(c) for c in geometry.columns if c != geometry.geometry.name]
        raise ColumnNotFoundError(
            f"columns={missing} are not in the geometry; it has {have}."
            f"{did_you_mean(str(missing[0]), have)}"
        )
    clash = [c for c in columns if c in df.columns or c == "geometry"]
    if clash:
        raise DataError(
            f"columns={clash} are already in the table; rename them in the table first, or "
            "leave them out of columns="
        )

    position = {c: i for i, c in enumerate(geo_codes)}
    reasons: dict[Hashable, str] = {}
    for value, (key, reason) in keys.items():
        if key is None:
            reasons[value] = reason or "no match"
        elif key not in position:
            reasons[value] = (
                f"{key} is not in the geometry ({len(geo_codes)} {level} codes, {_span(geo_codes)})"
            )
    row_keys = [keys[_hashable(v)][0] for v in values.to_numpy(dtype=object)]
    rows = np.array([position.get(k, -1) if k is not None else -1 for k in row_keys])
    hit = rows >= 0

    out = df.copy()
    out.attrs = copy.deepcopy(df.attrs)
    shapes = geometry.geometry.to_numpy()
    for c in columns:  # as a left merge would: missing where unmatched (ints become floats)
        if len(geometry):
            taken = geometry[c].iloc[np.where(hit, rows, 0)].to_numpy()
            series = pd.Series(taken, index=df.index, dtype=geometry[c].dtype)
            out[c] = series if hit.all() else series.where(hit)
        else:  # nothing to take from
            out[c] = pd.Series(None, index=df.index, dtype=object)
    geoms = gpd.GeoSeries([shapes[i] if i >= 0 else None for i in rows], index=df.index)
    gdf = gpd.GeoDataFrame(out, geometry=geoms.set_crs(geometry.crs), crs=geometry.crs)
    gdf.attrs = out.attrs

    unmatched = [v for v in keys if v in reasons]
    n_unmatched = int((~hit).sum())
    gdf.attrs["ebpm_geo"] = {
        "level": level,
        "by": by,
        "column": str(column),
        "matched": int(hit.sum()),
        "unmatched": [_plain(v) for v in unmatched],
        "unmatched_rows": n_unmatched,
        "reasons": {str(_plain(v)): reasons[v] for v in unmatched},
        "geometry": _provenance_of(geometry),
        "how": how,
    }
    if n_unmatched:
        warnings.warn(
            _message(unmatched, reasons, n_unmatched, len(df), level, column, how),
            UnmatchedRowsWarning,
            stacklevel=2,
        )
    if how == "inner":
        kept = gdf.loc[hit]
        kept.attrs = gdf.attrs
        return kept
    return gdf


def _hashable(value: Any) -> Hashable:
    """A dict key for a cell: NaN-like values collapse to one key (NaN != NaN)."""
    if _is_missing(value):
        return None
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _span(codes: list[str]) -> str:
    ordered = sorted(codes)
    return f"{ordered[0]}-{ordered[-1]}" if ordered else "none"


def _message(
    unmatched: list[Any],
    reasons: dict[Hashable, str],
    rows: int,
    total: int,
    level: str,
    column: Any,
    how: str,
) -> str:
    fate = "dropped (how='inner')" if how == "inner" else "kept with an empty geometry"
    shown = "; ".join(f"{_plain(v)!r}: {reasons[v]}" for v in unmatched[:SHOWN])
    more = f"; and {len(unmatched) - SHOWN} more" if len(unmatched) > SHOWN else ""
    return (
        f"{rows} of {total} rows matched no {level} by {column!r} and are {fate}; "
        f"{len(unmatched)} distinct value(s): {shown}{more}. All are listed in "
        "attrs['ebpm_geo']['unmatched']"
    )
