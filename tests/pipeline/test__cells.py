"""Tests of ebpm.pipeline._cells: which cells of a notebook changed since it last ran."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ebpm.pipeline._cells import cell_changes, describe_changes, notebook_changes

NOTEBOOK = (
    '# %% tags=["parameters"]\nk: int = 0  # a number\n\n'
    "# %% [markdown]\n# # Title\n\n"
    "# %%\nprint(k)\n\n"
    "# %%\ny = k + 1\n"
)


def _executed(path: Path, *sources: tuple[str, str]) -> Path:
    """An executed copy as papermill writes it: the parameters cell, the injected one, the
    rest."""
    cells = [
        new_code_cell("k: int = 0  # a number", metadata={"tags": ["parameters"]}),
        new_code_cell("# Parameters\nk = 3\n", metadata={"tags": ["injected-parameters"]}),
    ]
    for kind, source in sources:
        cells.append(new_markdown_cell(source) if kind == "markdown" else new_code_cell(source))
    path.write_text(nbformat.writes(new_notebook(cells=cells)), encoding="utf-8")
    return path


def test_edited_added_and_removed_cells() -> None:
    before = ["code\na = 1", "code\nprint(a)", "markdown\n# Notes", "code\nplot()"]
    after = ["code\na = 1", "code\nprint(a + 1)", "markdown\n# Notes", "code\nscratch = 2"]
    assert cell_changes(before, after) == [
        ("edited", 2, "print(a + 1)"),
        ("edited", 4, "scratch = 2"),
    ]
    assert cell_changes(before, [*before[:2], "code\nx = 1", *before[2:]]) == [
        ("added", 3, "x = 1")
    ]
    assert cell_changes(before, before[1:]) == [("removed", 1, "a = 1")]
    assert cell_changes(before, before) == []


def test_the_description_names_three_cells_and_counts_the_rest() -> None:
    changes = [("added", n, f"x{n} = {n}") for n in range(1, 6)]
    assert describe_changes(changes) == (
        "cell 1 added (`x1 = 1`), cell 2 added (`x2 = 2`), cell 3 added (`x3 = 3`), and 2 more"
    )
    assert describe_changes([]) == ""
    long = "result = estimate(data, with_a_very_long_name_of_an_option=True, other=1)"
    assert describe_changes(cell_changes(["code\nx"], ["code\n" + long])) == (
        f"cell 1 edited (`{long[:49]}…`)"
    )


def test_a_notebook_against_its_last_executed_copy(tmp_path: Path) -> None:
    nb = tmp_path / "n.py"
    nb.write_text(NOTEBOOK, encoding="utf-8")
    ran = _executed(
        tmp_path / "ran.ipynb", ("markdown", "# Title"), ("code", "print(k)"), ("code", "y = k + 1")
    )
    assert notebook_changes(nb, ran) == ""  # the injected parameters are not a change
    nb.write_text(NOTEBOOK + "\n# %%\nscratch = y * 100\n", encoding="utf-8")
    assert notebook_changes(nb, ran) == "cell 5 added (`scratch = y * 100`)"
    nb.write_text(NOTEBOOK.replace("print(k)", "print(k, 'debug')"), encoding="utf-8")
    assert notebook_changes(nb, ran) == "cell 3 edited (`print(k, 'debug')`)"


def test_nothing_to_say_without_a_readable_copy(tmp_path: Path) -> None:
    nb = tmp_path / "n.py"
    nb.write_text(NOTEBOOK, encoding="utf-8")
    assert notebook_changes(nb, tmp_path / "gone.ipynb") == ""
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    assert notebook_changes(nb, tmp_path / "bad.ipynb") == ""
    (tmp_path / "empty.ipynb").write_text(json.dumps({"cells": []}), encoding="utf-8")
    assert notebook_changes(nb, tmp_path / "empty.ipynb").startswith("cell 1 added (`k: int = 0")


def test_a_line_naming_a_secret_is_not_repeated() -> None:
    before = ["code\nx = 1"]
    after = [
        "code\napi_token = 'sk-live-123'",
        "code\nload('https://h/x?appId=abc123')",
        "code\nload('https://me:hunter2@h/x')",
    ]
    assert cell_changes(before, after) == [
        ("edited", 1, "a line naming a secret, not shown"),
        ("added", 2, "a line naming a secret, not shown"),
        ("added", 3, "load('https://me:***@h/x')"),  # a password in a URL is blanked
    ]
