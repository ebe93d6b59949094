"""Guess a design's parameters from what a catalog entry declares, for ``ebpm new``.

A catalog entry's ``metadata.columns`` describe each column; ebpm's catalogs end a description
with its role in parentheses (``"US state (unit)"``, ``"margin of victory (running variable,
cutoff 0)"``). A role tag is trusted; without one, a column whose name is a usual name for the
role (``year`` for time) is taken and marked as guessed. A role no column or several columns
fit is left for the analyst, with the candidates listed.

Values only the data can tell (California is the treated unit, 1989 the first treated year) are
read from the data when it is at hand offline; otherwise they are left too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Guess", "column_roles", "from_data"]

_TAG = re.compile(r"\(([^()]*)\)\s*$")
_CUTOFF = re.compile(r"cutoff\s*(?:at\s*|=\s*)?(-?\d+(?:\.\d+)?)", re.IGNORECASE)
#: What a role tag in a column description means.
_TAGS = {
    "unit": "unit",
    "time": "time",
    "period": "time",
    "outcome": "outcome",
    "treatment": "treated",
    "treated": "treated",
    "cohort": "cohort",
    "running variable": "running",
    "running": "running",
    "covariate": "covariate",
}
#: Usual column names of a role, tried (in this order) when no column carries the role's tag.
_NAMES = {
    "unit": (
        "unit",
        "id",
        "code",
        "muni_code",
        "area_code",
        "lg_code",
        "pref_code",
        "state",
        "country",
        "county",
        "municipality",
        "prefecture",
        "region",
    ),
    "time": ("year", "fiscal_year", "time", "period", "quarter", "month", "date"),
    "treated": ("treated", "treatment"),
    "cohort": ("cohort", "first_treat", "first_treated", "gname"),
}


@dataclass(frozen=True)
class Guess:
    """One parameter's value as guessed, or what the analyst must fill in.

    ``value`` is None when nothing could be guessed; ``note`` then says what to write (and the
    candidates). ``sure`` is False for a guess from a name rather than a declared role.
    """

    value: Any
    note: str
    sure: bool = True
    candidates: tuple[str, ...] = field(default=())


def _tags(description: str) -> list[str]:
    m = _TAG.search(str(description))
    return [t.strip().lower() for t in m.group(1).split(",")] if m else []


def column_roles(columns: Mapping[str, Any]) -> dict[str, Guess]:
    """The column of each role (``unit``, ``time``, ``outcome``, ``treated``, ``cohort``,
    ``running``; ``covariates`` as a list; ``cutoff`` as a number), from declared columns.

    Parameters
    ----------
    columns : mapping
        ``metadata.columns`` of a catalog entry: column name to description.

    Returns
    -------
    dict of str to Guess
        A :class:`Guess` for every role; ``value`` None where no single column fits.
    """
    tagged: dict[str, list[str]] = {}
    cutoff = None
    for name, description in columns.items():
        for tag in _tags(description):
            role = _TAGS.get(tag) or next(
                (r for t, r in _TAGS.items() if tag.startswith(t + " ")), None
            )
            if role:
                tagged.setdefault(role, []).append(str(name))
            m = _CUTOFF.search(tag)
            if m and cutoff is None:
                cutoff = float(m.group(1))
    names = [str(c) for c in columns]
    guesses: dict[str, Guess] = {}
    for role in ("unit", "time", "outcome", "treated", "cohort", "running"):
        hits = tagged.get(role, [])
        if len(hits) == 1:
            guesses[role] = Guess(hits[0], f"the catalog marks it as the {role} column")
            continue
        if not hits:
            lowered = {n.lower(): n for n in names}
            by_name = next((lowered[n] for n in _NAMES.get(role, ()) if n in lowered), None)
            if by_name is not None:
                guesses[role] = Guess(
                    by_name, f"guessed from the column's name: check it is the {role}", sure=False
                )
                continue
        pool = hits or [n for n in names if not any(n in v for v in tagged.values())]
        guesses[role] = Guess(
            None,
            f"the {role} column" + (f": one of {', '.join(pool)}" if pool else ""),
            candidates=tuple(pool),
        )
    covariates = tagged.get("covariate", [])
    guesses["covariates"] = Guess(
        covariates,
        "the columns the catalog marks as covariates"
        if covariates
        else "no column is marked as a covariate: add covariate columns to check balance",
        sure=bool(covariates),
    )
    guesses["cutoff"] = (
        Guess(cutoff, "the cutoff the catalog gives for the running variable")
        if cutoff is not None
        else Guess(None, "the cutoff of the running variable (a number)")
    )
    return guesses


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as a plain Python one (for a notebook literal)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def from_data(data: Any, roles: Mapping[str, Guess]) -> dict[str, Guess]:
    """What the data tell about the treatment: the treated unit, the first treated period, and
    a placebo date in the middle of the periods before it.

    Parameters
    ----------
    data : pandas.DataFrame
        The dataset.
    roles : mapping
        :func:`column_roles` of its entry.

    Returns
    -------
    dict of str to Guess
        ``treated_unit``, ``treatment_time`` and ``placebo_time`` when the data have one treated
        unit marked by the treatment column; empty otherwise.
    """
    unit, time, treated = (roles[r].value for r in ("unit", "time", "treated"))
    if not (unit and time and treated) or any(c not in data.columns for c in (unit, time, treated)):
        return {}
    on = data[data[treated] == 1]
    units = list(dict.fromkeys(on[unit]))
    if len(units) != 1:
        return {}
    first = on[time].min()
    before = sorted(t for t in data[time].dropna().unique() if t < first)
    found = {
        "treated_unit": Guess(
            str(_plain(units[0])), f"the one unit whose {treated} is 1 in the data"
        ),
        "treatment_time": Guess(_plain(first), f"the first {time} with {treated} = 1 in the data"),
    }
    if len(before) >= 4:
        found["placebo_time"] = Guess(
            _plain(before[len(before) // 2]),
            f"the middle of the {len(before)} periods before the policy: check it is quiet",
            sure=False,
        )
    return found
