"""国土数値情報 行政区域 (N03): municipal boundaries of one prefecture, one row per code.

The Ministry of Land, Infrastructure, Transport and Tourism (MLIT) publishes the boundaries of
every municipality as of 1 January of each year, one zip per prefecture::

    https://nlftp.mlit.go.jp/ksj/gml/data/N03/N03-2024/N03-20240101_13_GML.zip   (2020 on)
    https://nlftp.mlit.go.jp/ksj/gml/data/N03/N03-2019/N03-190101_13_GML.zip     (2015-2019)

The zip holds a shapefile (``N03-20240101_13.shp``; before 2020 ``N03-19_13_190101.shp``),
often a GeoJSON twin, and metadata. Each record is one polygon: a municipality that spans
islands has several records with the same code, and land not assigned to any municipality
(所属未定地) has no code. Attributes: ``N03_001`` prefecture, ``N03_002`` subprefecture
(支庁・振興局), ``N03_003`` county or designated city (郡・政令市), ``N03_004`` municipality
(a designated city's ward before 2024, the city itself from 2024), ``N03_005`` the ward of a
designated city (from 2024), ``N03_007`` the 5-digit municipality code. Older files' attribute
tables are Shift_JIS; coordinates are JGD2011 latitude/longitude (EPSG:6668) since the 2016
release, JGD2000 (EPSG:4612) before.

:func:`ksj_boundaries` downloads the zip once, reads the boundary layer, drops records without
a code, and dissolves to one (Multi)Polygon per code, cached as GeoParquet. With
``wards=False`` the wards of each designated city (政令市の区) are dissolved into the city, the
level at which many e-Stat tables report; Tokyo's 23 special wards (特別区) are municipalities
and stay.

Environment
-----------
``EBPM_KSJ_BASE``
    Base of the N03 downloads (default ``https://nlftp.mlit.go.jp/ksj/gml/data/N03``).
"""

from __future__ import annotations

import logging
import re
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm import japan
from ebpm.catalog.cache import Fetched, Request, base_url, cached_table, fetch
from ebpm.catalog.provenance import finish, remote_origin
from ebpm.errors import (
    CatalogError,
    InvalidCodeError,
    InvalidOptionError,
    RemoteError,
    SourceFormatError,
)

__all__ = [
    "BASE_ENV",
    "DEFAULT_BASE",
    "KsjBoundaries",
    "ksj_boundaries",
    "n03_url",
    "ward_parents",
]

log = logging.getLogger(__name__)

BASE_ENV = "EBPM_KSJ_BASE"
DEFAULT_BASE = "https://nlftp.mlit.go.jp/ksj/gml/data/N03"
#: First release whose file names ebpm knows.
FIRST_YEAR = 2015
#: First release in JGD2011 (product specification 2.3, March 2016).
JGD2011_FROM = 2016
DATA_PAGE = "https://nlftp.mlit.go.jp/ksj/gml/datalist/KsjTmplt-N03-v3_1.html"
TERMS = "https://nlftp.mlit.go.jp/ksj/other/agreement.html"
SOURCE = "国土交通省 国土数値情報（行政区域データ N03）"
#: Licence of the open-data releases (2019 on).
LICENCE = (
    "国土数値情報ダウンロードサイトコンテンツ利用規約 (commercial use allowed with the source "
    f"credited; CC BY 4.0 compatible): {TERMS}"
)
#: First release ebpm labels as open data; the N03 page lists each release's conditions.
OPEN_FROM = 2019
LICENCE_OLDER = (
    f"国土数値情報ダウンロードサイトコンテンツ利用規約 ({TERMS}); releases before {OPEN_FROM} "
    f"may carry older conditions (国土情報利用約款): check this release's on {DATA_PAGE}"
)
ATTRIBUTION = (
    "出典：国土交通省国土数値情報ダウンロードサイト（行政区域データ）https://nlftp.mlit.go.jp/ksj/ "
    "を加工して作成"
)
#: Version of the N03 reader; part of the cache key.
PARSER_VERSION = 2
COLUMNS = [
    "muni_code",
    "pref_code",
    "name",
    "pref_name",
    "subpref",
    "county_or_city",
    "muni_name",
    "ward",
    "geometry",
]
_EXTRA_KEYS = (
    "prefecture_code",
    "year",
    "reference_date",
    "member",
    "records",
    "dropped_rows",
    "dropped_names",
    "crs",
    "wards",
    "merged_wards",
    "guessed_parents",
)
_ATTRS = {
    "N03_001": "pref_name",
    "N03_002": "subpref",
    "N03_003": "county_or_city",
    "N03_004": "muni_name",
    "N03_005": "ward",
}


# --- prefectures ----------------------------------------------------------------------------
def _prefecture(value: str | int) -> tuple[str, str | None]:
    """The 2-digit code and (when japancode is installed) the kanji name of a prefecture.

    Names and codes are read by :func:`ebpm.japan.prefecture_code` (kanji, kana, romaji with or
    without a suffix such as ``"Tokyo-to"``); a municipality code is refused, since N03 is
    published per prefecture.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidCodeError(
            f"prefecture={value!r} is not a prefecture; give its code (13 or '13') or its name "
            "('東京都', 'とうきょうと', 'Tokyo')"
        )
    text = str(value).strip()
    if text.isdigit() and len(text) >= 4:  # 4-6 digits: a municipality code
        try:
            hint = f" (its prefecture is {japan.prefecture_code(value)!r})"
        except InvalidCodeError:
            hint = ""
        raise InvalidCodeError(
            f"prefecture={value!r} is a municipality code, not a prefecture code{hint}: N03 is "
            "published per prefecture, so give the 2-digit prefecture code and select the "
            "municipality by muni_code"
        )
    try:
        code = japan.prefecture_code(value)
    except InvalidCodeError as err:
        raise InvalidCodeError(f"prefecture={value!r}: {err}") from err
    try:
        kanji: str | None = japan.prefecture_name(code)
    except CatalogError:  # without japancode a code still works; the label shows the code
        kanji = None
    return code, kanji


# --- where the files are --------------------------------------------------------------------
def _check_year(year: int | str) -> int:
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year)  # from a command line or a YAML string
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidOptionError(f"year={year!r} must be a whole number such as 2024")
    if year < FIRST_YEAR:
        raise InvalidOptionError(
            f"year={year}: ebpm reads N03 releases from {FIRST_YEAR} on, whose file names it "
            f"knows; for older boundaries download the zip from {DATA_PAGE} and read it with "
            "geopandas"
        )
    return year


def _zip_name(code: str, year: int) -> str:
    if year >= 2020:
        return f"N03-{year}0101_{code}_GML.zip"
    return f"N03-{year % 100:02d}0101_{code}_GML.zip"


def n03_url(prefecture: str | int, year: int = 2024) -> str:
    """The download URL of one prefecture's N03 zip (``EBPM_KSJ_BASE`` replaces the base)."""
    code, _ = _prefecture(prefecture)
    year = _check_year(year)
    return f"{base_url(BASE_ENV, DEFAULT_BASE)}/N03-{year}/{_zip_name(code, year)}"


def _member_pattern(code: str) -> re.Pattern[str]:
    # N03-20240101_13.shp (2020 on) or N03-19_13_190101.shp (2015-2019); shapefile or GeoJSON
    return re.compile(rf"^N03-(?:\d{{8}}_{code}|\d{{2}}_{code}_\d{{6}})\.(shp|geojson)$", re.I)


def _pick_member(names: list[str], code: str, zip_label: str) -> str:
    pattern = _member_pattern(code)
    found = [n for n in names if pattern.match(PurePosixPath(n).name)]
    shp = [n for n in found if n.lower().endswith(".shp")]
    if shp:
        return sorted(shp)[0]
    if found:
        return sorted(found)[0]
    shown = names[:20] + (["..."] if len(names) > 20 else [])
    raise SourceFormatError(
        f"{zip_label} holds no N03 boundary layer: expected a member named like "
        f"{pattern.pattern!r} (e.g. N03-20240101_{code}.shp), found {shown}. The file may not "
        "be an N03 zip for this prefecture; check the URL, or the release's file names on "
        f"{DATA_PAGE}"
    )


def _dbf_encoding(dbf: bytes) -> str:
    """``UTF-8`` when the attribute table decodes as UTF-8, else ``CP932`` (Shift_JIS)."""
    header = int.from_bytes(dbf[8:10], "little") if len(dbf) >= 10 else 0
    try:
        dbf[header:].decode("utf-8")
    except UnicodeDecodeError:
        return "CP932"
    return "UTF-8"


def _read_layer(path: Path, code: str, zip_label: str) -> tuple[Any, str]:
    """Read the boundary layer from the zip at ``path``; returns the frame and the member."""
    import geopandas as gpd

    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise SourceFormatError(
            f"{zip_label} is not a zip archive ({err}); the download may be an error page. "
            "Check the URL, or download again with refresh=True"
        ) from err
    with zf, tempfile.TemporaryDirectory(prefix="ebpm-n03-") as tmp:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        member = _pick_member(names, code, zip_label)
        base = PurePosixPath(member)
        if base.suffix.lower() == ".shp":
            stem = str(base.with_suffix("")).lower()
            siblings = {
                PurePosixPath(n).suffix.lower(): n
                for n in names
                if str(PurePosixPath(n).with_suffix("")).lower() == stem
            }
            missing = [s for s in (".shx", ".dbf") if s not in siblings]
            if missing:
                raise SourceFormatError(
                    f"{zip_label}: the shapefile {member} lacks its {missing} part(s), found "
                    f"{sorted(siblings.values())}; the zip is incomplete, download it again "
                    "with refresh=True"
                )
            for suffix, name in siblings.items():
                (Path(tmp) / f"layer{suffix}").write_bytes(zf.read(name))
            encoding = _dbf_encoding((Path(tmp) / "layer.dbf").read_bytes())
            gdf = gpd.read_file(Path(tmp) / "layer.shp", engine="pyogrio", encoding=encoding)
        else:
            target = Path(tmp) / "layer.geojson"
            target.write_bytes(zf.read(member))
            gdf = gpd.read_file(target, engine="pyogrio")
    return gdf, member


# --- building the table ---------------------------------------------------------------------
def _clean(series: pd.Series) -> pd.Series:
    """Text with runs of white space collapsed; missing (None, NaN) and empty values as None."""

    def one(v: Any) -> str | None:
        # a shapefile column with some values reads its empty cells as NaN, not None
        return None if v is None or pd.isna(v) else (" ".join(str(v).split()) or None)

    return series.astype("object").map(one)


def _codes(series: pd.Series) -> pd.Series:
    """5-digit codes as text; a code read as a number gets its leading zero back."""

    def one(v: Any) -> str | None:
        if v is None or pd.isna(v):
            return None
        text = str(v).strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
        if text.isdigit() and len(text) == 4:
            text = "0" + text
        return text if re.fullmatch(r"\d{5}", text) else None

    return series.astype("object").map(one)


def display_name(
    county_or_city: str | None, muni_name: str | None, ward: str | None = None
) -> str | None:
    """The usual name of a municipality: ``千代田区``, ``札幌市中央区``, ``箱根町``.

    A designated city's ward is named with its city: from 2024 the city is ``N03_004`` and the
    ward ``N03_005``; before, the city is ``N03_003`` and the ward ``N03_004``. Counties (郡)
    and subprefectures are left out. Missing values (``None``, or NaN from a pandas string
    column) count as empty.
    """
    county_or_city, muni_name, ward = (
        v if isinstance(v, str) and v else None for v in (county_or_city, muni_name, ward)
    )
    if ward:
        return f"{muni_name or county_or_city or ''}{ward}"
    if county_or_city and muni_name and county_or_city.endswith("市") and muni_name.endswith("区"):
        return f"{county_or_city}{muni_name}"
    return muni_name or county_or_city


def _polygonal(geom: Any) -> Any:
    """``geom`` made valid, keeping only its polygonal parts."""
    import shapely
    from shapely.geometry import MultiPolygon

    if geom is None or geom.is_empty:
        return geom
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in polys for q in (p.geoms if p.geom_type == "MultiPolygon" else [p])]
    return MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else None)


def _boundaries(raw: Any, *, year: int, zip_label: str, member: str) -> tuple[Any, dict]:
    import geopandas as gpd
    from pyproj import CRS

    missing = [c for c in ("N03_001", "N03_004", "N03_007") if c not in raw.columns]
    if missing:
        raise SourceFormatError(
            f"{zip_label}: {member} has no column(s) {missing} (it has "
            f"{[c for c in raw.columns if c != 'geometry']}); it is not an N03 administrative "
            "boundary layer"
        )
    out = pd.DataFrame({"muni_code": _codes(raw["N03_007"])})
    out["pref_code"] = out["muni_code"].str[:2]
    for src, dst in _ATTRS.items():
        out[dst] = _clean(raw[src]) if src in raw.columns else None
    keep = out["muni_code"].notna() & ~out["muni_code"].fillna("").str.endswith("000")
    dropped = out.loc[~keep, "muni_name"].fillna("(no name)")
    out["name"] = [
        display_name(c, m, w)
        for c, m, w in zip(out["county_or_city"], out["muni_name"], out["ward"], strict=True)
    ]
    geoms = raw.geometry.copy()
    broken = ~geoms.is_valid
    if broken.any():  # N03 has a few self-touching rings; repair only those
        geoms[broken] = geoms[broken].map(_polygonal)
    crs = raw.crs
    if crs is None:
        crs = "EPSG:6668" if year >= JGD2011_FROM else "EPSG:4612"
        log.warning(
            "%s: %s has no CRS; assuming %s for the %d release", zip_label, member, crs, year
        )
    else:
        epsg = CRS.from_user_input(crs).to_epsg()
        crs = f"EPSG:{epsg}" if epsg else crs
    gdf = gpd.GeoDataFrame(out, geometry=list(geoms), crs=crs)[keep.to_numpy()]
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.empty:
        raise SourceFormatError(
            f"{zip_label}: {member} has no record with a municipality code (N03_007); it is not "
            "a usable N03 layer"
        )
    attrs = [c for c in COLUMNS if c != "geometry"]
    dissolved = gdf.dissolve(by="muni_code", aggfunc="first", sort=True, as_index=False)
    dissolved = dissolved[[*attrs, "geometry"]].reset_index(drop=True)
    dissolved["geometry"] = dissolved.geometry.map(_polygonal)
    extra = {
        "prefecture_code": None,  # set by the caller
        "year": year,
        "reference_date": f"{year}-01-01",
        "member": member,
        "records": len(raw),
        "dropped_rows": int((~keep).sum()),
        "dropped_names": sorted(set(dropped)),
        "crs": str(crs),
    }
    return dissolved, extra


# --- designated cities ----------------------------------------------------------------------
def ward_parents(codes: Any, table: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """The designated city of each ward code in ``codes``.

    Parameters
    ----------
    codes : iterable of str
        5-digit municipality codes.
    table : pandas.DataFrame
        :func:`ebpm.japan.municipalities` (with wards), of one prefecture or the whole country.

    Returns
    -------
    parents : dict
        ``{ward code: city code}`` for the codes that are wards of a designated city; other codes
        (municipalities, Tokyo's special wards) are left out.
    guessed : dict
        The part of ``parents`` not found in ``table`` but inferred: a code in the range JIS
        X 0402 keeps for designated cities and their wards (``xx101``-``xx199``) belongs to the
        designated city of its prefecture with the largest code not above it (浜松市's 2024
        wards 22138-22140 → 22130, since 静岡市 is 22100).
    """
    kinds = dict(zip(table["code"], table["kind"], strict=True))
    parent_of = dict(zip(table["code"], table["parent_code"], strict=True))
    designated = sorted(table.loc[table["kind"] == "designated_city", "code"])
    parents: dict[str, str] = {}
    guessed: dict[str, str] = {}
    for code in dict.fromkeys(codes):
        if kinds.get(code) == "ward":
            parents[code] = parent_of[code]
        elif code not in kinds and 100 < int(code[2:]) < 200:
            below = [d for d in designated if d[:2] == code[:2] and d <= code]
            if below:
                parents[code] = guessed[code] = below[-1]
    return parents, guessed


def _first(values: pd.Series) -> Any:
    present = values.dropna()
    return present.iloc[0] if len(present) else None


def _city_name(wards: pd.DataFrame, city: str, names: dict[str, str]) -> str:
    """The designated city's name as N03 writes it (``N03_003``, or ``N03_004`` from 2024)."""
    for column in ("county_or_city", "muni_name"):
        for value in wards[column].dropna():
            if str(value).endswith("市"):
                return str(value)
    return names.get(city, city)


def _merge_wards(gdf: Any, code: str) -> tuple[Any, dict[str, list[str]], dict[str, str]]:
    """Dissolve the wards of each designated city into one row with the city's code and name."""
    import geopandas as gpd
    import shapely

    table = japan.municipalities(code)
    parents, guessed = ward_parents(gdf["muni_code"], table)
    names = dict(zip(table["code"], table["name_ja"], strict=True))
    target = gdf["muni_code"].map(lambda c: parents.get(c, c))
    rows: list[dict[str, Any]] = []
    merged: dict[str, list[str]] = {}
    cities = set(parents.values())
    for city, group in gdf.groupby(target, sort=True):
        if city not in cities:
            rows.extend(group.to_dict("records"))
            continue
        merged[city] = sorted(group["muni_code"])
        name = _city_name(group, city, names)
        rows.append(
            {
                "muni_code": city,
                "pref_code": city[:2],
                "name": name,
                "pref_name": _first(group["pref_name"]),
                "subpref": _first(group["subpref"]),
                "county_or_city": name,
                "muni_name": name,
                "ward": None,
                "geometry": _polygonal(shapely.union_all(group.geometry.to_numpy())),
            }
        )
    out = gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs=gdf.crs)
    return out.reset_index(drop=True), merged, guessed


# --- loading --------------------------------------------------------------------------------
def _check_wards(wards: Any) -> bool:
    if not isinstance(wards, bool):
        raise InvalidOptionError(
            f"wards={wards!r} must be True (designated cities as their wards) or False (each "
            "designated city as one row)"
        )
    return wards


def _load(
    prefecture: str | int,
    *,
    year: int,
    wards: bool,
    sha256: str | None,
    refresh: bool,
    columns: list[str] | None,
) -> Any:
    code, kanji = _prefecture(prefecture)
    year = _check_year(year)
    wards = _check_wards(wards)
    url = n03_url(code, year)
    label = f"国土数値情報 N03 {year} {kanji or code}"
    pin = sha256.lower() if sha256 else None
    parts = {"kind": "ksj_n03", "format": PARSER_VERSION, "url": url, "sha256": pin}

    def build() -> Any:
        try:
            fetched: Fetched = fetch(Request.get(url), what=label, sha256=pin, refresh=refresh)
        except RemoteError as err:
            if getattr(err, "status", None) == 404:
                raise RemoteError(
                    f"{label}: there is no file at {url} (HTTP 404). The {year} release may not "
                    f"be published yet or may use another file name; see {DATA_PAGE}"
                ) from err
            raise
        zip_label = f"{label} zip ({fetched.url})"
        raw, member = _read_layer(fetched.path, code, zip_label)
        gdf, extra = _boundaries(raw, year=year, zip_label=zip_label, member=member)
        extra.update(prefecture_code=code, wards=True, merged_wards={}, guessed_parents={})
        pref = kanji or (gdf["pref_name"].iloc[0] if len(gdf) else code)
        gdf.attrs["ebpm"] = {
            "origin": remote_origin(
                [fetched],
                what=label,
                source=SOURCE,
                licence=LICENCE if year >= OPEN_FROM else LICENCE_OLDER,
                attribution=ATTRIBUTION,
                url=DATA_PAGE,
                title=f"行政区域データ（N03）{year}年1月1日 {pref}",
                publisher_updated=fetched.headers.get("Last-Modified"),
                extra=extra,
            )
        }
        log.info(
            "%s: %d records -> %d municipalities (%d without a code dropped)",
            label,
            extra["records"],
            len(gdf),
            extra["dropped_rows"],
        )
        return gdf

    def build_cities() -> Any:
        # from the ward-level table (cached too), so the zip is downloaded and read only once
        by_ward = cached_table({**parts, "wards": True}, build, refresh=refresh)
        origin = {k: v for k, v in by_ward.attrs["ebpm"]["origin"].items() if k != "from_cache"}
        gdf, merged, guessed = _merge_wards(by_ward, code)
        if guessed:
            log.info("%s: ward codes not in ebpm.japan assigned by code range: %s", label, guessed)
        origin.update(
            what=f"{label} (designated cities whole)",
            wards=False,
            merged_wards=merged,
            guessed_parents=guessed,
        )
        gdf.attrs["ebpm"] = {"origin": origin}
        return gdf

    df = cached_table(
        {**parts, "wards": wards},
        build if wards else build_cities,
        refresh=refresh,
        columns=columns,
    )
    origin = df.attrs["ebpm"]["origin"]
    # what the N03 file said beyond the provenance record (kept through catalog.load)
    df.attrs["n03"] = {k: origin.get(k) for k in _EXTRA_KEYS}
    return df


def ksj_boundaries(
    prefecture: str | int,
    *,
    year: int = 2024,
    wards: bool = True,
    sha256: str | None = None,
    refresh: bool = False,
    columns: list[str] | None = None,
) -> Any:
    """Municipal boundaries of one prefecture from 国土数値情報 (N03), one row per code.

    Parameters
    ----------
    prefecture : str or int
        Code (``13``, ``"13"``, ``"01"``) or name in kanji, kana or romaji (``"東京都"``,
        ``"東京"``, ``"とうきょうと"``, ``"Tokyo"``, ``"Tokyo-to"``), as
        :func:`ebpm.japan.prefecture_code` reads it.
    year : int
        The release (boundaries as of 1 January of that year), 2015 or later.
    wards : bool
        ``True`` (default): a designated city (政令指定都市) appears as its wards (区), as N03
        gives it. ``False``: the wards are dissolved into one row per designated city with the
        city's code and name (横浜市 ``14100``), the level of many e-Stat tables. Tokyo's 23
        special wards are municipalities and stay either way.
    sha256 : str, optional
        Pinned hash of the zip; a download that differs is refused and not cached.
    refresh : bool
        Download and rebuild even when cached.
    columns : list of str, optional
        Read only these columns (``geometry`` is always included).

    Returns
    -------
    geopandas.GeoDataFrame
        ``muni_code`` (5-digit 全国地方公共団体コード without check digit), ``pref_code``
        (its first 2 digits), ``name`` (``千代田区``, ``札幌市中央区``; ``札幌市`` with
        ``wards=False``), ``pref_name``, ``subpref`` (支庁・振興局), ``county_or_city``
        (郡・政令市, as N03 gives it), ``muni_name`` (N03_004), ``ward`` (N03_005, from 2024;
        empty before), ``geometry`` (Polygon, or MultiPolygon for a municipality in several
        parts), in the file's CRS (EPSG:6668, JGD2011, for 2016 on). A merged designated city
        has its name in ``name``, ``county_or_city`` and ``muni_name`` and no ``ward``. Land
        without a code (所属未定地) is dropped. ``attrs["ebpm"]`` records the licence and the
        attribution to show; ``attrs["n03"]`` the member read, the number of records, the
        records dropped (``dropped_rows``, ``dropped_names``) and, with ``wards=False``, the
        wards merged into each city (``merged_wards``) and those assigned by code range
        (``guessed_parents``).

    Raises
    ------
    InvalidCodeError
        ``prefecture`` names no prefecture.
    InvalidOptionError
        ``year`` is before 2015, or ``wards`` is not a bool.
    RemoteError, IntegrityError, OfflineError
        The download failed, does not match ``sha256``, or is not cached offline.
    SourceFormatError
        The zip holds no N03 layer for the prefecture (the message lists its members).

    Notes
    -----
    The first call downloads the zip (a few MB to tens of MB) and dissolves it; the result is
    cached as GeoParquet, so later calls read only that (``wards=False`` is built from the cached
    ward-level table, without a second download). N03 polygons are derived from GSI's digital
    maps; publishing maps made from them may need to credit, and for some uses obtain approval
    from, 国土地理院 as the N03 page explains.

    With ``wards=False`` a ward's city is looked up in :func:`ebpm.japan.municipalities`, whose
    table covers the municipalities and wards in force to 2023-12-31. Releases from 2024 hold
    ward codes that table lacks (浜松市 reorganised its wards on 2024-01-01 into 22138-22140);
    such a code, in the range JIS X 0402 keeps for designated cities and their wards (``xx101``
    to ``xx199``), is assigned to the designated city of its prefecture with the largest code
    not above it (see :func:`ward_parents`), and listed in ``attrs["n03"]["guessed_parents"]``.
    """
    df = _load(prefecture, year=year, wards=wards, sha256=sha256, refresh=refresh, columns=columns)
    code, _ = _prefecture(prefecture)
    return finish(df, params={"prefecture": code, "year": year, "wards": wards})


class KsjBoundaries(BaseReader):
    """Municipal boundaries of a prefecture from 国土数値情報 N03 (see :func:`ksj_boundaries`).

    Keyword arguments: ``prefecture`` (code or name), ``year`` (default 2024), ``wards``
    (default ``True``; ``False`` gives one row per designated city), ``sha256``. Loads take
    ``refresh`` and ``columns``. An unknown keyword is an error, not ignored.
    """

    output_instance = "geopandas:GeoDataFrame"
    imports: ClassVar[set[str]] = {"geopandas", "shapely", "pyogrio"}

    def _read(
        self,
        *,
        prefecture: str | int,
        year: int = 2024,
        wards: bool = True,
        sha256: str | None = None,
        refresh: bool = False,
        columns: list[str] | None = None,
    ) -> Any:
        return _load(
            prefecture, year=year, wards=wards, sha256=sha256, refresh=refresh, columns=columns
        )
