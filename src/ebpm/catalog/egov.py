"""e-Govデータポータル (data.e-gov.go.jp): the Japanese government's open-data catalog.

The portal runs CKAN; its action API answers ``{"help": ..., "success": true, "result": ...}``
and, on failure, ``"success": false`` with ``"error": {"__type": ..., "message": ...}`` (HTTP 404
for an unknown dataset, 409 for a malformed request). This module searches it
(``package_search``), reads a dataset's record (``package_show``), and loads a dataset's CSV or
XLSX resource as a DataFrame through :mod:`ebpm.catalog.files` (downloaded once, cached as
Parquet).

On e-Gov the dataset-level ``license_id``/``license_title`` are usually empty; the licence is
given per resource (``license_id``). The licence recorded for a resource is, in order: the
resource's ``license_title``/``license_id``, the dataset's, the resource's
``terms_and_conditions``, else it says the catalog states none.

Environment
-----------
``EBPM_EGOV_CKAN_API``
    The action API base (default ``https://data.e-gov.go.jp/data/api/action``; the portal also
    answers under ``/data/api/3/action``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog.cache import Fetched, Request, base_url, fetch, is_offline
from ebpm.catalog.files import load_remote_table
from ebpm.catalog.provenance import finish, remote_origin
from ebpm.errors import (
    CatalogError,
    InvalidOptionError,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
    did_you_mean,
)

__all__ = [
    "API_ENV",
    "DEFAULT_API",
    "EGovResource",
    "egov_package",
    "egov_resource",
    "egov_resources",
    "egov_search",
]

log = logging.getLogger(__name__)

API_ENV = "EBPM_EGOV_CKAN_API"
DEFAULT_API = "https://data.e-gov.go.jp/data/api/action"
PORTAL = "e-Govデータポータル"
#: Resource formats read as tables, by the resource's ``format`` or its URL's extension.
TABLE_FORMATS = {"csv": "csv", "text/csv": "csv", "xlsx": "xlsx"}
_NO_LICENCE = {"", "notspecified", "none", "null", "other", "unknown"}
SEARCH_COLUMNS = [
    "name",
    "title",
    "organization",
    "license",
    "metadata_modified",
    "num_resources",
    "formats",
    "url",
]
RESOURCE_COLUMNS = ["id", "name", "format", "url", "size", "last_modified"]


# --- the action API -------------------------------------------------------------------------
def _api() -> str:
    return base_url(API_ENV, DEFAULT_API)


def _site(api: str) -> str:
    """The portal's web root from the API base: ``.../data/api/action`` -> ``.../data``."""
    return re.sub(r"/api(/\d+)?/action$", "", api)


def _dataset_page(name: str) -> str:
    return f"{_site(_api())}/dataset/{name}"


def _http_status(err: RemoteError) -> int | None:
    return getattr(err, "status", None)


def _ckan_error(err: RemoteError) -> str:
    """CKAN's own explanation in an error answer (``error.message``), or ''."""
    try:
        payload = json.loads(getattr(err, "body", b"") or b"{}")
    except ValueError:
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return ""
    parts = [str(error.get("__type", "")).strip()]
    message = error.get("message")
    if message:
        parts.append(str(message))
    for key, value in error.items():  # validation errors: {"field": ["problem"]}
        if key not in ("__type", "message"):
            parts.append(f"{key}: {value}")
    return "; ".join(p for p in parts if p)


def _parse(fetched: Fetched, action: str, what: str) -> tuple[Any, str | None]:
    """The ``result`` of a CKAN answer, or ``(None, problem)`` when the answer is not usable."""
    raw = fetched.read_bytes()
    try:
        payload = json.loads(raw)
    except ValueError:
        start = raw[:60].decode("utf-8", "replace").strip()
        return None, (
            f"{what}: the {action} answer from {fetched.url} is not JSON (it starts {start!r}); "
            f"the portal may be down for maintenance, or {API_ENV} does not point at a CKAN "
            "action API"
        )
    if not isinstance(payload, dict) or "success" not in payload:
        return None, (
            f"{what}: the {action} answer from {fetched.url} is not a CKAN action API answer "
            f"(no 'success' key); check {API_ENV}"
        )
    if payload["success"] is not True:
        error = payload.get("error") or {}
        kind = error.get("__type", "error") if isinstance(error, dict) else "error"
        detail = error.get("message") if isinstance(error, dict) else error
        if isinstance(error, dict) and not detail:
            detail = "; ".join(f"{k}: {v}" for k, v in error.items() if k != "__type")
        raise SourceStatusError(
            f"{what}: e-Gov answered success=false to {action} ({kind}: {detail}) for "
            f"{fetched.url}; {_hint(kind)}"
        )
    return payload.get("result"), None


def _hint(kind: str) -> str:
    if "Not Found" in kind:
        return "check the dataset name (search with egov_search('keywords'))"
    if "Validation" in kind:
        return "check the request's parameters"
    if "Authorization" in kind:
        return "the dataset is not public"
    return "try again later"


def _attempt(req: Request, action: str, *, what: str, refresh: bool) -> tuple[Any, Fetched] | None:
    """One fetch and parse; ``None`` when a cached answer is unusable and may be fetched again."""
    fetched = fetch(req, what=what, refresh=refresh)
    retry = fetched.from_cache and not is_offline()
    try:
        result, problem = _parse(fetched, action, what)
    except SourceStatusError:
        if retry:  # a failure answer was cached: ask again rather than repeat it forever
            return None
        raise
    if problem:
        if retry:
            return None
        raise SourceFormatError(problem)
    return result, fetched


def _call(action: str, params: dict[str, Any], *, what: str, refresh: bool) -> tuple[Any, Fetched]:
    """Run a CKAN action (GET) through the cache; return its ``result`` and the download."""
    req = Request.get(f"{_api()}/{action}", params)
    try:
        for again in (refresh, True):
            out = _attempt(req, action, what=what, refresh=again)
            if out is not None:
                return out
            log.info("the cached %s answer is unusable; downloading it again", action)
    except SourceStatusError:
        raise
    except RemoteError as err:
        status = _http_status(err)
        if status == 404 and action == "package_show":
            raise SourceStatusError(
                f"{what}: e-Gov has no dataset {params.get('id')!r} (package_show answered HTTP "
                f"404 Not Found). Use the dataset's name as in its page address "
                f"{_site(_api())}/dataset/<name>, or find it with egov_search('keywords')."
            ) from err
        if status in (400, 409):
            raise SourceStatusError(
                f"{what}: e-Gov rejected the {action} request (HTTP {status}: "
                f"{_ckan_error(err) or 'a CKAN validation error'}) for {req.redacted}; check the "
                f"parameters {req.public_params}"
            ) from err
        raise
    raise SourceFormatError(f"{what}: no usable {action} answer from {req.redacted}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _org_title(pkg: dict[str, Any]) -> str:
    org = pkg.get("organization") or {}
    return (
        _text(org.get("title") if isinstance(org, dict) else None)
        or _text(pkg.get("publisher"))
        or _text(pkg.get("author"))
        or PORTAL
    )


def _licence_value(value: Any) -> str | None:
    text = _text(value)
    return None if text is None or text.lower() in _NO_LICENCE else text


def _resource_licence(res: dict[str, Any], pkg: dict[str, Any]) -> str:
    for value in (
        res.get("license_title"),
        res.get("license_id"),
        pkg.get("license_title"),
        pkg.get("license_id"),
        res.get("terms_and_conditions"),
    ):
        text = _licence_value(value)
        if text:
            return text
    return (
        f"unstated: the e-Gov catalog gives no licence for this resource; check the terms of "
        f"{_org_title(pkg)} ({_dataset_page(pkg.get('name', ''))})"
    )


def _package_licence(pkg: dict[str, Any]) -> str | None:
    own = _licence_value(pkg.get("license_title")) or _licence_value(pkg.get("license_id"))
    if own:
        return own
    found = sorted(
        {
            text
            for r in pkg.get("resources") or []
            if (text := _licence_value(r.get("license_title") or r.get("license_id")))
        }
    )
    return "; ".join(found) or None


def _attribution(pkg: dict[str, Any]) -> str:
    return f"出典：{_org_title(pkg)}「{_text(pkg.get('title')) or pkg.get('name')}」({PORTAL})"


def _publisher_updated(res: dict[str, Any], pkg: dict[str, Any]) -> str | None:
    for value in (
        res.get("last_modified"),
        res.get("last_modified_date"),
        res.get("provider_last_modified_date"),
        pkg.get("metadata_modified"),
    ):
        if _text(value):
            return _text(value)
    return None


def _resource_url(res: dict[str, Any]) -> str | None:
    for key in ("url", "download_url", "access_url"):
        value = _text(res.get(key))
        if value:
            return value
    return None


def _table_format(res: dict[str, Any]) -> str | None:
    """``"csv"``/``"xlsx"`` when the resource is a table ebpm reads, else ``None``."""
    declared = (_text(res.get("format")) or "").lower().lstrip(".")
    if declared in TABLE_FORMATS:
        return TABLE_FORMATS[declared]
    if declared:
        return None
    path = urlsplit(_resource_url(res) or "").path.lower()
    for ext, fmt in ((".csv", "csv"), (".xlsx", "xlsx")):
        if path.endswith(ext):
            return fmt
    return None


def _as_list(value: str | Iterable[str] | None, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise InvalidOptionError(f"{name}={value!r} must be a string or a list of strings")
    return items


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- organisations --------------------------------------------------------------------------
def _organization_name(organization: str) -> str:
    """The CKAN name (``org_1300``) of an organisation given by name or title (``内閣府``)."""
    if re.fullmatch(r"[a-z0-9_\-]+", organization):
        return organization
    result, _ = _call(
        "organization_list",
        {"all_fields": "true"},
        what="e-Gov organisation list",
        refresh=False,
    )
    if not isinstance(result, list):
        raise SourceFormatError(
            f"e-Gov organisation list: organization_list did not return a list; check {API_ENV}"
        )
    titles: dict[str, str] = {}
    for org in result:
        if isinstance(org, dict) and org.get("name"):
            for key in ("title", "display_name"):
                if title := _text(org.get(key)):
                    titles[title] = org["name"]
    wanted = _text(organization) or ""
    if wanted in titles:
        return titles[wanted]
    raise CatalogError(
        f"organization={organization!r} is not an e-Gov organisation.{did_you_mean(wanted, titles)}"
        f" Give its title as the portal shows it (e.g. {next(iter(sorted(titles)), '内閣府')!r})"
        " or its CKAN name (e.g. 'org_1300')."
    )


# --- public functions -----------------------------------------------------------------------
def egov_search(
    query: str = "",
    *,
    rows: int = 20,
    organization: str | None = None,
    tags: str | Iterable[str] | None = None,
    res_format: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Search the e-Gov data portal's datasets.

    Parameters
    ----------
    query : str
        Search words (CKAN/Solr syntax; empty: every dataset, most relevant first).
    rows : int
        How many datasets to return (1–1000).
    organization : str, optional
        Only datasets of this organisation: its title as the portal shows it (``"内閣府"``) or
        its CKAN name (``"org_1300"``).
    tags : str or list of str, optional
        Only datasets with all these tags.
    res_format : str or list of str, optional
        Only datasets with a resource in each of these formats (``"CSV"``).

    Returns
    -------
    pandas.DataFrame
        One row per dataset: ``name`` (what :func:`egov_resource` takes), ``title``,
        ``organization``, ``license`` (the dataset's, or its resources' licences),
        ``metadata_modified``, ``num_resources``, ``formats``, ``url`` (the dataset's page).
        ``attrs["egov"]["count"]`` is the number of matching datasets.

    Notes
    -----
    Searches are always sent (fresh results) unless ``EBPM_OFFLINE`` is set, when the last
    cached answer to the same search is used.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= 1000:
        raise InvalidOptionError(f"rows={rows!r} must be a whole number from 1 to 1000")
    filters = []
    if organization:
        filters.append(f"organization:{_organization_name(organization)}")
    filters += [f"tags:{_quoted(t)}" for t in _as_list(tags, "tags")]
    filters += [f"res_format:{_quoted(f)}" for f in _as_list(res_format, "res_format")]
    params = {"q": query or None, "rows": rows, "fq": " AND ".join(filters) or None}
    what = f"e-Gov search {query!r}"
    result, fetched = _call("package_search", params, what=what, refresh=not is_offline())
    if not isinstance(result, dict) or not isinstance(result.get("results"), list):
        raise SourceFormatError(
            f"{what}: package_search returned no 'results' list ({fetched.url}); check {API_ENV}"
        )
    out = []
    for pkg in result["results"]:
        resources = pkg.get("resources") or []
        formats = sorted({f for r in resources if (f := _text(r.get("format")))})
        out.append(
            {
                "name": pkg.get("name"),
                "title": _text(pkg.get("title")),
                "organization": _org_title(pkg),
                "license": _package_licence(pkg),
                "metadata_modified": pkg.get("metadata_modified"),
                "num_resources": int(pkg.get("num_resources", len(resources)) or 0),
                "formats": ", ".join(formats),
                "url": _dataset_page(pkg.get("name", "")),
            }
        )
    df = pd.DataFrame(out, columns=SEARCH_COLUMNS)
    df.attrs["ebpm"] = {
        "origin": remote_origin([fetched], what=what, source=PORTAL, licence=None, attribution=None)
    }
    finish(df, params={k: v for k, v in params.items() if v is not None})
    df.attrs["egov"] = {"count": result.get("count")}
    return df


def _package(name: str, *, refresh: bool) -> tuple[dict[str, Any], Fetched]:
    if not isinstance(name, str) or not name.strip():
        raise InvalidOptionError(
            f"package={name!r} is not a dataset name; give the name from the dataset's page "
            "address or from egov_search()"
        )
    what = f"e-Gov dataset {name!r}"
    result, fetched = _call("package_show", {"id": name.strip()}, what=what, refresh=refresh)
    if not isinstance(result, dict) or not isinstance(result.get("resources", []), list):
        raise SourceFormatError(
            f"{what}: package_show returned no dataset record ({fetched.url}); check {API_ENV}"
        )
    return result, fetched


def _resource_record(res: dict[str, Any], pkg: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": res.get("id"),
        "name": _text(res.get("name")),
        "format": _text(res.get("format")),
        "url": _resource_url(res),
        "size": res.get("size"),
        "last_modified": _text(res.get("last_modified"))
        or _text(res.get("last_modified_date"))
        or _text(res.get("provider_last_modified_date")),
        "licence": _resource_licence(res, pkg),
        "description": _text(res.get("description")),
    }


def egov_package(name: str) -> dict[str, Any]:
    """The catalog record of one e-Gov dataset (``package_show``).

    Returns a dict with ``name``, ``id``, ``title``, ``notes``, ``license_title`` (as CKAN
    gives it, often empty on e-Gov), ``licence`` (the dataset's, or its resources' licences),
    ``organization``, ``metadata_modified``, ``url`` (the dataset's page) and ``resources``
    (one dict per resource: ``id``, ``name``, ``format``, ``url``, ``size``,
    ``last_modified``, ``licence``, ``description``).

    Raises :class:`~ebpm.errors.SourceStatusError` when e-Gov has no such dataset. The record
    is fetched fresh online and from the cache with ``EBPM_OFFLINE``.
    """
    pkg, _ = _package(name, refresh=not is_offline())
    return {
        "name": pkg.get("name"),
        "id": pkg.get("id"),
        "title": _text(pkg.get("title")),
        "notes": pkg.get("notes"),
        "license_title": pkg.get("license_title"),
        "licence": _package_licence(pkg),
        "organization": _org_title(pkg),
        "metadata_modified": pkg.get("metadata_modified"),
        "url": _dataset_page(pkg.get("name") or name),
        "resources": [_resource_record(r, pkg) for r in pkg.get("resources") or []],
    }


def egov_resources(name: str) -> pd.DataFrame:
    """The resources (files) of one e-Gov dataset: ``id, name, format, url, size,
    last_modified``, in the portal's order (the position is what ``resource=`` takes)."""
    record = egov_package(name)
    return pd.DataFrame(
        [{k: r[k] for k in RESOURCE_COLUMNS} for r in record["resources"]],
        columns=RESOURCE_COLUMNS,
    )


def _describe(resources: list[dict[str, Any]], indices: Iterable[int]) -> str:
    return "; ".join(
        f"[{i}] {_text(resources[i].get('name'))!r} ({_text(resources[i].get('format')) or '?'}, "
        f"id {resources[i].get('id')})"
        for i in indices
    )


def _pick_resource(pkg: dict[str, Any], resource: str | int | None) -> dict[str, Any]:
    name = pkg.get("name")
    resources = [r for r in pkg.get("resources") or [] if isinstance(r, dict)]
    tables = [i for i, r in enumerate(resources) if _table_format(r)]
    page = _dataset_page(name or "")
    if resource is None:
        if len(tables) == 1:
            return resources[tables[0]]
        if not tables:
            listed = _describe(resources, range(len(resources))) or "none"
            raise SourceFormatError(
                f"e-Gov dataset {name!r} has no CSV or XLSX resource to read as a table; its "
                f"resources: {listed}. ebpm reads CSV and XLSX; see {page}"
            )
        raise CatalogError(
            f"e-Gov dataset {name!r} has {len(tables)} table resources; choose one with "
            f"resource= (its name, id or position): {_describe(resources, tables)}"
        )
    if isinstance(resource, bool) or not isinstance(resource, str | int):
        raise InvalidOptionError(
            f"resource={resource!r} must be a resource name, id or position (int)"
        )
    if isinstance(resource, int):
        if not -len(resources) <= resource < len(resources):
            raise CatalogError(
                f"e-Gov dataset {name!r} has {len(resources)} resources, so there is no "
                f"resource {resource}; positions are 0-based: {_describe(resources, tables)}"
            )
        chosen = resources[resource]
    else:
        by_id = [r for r in resources if r.get("id") == resource]
        by_name = [r for r in resources if _text(r.get("name")) == _text(resource)]
        if by_id:
            chosen = by_id[0]
        elif len(by_name) == 1:
            chosen = by_name[0]
        elif by_name:
            ids = [r.get("id") for r in by_name]
            raise CatalogError(
                f"e-Gov dataset {name!r} has {len(by_name)} resources named {resource!r}; "
                f"give its id instead: {ids}"
            )
        elif resource.strip().isdigit() and int(resource) < len(resources):
            chosen = resources[int(resource)]  # a position given as text (CLI, YAML string)
        else:
            names = [n for r in resources if (n := _text(r.get("name")))]
            raise CatalogError(
                f"e-Gov dataset {name!r} has no resource {resource!r}."
                f"{did_you_mean(resource, names)} Its resources: "
                f"{_describe(resources, range(len(resources)))}"
            )
    if not _table_format(chosen):
        raise SourceFormatError(
            f"resource {_text(chosen.get('name'))!r} of e-Gov dataset {name!r} is "
            f"{_text(chosen.get('format')) or 'of unknown format'}, not CSV or XLSX; "
            f"table resources: {_describe(resources, tables) or 'none'}"
        )
    return chosen


def _resource_frame(
    package: str,
    resource: str | int | None,
    *,
    sha256: str | None,
    encoding: str | None,
    read_csv: dict[str, Any] | None,
    sheet: str | int | None,
    refresh: bool,
    columns: list[str] | None,
) -> pd.DataFrame:
    pkg, meta = _package(package, refresh=refresh)
    res = _pick_resource(pkg, resource)
    url = _resource_url(res)
    label = f"e-Gov dataset {pkg.get('name')!r}, resource {_text(res.get('name'))!r}"
    if not url:
        raise SourceFormatError(f"{label} has no download URL in the catalog record")
    page = _dataset_page(pkg.get("name") or package)
    if res.get("id"):
        page = f"{page}/resource/{res['id']}"
    df = load_remote_table(
        url,
        what=label,
        sha256=sha256,
        format="auto",
        encoding=encoding,
        read_csv=read_csv,
        sheet=sheet,
        refresh=refresh,
        columns=columns,
        source=f"{_org_title(pkg)} ({PORTAL})",
        licence=_resource_licence(res, pkg),
        attribution=_attribution(pkg),
        title=_text(pkg.get("title")),
        page_url=page,
        publisher_updated=_publisher_updated(res, pkg),
        extra={
            "egov_dataset": pkg.get("name"),
            "egov_resource_id": res.get("id"),
            "metadata_request": meta.url,
        },
    )
    origin = df.attrs["ebpm"]["origin"]
    df.attrs["egov"] = {
        "dataset": pkg.get("name"),
        "resource_id": res.get("id"),
        "metadata_request": origin.get("metadata_request", meta.url),
    }
    return df


def egov_resource(
    package: str,
    resource: str | int | None = None,
    *,
    sha256: str | None = None,
    encoding: str | None = "auto",
    read_csv: dict[str, Any] | None = None,
    sheet: str | int | None = None,
    refresh: bool = False,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Load a CSV or XLSX resource of an e-Gov dataset as a DataFrame.

    Parameters
    ----------
    package : str
        The dataset's name (the last part of its page address,
        ``https://data.e-gov.go.jp/data/dataset/<name>``) or id.
    resource : str or int, optional
        Which resource: its name, its id, or its 0-based position in :func:`egov_resources`.
        May be left out when the dataset has exactly one CSV/XLSX resource.
    sha256 : str, optional
        Pinned hash of the file; a download that differs is refused and not cached.
    encoding : str, optional
        CSV encoding; ``"auto"`` tries UTF-8, then Shift_JIS (CP932).
    read_csv : dict, optional
        Options for :func:`pandas.read_csv` (or :func:`pandas.read_excel` for XLSX).
    sheet : str or int, optional
        XLSX sheet (default: the first).
    refresh : bool
        Fetch the dataset record and the file again.
    columns : list of str, optional
        Read only these columns.

    Returns
    -------
    pandas.DataFrame
        With provenance in ``attrs["ebpm"]``: the file's URL and sha256, the licence given in
        the catalog, the attribution ``出典：<organisation>「<title>」(e-Govデータポータル)``,
        and the publisher's last update; ``attrs["egov"]`` the dataset name and resource id.

    Raises
    ------
    SourceStatusError
        e-Gov has no such dataset.
    CatalogError
        ``resource`` is missing while several tables exist, or names no resource (the message
        lists them, with a close match).
    SourceFormatError
        The resource is not CSV/XLSX, or its bytes are not a readable table.

    Notes
    -----
    The dataset record and the file are cached: a repeated call reads Parquet without the
    network, also with ``EBPM_OFFLINE``.
    """
    df = _resource_frame(
        package,
        resource,
        sha256=sha256,
        encoding=encoding,
        read_csv=read_csv,
        sheet=sheet,
        refresh=refresh,
        columns=columns,
    )
    params = {"package": package, "resource": resource}
    return finish(df, params={k: v for k, v in params.items() if v is not None})


class EGovResource(BaseReader):
    """A CSV or XLSX resource of an e-Gov data portal dataset (see :func:`egov_resource`).

    Keyword arguments: ``package`` (dataset name), ``resource`` (name, id or position; may be
    left out for a dataset with one table), ``sha256``, ``encoding``, ``read_csv``, ``sheet``.
    Loads take ``refresh`` and ``columns``.
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas"}

    def _read(
        self,
        *,
        package: str,
        resource: str | int | None = None,
        sha256: str | None = None,
        encoding: str | None = "auto",
        read_csv: dict[str, Any] | None = None,
        sheet: str | int | None = None,
        refresh: bool = False,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        return _resource_frame(
            package,
            resource,
            sha256=sha256,
            encoding=encoding,
            read_csv=read_csv,
            sheet=sheet,
            refresh=refresh,
            columns=columns,
        )
