"""Japanese administrative codes and calendar helpers, fully offline.

Codes
    Prefecture codes (JIS X 0401, ``"13"``), municipality codes (JIS X 0402, ``"13101"``) and the
    6-digit 全国地方公共団体コード (``"131016"``: the 5-digit code plus a check digit); conversion
    between them, validation of the check digit, and name lookups. The tables come from the
    ``japancode`` package's bundled JSON files, read through
    :func:`ebpm._package_data.package_file` with pinned sha256 hashes, so a changed package
    raises :class:`~ebpm.errors.IntegrityError` instead of quietly changing results. See
    :data:`DATA_COVERAGE` for what the tables cover.

Codes through time (:mod:`ebpm.japan.history`, :mod:`ebpm.japan.panel`)
    The record of every municipal change since 1970: :func:`codes_in_force` on a date,
    :func:`changes`, :func:`convert_codes` (a crosswalk between two dates, forward or backward),
    :func:`municipality_code` with ``date=`` (a name as it was on a date), and :func:`harmonize`
    (a municipal panel restated on one set of boundaries).

Calendar
    和暦 ↔ 西暦 (:func:`to_seireki`, :func:`to_wareki`) for the eras from 明治 to 令和, and the
    Japanese fiscal year (年度, April to March): :func:`fiscal_year`, :func:`fiscal_year_range`,
    :func:`fiscal_year_label`.

Errors are :class:`~ebpm.errors.InvalidCodeError` for codes and names and
:class:`~ebpm.errors.InvalidDateError` for dates and era years; both are ``ValueError``.

Submodules, one concern each: :mod:`~ebpm.japan.codes` (the forms of codes and the check
digit), :mod:`~ebpm.japan.tables` (the japancode data), :mod:`~ebpm.japan.areas` (today's
prefectures and municipalities, names ↔ codes), :mod:`~ebpm.japan.romaji` (kana and romaji),
:mod:`~ebpm.japan.wareki` (eras) and :mod:`~ebpm.japan.fiscal` (年度); :mod:`~ebpm.japan.history`
and :mod:`~ebpm.japan.panel` load on first use.
"""

from __future__ import annotations

from ebpm._lazy import exports
from ebpm.japan.areas import Lang as Lang
from ebpm.japan.areas import (
    municipalities,
    municipality_name,
    prefecture_code,
    prefecture_name,
    prefectures,
)
from ebpm.japan.codes import CodeLevel as CodeLevel
from ebpm.japan.codes import check_digit, normalize_code, to_lg_code, validate_lg_code
from ebpm.japan.fiscal import FiscalLabelStyle as FiscalLabelStyle
from ebpm.japan.fiscal import fiscal_year, fiscal_year_label, fiscal_year_range
from ebpm.japan.tables import DATA_COVERAGE, REGIONS
from ebpm.japan.wareki import ERAS, Era, to_seireki, to_wareki
from ebpm.japan.wareki import WarekiStyle as WarekiStyle

__all__ = [
    # municipality codes through time (ebpm.japan.history, ebpm.japan.panel)
    "CREDIT",
    "DATA_COVERAGE",
    "ERAS",
    "RECORD_END",
    "RECORD_START",
    "REGIONS",
    "Era",
    "changes",
    "check_digit",
    "codes_in_force",
    "convert_codes",
    "fiscal_year",
    "fiscal_year_label",
    "fiscal_year_range",
    "harmonize",
    "merger_cohorts",
    "merger_panel",
    "mergers",
    "municipalities",
    "municipality_code",
    "municipality_name",
    "normalize_code",
    "prefecture_code",
    "prefecture_name",
    "prefectures",
    "to_lg_code",
    "to_seireki",
    "to_wareki",
    "validate_lg_code",
]

# Names that live in submodules, imported on first use (the change record loads only then).
_WHERE = {
    "CREDIT": "history",
    "RECORD_END": "history",
    "RECORD_START": "history",
    "changes": "history",
    "codes_in_force": "history",
    "convert_codes": "history",
    "merger_cohorts": "history",
    "mergers": "history",
    "municipality_code": "history",
    "harmonize": "panel",
    "merger_panel": "panel",
}


__getattr__, __dir__ = exports(
    __name__, {k: f".{v}" for k, v in _WHERE.items()}, eager=[n for n in __all__ if n not in _WHERE]
)
