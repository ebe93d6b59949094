"""Disclosure risk of microdata: how easily a record can be traced to its person.

Record-level data (one row per person or firm) can be released or shared only when no one can
be identified in them (匿名加工情報 under the Act on the Protection of Personal Information;
匿名データ under the Statistics Act). The risk comes from the key variables (quasi-identifiers)
an intruder could know from elsewhere, such as age, sex and municipality: a person alone in
their combination of keys can be recognised.

:func:`frequencies` counts, per record, the records sharing its keys (``fk``) and the people
they stand for (``Fk``); :func:`individual_risk` turns them into the probability of a correct
re-identification (Benedetti-Franconi); :func:`risk` summarises k-anonymity, expected
re-identifications and global risk; :func:`l_diversity` checks that a sensitive variable is
not revealed by the keys; :func:`suda` scores special uniques (records unique on few keys). The
numbers are those of the R package sdcMicro, which the tests check against its own test cases.
:func:`recode`, :func:`top_code` and :func:`bottom_code` generalize keys and code extreme values
(sdcMicro's ``globalRecode`` and ``topBotCoding``); :func:`find_identifiers` and
:func:`check_no_identifiers` find names, addresses, phone numbers, e-mails and 個人番号 by column
name and value, :func:`drop_identifiers` removes them. :func:`local_suppression` blanks as few
key values as it can until every record is k-anonymous (sdcMicro's ``localSuppression``).
:func:`anonymize` runs them as one plan to a stated k (and l) and returns an :class:`Anonymized`
audit: the steps, the risk before and after, the information lost; :func:`ebpm.report.microdata`
gates its release. The perturbative methods change values instead of blanking them:
:func:`microaggregate` (MDAV), :func:`add_noise` and :func:`pram` (sdcMicro's
``microaggregation``, ``addNoise`` and ``pram``), seeded.
"""

from ebpm.privacy._anonymize import ANONYMIZE_STEP, Anonymized, anonymize, information_loss
from ebpm.privacy._freq import frequencies
from ebpm.privacy._identifiers import (
    check_no_identifiers,
    drop_identifiers,
    find_identifiers,
    my_number_ok,
)
from ebpm.privacy._ldiv import L_THRESHOLD, LDiversity, l_diversity
from ebpm.privacy._perturb import add_noise, microaggregate, pram
from ebpm.privacy._recode import bottom_code, recode, top_code
from ebpm.privacy._risk import K_LEVELS, Method, RiskMeasures, individual_risk, risk
from ebpm.privacy._suda import MAX_SUDA_KEYS, Suda, suda
from ebpm.privacy._suppress import local_suppression

__all__ = [
    "ANONYMIZE_STEP",
    "K_LEVELS",
    "L_THRESHOLD",
    "MAX_SUDA_KEYS",
    "Anonymized",
    "LDiversity",
    "Method",
    "RiskMeasures",
    "Suda",
    "add_noise",
    "anonymize",
    "bottom_code",
    "check_no_identifiers",
    "drop_identifiers",
    "find_identifiers",
    "frequencies",
    "individual_risk",
    "information_loss",
    "l_diversity",
    "local_suppression",
    "microaggregate",
    "my_number_ok",
    "pram",
    "recode",
    "risk",
    "suda",
    "top_code",
]
