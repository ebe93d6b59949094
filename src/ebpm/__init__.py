"""ebpm: a workbench for evidence-based policy making.

Load open government and study data by name (:mod:`ebpm.catalog`), estimate policy effects with
one result object (:func:`ebpm.did`, ...), and publish parameterised notebooks as a report site
(``ebpm run``).
"""

from ebpm._version import __version__
from ebpm.comparison import compare
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
from ebpm.estimators import (
    BalancedPanelWarning,
    MissingValueWarning,
    balance,
    did,
    event_study,
    its,
    rdd,
    staggered_did,
    synthetic_control,
)
from ebpm.results import EstimateResult


def __getattr__(name: str):
    # `ebpm.catalog` and `ebpm.report` work after a bare `import ebpm`, loaded on first use
    if name in ("catalog", "report", "pipeline", "describe", "plotting", "japan", "geo"):
        import importlib

        return importlib.import_module(f"ebpm.{name}")
    raise AttributeError(f"module 'ebpm' has no attribute {name!r}")


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
    "balance",
    "compare",
    "did",
    "event_study",
    "its",
    "rdd",
    "staggered_did",
    "synthetic_control",
]
