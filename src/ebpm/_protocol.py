"""What ``ebpm run`` and a report notebook agree on: output mimetypes and environment variables.

Kept apart from :mod:`ebpm.report` (which imports pandas) so the runner can read them for free.
"""

RESULT_MIME = "application/vnd.ebpm.result+json"
PROVENANCE_MIME = "application/vnd.ebpm.provenance+json"
#: Set by ``ebpm run`` in the kernel's environment.
RUN_ID_ENV = "EBPM_RUN_ID"
TASK_ENV = "EBPM_TASK"
