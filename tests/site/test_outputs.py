"""ebpm.site.outputs: what of an executed notebook reaches a reader of its report."""

from __future__ import annotations

import pytest

from ebpm.site.outputs import (
    reader_outputs,
    reader_source,
    reader_traceback,
    reader_warning,
)


def _stderr(text: str) -> dict:
    return {"output_type": "stream", "name": "stderr", "text": text}


def _result(text: str) -> dict:
    return {"output_type": "execute_result", "data": {"text/plain": text}, "metadata": {}}


FEW = (
    "/tmp/ipykernel_30812/1193438282.py:1: FewClustersWarning: only 27 clusters of 'State': "
    "cluster-robust (CRV1) tests over-reject with fewer than 30 clusters; use vcov='wild' for "
    "a wild cluster bootstrap\n  result = did(frame, unit='State')\n"
)


def test_an_ebpm_warning_becomes_a_note_for_readers_without_path_or_advice() -> None:
    (note,) = reader_outputs([_stderr(FEW)])
    html = note["data"]["text/html"]
    assert html == (
        '<p class="ebpm-note" role="note"><strong>Note:</strong> Only 27 clusters of '
        "&#x27;State&#x27;: cluster-robust (CRV1) tests over-reject with fewer than 30 "
        "clusters.</p>"
    )
    assert "/tmp/" not in html
    assert "vcov" not in html


def test_notes_are_in_the_page_language_and_said_once() -> None:
    (note,) = reader_outputs([_stderr(FEW + FEW)], "ja")
    assert note["data"]["text/html"].count("注記:") == 1


def test_other_libraries_warnings_and_stderr_noise_are_left_out() -> None:
    noise = (
        "/x/site-packages/pandas/core/frame.py:12: FutureWarning: the default will change\n"
        "  df.groupby(...)\nINFO:papermill:Executing\n"
    )
    assert reader_outputs([_stderr(noise)]) == []


@pytest.mark.parametrize(
    "text",
    [
        "Text(0.5, 1.0, 'PacksPerCapita, State = California')",
        "[<matplotlib.lines.Line2D at 0x7f3a2c1d2e50>]",
        "[<matplotlib.lines.Line2D at 0x7f3a2c1d2e50>, "
        "<matplotlib.lines.Line2D at 0x7f3a2c1d2f10>]",
        "<Axes: title={'center': 'Bandwidth sensitivity'}>",
        "<Figure size 640x480 with 1 Axes>",
    ],
)
def test_bare_object_reprs_are_left_out(text: str) -> None:
    assert reader_outputs([_result(text)]) == []


def test_a_value_a_cell_returns_stays() -> None:
    kept = [_result("7.414"), _result("Text is fine here")]
    assert reader_outputs([dict(o) for o in kept]) == kept


def test_table_numbers_are_rounded_to_four_significant_digits() -> None:
    table = (
        "<table><tr><td>0.123456789</td><td>1234.56789</td><td>-0.000123456</td>"
        "<td>2.5</td><td>12</td><td>1.2e-07</td></tr></table>"
    )
    out = {"output_type": "display_data", "data": {"text/html": table}, "metadata": {}}
    (shown,) = reader_outputs([out])
    assert shown["data"]["text/html"] == (
        "<table><tr><td>0.1235</td><td>1235</td><td>-0.0001235</td>"
        "<td>2.5</td><td>12</td><td>1.2e-07</td></tr></table>"
    )


def test_parameters_read_as_japanese_not_escapes() -> None:
    src = 'indicator_label = "\\u6751\\u306e\\u5272\\u5408 / Share"\npath = "C:\\\\u0041"\n'
    assert reader_source(src) == 'indicator_label = "村の割合 / Share"\npath = "C:\\\\u0041"\n'


def test_a_character_outside_the_basic_plane_is_joined_from_its_surrogates() -> None:
    assert reader_source('x = "\\ud842\\udfb7"') == 'x = "𠮷"'


def test_tracebacks_lose_the_server_paths() -> None:
    tb = (
        'File "/srv/ebpm/.venv/lib/python3.11/site-packages/pandas/core/frame.py", line 3\n'
        'File "/tmp/ipykernel_123/456.py", line 2\n'
        "FileNotFoundError: [Errno 2] No such file: '/home/analyst/secret-project/data.csv'\n"
        'File "/usr/lib/python3.11/json/decoder.py", line 337'
    )
    assert reader_traceback(tb) == (
        'File "pandas/core/frame.py", line 3\n'
        'File "cell", line 2\n'
        "FileNotFoundError: [Errno 2] No such file: 'data.csv'\n"
        'File "json/decoder.py", line 337'
    )


def test_a_reader_warning_keeps_what_matters() -> None:
    text = (
        "rdd(): dropped 93 of 1390 rows with missing values (vote: 93); impute or filter them "
        "first to silence this"
    )
    assert reader_warning(text) == "Dropped 93 of 1390 rows with missing values (vote: 93)."
