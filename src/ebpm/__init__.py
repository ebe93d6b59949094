"""ebpm: a workbench for evidence-based policy making.

Load open government and study data by name (:mod:`ebpm.catalog`), estimate policy effects with
one result object (:func:`ebpm.did`, ...), and publish parameterised notebooks as a report site
(``ebpm run``).
"""

from ebpm._lazy import exports
from ebpm._version import __version__
from ebpm.errors import (
    CatalogError,
    ColumnNotFoundError,
    DataError,
    DatasetNotFoundError,
    DuplicateRowsError,
    EbpmError,
    EbpmWarning,
    EmptySideError,
    EstimationError,
    FewClustersWarning,
    IntegrityError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    NoPrePeriodError,
    NoTreatedUnitsError,
    ParameterError,
    PipelineError,
    SpecError,
    TaskFailedError,
    UnitNotFoundError,
)

#: Estimators and result objects import pandas and statsmodels; load them on first use, so that
#: `ebpm --help`, `ebpm check` and a rerun with nothing to do start fast.
_LAZY = {
    "compare": "ebpm.comparison",
    "BalancedPanelWarning": "ebpm.estimators",
    "MissingValueWarning": "ebpm.estimators",
    "balance": "ebpm.estimators",
    "did": "ebpm.estimators",
    "event_study": "ebpm.estimators",
    "its": "ebpm.estimators",
    "rdd": "ebpm.estimators",
    "staggered_did": "ebpm.estimators",
    "bacon_decomposition": "ebpm.estimators",
    "synthetic_control": "ebpm.estimators",
    "EstimateResult": "ebpm.results",
}

#: Every public subpackage and module: ``ebpm.disclosure.suppress`` and ``ebpm.kpi`` work after
#: a bare ``import ebpm``, each imported on first use (a test checks that this list is complete).
SUBMODULES = (
    "catalog",
    "cli",
    "comparison",
    "describe",
    "disclosure",
    "errors",
    "estimators",
    "geo",
    "japan",
    "kpi",
    "pipeline",
    "plotting",
    "privacy",
    "project",
    "report",
    "results",
    "site",
    "trust",
)


__getattr__, __dir__ = exports(__name__, _LAZY, submodules=SUBMODULES)


__all__ = [
    "BalancedPanelWarning",
    "CatalogError",
    "ColumnNotFoundError",
    "DataError",
    "DatasetNotFoundError",
    "DuplicateRowsError",
    "EbpmError",
    "EbpmWarning",
    "EmptySideError",
    "EstimateResult",
    "EstimationError",
    "FewClustersWarning",
    "IntegrityError",
    "InvalidOptionError",
    "MissingValueError",
    "MissingValueWarning",
    "NoPrePeriodError",
    "NoTreatedUnitsError",
    "NonNumericError",
    "ParameterError",
    "PipelineError",
    "SpecError",
    "TaskFailedError",
    "UnitNotFoundError",
    "__version__",
    "bacon_decomposition",
    "balance",
    "compare",
    "did",
    "event_study",
    "its",
    "rdd",
    "staggered_did",
    "synthetic_control",
]
