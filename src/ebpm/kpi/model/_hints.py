"""What people write for an allowed value of a policy file, and the hint that names it.

``frequency: yearly`` means ``annual``: :func:`_hint` turns such a word into "Did you mean
'annual'?", and falls back to close spellings. Used by the date checks (``_periods``) and the
schema walk (``_schema``), which both live above it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ebpm.errors import did_you_mean

#: Words people write for an allowed value, and the value they mean.
_SYNONYMS = {
    "yearly": "annual",
    "year": "annual",
    "years": "annual",
    "calendar_year": "annual",
    "fiscal": "fiscal_year",
    "fy": "fiscal_year",
    "quarter": "quarterly",
    "month": "monthly",
    "up": "higher",
    "increase": "higher",
    "more": "higher",
    "down": "lower",
    "decrease": "lower",
    "less": "lower",
    "average": "mean",
    "total": "sum",
    "outcome": "short_term_outcome",
    "short_outcome": "short_term_outcome",
    "medium_term_outcome": "mid_term_outcome",
    "long_outcome": "long_term_outcome",
    "inputs": "input",
    "activities": "activity",
    "outputs": "output",
}


def _hint(word: str, choices: Iterable[str]) -> str:
    meant = _SYNONYMS.get(word.strip().lower().replace("-", "_").replace(" ", "_"))
    choices = tuple(choices)
    if meant in choices:
        return f" Did you mean {meant!r}?"
    return did_you_mean(word, choices)
