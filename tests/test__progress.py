"""Progress bars (ebpm._progress): drawn where someone watches, nothing in ``ebpm run``."""

from __future__ import annotations

import io

import pytest

from ebpm._progress import counter, progress, shows_progress
from ebpm._protocol import RUN_ID_ENV


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _terminal(monkeypatch: pytest.MonkeyPatch) -> _Terminal:
    """Put a terminal on stderr, in the test itself: pytest's capture puts its own stderr back
    between a fixture's setup and the test."""
    err = _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.delenv(RUN_ID_ENV, raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    return err


def test_bar_is_drawn_in_an_interactive_session(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch)
    assert shows_progress()
    out = list(progress(range(7), desc="placebos", delay=0))
    assert out == list(range(7))
    assert "placebos" in terminal.getvalue()
    assert "/7 " in terminal.getvalue()  # the bar counts to the total


def test_nothing_is_written_in_a_pipeline_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _terminal(monkeypatch)
    monkeypatch.setenv(RUN_ID_ENV, "20260101-000000")
    items = ["a", "b", "c"]
    wrapped = progress(items, desc="placebos", delay=0)
    assert wrapped is items  # no wrapper at all: nothing to write, nothing to slow down
    assert list(wrapped) == items
    assert terminal.getvalue() == ""
    assert capsys.readouterr() == ("", "")


def test_tqdm_disable_turns_the_bar_off(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert list(progress(iter(range(3)), total=3, delay=0)) == [0, 1, 2]
    assert terminal.getvalue() == ""


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.delenv(RUN_ID_ENV, raising=False)
    assert not shows_progress()


def test_values_pass_through_unchanged_with_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch)
    values = [3.5, None, "x", (1, 2)]
    assert list(progress(iter(values), total=len(values), delay=0)) == values
    assert "/4 " in terminal.getvalue()


def _run_cell(source: str) -> list[dict]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(source))
    NotebookClient(nb, kernel_name="python3", timeout=60).execute()
    return list(nb.cells[0].outputs)


@pytest.mark.slow
def test_a_pipeline_page_holds_no_progress_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: the same cell draws a bar in a kernel, and nothing under ``ebpm run``."""
    cell = "from ebpm._progress import progress\nxs = list(progress(range(50), delay=0))"
    monkeypatch.delenv(RUN_ID_ENV, raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert _run_cell(cell), "a kernel the analyst runs should show the bar"
    monkeypatch.setenv(RUN_ID_ENV, "20260101-000000")
    assert _run_cell(cell) == []


def test_a_counter_advanced_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch)
    bar = counter(total=10, desc="download", unit="values", delay=0)
    bar.update(4)
    bar.update(6)
    assert bar.n == 10
    bar.close()
    assert "download" in terminal.getvalue()
    assert "/10 [" in terminal.getvalue()  # counts to the total, in values


def test_a_counter_in_a_pipeline_run_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch)
    monkeypatch.setenv(RUN_ID_ENV, "20260101-000000")
    bar = counter(total=10, desc="download", delay=0)
    bar.update(10)
    bar.close()
    assert terminal.getvalue() == ""
