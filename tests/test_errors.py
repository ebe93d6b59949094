"""The error and warning tree of ebpm.errors, SpecError's fields and the option helpers."""

from __future__ import annotations

import inspect
import pickle
import warnings
from typing import Literal

import numpy as np
import pytest

from ebpm import errors
from ebpm.errors import (
    CatalogError,
    ColumnNotFoundError,
    DatasetNotFoundError,
    EbpmError,
    EbpmWarning,
    InvalidOptionError,
    LocalFileNotFoundError,
    PipelineError,
    Problem,
    ScheduleError,
    SettingError,
    SheetNotFoundError,
    SpecError,
    check_option,
    close_matches,
    did_you_mean,
)

_CLASSES = [
    getattr(errors, name) for name in errors.__all__ if inspect.isclass(getattr(errors, name))
]
ERRORS = [c for c in _CLASSES if issubclass(c, BaseException) and not issubclass(c, Warning)]
WARNINGS = [c for c in _CLASSES if issubclass(c, Warning)]

How = Literal["left", "right", "inner"]


# --- the tree ---------------------------------------------------------------------------------
def test_every_class_of_the_module_is_exported_and_is_an_error_a_warning_or_the_problem() -> None:
    defined = {
        c for c in vars(errors).values() if inspect.isclass(c) and c.__module__ == errors.__name__
    }
    assert defined == set(_CLASSES)
    assert sorted(c.__name__ for c in _CLASSES if c not in ERRORS + WARNINGS) == ["Problem"]
    assert {DatasetNotFoundError, SpecError, SettingError} <= set(ERRORS)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_is_an_ebpm_error(cls: type[Exception]) -> None:
    assert issubclass(cls, EbpmError)
    assert not issubclass(cls, Warning)


@pytest.mark.parametrize("cls", WARNINGS, ids=lambda c: c.__name__)
def test_every_warning_is_an_ebpm_warning_and_a_user_warning(cls: type[Warning]) -> None:
    assert issubclass(cls, EbpmWarning)
    assert issubclass(cls, UserWarning)
    assert not issubclass(cls, EbpmError)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (DatasetNotFoundError, KeyError),
        (ColumnNotFoundError, KeyError),
        (LocalFileNotFoundError, FileNotFoundError),
        (SettingError, ValueError),
        (SpecError, ValueError),
        (errors.RemoteError, OSError),
        (errors.MissingDependencyError, ImportError),
        (errors.NonNumericError, TypeError),
        (errors.TaskFailedError, RuntimeError),
    ],
)
def test_errors_are_also_the_matching_builtin(cls: type[Exception], builtin: type) -> None:
    with pytest.raises(builtin):
        raise cls("boom")


def test_families_nest_as_documented() -> None:
    assert issubclass(SettingError, InvalidOptionError)
    assert issubclass(SheetNotFoundError, InvalidOptionError)
    assert issubclass(SheetNotFoundError, CatalogError)
    assert issubclass(ScheduleError, SpecError)
    assert issubclass(SpecError, PipelineError)
    assert issubclass(errors.UnsupportedFormatError, errors.SourceFormatError)
    assert issubclass(errors.SourceStatusError, errors.RemoteError)


def test_a_key_error_message_is_not_quoted() -> None:
    err = DatasetNotFoundError("no entry 'studies.organ'. Did you mean 'studies.organ_donations'?")
    assert str(err) == "no entry 'studies.organ'. Did you mean 'studies.organ_donations'?"
    assert str(KeyError("x")) == "'x'"  # what EbpmError.__str__ avoids
    assert str(EbpmError()) == ""


def test_warnings_are_caught_by_their_base() -> None:
    with pytest.warns(EbpmWarning, match="dropped 3 rows"):
        warnings.warn("dropped 3 rows", errors.MissingValueWarning, stacklevel=1)


# --- SpecError and Problem --------------------------------------------------------------------
def test_spec_error_keeps_path_line_and_problems() -> None:
    first = Problem("pipelines/demo.yaml", 14, "task 'did': unknown key 'nedds'")
    second = Problem("pipelines/demo.yaml", None, "no tasks", "warning")
    err = SpecError(
        f"{first}; {second}", path="pipelines/demo.yaml", line=14, problems=iter([first, second])
    )
    assert err.path == "pipelines/demo.yaml"
    assert err.line == 14
    assert err.problems == [first, second]  # a list, whatever iterable was given
    assert str(err) == (
        "pipelines/demo.yaml, line 14: task 'did': unknown key 'nedds'; "
        "pipelines/demo.yaml: no tasks"
    )


def test_spec_error_fields_default_to_none_and_empty() -> None:
    err = ScheduleError("schedule '61 * * * *': minute 61 is out of range 0-59")
    assert (err.path, err.line, err.problems) == (None, None, [])
    assert str(err) == "schedule '61 * * * *': minute 61 is out of range 0-59"


def test_spec_error_survives_pickling_with_its_fields() -> None:
    problem = Problem("policy.yaml", 2, "bad")
    err = SpecError("policy.yaml, line 2: bad", path="policy.yaml", line=2, problems=[problem])
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is SpecError
    assert (str(back), back.path, back.line, back.problems) == (
        str(err),
        "policy.yaml",
        2,
        [problem],
    )


def test_problem_reads_as_path_line_message() -> None:
    assert (
        str(Problem("pipelines/p.yaml", 3, "task 'x': bad"))
        == "pipelines/p.yaml, line 3: task 'x': bad"
    )
    assert str(Problem("catalogs/a.yaml", None, "broken")) == "catalogs/a.yaml: broken"
    assert Problem("a", 1, "m").level == "error"


# --- check_option, did_you_mean, close_matches ------------------------------------------------
def test_check_option_with_a_literal_returns_the_value() -> None:
    assert check_option("how", "inner", How) == "inner"


def test_check_option_with_a_literal_names_the_value_a_match_and_all_choices() -> None:
    with pytest.raises(InvalidOptionError) as info:
        check_option("how", "innner", How)
    assert str(info.value) == (
        "how='innner' is not supported. Did you mean 'inner'? "
        "Choose one of: 'left', 'right', 'inner'."
    )
    assert isinstance(info.value, ValueError)


def test_check_option_with_a_tuple_adds_why_and_raises_the_given_error() -> None:
    with pytest.raises(
        SettingError,
        match=r"^lang='fr' is not supported\. Choose one of: 'ja', 'en'\. Pages are bilingual\.$",
    ):
        check_option("lang", "fr", ("ja", "en"), why="Pages are bilingual.", error=SettingError)
    assert check_option("level", 2, (1, 2, 3)) == 2


def test_check_option_does_not_confuse_true_with_one() -> None:
    with pytest.raises(
        InvalidOptionError, match=r"robust=1 is not supported\. Choose one of: True, False\."
    ):
        check_option("robust", 1, (True, False))
    with pytest.raises(InvalidOptionError, match=r"order=True is not supported"):
        check_option("order", True, (1, 2))


def test_check_option_accepts_numpy_text_for_text_choices() -> None:
    value = np.str_("left")
    assert check_option("how", value, How) is value


def test_close_matches_prefers_a_case_only_difference_then_similar_then_containing() -> None:
    assert close_matches("TOKYO", ["Osaka", "Tokyo", "tokyo_23"]) == ["Tokyo"]
    # "pop" is contained in the word, so it counts as close too
    assert close_matches("populaton", ["population", "pop", "area"]) == ["population", "pop"]
    assert close_matches("pop", ["population", "popularity", "area"]) == [
        "population",
        "popularity",
    ]
    assert close_matches("zzz", ["population", "area"]) == []


def test_did_you_mean_one_several_or_none() -> None:
    assert did_you_mean("aera", ["area", "code"]) == " Did you mean 'area'?"
    assert did_you_mean("pref", ["prefecture", "pref_code", "city"]) == (
        " Did you mean one of 'pref_code', 'prefecture'?"
    )
    assert did_you_mean("xyz", ["area", "code"]) == ""
