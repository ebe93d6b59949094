"""What ``ebpm run`` and a report notebook agree on: output mimetypes, environment variables and
which names hold secrets.

Kept apart from :mod:`ebpm.report` (which imports pandas) so the runner can read them for free.
"""

import re
from collections.abc import Mapping
from typing import Any

RESULT_MIME = "application/vnd.ebpm.result+json"
PROVENANCE_MIME = "application/vnd.ebpm.provenance+json"
#: A table shown with ebpm.report.table: its name, whether it is sensitive, whether it passed
#: ebpm.disclosure.suppress.
TABLE_MIME = "application/vnd.ebpm.table+json"
#: A microdata release shown with ebpm.report.microdata: its name, keys, k, records at risk and
#: whether ebpm.privacy.anonymize processed it.
MICRODATA_MIME = "application/vnd.ebpm.microdata+json"
#: A KPI follow-up (``ebpm.kpi.KPIReport.to_dict()``), read back by the next follow-up.
KPI_MIME = "application/vnd.ebpm.kpi+json"
#: Set by ``ebpm run`` in the kernel's environment.
RUN_ID_ENV = "EBPM_RUN_ID"
TASK_ENV = "EBPM_TASK"
#: The run's folder (``runs/<pipeline>/<run-id>``): where a task finds what the tasks it
#: ``needs`` produced in this run (``ebpm.kpi.evidence``).
RUN_DIR_ENV = "EBPM_RUN_DIR"
#: The tasks of this run whose output this task may read (comma-separated): its ``needs`` and
#: the tasks it runs ``after`` that succeeded; they finished well earlier in this run.
NEEDS_ENV = "EBPM_NEEDS"
#: The tasks this task runs ``after`` that did not succeed in this run (comma-separated): what
#: it shows of them is older than this run, and it says so.
NOT_OK_ENV = "EBPM_NOT_OK"
#: The project root (the kernel's working folder): the files under it that a task reads are
#: inputs of the task (:mod:`ebpm._reads`).
PROJECT_ROOT_ENV = "EBPM_PROJECT_ROOT"
#: A file (one per task) where the kernel appends the project files it opens, one a line.
READS_FILE_ENV = "EBPM_READS_FILE"
#: Folders whose files are not inputs of a task (the run's ``runs/`` and ``site/``, the
#: download cache), separated by ``os.pathsep``.
READS_IGNORE_ENV = "EBPM_READS_IGNORE"
#: The site's language ("en" or "ja"): what ebpm's report helpers write in, in the kernel as on
#: the site (``ebpm run --lang``, ``ebpm publish --lang``; :func:`ebpm.report.language`).
LANG_ENV = "EBPM_LANG"

#: Names whose values are secrets (an e-Stat appId, API keys, tokens, passwords, credentials,
#: URL signatures), as parameter names at any depth and as query keys in URLs: never passed as
#: notebook parameters, never shown in pages, manifests or cache records. The one list: the
#: parameter check, the pages and the download cache all read it.
SECRET_NAME = re.compile(
    r"(?i)(app_?id|api_?key|^key$|[_-]key$|token|secret|passw(or)?d|passphrase|pwd|credential"
    r"|^sig$|[_-]sig$|signature|^auth$|authorization)"
)
#: A ``name=value`` pair in a URL's query or fragment (or in a message quoting one); the value
#: stops at the next separator or quote. ``key==3`` (a pandas query) is not a pair.
_PAIR = re.compile(r"(?<![\w.\-])([A-Za-z_][\w.\-]*)=(?!=)([^&\s'\"()<>#;,]+)")
#: The password of ``scheme://user:password@host``.
_USERINFO = re.compile(r"(?<=://)([^/\s:@]+):([^/\s@]+)@")
REDACTED = "***"


def is_secret_name(name: object) -> bool:
    """Whether ``name`` (a parameter, a mapping key or a URL query key) looks like a secret's."""
    return bool(SECRET_NAME.search(str(name)))


def secret_query_keys(text: str) -> list[str]:
    """The secret-looking query keys with a value in ``text`` (``["token"]`` for
    ``"https://x/y?id=1&token=abc"``); ``"password"`` for ``scheme://user:password@host``."""
    keys = [m.group(1) for m in _PAIR.finditer(text) if is_secret_name(m.group(1))]
    if _USERINFO.search(text):
        keys.append("password")
    return keys


def redact_text(text: str) -> str:
    """``text`` with the values of secret-looking query keys (``appId=...``, ``token=...``) and
    URL passwords replaced by ``***``."""
    text = _PAIR.sub(
        lambda m: f"{m.group(1)}={REDACTED}" if is_secret_name(m.group(1)) else m.group(0),
        str(text),
    )
    return _USERINFO.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)


def redact_value(value: Any, *, names: bool = True) -> Any:
    """``value`` with every secret replaced by ``***``, at any depth: the value of a
    secret-looking key (when ``names``) and secret query values inside strings."""
    if isinstance(value, Mapping):
        return {
            k: REDACTED if names and is_secret_name(k) else redact_value(v, names=names)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v, names=names) for v in value)
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` with the values of secret-looking names, at any depth, and of secret query
    keys in URL values replaced by ``***``."""
    return dict(redact_value(parameters))


def secret_places(value: Any, where: str = "") -> list[str]:
    """Where ``value`` holds a secret, as ``where`` extended by the path to it: ``"['password']"``
    for a secret-looking key at any depth with a non-empty value, ``"[0] (query key 'token')"``
    for a URL with a secret-looking query key. Empty when there is none."""
    out: list[str] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            here = f"{where}[{k!r}]"
            if is_secret_name(k) and v is not None and v != "":
                out.append(here)
            else:
                out.extend(secret_places(v, here))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            out.extend(secret_places(v, f"{where}[{i}]"))
    elif isinstance(value, str):
        out.extend(f"{where} (query key {k!r})".lstrip() for k in secret_query_keys(value))
    return out
