"""Tests of ebpm.pipeline.params: typed notebook parameters, lossless coercion, task checks."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_notebook

from ebpm.errors import ParameterError
from ebpm.pipeline.notebooks import NotebookParameter, parameters_cell
from ebpm.pipeline.params import (
    ParameterProblem,
    ParameterTypeProblem,
    admits_none,
    check_parameters,
    coerce,
    parameter_problems,
)

WHERE = "pipelines/demo.yaml, line 14"


def _declared(source: str) -> dict[str, NotebookParameter]:
    nb = new_notebook(cells=[new_code_cell(source, metadata={"tags": ["parameters"]})])
    return parameters_cell(nb, path="did.py")


# --- coerce: values that fit ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("annotation", "value", "expected"),
    [
        ("int", 3, 3),
        ("int", -3, -3),
        ("float", 0.5, 0.5),
        ("float", 2, 2.0),
        ("float", -(2**53), -(2.0**53)),
        ("str", "Tokyo", "Tokyo"),
        ("str", 13101, "13101"),
        ("str", -5, "-5"),
        ("bool", True, True),
        ("bool", False, False),
        ("list", [1, "a"], [1, "a"]),
        ("list", (1, 2), [1, 2]),
        ("list[str]", ["a", "b"], ["a", "b"]),
        ("list[str]", [13101, "x"], ["13101", "x"]),
        ("list[float]", [1, 2.5], [1.0, 2.5]),
        ("List[int]", [1], [1]),
        ("list[list[int]]", [[1], [2, 3]], [[1], [2, 3]]),
        ("tuple", [1, "a"], (1, "a")),
        ("tuple[int, ...]", [1, 2, 3], (1, 2, 3)),
        ("tuple[int, str]", [1, 2], (1, "2")),
        ("tuple[float, float]", (0, 1), (0.0, 1.0)),
        ("tuple[()]", [], ()),
        ("dict", {"a": 1}, {"a": 1}),
        ("dict[str, float]", {"a": 1, "b": 0.5}, {"a": 1.0, "b": 0.5}),
        ("dict[str, int]", {13101: 1}, {"13101": 1}),
        ("Dict[str, list[int]]", {"a": [1]}, {"a": [1]}),
        ("None", None, None),
        ("str | None", None, None),
        ("str | None", "State", "State"),
        ("None | str", "State", "State"),
        ("Optional[str]", None, None),
        ("Optional[str]", "x", "x"),
        ("typing.Optional[int]", 3, 3),
        ("Union[int, str]", "x", "x"),
        ("int | str", 2, 2),  # fits as it is: stays an int
        ("str | int", 2, 2),  # ... whatever the order
        ("float | str", 2, 2.0),  # else the first option it converts to
        ("str | float", 2, "2"),
        ("int | float", 2.5, 2.5),
        ("str | list[str]", ["a", "b"], ["a", "b"]),
        ('Literal["cluster", "hetero"]', "hetero", "hetero"),
        ("Literal[1, 2]", 2, 2),
        ('Literal["13101"]', 13101, "13101"),
        ('Literal["a"] | None', None, None),
        ("Any", {"any": "thing"}, {"any": "thing"}),
        ("typing.Any", 3, 3),
        ("object", 3, 3),
        ("pd.DataFrame", 3, 3),  # annotations ebpm does not know accept anything
        ("Path | None", "x", "x"),
        ("set[int]", "x", "x"),
        ('"int"', 3, 3),  # a string annotation
        ("int | Any", "x", "x"),
        (None, object, object),
    ],
)
def test_coerce_accepts(annotation: str | None, value: Any, expected: Any) -> None:
    out = coerce(value, annotation)
    assert out == expected
    assert type(out) is type(expected)


def test_coerce_copies_containers() -> None:
    value = [1, 2]
    out = coerce(value, "list[int]")
    assert out == value
    assert out is not value


# --- coerce: values that do not ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("annotation", "value", "message"),
    [
        ("int", 3.0, r"^a float, not an int$"),
        ("int", 3.5, r"^a float, not an int$"),
        ("int", "3", r"^a str, not an int$"),
        ("int", True, r"^a bool, not an int$"),
        ("int", None, r"^None, not an int$"),
        ("float", False, r"^a bool, not a float$"),
        ("float", "0.5", r"^a str, not a float$"),
        ("float", 2**53 + 1, r"^9007199254740993 cannot be a float without losing digits$"),
        ("str", True, r"^a bool, not a str$"),
        ("str", 1.5, r"^a float, not a str$"),
        ("str", None, r"^None, not a str$"),
        ("bool", 0, r"^an int, not a bool$"),
        ("bool", "true", r"^a str, not a bool$"),
        ("list", "a", r"^a str, not a list$"),
        ("list", {"a": 1}, r"^a dict, not a list$"),
        ("list[int]", [1, "a"], r"^element 1 \('a'\) is a str, not an int$"),
        ("list[int]", [1, 2.5], r"^element 1 \(2\.5\) is a float, not an int$"),
        ("list[list[int]]", [[1], ["x"]], r"^element 1 \(\['x'\]\) is element 0 \('x'\) is a str"),
        ("tuple[int, str]", [1], r"^it has 1 element\(s\), the tuple needs 2$"),
        ("tuple[int, ...]", "ab", r"^a str, not a tuple$"),
        ("dict", [("a", 1)], r"^a list, not a dict$"),
        ("dict[str, int]", {"a": "b"}, r"^value of key 'a' \('b'\) is a str, not an int$"),
        ("dict[int, int]", {"a": 1}, r"^key 'a' is a str, not an int$"),
        ("None", 0, r"^an int, not None$"),
        ("str | None", 1.5, r"^a float, not a str or None$"),
        ("int | str", True, r"^a bool, not an int or a str$"),
        ("int | str", 2.5, r"^a float, not an int or a str$"),
        ('Literal["cluster", "hetero"]', "robust", r"^'robust' is not one of 'cluster', 'hetero'$"),
        ("Literal[1, 2]", True, r"^True is not one of 1, 2$"),
        ("Literal[1, 2]", 1.0, r"^1\.0 is not one of 1, 2$"),
        ('Literal["a"] | None', "b", r"^a str, not one of 'a' or None$"),
    ],
)
def test_coerce_refuses(annotation: str, value: Any, message: str) -> None:
    with pytest.raises(ParameterTypeProblem, match=message):
        coerce(value, annotation)


def test_literal_problem_lists_its_choices() -> None:
    with pytest.raises(ParameterTypeProblem, match=r"^a str, not one of .* or None$") as info:
        coerce("robst", 'Literal["robust", "cluster"] | None')
    assert info.value.choices == ("robust", "cluster", None)


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_exact_ints_become_equal_floats(n: int) -> None:
    out = coerce(n, "float")
    assert isinstance(out, float)
    assert out == n


@given(st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=6))
def test_list_of_str_coercion_is_idempotent(values: list[Any]) -> None:
    once = coerce(values, "list[str]")
    assert once == [str(v) for v in values]
    assert coerce(once, "list[str]") == once


# --- admits_none ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("annotation", "admits"),
    [
        (None, True),
        ("None", True),
        ("Any", True),
        ("typing.Any", True),
        ("object", True),
        ("str | None", True),
        ("Optional[int]", True),
        ("Union[int, None]", True),
        ('Literal["a", None]', False),  # a literal None is a value, checked by coerce
        ("int", False),
        ("list[str]", False),
        ("pd.DataFrame", False),
    ],
)
def test_admits_none(annotation: str | None, admits: bool) -> None:
    assert admits_none(annotation) is admits


# --- check_parameters -------------------------------------------------------------------------
DECLARED = """\
from typing import Literal
dataset: str = None  # catalog entry (see `ebpm catalog list`)
conf_level: float = 0.95  # confidence level
years: list[int] = [2020]  # years to keep
code: str | None = None  # area code
vcov: Literal["cluster", "hetero", "iid"] = "cluster"  # standard errors
"""


def test_check_parameters_returns_the_coerced_values() -> None:
    given_ = {"dataset": "studies.prop99", "conf_level": 1, "code": 13101, "years": (2021,)}
    out = check_parameters("t", given_, _declared(DECLARED), where=WHERE, notebook="did.py")
    assert out == {"dataset": "studies.prop99", "conf_level": 1.0, "code": "13101", "years": [2021]}
    assert type(out["conf_level"]) is float
    assert given_["code"] == 13101  # the caller's dict is not changed


@pytest.mark.parametrize(
    ("given_", "message"),
    [
        pytest.param(
            {"dataset": "a", "conf_levl": 0.9},
            r"^task 't': parameter 'conf_levl' is not in did\.py's parameters cell\. Did you mean "
            r"'conf_level'\? Fix the name in pipelines/demo\.yaml, line 14, or declare it in "
            r"did\.py's parameters cell\.$",
            id="unknown",
        ),
        pytest.param(
            {"conf_level": 0.9},
            r"^task 't': parameter 'dataset' is required by did\.py \(catalog entry \(see `ebpm "
            r"catalog list`\)\) but not given; add `dataset: \.\.\.` to the task's parameters in "
            r"pipelines/demo\.yaml, line 14\.$",
            id="missing",
        ),
        pytest.param(
            {"dataset": "a", "conf_level": "abc"},
            r"^task 't': parameter 'conf_level' = 'abc' is a str, but did\.py declares "
            r"`conf_level: float`; "
            r"fix the value in pipelines/demo\.yaml, line 14\.$",
            id="mistyped",
        ),
        pytest.param(
            {"dataset": None},
            r"^task 't': parameter 'dataset' is None \(empty\), but did\.py declares `dataset: "
            r"str`; fix "
            r"the value in pipelines/demo\.yaml, line 14\.$",
            id="empty",
        ),
        pytest.param(
            {"dataset": "a", "years": [2020, "2021"]},
            r"^task 't': parameter 'years' = \[2020, '2021'\]: element 1 \('2021'\) is a str, "
            r"not an int; "
            r"did\.py declares `years: list\[int\]`\. Fix the value in pipelines/demo\.yaml",
            id="element",
        ),
        pytest.param(
            {"dataset": "a", "vcov": "hetro"},
            r"^task 't': parameter 'vcov' = 'hetro' is not one of 'cluster', 'hetero', 'iid' "
            r"\(did\.py "
            r"declares `vcov: Literal\['cluster', 'hetero', 'iid'\]`\)\. Did you mean 'hetero'\? "
            r"Fix the value in pipelines/demo\.yaml, line 14\.$",
            id="literal",
        ),
        pytest.param(
            {"dataset": "a", "vcov": 3},
            r"parameter 'vcov' = 3 is an int, but did\.py declares `vcov: Literal\[",
            id="literal type",
        ),
    ],
)
def test_check_parameters_problems(given_: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        check_parameters("t", given_, _declared(DECLARED), where=WHERE, notebook="did.py")


def test_every_problem_of_a_task_is_in_one_error() -> None:
    given_ = {"conf_level": "x", "yeers": [1], "vcov": "robust"}
    with pytest.raises(
        ParameterError,
        match=r"^task 't': parameter 'conf_level' = 'x' is a str, .*\. parameter 'yeers' is not "
        r"in .* Did "
        r"you mean 'years'\? .*\. parameter 'vcov' = 'robust' is not one of .*\. parameter "
        r"'dataset' is "
        r"required by did\.py",
    ):
        check_parameters("t", given_, _declared(DECLARED), where=WHERE, notebook="did.py")


def test_command_line_overrides_name_the_command_line() -> None:
    with pytest.raises(
        ParameterError, match=r"fix the value in the command line \(-p vcov \.\.\.\)"
    ):
        check_parameters(
            "t",
            {"dataset": "a", "conf_level": "high"},
            _declared(DECLARED),
            where="the command line (-p vcov ...)",
            notebook="did.py",
        )


def test_param_where_points_at_each_value() -> None:
    out, problems = parameter_problems(
        {"conf_levl": 1, "years": "2020"},
        _declared(DECLARED),
        where="pipelines/p.yaml, line 3",
        notebook="did.py",
        param_where={"conf_levl": "pipelines/p.yaml, line 5", "years": "pipelines/p.yaml, line 6"},
    )
    assert out == {"conf_levl": 1, "years": "2020"}
    assert [(p.parameter, p.kind) for p in problems] == [
        ("conf_levl", "unknown"),
        ("years", "type"),
        ("dataset", "missing"),
    ]
    assert all(isinstance(p, ParameterProblem) for p in problems)
    assert "Fix the name in pipelines/p.yaml, line 5," in problems[0].message
    assert problems[1].message.endswith("fix the value in pipelines/p.yaml, line 6.")
    assert "task's parameters in pipelines/p.yaml, line 3." in problems[2].message


def test_no_problems_and_unannotated_parameters_take_anything() -> None:
    declared = _declared("title = 'x'  # report title\n")
    out, problems = parameter_problems(
        {"title": ["any", 1]}, declared, where=WHERE, notebook="nb.py"
    )
    assert (out, problems) == ({"title": ["any", 1]}, [])


# --- the parameters cell and NotebookParameter ------------------------------------------------
@pytest.mark.parametrize(
    ("annotation", "value", "ok"),
    [
        ("float", 2, True),
        ("str", 13101, True),
        ("str", True, False),
        ("int", 2.0, False),
        ('Literal["a", "b"]', "c", False),
        ("list[int]", [1, "x"], False),
        ("tuple[int, int]", [1, 2], True),
    ],
)
def test_notebook_parameter_accepts_uses_coerce(annotation: str, value: Any, ok: bool) -> None:
    param = NotebookParameter("x", annotation, None, "", False)
    assert param.accepts(value) is ok


@pytest.mark.parametrize("name", ["api_key", "appId", "token", "db_password", "client_secret"])
def test_a_secret_looking_parameter_is_refused(name: str) -> None:
    declared = _declared(f'{name}: str = ""  # a credential\nx: int = 1  # a number\n')
    with pytest.raises(
        ParameterError,
        match=rf"^task 't': parameter '{name}' looks like a secret; parameters are written into "
        r"the executed notebook, the run manifest and the report\. Remove it from p\.yaml, line 3 "
        r"and read it from the environment in nb\.py instead",
    ):
        check_parameters(
            "t", {name: "s3cret", "x": 1}, declared, where="p.yaml, line 3", notebook="nb.py"
        )
    # an empty value (the notebook's default) is not a secret
    assert check_parameters("t", {name: "", "x": 1}, declared, where="p", notebook="nb.py") == {
        name: "",
        "x": 1,
    }
