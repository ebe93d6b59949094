"""Tests of ebpm.pipeline.notebooks: reading notebooks and parsing their parameters cell."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ebpm.errors import ParameterError, PipelineError
from ebpm.pipeline.notebooks import NotebookParameter, parameters_cell, read_notebook
from tests.conftest import TESTS

HERE = TESTS
NOTEBOOKS = HERE / "fixtures" / "notebooks"
DID_NOTEBOOK = HERE.parent / "notebooks" / "did.py"


def _nb(source: str, *, tags: tuple[str, ...] = ("parameters",), before: list[Any] | None = None):
    cells = list(before or [])
    cells.append(new_code_cell(source, metadata={"tags": list(tags)}))
    cells.append(new_code_cell("print('body')"))
    return new_notebook(cells=cells)


def _param(type_: str | None, default: Any = None) -> NotebookParameter:
    return NotebookParameter(name="x", type=type_, default=default, help="", required=False)


# --- parsing ----------------------------------------------------------------------------------
def test_parameters_cell_reads_types_defaults_and_help_comments() -> None:
    source = (
        'dataset: str = "studies.prop99"  # catalog entry\n'
        "year: int = 1989  # first treated year\n"
        "conf_level: float = 0.95\n"
        "log_outcome: bool = False  # take logs first\n"
        'covariates: list[str] = ["income", "age"]  # control variables\n'
        "options: dict = {'a': 1, 'b': (2, 3)}  # estimator options\n"
        "shift: int = -2  # a negative literal\n"
        'title = "# not a comment"  # the title\n'
    )
    params = parameters_cell(_nb(source))
    assert list(params) == [
        "dataset",
        "year",
        "conf_level",
        "log_outcome",
        "covariates",
        "options",
        "shift",
        "title",
    ]
    assert params["dataset"] == NotebookParameter(
        name="dataset", type="str", default="studies.prop99", help="catalog entry", required=False
    )
    assert params["year"].type == "int"
    assert params["year"].default == 1989
    assert params["year"].help == "first treated year"
    assert params["conf_level"].default == 0.95
    assert params["conf_level"].help == ""
    assert params["log_outcome"].default is False
    assert params["covariates"].type == "list[str]"
    assert params["covariates"].default == ["income", "age"]
    assert params["options"].default == {"a": 1, "b": (2, 3)}
    assert params["shift"].default == -2
    assert params["title"] == NotebookParameter(
        name="title", type=None, default="# not a comment", help="the title", required=False
    )


@pytest.mark.parametrize(
    ("line", "required"),
    [
        ("dataset: str = None  # required", True),
        ("dataset: str", True),
        ("dataset: int = None", True),
        ("dataset: str | None = None", False),
        ("dataset: None | str = None", False),
        ("dataset: Optional[str] = None", False),
        ("dataset = None", False),
        ('dataset: str = ""', False),
        ("dataset: int = 0", False),
        ("dataset: bool = False", False),
    ],
)
def test_required_means_a_none_default_the_annotation_does_not_admit(
    line: str, required: bool
) -> None:
    param = parameters_cell(_nb(line))["dataset"]
    assert param.required is required


def test_annotation_without_a_value_has_a_none_default() -> None:
    param = parameters_cell(_nb("year: int  # first treated year"))["year"]
    assert param == NotebookParameter(
        name="year", type="int", default=None, help="first treated year", required=True
    )


def test_help_is_the_comment_on_the_first_line_of_the_assignment() -> None:
    source = 'names: list = [  # units to keep\n    "a",\n    "b",\n]\nn: int = 3  # how many\n'
    params = parameters_cell(_nb(source))
    assert params["names"].default == ["a", "b"]
    assert params["names"].help == "units to keep"
    assert params["n"].help == "how many"


def test_only_the_first_tagged_code_cell_counts() -> None:
    nb = new_notebook(
        cells=[
            new_markdown_cell("x = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("a: int = 1", metadata={"tags": ["setup", "parameters"]}),
            new_code_cell("b: int = 2", metadata={"tags": ["parameters"]}),
        ]
    )
    assert list(parameters_cell(nb)) == ["a"]


def test_empty_parameters_cell_declares_nothing() -> None:
    assert parameters_cell(_nb("# nothing to set yet\n")) == {}


# --- parsing errors ---------------------------------------------------------------------------
def test_no_tagged_cell_names_the_notebook_and_the_fix() -> None:
    nb = new_notebook(cells=[new_code_cell("x: int = 1"), new_markdown_cell("# text")])
    with pytest.raises(
        ParameterError,
        match=r"^report\.py: no cell is tagged 'parameters'; tag the first code cell "
        r"`parameters` \(in a jupytext \.py notebook: `# %% tags=\[\"parameters\"\]`\)$",
    ):
        parameters_cell(nb, path="report.py")


def test_a_markdown_cell_tagged_parameters_does_not_count() -> None:
    nb = new_notebook(cells=[new_markdown_cell("x = 1", metadata={"tags": ["parameters"]})])
    with pytest.raises(ParameterError, match=r"<notebook>: no cell is tagged 'parameters'"):
        parameters_cell(nb)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("year: int = 1989 + 1", "1989 + 1"),
        ("dataset: str = DEFAULT", "DEFAULT"),
        ("n: int = len('abc')", "len('abc')"),
        ("path: str = f'{x}.csv'", "f'{x}.csv'"),
    ],
)
def test_non_literal_value(line: str, shown: str) -> None:
    name = line.split(":")[0]
    with pytest.raises(
        ParameterError,
        match=rf"nb\.py: parameter '{name}' must be a literal \(number, string, list, \.\.\.\), "
        rf"not {re.escape(repr(shown))}$",
    ):
        parameters_cell(_nb(line), path="nb.py")


def test_non_literal_value_chains_the_ast_error() -> None:
    with pytest.raises(ParameterError, match=r"parameter 'x' must be a literal") as info:
        parameters_cell(_nb("x = y"))
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize(
    ("source", "lineno"),
    [
        ("import os", 1),
        ("x: int = 1\nprint(x)", 2),
        ("x: int = 1\na = b = 2", 2),
        ("a, b = 1, 2", 1),
        ("x: int = 1\nx += 1", 2),
        ("x: int = 1\nif x:\n    y = 2", 2),
        ("obj.attr: int = 1", 1),
    ],
)
def test_statement_that_is_not_a_simple_assignment(source: str, lineno: int) -> None:
    with pytest.raises(
        ParameterError,
        match=rf"nb\.py: line {lineno} of the parameters cell is not `name: type = value`; "
        "keep the cell to plain assignments of literals",
    ):
        parameters_cell(_nb(source), path="nb.py")


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(
        ParameterError, match=r"nb\.py: the parameters cell does not parse at line 2: "
    ) as info:
        parameters_cell(_nb("x: int = 1\ny: int = \nz = 3"), path="nb.py")
    assert isinstance(info.value.__cause__, SyntaxError)


def test_parameter_error_is_a_pipeline_error_and_a_value_error() -> None:
    assert issubclass(ParameterError, PipelineError)
    assert issubclass(ParameterError, ValueError)


# --- NotebookParameter.accepts ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("type_", "value", "ok"),
    [
        ("int", 3, True),
        ("int", -3, True),
        ("int", 3.0, False),
        ("int", "3", False),
        ("int", True, False),
        ("int", None, False),
        ("float", 0.5, True),
        ("float", 2, True),
        ("float", False, False),
        ("float", "0.5", False),
        ("str", "Tokyo", True),
        ("str", 1, True),  # an int is a code (13101) as far as a str parameter goes
        ("str", 1.5, False),
        ("str", None, False),
        ("bool", True, True),
        ("bool", 0, False),
        ("bool", "true", False),
        ("list", [1, 2], True),
        ("list", (1, 2), True),
        ("list[str]", ["a"], True),
        ("list[str]", "a", False),
        ("dict", {"a": 1}, True),
        ("dict[str, int]", {"a": 1}, True),
        ("dict[str, int]", [("a", 1)], False),
        ("str | None", None, True),
        ("str | None", "State", True),
        ("str | None", 1.5, False),
        ("int | str", "x", True),
        ("int | str", 2, True),
        ("int | str", 2.5, False),
        ("int | str", True, False),
        ("str | list[str]", ["a", "b"], True),
        ("None", None, True),
        ("None", 0, False),
        ("Any", object(), True),
        ("pd.DataFrame", 3, True),
        ("Path | None", "x", True),
        (None, object(), True),
        (None, None, True),
    ],
)
def test_accepts(type_: str | None, value: Any, ok: bool) -> None:
    assert _param(type_).accepts(value) is ok


def test_optional_accepts_its_type() -> None:
    assert _param("Optional[str]").accepts("State") is True
    assert _param("Optional[str]").accepts(3.5) is False


def test_optional_accepts_none() -> None:
    param = parameters_cell(_nb("cluster: Optional[str] = None  # cluster"))["cluster"]
    assert param.required is False
    assert param.accepts(None) is True


# --- reading notebooks ------------------------------------------------------------------------
def test_read_jupytext_py_notebook_keeps_the_parameters_tag() -> None:
    nb = read_notebook(NOTEBOOKS / "tiny_did.py")
    assert isinstance(nb, nbformat.NotebookNode)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    assert nb.cells[1].metadata["tags"] == ["parameters"]
    assert nb.metadata["kernelspec"]["name"] == "python3"
    params = parameters_cell(nb, path="tiny_did.py")
    assert params == {
        "dataset": NotebookParameter(
            "dataset", "str", "studies.organ_donations", "catalog entry", False
        ),
        "outcome": NotebookParameter("outcome", "str", "Rate", "outcome column", False),
        "fail": NotebookParameter("fail", "bool", False, "raise ValueError on purpose", False),
    }


def test_read_ipynb_notebook() -> None:
    nb = read_notebook(NOTEBOOKS / "params.ipynb")
    assert isinstance(nb, nbformat.NotebookNode)
    assert nb.nbformat == 4
    params = parameters_cell(nb)
    assert params["region"] == NotebookParameter("region", "str", "Tokyo", "prefecture name", False)
    assert params["years"].default == [2019, 2020]
    assert params["years"].accepts([2021]) is True
    assert params["threshold"].required is False
    assert params["code"].required is True
    assert params["code"].help == "required: municipality code"


def test_read_the_project_did_notebook() -> None:
    params = parameters_cell(read_notebook(DID_NOTEBOOK), path=DID_NOTEBOOK)
    assert list(params)[:5] == ["dataset", "outcome", "unit", "time", "treated"]
    assert params["dataset"].default == "studies.organ_donations"
    assert params["dataset"].help == "catalog entry (see `ebpm catalog list`)"
    assert params["cluster"].type == "str | None"
    assert params["cluster"].required is False
    assert not any(p.required for p in params.values())


def test_read_a_missing_notebook() -> None:
    with pytest.raises(
        PipelineError, match=r"notebook '.*/nope\.py' does not exist; check the path in the spec"
    ):
        read_notebook(NOTEBOOKS / "nope.py")


def test_read_a_corrupt_ipynb(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(PipelineError, match=r"cannot read notebook '.*broken\.ipynb': ") as info:
        read_notebook(path)
    assert info.value.__cause__ is not None


def test_read_notebook_roundtrips_an_ipynb_written_by_nbformat(tmp_path: Path) -> None:
    path = tmp_path / "made.ipynb"
    nbformat.write(_nb("answer: int = 42  # the answer"), path)
    assert parameters_cell(read_notebook(path))["answer"].default == 42


def test_unhashable_literal_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"parameter 'x' must be a literal"):
        parameters_cell(_nb("x = {[1]: 2}"))
