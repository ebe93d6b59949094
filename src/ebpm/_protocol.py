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

#: Names whose values are secrets (an e-Stat appId, API keys, tokens, passwords): never passed
#: as notebook parameters, never shown in pages.
SECRET_NAME = re.compile(r"(?i)(app_?id|api_?key|^key$|_key$|token|secret|passw(or)?d)")


def redact_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` with the values of secret-looking names replaced by ``***``."""
    return {k: ("***" if SECRET_NAME.search(str(k)) else v) for k, v in parameters.items()}
