"""ebpm: a workbench for evidence-based policy making.

Load open government and study data by name (:mod:`ebpm.catalog`), estimate policy effects with
one result object (:func:`ebpm.did`, ...), and publish parameterised notebooks as a report site
(``ebpm run``).
"""

from ebpm._version import __version__
from ebpm.errors import (
    CatalogError,
    ColumnNotFoundError,
    DataError,
    DatasetNotFoundError,
    EbpmError,
    EbpmWarning,
    EstimationError,
    IntegrityError,
    InvalidOptionError,
    ParameterError,
    PipelineError,
    SpecError,
    TaskFailedError,
)
from ebpm.estimators import MissingValueWarning, did
from ebpm.results import EstimateResult

__all__ = [
    "CatalogError",
    "ColumnNotFoundError",
    "DataError",
    "DatasetNotFoundError",
    "EbpmError",
    "EbpmWarning",
    "EstimateResult",
    "EstimationError",
    "IntegrityError",
    "InvalidOptionError",
    "MissingValueWarning",
    "ParameterError",
    "PipelineError",
    "SpecError",
    "TaskFailedError",
    "__version__",
    "did",
]
