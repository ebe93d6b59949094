"""Contract: every result-like object shows itself the same way (issue 17, STYLE "One result
object").

Estimates, Goodman-Bacon decompositions, sensitivity analyses, local spatial statistics, KPI
follow-ups and tables after disclosure control share
:class:`ebpm.results.ResultDisplay`: ``summary()`` is text and is what ``str()`` prints, the
notebook view is HTML, ``tidy()`` is a frame, and ``to_dict()`` is strict JSON.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import libpysal
import pandas as pd
import pytest

import ebpm
from ebpm.results import ResultDisplay
from tests.conftest import ROOT


def _estimate() -> Any:
    data = ebpm.catalog.load("studies.organ_donations")
    return ebpm.did(data, outcome="Rate", unit="State", time="quarter_num", treated="treated")


def _lisa() -> Any:
    columbus = gpd.read_file(Path(libpysal.__file__).parent / "examples/columbus/columbus.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ebpm.geo.lisa(columbus, "CRIME", seed=1, permutations=99)


def _kpis() -> Any:
    return ebpm.kpi.compute(ebpm.kpi.load(ROOT / "pipelines" / "policies" / "prop99.yaml"))


def _suppressed() -> Any:
    table = pd.DataFrame([[10, 2, 8], [7, 9, 12]], index=["a", "b"], columns=["X", "Y", "Z"])
    return ebpm.disclosure.suppress(table, k=3, name="患者数")


def _bacon() -> Any:
    data = ebpm.catalog.load("studies.castle")
    return ebpm.bacon_decomposition(
        data, outcome="l_homicide", unit="sid", time="year", treated="post"
    )


def _sensitivity() -> Any:
    from ebpm.trust.sensitivity import sensitivity

    return sensitivity(
        [0.0, 0.01, 0.3],
        [[1e-4, 0, 0], [0, 1e-4, 0], [0, 0, 1e-4]],
        n_pre=2,
        method="smoothness",
        bounds=[0, 0.05],
    )


def _privacy_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": ["30s", "30s", "40s", "40s", "40s"],
            "sex": ["f", "f", "m", "m", "f"],
            "illness": ["a", "b", "a", "a", "c"],
        }
    )


def _risk() -> Any:
    return ebpm.privacy.risk(_privacy_frame(), keys=["age", "sex"])


def _ldiversity() -> Any:
    return ebpm.privacy.l_diversity(_privacy_frame(), keys=["age", "sex"], sensitive="illness")


def _anonymized() -> Any:
    return ebpm.privacy.anonymize(_privacy_frame(), keys=["age", "sex"], k=2)


def _suda() -> Any:
    return ebpm.privacy.suda(_privacy_frame(), keys=["age", "sex", "illness"])


MAKERS: dict[str, Callable[[], Any]] = {
    "Anonymized": _anonymized,
    "Suda": _suda,
    "RiskMeasures": _risk,
    "LDiversity": _ldiversity,
    "BaconDecomposition": _bacon,
    "Sensitivity": _sensitivity,
    "EstimateResult": _estimate,
    "LisaResult": _lisa,
    "KPIReport": _kpis,
    "Suppressed": _suppressed,
}


@pytest.fixture(scope="module", params=sorted(MAKERS))
def result(request: pytest.FixtureRequest) -> Any:
    obj = MAKERS[request.param]()
    assert type(obj).__name__ == request.param
    return obj


def test_it_shares_the_display_mixin(result: Any) -> None:
    assert isinstance(result, ResultDisplay)


def test_summary_is_text_and_is_what_str_prints(result: Any) -> None:
    text = result.summary()
    assert isinstance(text, str)
    assert text.strip()
    assert str(result) == text


def test_the_notebook_view_is_html(result: Any) -> None:
    view = result._repr_html_()
    assert isinstance(view, str)
    assert view.lstrip().startswith("<")


def test_tidy_is_a_frame(result: Any) -> None:
    frame = result.tidy()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) > 0


def test_to_dict_is_strict_json_and_to_json_writes_it(result: Any) -> None:
    data = result.to_dict()
    assert isinstance(data, dict)
    text = json.dumps(data, allow_nan=False, ensure_ascii=False)
    assert json.loads(result.to_json()) == json.loads(text)


def test_a_suppressed_table_never_shows_its_hidden_values() -> None:
    sup = _suppressed()
    cells = sup.to_dict()["cells"]
    assert cells[0][1] == "x"
    assert "2" not in [c for row in cells for c in row]  # the small cell (a, Y) = 2
    tidy = sup.tidy().set_index(["row", "column"])
    assert bool(tidy.loc[("a", "Y"), "hidden"])
    assert pd.isna(tidy.loc[("a", "Y"), "value"])
