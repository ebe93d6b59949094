"""Put a table on the map: join rows to prefecture or municipality geometry by code or name.

>>> gdf = attach(table, code="pref_code")                              # doctest: +SKIP
>>> gdf = attach(table, name="市区町村", level="municipality", geometry=tokyo())  # doctest: +SKIP

Codes and names are read the way :mod:`ebpm.japan` reads them, so ``13``, ``"13"``,
``"13000"``, ``"130001"``, ``"東京都"``, ``"東京"``, ``"TOKYO"``, ``"tokyo-to"`` and
``"とうきょうと"`` all reach the same prefecture; e-Stat's combined labels (``"13000_東京都"``)
join by their code, and municipal names may leave out their suffix (``"八王子"``,
``"Hachioji"``) or give it in English (``"Chiyoda City"``, ``"Tsurumi Ward"``). Every row of the
table is kept; the rows that match nothing get an empty geometry and are reported, each with the
fix (:class:`~ebpm.errors.UnmatchedRowsWarning` and ``attrs["ebpm_geo"]``).
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Hashable
from typing import Any, Literal

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
    check_option,
    did_you_mean,
)

# the name rules live with the name lookup in ebpm.geo._names; importable from here as before
from ebpm.geo._names import ENGLISH_SUFFIXES as ENGLISH_SUFFIXES
from ebpm.geo._names import KANJI_SUFFIXES as KANJI_SUFFIXES
from ebpm.geo._names import LABEL as LABEL
from ebpm.geo._names import NAME_COLUMNS as NAME_COLUMNS
from ebpm.geo._names import ROMAJI_SUFFIXES as ROMAJI_SUFFIXES
from ebpm.geo._names import Key, _is_missing, _labels, _Names, _split_label

__all__ = ["How", "Level", "attach"]

log = logging.getLogger(__name__)

Level = Literal["prefecture", "municipality"]
How = Literal["left", "inner"]

#: How many distinct unmatched values the warning lists.
SHOWN = 10
#: Columns of a geometry table that may hold its codes, in order of preference.
CODE_COLUMNS = ("code", "muni_code", "pref_code")
#: CRS of N03 (JGD2011), used for an empty municipal result.
N03_CRS = "EPSG:6668"
#: The N03 release downloaded for a municipal table without geometry= (the catalog entry's;
#: ``geo.municipalities()`` without a year reads the 2021 files shipped with ebpm instead).
N03_YEAR = 2024


@functools.cache
def _plain(value: Any) -> Any:
    """A cell as the user wrote it, for messages and the unmatched list: numpy scalars
    unwrapped, a missing value as None, an infinity kept (it is a value that did not match)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _structure() -> tuple[dict[str, str], dict[str, str]]:
    """(code → kind, ward code → its designated city's code) from :mod:`ebpm.japan`."""
    table = japan.municipalities()
    kinds = dict(zip(table["code"], table["kind"], strict=True))
    wards = table[table["kind"] == "ward"]
    return kinds, dict(zip(wards["code"], wards["parent_code"], strict=True))


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


def _named(code: str) -> str:
    """``"13101 東京都千代田区"``, or the bare code when ebpm.japan does not know it."""
    return f"{code} {_labels().get(code, '')}".strip()


def _drop(column: str, value: Any) -> str:
    """The pandas filter that drops the rows holding ``value``."""
    return f"df[df[{column!r}] != {_plain(value)!r}]"


# --- codes ----------------------------------------------------------------------------------
def _by_code(value: Any, level: str, column: str = "code") -> Key:
    """The code of ``value`` at ``level`` by the code rules, or why there is none. A combined
    label ("13000_東京都") is read by its code; its name is checked by :class:`_Resolver`."""
    if _is_missing(value):
        return None, "missing value"
    label = _split_label(value)
    raw = label[0] if label is not None else value
    named = _not_a_code(raw)
    if named is not None:
        return named
    digits = unicodedata.normalize("NFKC", str(raw)).strip()
    if not isinstance(raw, bool) and re.fullmatch(r"0+(\.0*)?", digits):
        return None, (
            f"{value!r} is the national total (全国), not a {level}: drop it "
            f"(e.g. {_drop(column, value)})"
        )
    try:
        code5 = japan.normalize_code(raw)
    except InvalidCodeError as err:
        return None, str(err)
    if level == "prefecture":
        if not code5.endswith("000"):
            return None, (
                f"{value!r} is a municipality code ({code5}), not a prefecture; use "
                "level='municipality'"
            )
        return code5[:2], None
    if code5.endswith("000"):
        return None, (
            f"{value!r} is the total of a prefecture ({code5} {_labels().get(code5[:2], '')}), "
            f"not a municipality: drop the prefecture rows (e.g. {_drop(column, value)}), or "
            "use level='prefecture' for a table of prefectures"
        )
    return code5, None


def _prefecture_by_code(value: Any, column: str = "code") -> Key:
    return _by_code(value, "prefecture", column)


def _municipality_by_code(value: Any, column: str = "code") -> Key:
    return _by_code(value, "municipality", column)


class _Resolver:
    """A table's value → (code, None) or (None, reason), by code or by name, at one level."""

    def __init__(
        self, level: str, by: str, column: str, geometry: Any | None, codes: list[str] | None
    ):
        self.level, self.by, self.column = level, by, column
        self.names = _Names(geometry, codes) if level == "municipality" else None

    def __call__(self, value: Any) -> Key:
        return self.code(value) if self.by == "code" else self.name(value)

    def code(self, value: Any) -> Key:
        key, reason = _by_code(value, self.level, self.column)
        label = _split_label(value)
        if key is None or label is None:
            return key, reason
        named = self._candidates(label[1])
        if named and key not in named:
            others = ", ".join(_named(c) for c in sorted(named))
            return None, (
                f"{value!r}: its code {label[0]} is {_named(key)} but its name "
                f"{label[1]!r} is {others}; correct the table, or join by one part alone "
                f"(e.g. df[{self.column!r}].str.split('_').str[0] as code=)"
            )
        return key, None

    def name(self, value: Any) -> Key:
        if _is_missing(value):
            return None, "missing value"
        if _looks_like_code(value) or _split_label(value) is not None:
            return self.code(value)  # 13 or "13000_東京都": the code rules, the name checked
        if self.names is not None:
            return self.names.resolve(value)
        try:
            return japan.prefecture_code(value), None
        except InvalidCodeError:
            table = japan.prefectures()
            hint = did_you_mean(str(value), [*table["name_ja"], *table["name_en"]])
            return None, f"no prefecture is named {value!r}.{hint}".rstrip(".")

    def _candidates(self, name: str) -> set[str]:
        if self.names is not None:
            return self.names.candidates(name)
        try:
            return {japan.prefecture_code(name)}
        except InvalidCodeError:
            return set()


def _absent(key: str, geo_codes: list[str], level: str, value: Any, column: str) -> str:
    """Why ``key`` (a valid code) is not in the geometry, and what to do about it."""
    label = _labels().get(key, key)
    where = f"{len(geo_codes)} {level} codes, {_span(geo_codes)}"
    if level == "prefecture":
        return f"{_named(key)} is not in the geometry ({where})"
    have = set(geo_codes)
    kinds, parents = _structure()
    if key == "13100":
        return (
            f"{value!r} is 東京都特別区部, the 23 special wards together, not one municipality: "
            f"drop it (e.g. {_drop(column, value)}); the wards' own rows (13101-13123) join "
            "one by one"
        )
    city_wards = sorted(c for c, parent in parents.items() if parent == key and c in have)
    if kinds.get(key) == "designated_city" and city_wards:
        return (
            f"{value!r} is {label}, a designated city, and the geometry has its wards "
            f"({city_wards[0]}-{city_wards[-1]}); load boundaries with wards=False "
            f"(e.g. geo.municipalities({key[:2]!r}, wards=False)), or drop the city's total row "
            f"when the table also has its wards (e.g. {_drop(column, value)})"
        )
    if key in parents and parents[key] in have:
        return (
            f"{value!r} is {label}, a ward, and the geometry has its city whole "
            f"({parents[key]}); load boundaries with wards=True (e.g. "
            f"geo.municipalities({key[:2]!r})), or add up the wards' rows by city first"
        )
    prefs = sorted({c[:2] for c in geo_codes})
    if key[:2] not in prefs:
        return (
            f"{_named(key)} is in {_labels()[key[:2]]} ({key[:2]}), which the geometry does not "
            f"cover (it has "
            f"prefectures {', '.join(prefs) or 'none'}); add it, e.g. "
            f"geo.municipalities([{', '.join(map(repr, [*prefs, key[:2]]))}])"
        )
    if key not in kinds:
        return (
            f"{key} is not in the geometry ({where}) and is no municipality code of "
            "ebpm.japan (2018-2023); check the code"
        )
    return (
        f"{_named(key)} is not in the geometry ({where}), which may cover part of the "
        "prefecture only or another year (municipalities merge and change codes): load "
        f"boundaries of the table's year, e.g. geo.municipalities({key[:2]!r}, year=2020)"
    )


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
    return municipalities(prefs, N03_YEAR, wards=wards)


def _provenance_of(geometry: Any) -> dict[str, Any]:
    """The geometry's whole provenance record (a copy), so a report can cite its source,
    licence, attribution and URL (国土数値情報 asks for its 出典)."""
    prov = getattr(geometry, "attrs", {}).get("ebpm", {}) or {}
    return copy.deepcopy(dict(prov))


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
        ``13101``, ``1100`` (→ ``"01100"``), ``"131016"``. e-Stat's combined labels
        (``"13000_東京都"``, ``"01 北海道"``, ``"13101_千代田区"``) are read by their leading
        code; a name that contradicts the code leaves the row unmatched. Give ``code`` or
        ``name``, not both.
    name : str, optional
        Column of names. Prefecture level: kanji with or without 都/道/府/県 (``"東京都"``,
        ``"東京"``, ``"北海道"``), kana (``"とうきょうと"``, ``"トウキョウ"``) or romaji in any
        case, with or without a suffix (``"TOKYO"``, ``"tokyo-to"``, ``"Osaka Prefecture"``).
        Municipality level: the name in kanji, kana or romaji (``"千代田区"``, ``"ちよだく"``,
        ``"Chiyoda-ku"``), a designated city's ward with its city (``"札幌市中央区"``) or alone
        (``"鶴見区"``), optionally led by the prefecture (``"東京都府中市"``) or a county
        (``"西多摩郡瑞穂町"``). A name that matches nothing is tried with an English suffix read
        as romaji (``"Chiyoda City"``, ``"Hachioji City"``, ``"Tsurumi Ward"``; City is -shi or
        -ku, Town -machi or -cho, Village -mura or -son) and then with each suffix added
        (``"八王子"``, ``"HACHIOJI"``); a name several municipalities share is narrowed to the
        geometry's, else reported as ambiguous. The geometry's own name columns (``name_ja``,
        ``name``, ``name_en``) are matched too, so the 1990 names of :func:`~ebpm.geo.tokyo`
        work; other names come from :mod:`ebpm.japan`'s table (municipalities of 2018-2023),
        so newer ones (Hamamatsu's wards of 2024) join by code only. Numbers and combined
        labels (``"13000_東京都"``) in a name column follow the ``code`` rules.
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
        matched nothing), ``unmatched_rows``, ``reasons`` (value → why) and ``geometry`` (a
        copy of the geometry's whole provenance record, ``attrs["ebpm"]``).

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
        When some rows match nothing: the first values, how many there are, why, and what to
        do: close names ("did you mean"); drop the national (``"00000"``) or prefecture total
        rows, or 特別区部 (``"13100"``); ``wards=False`` boundaries for a designated city's total
        (or ``wards=True`` for its wards); the missing prefecture's boundaries.

    Notes
    -----
    A 5-digit municipality code at the prefecture level is *not* joined to its prefecture (the
    table is probably municipal: use ``level="municipality"``), and a prefecture-level code
    (``"13000"``) is not a municipality. The input is never modified.
    """
    column = _check_attach(df, code=code, name=name, level=level, how=how, geometry=geometry)
    columns = list(columns or [])

    by = "code" if code is not None else "name"
    geo_codes = _geometry_codes(geometry, level) if geometry is not None else None
    resolver = _Resolver(level, by, str(column), geometry, geo_codes)

    values = df[column]
    keys: dict[Hashable, Key] = {}
    first: dict[Hashable, Any] = {}  # each distinct value as it first appears
    for value in values.to_numpy(dtype=object):
        cell = _hashable(value)
        if cell not in keys:
            keys[cell] = resolver(value)
            first[cell] = value

    if geometry is None or geo_codes is None:  # None together: no geometry= was given
        geometry = _default_geometry(level, keys)
        geo_codes = _geometry_codes(geometry, level)
    _check_taken_columns(columns, df, geometry)

    position = {c: i for i, c in enumerate(geo_codes)}
    reasons: dict[Hashable, str] = {}
    for cell, (key, reason) in keys.items():
        if key is None:
            reasons[cell] = reason or "no match"
        elif key not in position:
            reasons[cell] = _absent(key, geo_codes, level, first[cell], str(column))
    row_keys = [keys[_hashable(v)][0] for v in values.to_numpy(dtype=object)]
    rows = np.array([position.get(k, -1) if k is not None else -1 for k in row_keys])
    hit = rows >= 0
    gdf = _joined(df, geometry, rows, columns)

    unmatched = [cell for cell in keys if cell in reasons]
    n_unmatched = int((~hit).sum())
    gdf.attrs["ebpm_geo"] = {
        "level": level,
        "by": by,
        "column": str(column),
        "matched": int(hit.sum()),
        "unmatched": [_plain(first[cell]) for cell in unmatched],
        "unmatched_rows": n_unmatched,
        "reasons": {str(_plain(first[cell])): reasons[cell] for cell in unmatched},
        "geometry": _provenance_of(geometry),
        "how": how,
    }
    if n_unmatched:
        warnings.warn(
            _message(
                [(first[cell], reasons[cell]) for cell in unmatched],
                n_unmatched,
                len(df),
                level,
                column,
                how,
            ),
            UnmatchedRowsWarning,
            stacklevel=2,
        )
    if how == "inner":
        kept = gdf.loc[hit]
        kept.attrs = gdf.attrs
        return kept
    return gdf


def _check_attach(
    df: Any, *, code: str | None, name: str | None, level: Any, how: Any, geometry: Any
) -> Any:
    """The column ``attach`` joins by, after checking its arguments."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"attach() takes a pandas DataFrame as its first argument, not "
            f"{type(df).__name__}; build one first, e.g. pd.DataFrame(...)"
        )
    check_option("level", level, Level)
    check_option("how", how, How)
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
    return column


def _default_geometry(level: str, keys: dict[Hashable, Key]) -> Any:
    """The geometry ``attach`` joins to when none is given: the prefectures, or the N03
    boundaries of the prefectures the table's codes fall in."""
    if level == "prefecture":
        from ebpm.geo.data import prefectures

        return prefectures()
    return _municipal_geometry({k for k, _ in keys.values() if k is not None})


def _check_taken_columns(columns: list[str], df: pd.DataFrame, geometry: Any) -> None:
    """Refuse ``columns=`` the geometry lacks or the table already has."""
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


def _joined(df: pd.DataFrame, geometry: Any, rows: np.ndarray, columns: list[str]) -> Any:
    """A copy of ``df`` with the geometry's ``columns`` and shape of each row's match
    (``rows``: position in the geometry, -1 for none); attrs deep-copied."""
    import geopandas as gpd

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
    return gdf


def _hashable(value: Any) -> Hashable:
    """A dict key for a cell: NaN-like values collapse to one key (NaN != NaN); ``True`` and
    ``1`` (equal in Python) stay apart, as do a list and the text of its repr."""
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return ("bool", bool(value))
    try:
        hash(value)
    except TypeError:
        return (type(value).__name__, repr(value))
    return value


def _span(codes: list[str]) -> str:
    ordered = sorted(codes)
    return f"{ordered[0]}-{ordered[-1]}" if ordered else "none"


def _message(
    unmatched: list[tuple[Any, str]], rows: int, total: int, level: str, column: Any, how: str
) -> str:
    fate = "dropped (how='inner')" if how == "inner" else "kept with an empty geometry"
    shown = "; ".join(f"{_plain(v)!r}: {reason}" for v, reason in unmatched[:SHOWN])
    more = f"; and {len(unmatched) - SHOWN} more" if len(unmatched) > SHOWN else ""
    return (
        f"{rows} of {total} rows matched no {level} by {column!r} and are {fate}; "
        f"{len(unmatched)} distinct value(s): {shown}{more}. All are listed in "
        "attrs['ebpm_geo']['unmatched']"
    )
