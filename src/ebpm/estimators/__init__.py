"""Policy-evaluation estimators, one research design per module, one result object.

Heavy engines (pyfixest, moderndid, rdrobust, statsmodels, synthdid) are imported inside the
estimators, on first use, so ``import ebpm`` stays fast in every notebook kernel.
"""

from ebpm.errors import StaggeredAdoptionWarning
from ebpm.estimators._common import MissingValueWarning
from ebpm.estimators.bacon import BaconDecomposition, bacon_decomposition
from ebpm.estimators.balance import balance
from ebpm.estimators.did import did
from ebpm.estimators.event_study import event_study
from ebpm.estimators.its import its
from ebpm.estimators.rdd import rdd
from ebpm.estimators.staggered import BalancedPanelWarning, staggered_did
from ebpm.estimators.synth import plot_gaps, synthetic_control

__all__ = [
    "BaconDecomposition",
    "BalancedPanelWarning",
    "MissingValueWarning",
    "StaggeredAdoptionWarning",
    "bacon_decomposition",
    "balance",
    "did",
    "event_study",
    "its",
    "plot_gaps",
    "rdd",
    "staggered_did",
    "synthetic_control",
]
