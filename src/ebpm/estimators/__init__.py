"""Policy-evaluation estimators, one research design per module, one result object."""

from ebpm.estimators._common import MissingValueWarning
from ebpm.estimators.did import did

__all__ = ["MissingValueWarning", "did"]
