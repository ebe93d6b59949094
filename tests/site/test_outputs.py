"""ebpm.site.outputs: what of an executed notebook reaches a reader of its report."""

from __future__ import annotations

import html

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
        'File "/var/folders/q1/x8z/T/ipykernel_77/9.py", line 5\n'
        "FileNotFoundError: [Errno 2] No such file: '/home/analyst/secret-project/data.csv'\n"
        'File "/usr/lib/python3.11/json/decoder.py", line 337'
    )
    assert reader_traceback(tb) == (
        'File "pandas/core/frame.py", line 3\n'
        'File "cell", line 2\n'
        'File "cell", line 5\n'
        "FileNotFoundError: [Errno 2] No such file: 'data.csv'\n"
        'File "json/decoder.py", line 337'
    )


def test_a_reader_warning_keeps_what_matters() -> None:
    text = (
        "rdd(): dropped 93 of 1390 rows with missing values (vote: 93); impute or filter them "
        "first to silence this"
    )
    assert reader_warning(text) == "Dropped 93 of 1390 rows with missing values (vote: 93)."


# --- notes on a Japanese page ------------------------------------------------------------------
def _warned(category: str, message: str) -> str:
    """A warning line as a kernel prints it on stderr."""
    return f"/tmp/ipykernel_1/2.py:3: {category}: {message}\n  result = f(data)\n"


@pytest.mark.parametrize(
    ("category", "message", "note"),
    [
        (
            "MissingValueWarning",
            "rdd(): dropped 93 of 1390 rows with missing values (vote: 93) at rows 1, 3, 7, 10, "
            "12 and 88 more; impute or filter them first to silence this",
            "欠測値のある93行（全1390行中）を除外しました（vote: 93）。"
            "該当する行：行 1, 3, 7, 10, 12 ほか88件。",
        ),
        (
            "MissingValueWarning",
            "did(): dropped 6 of 18 rows with missing or infinite values (y: 4 missing, "
            "2 infinite) at u='b', t=1; u='d', t=1 and 4 more; impute or filter them first to "
            "silence this",
            "欠測値または無限大の値のある6行（全18行中）を除外しました（y: 欠測4, 無限大2）。"
            "該当する行：u='b', t=1; u='d', t=1 ほか4件。",
        ),
        (
            "MissingValueWarning",
            "moran(): dropped 2 of 262 unit(s) with a missing 'UNEMP': 08203 土浦市, 08204 古河市. "
            "Neighbour relations are built without them; impute or filter them first to "
            "silence this",
            "'UNEMP' が欠測の2単位（全262単位中）を除外しました：08203 土浦市, 08204 古河市。"
            "近隣関係はこれらを除いて構築しています。",
        ),
        (
            "FewClustersWarning",
            "only 27 clusters of 'State': cluster-robust (CRV1) tests over-reject with fewer "
            "than 30 clusters; use vcov='wild' (wild cluster bootstrap)",
            "'State' のクラスターは27個だけです。クラスターが30個未満では、クラスター頑健"
            "（CRV1）な検定は帰無仮説を棄却しすぎます。",
        ),
        (
            "BalancedPanelWarning",
            "staggered_did(): dropped 1 unit(s) not observed in all 5 periods, to balance the "
            "panel (as R did does)",
            "パネルをそろえるため、全5期間のいずれかで観測されていない1単位を除外しました"
            "（R の did パッケージと同じ扱い）。",
        ),
        (
            "CollinearityWarning",
            "covariate 'c2' was dropped: it does not change over time within State, so the "
            "State fixed effects absorb it. It has no coefficient of its own (pyfixest and "
            "fixest drop it too); remove it from covariates",
            "共変量 'c2' は、ほかの説明変数と固定効果で説明しつくされる（共線性がある）ため、"
            "推定から除外しました。",
        ),
        (
            "UnmatchedRowsWarning",
            "choropleth(): 1 row(s) have no geometry and are not drawn: 00000 全国; they are "
            "left out of the classes too. Rows that ebpm.geo.attach could not match (such as "
            "the national total 00000 全国) have no geometry; drop them first with gdf[...]",
            "地域の形状（ジオメトリ）のない1行を除外しました：00000 全国。",
        ),
        (
            "IslandWarning",
            "1 unit(s) have no neighbours under queen contiguity: 08461. They keep a spatial "
            "lag of 0; pass connect_islands=True to link each to its nearest unit, or use "
            "kind='knn'",
            "クイーン型隣接では近隣のない単位が1件あります：08461。これらの空間ラグは0です。",
        ),
        (
            "IslandWarning",
            "1 unit(s) have no neighbours in w: 08461. They keep a spatial lag of 0; rebuild w "
            "with ebpm.geo.weights(gdf, connect_islands=True)",
            "重み w では近隣のない単位が1件あります：08461。これらの空間ラグは0です。",
        ),
        (
            "UnmatchedRowsWarning",
            "attach(): 3 of 50 rows matched no municipality by 'code' and are kept with an empty "
            "geometry; 2 distinct value(s): '00000': national total; '99999': no such code. All "
            "are listed in attrs['ebpm_geo']['unmatched']",
            "50行中3行は、'code' で地域と対応付けられませんでした（形状を空にして残しています）。",
        ),
    ],
)
def test_ebpm_warnings_become_japanese_notes(category: str, message: str, note: str) -> None:
    (shown,) = reader_outputs([_stderr(_warned(category, message))], lang="ja")
    assert shown["data"]["text/html"] == (
        f'<p class="ebpm-note" role="note"><strong>注記:</strong> {html.escape(note)}</p>'
    )
    assert reader_warning(message, "ja") == note  # without the category, by its shape alone
    assert not reader_warning(message, "en").startswith(note[:3])


def test_the_note_of_a_real_missing_value_warning_is_japanese() -> None:
    """The shape read here is the one ebpm's estimators write (no drift between the two)."""
    import warnings

    import numpy as np
    import pandas as pd

    from ebpm.estimators._common import drop_missing

    data = pd.DataFrame({"y": [1.0, np.nan, 3.0, np.inf], "u": list("abcd")})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drop_missing(data, ["y"], func="did", label=["u"])
    (w,) = caught
    text = warnings.formatwarning(w.message, w.category, "/tmp/ipykernel_1/2.py", 3)
    (shown,) = reader_outputs([_stderr(text)], lang="ja")
    assert (
        "欠測値または無限大の値のある2行（全4行中）を除外しました（y: 欠測1, 無限大1）。"
        in (shown["data"]["text/html"])
    )


def test_a_warning_of_another_shape_stays_english_on_a_japanese_page() -> None:
    message = "rdd(): the density (manipulation) test could not be computed: singular matrix"
    (shown,) = reader_outputs([_stderr(_warned("EbpmWarning", message))], lang="ja")
    assert shown["data"]["text/html"].endswith(
        "<strong>注記:</strong> The density (manipulation) test could not be computed: "
        "singular matrix.</p>"
    )
