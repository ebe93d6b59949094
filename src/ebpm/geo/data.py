"""Geometry of Japan: the 47 prefectures, municipalities from 国土数値情報 N03, and the Tokyo
metropolitan area of 1990 (libpysal's ``tokyo`` example).

Everything comes through the catalog (:func:`ebpm.catalog.load`), so each frame carries its
provenance in ``attrs["ebpm"]``: the prefectures and the Tokyo data from files shipped in PyPI
packages, the municipalities of 2021 from N03 files shipped inside ebpm (all offline,
sha256-pinned), those of other years from MLIT's N03 downloads (remote, cached).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pandas as pd

from ebpm import japan
from ebpm._attrs import record as frozen
from ebpm.catalog.boundaries import DETAILS, Detail, check_detail
from ebpm.catalog.ksj import COLUMNS as _N03_COLUMNS
from ebpm.errors import EbpmWarning, InvalidCodeError, InvalidOptionError

__all__ = ["DETAILS", "MUNICIPALITY_COLUMNS", "Detail", "municipalities", "prefectures", "tokyo"]

log = logging.getLogger(__name__)

#: Columns of :func:`municipalities`: the N03 reader's, with ``muni_code`` named ``code``.
MUNICIPALITY_COLUMNS = ["code" if c == "muni_code" else c for c in _N03_COLUMNS]

_N03_ENTRY = "japan.municipal_boundaries"
#: The N03 boundaries of 2021-01-01 shipped inside ebpm, for ``year=None``.
_OFFLINE_ENTRY = "geo.japan_municipalities"
#: The release ``year=None`` reads.
OFFLINE_YEAR = 2021


def prefectures(*, rough: bool = False) -> Any:
    """The 47 prefectures of Japan as polygons (offline).

    Parameters
    ----------
    rough : bool
        Coarser outlines (japanmap's ``japan0.16.json``, about 10 times smaller): enough for a
        national map, too coarse for adjacency between small prefectures.

    Returns
    -------
    geopandas.GeoDataFrame
        47 rows in code order: ``code`` (JIS X 0401, ``"01"``-``"47"``), ``name_ja`` (北海道,
        東京都, ...), ``name_en`` (Hokkaido, Tokyo, ...), ``region`` (one of the 8 conventional
        regions: Hokkaido, Tohoku, Kanto, Chubu, Kinki, Chugoku, Shikoku, Kyushu-Okinawa) and
        ``geometry`` (valid, EPSG:4326). ``attrs["ebpm"]`` records the package files read and
        their sha256.

    Notes
    -----
    The polygons (from the ``japanmap`` package) are simplified, and each prefecture is only its
    main land area: **every island separated from it by sea is left out**, large ones included.
    Checked against the data, none of these is covered by any polygon: Sado (Niigata), Awaji
    (Hyogo), Shodoshima (Kagawa), Oki (Shimane), Tsushima, Iki, the Goto islands and Hirado
    (Nagasaki), Amakusa (Kumamoto), Rishiri, Rebun and Okushiri (Hokkaido), the Izu and
    Ogasawara islands (Tokyo), Yakushima, Tanegashima, the Koshiki and Amami islands
    (Kagoshima), and every island of Okinawa except Okinawa Island itself (Miyako, Ishigaki and
    the other Yaeyama islands, Kume, Ie); nor the Northern Territories. Islands joined to the
    land (Sakurajima) are kept. The land area measured on these polygons is about 363,000 km²,
    some 15,000 km² short of Japan's official 378,000 km²; Nagasaki and Okinawa lose close to
    half their area. Use them for maps and for adjacency between prefectures, not for areas,
    densities or point-in-polygon work near the coast (use :func:`municipalities` for that).
    """
    from ebpm import catalog

    if not isinstance(rough, bool):
        raise InvalidOptionError(f"rough={rough!r} must be True or False")
    return catalog.load("geo.japan_prefectures", rough=rough)


def _pref_codes(pref: Any, *, year: int | None = None) -> list[str]:
    """The 2-digit codes of ``pref``: one prefecture (code or name), a list of them, or "all".

    ``pref=None`` is all 47 for the offline boundaries (``year=None``) and an error for the N03
    downloads, which come one prefecture at a time.
    """
    if pref is None and year is None:
        return [f"{i:02d}" for i in range(1, 48)]
    if pref is None:
        raise InvalidOptionError(
            f"municipalities(year={year}) needs pref=: 国土数値情報 N03 is downloaded one "
            f"prefecture at a time, so name the prefecture(s), e.g. municipalities('13', "
            f"year={year}) or municipalities(['東京都', '神奈川県'], year={year}); pref='all' "
            "downloads all 47 (47 zips, hundreds of MB on the first call). Without year= the "
            f"{OFFLINE_YEAR} boundaries of all Japan are read offline: municipalities()"
        )
    if isinstance(pref, str) and pref.strip().lower() == "all":
        return [f"{i:02d}" for i in range(1, 48)]
    values = list(pref) if isinstance(pref, list | tuple | set | pd.Series) else [pref]
    if not values:
        raise InvalidOptionError(
            "pref=[] names no prefecture; give at least one, e.g. pref=['13', '14']"
        )
    codes = []
    for value in values:
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value).strip()
            if text.isdigit() and len(text) >= 4:
                raise InvalidCodeError(
                    f"pref={value!r} is a municipality code; pref= takes prefectures, so pass "
                    f"its prefecture ({text.zfill(5)[:2]!r}) and select rows by `code`"
                )
        try:
            codes.append(japan.prefecture_code(value))
        except InvalidCodeError as err:
            raise InvalidCodeError(f"pref={value!r}: {err}") from err
    return list(dict.fromkeys(codes))


def _combine(parts: list[Any], codes: list[str], params: dict[str, Any]) -> Any:
    """One GeoDataFrame from several prefectures' N03 frames, with one provenance record."""
    import geopandas as gpd

    from ebpm.catalog.provenance import combined_sha256

    crs = {str(p.crs) for p in parts}
    if len(crs) > 1:  # one release is in one CRS; guard anyway rather than mix silently
        parts = [p.to_crs(parts[0].crs) for p in parts]
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
    records = [p.attrs.get("ebpm", {}) for p in parts]
    first = dict(records[0])
    titles = [str(r.get("title") or "") for r in records]
    common = titles[0]
    for title in titles[1:]:  # the shared part, cut at a space: "行政区域データ（N03）... 日 "
        n = next((i for i, (a, b) in enumerate(zip(common, title, strict=False)) if a != b), None)
        common = common[: min(len(common), len(title)) if n is None else n]
    common = common[: common.rfind(" ") + 1]
    names = "・".join(japan.prefecture_name(c) for c in codes)
    files = [f for r in records for f in r.get("files", [])]
    retrieved = [r.get("retrieved_at") for r in records if r.get("retrieved_at")]
    first.update(
        title=f"{common}{names}" if common else names,
        request=[r.get("request") for r in records],
        sha256=combined_sha256([r.get("sha256") or "" for r in records]),
        files=files,
        params=params,
        retrieved_at=min(retrieved) if retrieved else first.get("retrieved_at"),
        from_cache=all(bool(r.get("from_cache")) for r in records),
        details={
            "prefectures": dict(zip(codes, [r.get("details", {}) for r in records], strict=True))
        },
    )
    gdf.attrs["ebpm"] = first
    gdf.attrs["n03"] = [p.attrs.get("n03", {}) for p in parts]
    return gdf


def municipalities(
    pref: Any = None,
    year: int | None = None,
    *,
    wards: bool = True,
    detail: Detail = "fine",
) -> Any:
    """Municipal boundaries from 国土数値情報 N03, one row per municipality.

    Without ``year``, the boundaries of 1 January 2021 shipped inside ebpm (offline, nothing is
    downloaded): all of Japan, or the prefectures named in ``pref``. With ``year``, that
    release is downloaded from MLIT one prefecture at a time (remote, cached).

    Parameters
    ----------
    pref : str, int or list of them, or "all", optional
        The prefecture(s): a code (``13``, ``"13"``) or a name (``"東京都"``, ``"東京"``,
        ``"Tokyo"``, ``"とうきょうと"``), or a list of them, whose municipalities are
        concatenated. Default: all 47, which needs no download without ``year``; with
        ``year`` a prefecture must be named (``"all"`` downloads all 47 zips, hundreds of MB
        on the first call; warns).
    year : int, optional
        ``None`` (default): the 2021 boundaries shipped with ebpm. A year (2015 or later,
        up to the catalog entry's newest): that release, boundaries as of 1 January of
        ``year``, downloaded.
    wards : bool
        ``True`` (default): a designated city (政令指定都市) appears as its wards (区).
        ``False``: one row per designated city, as many e-Stat tables report. Tokyo's 23
        special wards are municipalities either way.
    detail : {"fine", "coarse"}
        How finely the offline boundaries are drawn: ``"fine"`` (default) keeps 1% of the N03
        vertices, enough for municipal and regional maps; ``"coarse"`` keeps 0.1%, for
        national overview maps (faster to draw, same rows). Only for ``year=None``: the
        downloads come at full detail.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per municipality in code order: ``code`` (5-digit JIS X 0402, N03's
        ``N03_007``), ``pref_code``, ``name`` (千代田区, 札幌市中央区), ``pref_name``,
        ``subpref``, ``county_or_city``, ``muni_name``, ``ward``, ``geometry`` (valid, EPSG:6668
        JGD2011 for 2016 on). Offline, all Japan is 1,902 rows with wards (1,741
        municipalities less 20 designated cities plus their 175 wards, and the 6 villages of
        the Northern Territories) and 1,747 without. ``attrs["ebpm"]`` is the provenance:
        licence, the attribution MLIT asks for (offline: 「国土数値情報（行政区域データ）
        （国土交通省）を加工して作成」), and the files read with their sha256.

    Raises
    ------
    InvalidOptionError
        ``pref`` is an empty list, or missing while ``year`` is given; ``wards`` is not a bool;
        ``detail`` is not one of the choices, or not ``"fine"`` with a ``year``.
    InvalidCodeError
        ``pref`` names no prefecture, or is a municipality code.
    ebpm.errors.IntegrityError
        A shipped boundary file does not match the sha256 its catalog entry pins.
    ebpm.errors.CatalogError
        ``year`` is not a release the catalog entry allows.
    ebpm.errors.RemoteError, ebpm.errors.OfflineError
        A download failed, or is not cached while ``EBPM_OFFLINE=1``.

    Notes
    -----
    The offline files are N03 of 2021-01-01 simplified by smartnews-smri/japan-topography
    (``ebpm/data/japan/SOURCES.md``); the four pieces of land without a municipality
    (所属未定地) are dropped, as the downloads' reader does. A municipality created or
    merged after 2021 is not in them: pass the year of your table to download its release.

    See Also
    --------
    ebpm.catalog.ksj_boundaries : the reader of the downloads, with the details of N03 files.
    ebpm.catalog.boundaries.JapanMunicipalBoundaries : the reader of the shipped files.
    """
    from ebpm import catalog

    if not isinstance(wards, bool):
        raise InvalidOptionError(
            f"wards={wards!r} must be True (designated cities as their wards) or False (one row "
            "per designated city)"
        )
    detail = check_detail(detail)
    if year is None:
        return _offline(pref, wards=wards, detail=detail)
    if detail != "fine":
        raise InvalidOptionError(
            f"detail={detail!r} is for the {OFFLINE_YEAR} boundaries shipped with ebpm "
            f"(year=None); the N03 downloads (year={year!r}) come at full detail. Drop detail= "
            "or year="
        )
    codes = _pref_codes(pref, year=year)
    if len(codes) == 47:
        warnings.warn(
            "municipalities(pref='all') reads 47 N03 zips; on the first call that downloads "
            "hundreds of MB (later calls read the cache)",
            EbpmWarning,
            stacklevel=2,
        )
    params: dict[str, Any] = {"wards": wards, "year": year}
    parts = []
    for code in codes:
        log.info("loading N03 municipalities of prefecture %s", code)
        part = catalog.load(_N03_ENTRY, prefecture=code, **params)
        parts.append(_tidy(part))
    if len(parts) == 1:
        return parts[0]
    return _combine(parts, codes, {"prefecture": codes, **params})


def _offline(pref: Any, *, wards: bool, detail: str) -> Any:
    """The shipped 2021 boundaries, all Japan or the prefectures of ``pref``."""
    from ebpm import catalog

    codes = _pref_codes(pref)
    log.info("loading the %d municipal boundaries shipped with ebpm", OFFLINE_YEAR)
    gdf = _tidy(catalog.load(_OFFLINE_ENTRY, wards=wards, detail=detail))
    if len(codes) == 47:
        return gdf
    out = gdf[gdf["pref_code"].isin(codes)].reset_index(drop=True)
    record = dict(gdf.attrs["ebpm"])  # a new record: the national frame's is shared, read-only
    record["params"] = {"prefecture": codes[0] if len(codes) == 1 else codes, **record["params"]}
    names = "・".join(japan.prefecture_name(c) for c in codes)
    title = str(record.get("title") or "")
    record["title"] = title.replace("全国", names) if "全国" in title else f"{title} {names}"
    out.attrs = {**gdf.attrs, "ebpm": frozen(record)}
    return out


def _tidy(gdf: Any) -> Any:
    """N03 frame with ``muni_code`` renamed ``code`` and the columns in order; attrs kept."""
    attrs = dict(gdf.attrs)
    out = gdf.rename(columns={"muni_code": "code"})
    out = out[[c for c in MUNICIPALITY_COLUMNS if c in out.columns]]
    out = out.sort_values("code", ignore_index=True)
    out.attrs = attrs
    return out


def tokyo() -> Any:
    """The 262 municipalities of the Tokyo metropolitan area in 1990, with mortality data.

    The Tokyo mortality data of Nakaya et al. (2005), bundled in libpysal's ``tokyo`` example
    (offline): every municipality within about 70 km of Chiyoda ward, as it was in 1990 (the
    wards of Yokohama and Kawasaki separately, Chiba city whole, towns since merged such as
    浦和市 and 大宮市), with working-age deaths and census covariates.

    Returns
    -------
    geopandas.GeoDataFrame
        262 rows: ``code`` (5-digit JIS X 0402 code of 1990), ``pref_code``, ``name_ja`` (kanji,
        from :mod:`ebpm.japan` where the code and the romaji name still identify the same
        municipality; missing for the 67 units merged or renamed since, e.g. 浦和市 11204 and
        水海道市 08211, now 常総市), ``name_en`` (the source's romaji, cut at 16 characters),
        ``area_id`` (0-261), ``db2564`` and ``eb2564`` (observed and expected deaths aged
        25-64), ``smr`` (their ratio), ``OCC_TEC`` (share of professional workers), ``OWNH``
        (share of owned houses), ``POP65`` (share aged 65 and over), ``UNEMP`` (unemployment
        rate, per cent), ``X_CENTROID``/``Y_CENTROID`` (centroids in metres) and ``geometry``
        (valid, EPSG:30166, Tokyo / Japan Plane Rectangular CS VI, as the shapefile's .prj
        says). ``attrs["ebpm"]`` records the package files and their sha256.

    References
    ----------
    Nakaya, T., Fotheringham, A. S., Brunsdon, C. and Charlton, M. (2005). Geographically
    weighted Poisson regression for disease association mapping. *Statistics in Medicine*
    24(17), 2695-2717.
    """
    from ebpm import catalog

    return catalog.load("geo.tokyo_municipalities")
