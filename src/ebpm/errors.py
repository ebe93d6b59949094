"""The ebpm exception and warning tree.

Every error ebpm raises derives from :class:`EbpmError` and from the matching built-in
exception, so ``except KeyError`` and ``except EbpmError`` both work. Messages name the bad
value, the valid choices or a close match, and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

__all__ = [
    "BalancedPanelWarning",
    "CRSMismatchWarning",
    "CatalogError",
    "CollinearityWarning",
    "ColumnNotFoundError",
    "CredentialError",
    "DataError",
    "DatasetNotFoundError",
    "DisclosureError",
    "DuplicateRowsError",
    "EbpmError",
    "EbpmWarning",
    "EmptySideError",
    "EntryExistsError",
    "EstimationError",
    "FewClustersWarning",
    "HeaderRowError",
    "IntegrityError",
    "InvalidCodeError",
    "InvalidDateError",
    "InvalidOptionError",
    "IslandWarning",
    "LocalFileNotFoundError",
    "LockedError",
    "MissingCRSError",
    "MissingCountryWarning",
    "MissingDependencyError",
    "MissingValueError",
    "MissingValueWarning",
    "MixedColumnWarning",
    "NoPrePeriodError",
    "NoTreatedUnitsError",
    "NonNumericError",
    "OfflineError",
    "ParameterError",
    "PipelineError",
    "Problem",
    "RecordedAnswerWarning",
    "RemoteError",
    "RunCancelledError",
    "RunNotFoundError",
    "ScheduleError",
    "SettingError",
    "SheetNotFoundError",
    "SourceFormatError",
    "SourceStatusError",
    "SpecError",
    "SplitWarning",
    "StaggeredAdoptionWarning",
    "TaskFailedError",
    "UnitNotFoundError",
    "UnmatchedNamesWarning",
    "UnmatchedRowsWarning",
    "UnsupportedFormatError",
    "check_option",
    "close_matches",
    "did_you_mean",
]


class EbpmError(Exception):
    """Base class of every error raised by ebpm."""

    def __str__(self) -> str:  # KeyError quotes its message; we never want that.
        return str(self.args[0]) if self.args else ""


class EbpmWarning(UserWarning):
    """Base class of every warning issued by ebpm."""


class UnmatchedRowsWarning(EbpmWarning):
    """Rows of a table could not be matched to geometry; they are kept, without a geometry."""


class CRSMismatchWarning(EbpmWarning):
    """Two layers had different coordinate reference systems; one was reprojected."""


class IslandWarning(EbpmWarning):
    """Some units have no neighbours under the chosen spatial weights (islands)."""


class FewClustersWarning(EbpmWarning):
    """Cluster-robust inference with few clusters (< 30) over-rejects; use vcov="wild"."""


class CollinearityWarning(EbpmWarning):
    """A covariate was dropped from a regression: it is absorbed by the fixed effects or is a
    combination of the other regressors, so it has no coefficient of its own."""


class MixedColumnWarning(EbpmWarning):
    """A column of numbers in a local file also holds text that is not a known mark (秘匿 ``x``,
    ``-``, ``…``); it was kept as text. Pass the text as ``marks`` to read the column as numbers."""


class UnmatchedNamesWarning(EbpmWarning):
    """Rows of the ministry's table whose name or code matched no municipality code.

    They are kept with ``code`` and ``lg_code`` missing and listed, with the reason, in
    ``attrs["ebpm"]["details"]["unmatched"]``.
    """


class MissingCountryWarning(EbpmWarning):
    """Country codes asked for came back without a single row (unknown to the World Bank?)."""


class SplitWarning(EbpmWarning):
    """A predecessor's area went to several municipalities; its values were allocated in
    shares the record does not give (pass ``shares=`` to set them)."""


class MissingValueWarning(EbpmWarning):
    """Rows with missing values in the columns an estimator uses were dropped."""


class BalancedPanelWarning(EbpmWarning):
    """Units not observed in every period were dropped to balance the panel."""


class StaggeredAdoptionWarning(EbpmWarning):
    """A two-way fixed-effects DiD whose treatment starts at different times across units, or
    switches off: its coefficient averages comparisons with already-treated controls
    (Goodman-Bacon 2021). ``bacon_decomposition`` shows their weight; ``staggered_did``
    estimates by adoption cohort."""


class RecordedAnswerWarning(EbpmWarning):
    """A remote table was read from a recorded answer shipped with ebpm, not downloaded: no
    application ID and no cached copy (set the source's ID to get the current figures)."""


# --- catalog -------------------------------------------------------------------------------
class CatalogError(EbpmError):
    """A catalog file or entry cannot be read."""


class DatasetNotFoundError(CatalogError, KeyError):
    """No catalog entry has the requested name."""


class IntegrityError(CatalogError, ValueError):
    """Bytes read do not match the checksum a catalog entry pins."""


class RemoteError(CatalogError, OSError):
    """A remote source could not be reached or answered with an HTTP error."""

    # Declared, not set: only HTTP errors carry them (ebpm.catalog.cache), so readers use
    # getattr(err, "status", None).
    status: int  # the HTTP status
    body: bytes  # the start of the answer's body, where APIs explain their errors


class SourceStatusError(RemoteError):
    """A remote API answered, but with an error status of its own (e-Stat ``RESULT.STATUS``)."""


class CredentialError(CatalogError, RuntimeError):
    """A remote source needs a key (an e-Stat appId) that is not set."""


class OfflineError(CatalogError, RuntimeError):
    """Offline mode is on and the data asked for is not in the cache."""


class SourceFormatError(CatalogError, ValueError):
    """A downloaded file is not what the entry expects (zip member missing, bad encoding, ...)."""


class UnsupportedFormatError(SourceFormatError):
    """A file is of a kind ebpm does not read (its extension or its bytes: PDF, HTML, zip ...)."""


class LocalFileNotFoundError(CatalogError, FileNotFoundError):
    """No file at the path a local catalog entry or call names (or the path is a folder)."""


class HeaderRowError(CatalogError, ValueError):
    """The column names of a spreadsheet are not in the row the entry says (the row is blank,
    holds numbers or a title, or lacks the columns the entry declares)."""


class EntryExistsError(CatalogError, FileExistsError):
    """``ebpm catalog add`` would replace an entry that already exists (``--force`` does)."""


# --- data and estimation -------------------------------------------------------------------
class DataError(EbpmError, ValueError):
    """The data handed to an estimator cannot be used as given."""


class ColumnNotFoundError(DataError, KeyError):
    """A column named in a role (outcome, unit, ...) is not in the data."""


class NonNumericError(DataError, TypeError):
    """A column that must hold numbers (outcome, running variable, ...) does not."""


class MissingValueError(DataError):
    """A column that must be complete (cluster, unit, time, cohort) has missing values."""


class DuplicateRowsError(DataError):
    """A panel has more than one row for the same unit and period."""


class NoTreatedUnitsError(DataError):
    """Nothing in the data is treated (or everything is)."""


class NoPrePeriodError(DataError):
    """A treated unit or cohort has no period before treatment to compare with."""


class UnitNotFoundError(DataError, KeyError):
    """A named unit, cohort or period (treated_unit, treatment_time, ...) is not in the data."""


class EmptySideError(DataError):
    """A regression discontinuity has no observations on one side of the cutoff."""


class MissingCRSError(DataError):
    """A GeoDataFrame has no coordinate reference system; set one or pass ``assume_crs``."""


class InvalidCodeError(DataError):
    """An area code or name is malformed, has a wrong check digit, or names no single area."""


class InvalidDateError(DataError):
    """A date or Japanese-era year cannot be parsed or does not exist (平成32年, 1867)."""


class InvalidOptionError(EbpmError, ValueError):
    """An option is not one of its allowed values."""


class MissingDependencyError(EbpmError, ImportError):
    """An optional package a feature needs (folium for :func:`ebpm.geo.explore`) is not
    installed."""


class SettingError(InvalidOptionError):
    """An ``EBPM_*`` variable holds a value ebpm cannot use (``EBPM_RETRY_BACKOFF=abc``)."""


class SheetNotFoundError(InvalidOptionError, CatalogError, KeyError):
    """A workbook has no sheet of the name or position asked for."""


class EstimationError(EbpmError, RuntimeError):
    """The estimator could not produce an estimate from valid-looking input."""


# --- pipelines -----------------------------------------------------------------------------
class PipelineError(EbpmError):
    """A pipeline cannot be run."""


@dataclass(frozen=True)
class Problem:
    """One problem in a project file, as ``ebpm check`` lists it.

    ``str(problem)`` reads ``"pipelines/demo.yaml, line 14: task 'did': ..."``.
    """

    path: str  # relative to the project root when inside it
    line: int | None
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class SpecError(PipelineError, ValueError):
    """A pipeline spec or policy file is malformed.

    Parameters
    ----------
    message
        What is wrong and the fix (with the file and line, when known).
    path
        The file, as shown to the user (relative to the project root when inside it).
    line
        The line of the file the message is about (the first problem's, when several).
    problems
        Every problem found, one :class:`Problem` each (a file may have several).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.problems: list[Problem] = list(problems)


class ParameterError(PipelineError, ValueError):
    """Task parameters do not match the notebook's parameters cell."""


class TaskFailedError(PipelineError, RuntimeError):
    """One or more tasks of a run failed (the run still finished its other tasks)."""


class ScheduleError(SpecError):
    """A pipeline's ``schedule`` is not a valid cron expression, or the crontab cannot be edited."""


class LockedError(PipelineError, RuntimeError):
    """Another run of the same pipeline holds its lock."""


class RunNotFoundError(PipelineError, KeyError):
    """No recorded run has the given id."""


class DisclosureError(PipelineError, ValueError):
    """A table marked sensitive would be published without disclosure control."""


class RunCancelledError(PipelineError, RuntimeError):
    """The run was cancelled (Ctrl-C or SIGTERM); finished tasks were kept."""


# --- helpers -------------------------------------------------------------------------------
def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` entries of ``choices`` that look like ``word``.

    Case-insensitive, and a choice that contains ``word`` (or is contained in it) counts as close.
    """
    choices = list(dict.fromkeys(str(c) for c in choices))
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:  # differs only in case: that is the match
        return [lowered[word.lower()]]
    hits = [lowered[m] for m in difflib.get_close_matches(word.lower(), lowered, n=n, cutoff=0.6)]
    for c in choices:
        if len(hits) >= n:
            break
        lw, lc = word.lower(), c.lower()
        if c not in hits and lw and (lw in lc or (lc in lw and len(lc) > 2)):
            hits.append(c)
    return hits[:n]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` (or ``""`` when nothing is close)."""
    hits = close_matches(word, choices)
    if not hits:
        return ""
    if len(hits) == 1:
        return f" Did you mean {hits[0]!r}?"
    return " Did you mean one of " + ", ".join(repr(h) for h in hits) + "?"


def check_option(
    name: str, value: Any, choices: Any, *, why: str = "", error: type[EbpmError] | None = None
) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise naming it, a close match and all
    the choices: ``"how='outer' is not supported. Did you mean ...? Choose one of: 'left', ..."``.

    Parameters
    ----------
    name
        The option's name as the caller wrote it (``how``, ``lang``).
    value
        What the caller passed.
    choices
        A ``Literal`` alias (its values are read with :func:`typing.get_args`, so the type is
        the one list of choices) or a sequence of the allowed values.
    why
        A sentence after the choices saying what they mean, when that helps choose.
    error
        The error class, :class:`InvalidOptionError` unless given.

    Notes
    -----
    A value matches only a choice of its own type: ``True`` is not ``1`` and ``1`` is not
    ``True``, although Python compares them equal (any text matches text, ``numpy.str_`` too).
    """
    allowed = get_args(choices) if get_origin(choices) is Literal else tuple(choices)
    ok = any(value is c or (_same_kind(value, c) and value == c) for c in allowed)
    if not ok:
        cls = error or InvalidOptionError
        hint = did_you_mean(str(value), [str(c) for c in allowed])
        raise cls(
            f"{name}={value!r} is not supported.{hint} Choose one of: "
            f"{', '.join(map(repr, allowed))}.{' ' + why if why else ''}"
        )
    return value


def _same_kind(a: Any, b: Any) -> bool:
    return type(a) is type(b) or (isinstance(a, str) and isinstance(b, str))
