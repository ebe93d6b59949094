"""Tests of ebpm.pipeline.notebooks: reading notebooks and their tagged parameters cell."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ebpm.errors import ParameterError, PipelineError
from ebpm.pipeline.notebooks import (
    NotebookParameter,
    declared_parameters,
    parameters_cell,
    read_notebook,
)
from tests.conftest import FIXTURES
from tests.pipeline.test_params import DECLARED, _declared

TINY = FIXTURES / "notebooks" / "tiny_did.py"
IPYNB = FIXTURES / "notebooks" / "params.ipynb"

TINY_PARAMETERS = {
    "dataset": NotebookParameter(
        "dataset", "str", "studies.organ_donations", "catalog entry", False
    ),
    "outcome": NotebookParameter("outcome", "str", "Rate", "outcome column", False),
    "fail": NotebookParameter("fail", "bool", False, "raise ValueError on purpose", False),
}


# --- read_notebook ----------------------------------------------------------------------------
def test_read_notebook_reads_a_jupytext_py_file() -> None:
    nb = read_notebook(TINY)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "code", "code", "code"]
    assert nb.cells[1].metadata["tags"] == ["parameters"]
    assert nb.cells[2].source.startswith("if fail:")


def test_read_notebook_reads_an_ipynb_file() -> None:
    nb = read_notebook(IPYNB)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[2].source == "print(region, years)"


def test_read_notebook_of_a_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "notebooks" / "gone.py"
    with pytest.raises(
        PipelineError, match=r"^notebook '.*gone\.py' does not exist; check the path in the spec$"
    ):
        read_notebook(missing)


def test_read_notebook_that_is_not_a_notebook(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(PipelineError, match=r"^cannot read notebook '.*broken\.ipynb': "):
        read_notebook(broken)


# --- parameters_cell --------------------------------------------------------------------------
def test_parameters_cell_of_the_fixture_notebooks() -> None:
    assert parameters_cell(read_notebook(TINY), path=TINY) == TINY_PARAMETERS
    declared = parameters_cell(read_notebook(IPYNB), path=IPYNB)
    assert declared == {
        "region": NotebookParameter("region", "str", "Tokyo", "prefecture name", False),
        "years": NotebookParameter("years", "list[int]", [2019, 2020], "years to compare", False),
        "threshold": NotebookParameter(
            "threshold", "float | None", None, "optional cut-off", False
        ),
        "code": NotebookParameter("code", "str", None, "required: municipality code", True),
    }


def test_parameters_cell_may_import_from_typing() -> None:
    declared = _declared(DECLARED)
    assert list(declared) == ["dataset", "conf_level", "years", "code", "vcov"]
    assert declared["vcov"].type == "Literal['cluster', 'hetero', 'iid']"
    assert declared["dataset"].required is True
    assert declared["code"].required is False


def test_import_of_anything_else_is_still_refused() -> None:
    with pytest.raises(ParameterError, match=r"line 1 of the parameters cell is not `name: type"):
        _declared("from os import path\nx: int = 1\n")


def test_help_is_the_comment_above_when_the_line_has_none() -> None:
    declared = _declared(
        "# the policy evaluated, in words\n"
        'policy: str = "a long description that leaves no room for a comment"\n'
        "year: int = 2020  # first treated year\n"
        "\n"
        "plain: int = 1\n"
    )
    assert declared["policy"].help == "the policy evaluated, in words"
    assert declared["year"].help == "first treated year"
    assert declared["plain"].help == ""


def test_an_unannotated_parameter_has_no_type_and_none_is_its_default() -> None:
    declared = _declared("n = 3  # how many\nlabel = None\n")
    assert declared["n"] == NotebookParameter("n", None, 3, "how many", False)
    assert declared["label"] == NotebookParameter("label", None, None, "", False)


def test_only_the_first_tagged_cell_counts() -> None:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# title"),
            new_code_cell("a: int = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("b: int = 2", metadata={"tags": ["parameters"]}),
        ]
    )
    assert list(parameters_cell(nb)) == ["a"]


def test_a_notebook_without_a_tagged_cell() -> None:
    nb = new_notebook(cells=[new_code_cell("a = 1")])
    with pytest.raises(
        ParameterError,
        match=r"^report\.py: no cell is tagged 'parameters'; tag the first code cell "
        r"`parameters` \(in a jupytext \.py notebook: `# %% tags=\[\"parameters\"\]`\)$",
    ):
        parameters_cell(nb, path="report.py")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x: int = 1\ny: int = (\n", r"^did\.py: the parameters cell does not parse at line 2: "),
        ("x: int = 1\nprint(x)\n", r"^did\.py: line 2 of the parameters cell is not `name: type"),
        ("a, b = 1, 2\n", r"line 1 of the parameters cell is not `name: type = value`; keep"),
        (
            "today: str = str(2020)\n",
            r"^did\.py: parameter 'today' must be a literal \(number, string, list, \.\.\.\), "
            r"not 'str\(2020\)'$",
        ),
    ],
)
def test_a_cell_that_is_not_plain_literals(source: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        _declared(source)


# --- declared_parameters ----------------------------------------------------------------------
def test_declared_parameters_of_a_py_notebook_match_jupytext() -> None:
    assert declared_parameters(TINY) == TINY_PARAMETERS


def test_declared_parameters_of_an_ipynb_notebook() -> None:
    declared = declared_parameters(IPYNB)
    assert list(declared) == ["region", "years", "threshold", "code"]
    assert declared["code"].required is True


def test_the_parameters_of_an_ipynb_are_read_without_nbformat() -> None:
    """Issue 22: reading one cell needs no schema validation (nbformat's validator builds its
    URI grammars on import, seconds on a busy machine)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ebpm.pipeline.notebooks import declared_parameters\n"
        f"print(list(declared_parameters({str(IPYNB)!r})))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nbformat', 'jupytext')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["['region', 'years', 'threshold', 'code']", "[]"]


@pytest.mark.parametrize(
    "text",
    [
        '{"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, '
        '"source": "k: int = 5  # folds\\n"}], "nbformat": 4, "nbformat_minor": 5, '
        '"metadata": {}}',
        '{"cells": [{"cell_type": "markdown", "metadata": {"tags": ["parameters"]}, '
        '"source": ["x"]}, {"cell_type": "code", "metadata": {"tags": ["parameters"]}, '
        '"source": ["k: int = 5", "  # folds\\n"]}], "nbformat": 4, "nbformat_minor": 5, '
        '"metadata": {}}',
    ],
)
def test_an_ipynb_cell_source_as_text_or_lines(tmp_path: Path, text: str) -> None:
    nb = tmp_path / "n.ipynb"
    nb.write_text(text, encoding="utf-8")
    assert declared_parameters(nb) == {"k": NotebookParameter("k", "int", 5, "folds", False)}


def test_declared_parameters_of_a_py_notebook_whose_cell_is_the_last(tmp_path: Path) -> None:
    nb = tmp_path / "last.py"
    nb.write_text('# %%\nimport os\n\n# %% tags=["parameters"]\nk: int = 5  # folds\n')
    assert declared_parameters(nb) == {"k": NotebookParameter("k", "int", 5, "folds", False)}


def test_an_unchanged_notebook_is_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ebpm.pipeline.notebooks as notebooks

    nb = tmp_path / "n.ipynb"
    nb.write_bytes(IPYNB.read_bytes())
    reads: list[Path] = []
    real = notebooks._fast_parameters_source
    monkeypatch.setattr(notebooks, "_fast_parameters_source", lambda p: reads.append(p) or real(p))
    first = declared_parameters(nb)
    first.pop("region")  # the caller's copy: the next call is not affected
    again = declared_parameters(nb)
    assert len(reads) == 1
    assert list(again) == ["region", "years", "threshold", "code"]
    # new bytes are parsed again, even when size and time would not tell
    nb.write_bytes(IPYNB.read_bytes().replace(b"threshold", b"treshold_"))
    assert "treshold_" in declared_parameters(nb)
    assert len(reads) == 2


def test_declared_parameters_error_names_the_notebook_as_shown(tmp_path: Path) -> None:
    nb = tmp_path / "plain.py"
    nb.write_text("# %%\nx = 1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"^notebooks/plain\.py: no cell is tagged"):
        declared_parameters(nb, shown="notebooks/plain.py")


def test_declared_parameters_of_a_py_notebook_in_another_format(tmp_path: Path) -> None:
    """A light-format jupytext file has no `# %%` markers: it is read through jupytext."""
    nb = tmp_path / "light.py"
    nb.write_text("# + tags=['parameters']\nk: int = 5  # folds\n# -\n\nprint(k)\n")
    assert declared_parameters(nb) == {"k": NotebookParameter("k", "int", 5, "folds", False)}
