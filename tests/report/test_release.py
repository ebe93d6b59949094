"""Tests of ebpm.report.microdata (the release shown and marked) and of the release gate
(ebpm.site.render.check_disclosure refuses a release that does not meet its standard)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from ebpm._protocol import MICRODATA_MIME
from ebpm.errors import ColumnNotFoundError, DataError, DisclosureError, InvalidOptionError
from ebpm.privacy import anonymize
from ebpm.report import release
from ebpm.site.render import check_disclosure


def _records() -> pd.DataFrame:
    """Simulated records: one person alone in their age and sex (30, f)."""
    return pd.DataFrame(
        {
            "age": [20, 20, 20, 40, 40, 40, 30],
            "sex": ["m", "m", "m", "f", "f", "f", "f"],
            "illness": ["a", "b", "a", "a", "c", "b", "a"],
        }
    )


def _shown(monkeypatch: pytest.MonkeyPatch, data: Any, **kw: Any) -> dict[str, Any]:
    shown: list[dict[str, Any]] = []
    monkeypatch.setattr(release, "_display", shown.append)
    release.microdata(data, **kw)
    (bundle,) = shown
    return bundle


def _gate(marker: dict[str, Any]) -> None:
    out = new_output("display_data", data={MICRODATA_MIME: marker, "text/plain": "release"})
    check_disclosure(new_notebook(cells=[new_code_cell("report.microdata(...)", outputs=[out])]))


def test_an_anonymized_release_is_marked_and_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    result = anonymize(_records(), keys=["age", "sex"], k=3)
    bundle = _shown(monkeypatch, result, name="調査票", keys=["age", "sex"], k=3)
    marker = bundle[MICRODATA_MIME]
    assert marker["anonymized"] is True
    assert marker["violating"] == 0
    assert marker["records"] == 7
    assert marker["steps"] == ["local_suppression", "anonymize"]
    assert "<caption>Microdata release: 調査票</caption>" in bundle["text/html"]
    assert "records matching fewer than 3 records: 0 (0.0%)" in bundle["text/plain"]
    _gate(marker)  # no error


def test_a_raw_release_is_refused_naming_the_share_at_risk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = _shown(monkeypatch, _records(), name="調査票", keys=["age", "sex"])[MICRODATA_MIME]
    assert marker["anonymized"] is False
    assert marker["violating"] == 1
    with pytest.raises(
        DisclosureError,
        match=r"release '調査票' was not processed by ebpm.privacy.anonymize to 3-anonymity on "
        r"its keys \(age, sex\); nothing was published\. Anonymize it first",
    ):
        _gate(marker)


def test_a_release_anonymized_to_a_lower_k_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    weak = anonymize(_records(), keys=["age", "sex"], k=2).data
    marker = _shown(monkeypatch, weak, name="r", keys=["age", "sex"], k=5)[MICRODATA_MIME]
    assert marker["anonymized"] is False  # anonymized to 2, released as 5
    with pytest.raises(DisclosureError, match=r"not processed by ebpm.privacy.anonymize to 5"):
        _gate(marker)


def test_records_changed_after_anonymize_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = anonymize(_records(), keys=["age", "sex"], k=3).data.copy()
    data.loc[len(data)] = [99, "m", "a"]  # a record added after anonymization
    marker = _shown(monkeypatch, data, name="r", keys=["age", "sex"])[MICRODATA_MIME]
    with pytest.raises(
        DisclosureError, match=r"1 of 8 records \(12.5%\) match fewer than 3 records on their keys"
    ):
        _gate(marker)


def test_l_diversity_not_reached_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    df = pd.DataFrame({"age": [1, 1, 1, 2, 2, 2], "illness": ["a", "a", "a", "a", "b", "c"]})
    result = anonymize(df, keys=["age"], k=3, l=2, sensitive="illness")
    marker = _shown(monkeypatch, result, name="r", keys=["age"])[MICRODATA_MIME]
    assert marker["l_ok"] is False
    with pytest.raises(DisclosureError, match=r"asked for 2-diversity of \['illness'\]"):
        _gate(marker)


def test_the_release_reads_in_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBPM_LANG", "ja")
    result = anonymize(_records(), keys=["age", "sex"], k=3)
    bundle = _shown(monkeypatch, result, name="調査票", keys=["age", "sex"])
    assert "個票データの提供: 調査票" in bundle["text/html"]
    assert "3-匿名性" in bundle["text/html"]


def test_bad_input_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release, "_display", lambda bundle: None)
    with pytest.raises(DataError, match=r"takes the records as a DataFrame"):
        release.microdata([[1, 2]], name="r", keys=["age"])
    with pytest.raises(ColumnNotFoundError, match=r"keys='agee'"):
        release.microdata(_records(), name="r", keys=["agee"])
    with pytest.raises(InvalidOptionError, match=r"k=0 must be a whole number"):
        release.microdata(_records(), name="r", keys=["age"], k=0)
    with pytest.raises(InvalidOptionError, match=r"download='no' must be True .* or False"):
        release.microdata(_records(), name="r", keys=["age"], download="no")


def test_the_release_carries_its_file_with_the_sha256_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hashlib
    import io

    result = anonymize(_records(), keys=["age", "sex"], k=3)
    bundle = _shown(monkeypatch, result, name="r", keys=["age", "sex"])
    marker = bundle[MICRODATA_MIME]
    text = marker["csv"]
    assert text.startswith("\ufeffage,sex,illness\n")  # a BOM: Excel reads it as UTF-8
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert marker["sha256"] == digest
    assert f"<th>file (CSV, SHA-256)</th><td>{digest}</td>" in bundle["text/html"]
    back = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")))
    assert len(back) == 7
    assert back["sex"].isna().sum() + back["age"].isna().sum() == 1  # the one suppression


def test_no_file_when_download_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    result = anonymize(_records(), keys=["age", "sex"], k=3)
    marker = _shown(monkeypatch, result, name="r", keys=["age", "sex"], download=False)[
        MICRODATA_MIME
    ]
    assert "csv" not in marker
    assert "sha256" not in marker
    _gate(marker)


def test_the_gate_checks_the_file_not_the_kernels_word(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mark that says 0 records at risk but whose file holds one alone is refused."""
    result = anonymize(_records(), keys=["age", "sex"], k=3)
    marker = _shown(monkeypatch, result, name="r", keys=["age", "sex"])[MICRODATA_MIME]
    changed = marker["csv"] + "99,m,a\n"
    with pytest.raises(DisclosureError, match=r"does not match the SHA-256 recorded"):
        _gate({**marker, "csv": changed})
    import hashlib

    digest = hashlib.sha256(changed.encode("utf-8")).hexdigest()
    with pytest.raises(
        DisclosureError,
        match=r"release 'r': in its file, 1 of 8 records \(12\.5%\) match fewer than 3 records",
    ):
        _gate({**marker, "csv": changed, "sha256": digest})


def _file_marker(monkeypatch: pytest.MonkeyPatch, df: pd.DataFrame, **kw: Any) -> dict[str, Any]:
    result = anonymize(df, keys=["age", "sex"], k=3, **kw)
    return _shown(monkeypatch, result, name="r", keys=["age", "sex"])[MICRODATA_MIME]


def test_the_gate_refuses_a_file_with_an_identifier_not_kept_on_purpose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    df = _records().assign(mail=[f"p{i}@example.jp" for i in range(7)])
    marker = _file_marker(monkeypatch, df, keep=["mail"])  # the analyst kept it: published
    assert marker["keep"] == ["mail"]
    _gate(marker)
    with pytest.raises(
        DisclosureError, match=r"release 'r': its file holds direct identifiers: 'mail' \(email\)"
    ):
        _gate({**marker, "keep": []})


def test_the_gate_refuses_a_file_holding_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    df = _records().assign(source=["https://x.example/d.csv?token=abc"] * 7)
    marker = _file_marker(monkeypatch, df)
    with pytest.raises(
        DisclosureError, match=r"its column\(s\) \['source'\] hold what looks like a secret"
    ):
        _gate(marker)
    marker = _file_marker(monkeypatch, _records().assign(password=["x"] * 7))
    with pytest.raises(DisclosureError, match=r"its column\(s\) \['password'\] hold what"):
        _gate(marker)


def test_l_is_measured_on_the_records_released_not_taken_from_the_audit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Records filtered after anonymize keep its audit (pandas carries attrs) but not its
    l-diversity: the release measures l again and is refused."""
    df = pd.DataFrame({"reg": ["n"] * 4 + ["s"] * 4, "ill": list("xyxyxyxy")})
    result = anonymize(df, keys=["reg"], k=2, l=2, sensitive="ill")
    assert result.l_reached == 2
    subset = result.data[result.data["ill"] == "x"]
    for download in (True, False):
        marker = _shown(monkeypatch, subset, name="r", keys=["reg"], k=2, download=download)[
            MICRODATA_MIME
        ]
        assert (marker["l_reached"], marker["l_ok"]) == (1, False)
        with pytest.raises(DisclosureError, match=r"asked for 2-diversity of \['ill'\]"):
            _gate(marker)


def test_negative_zero_is_released_as_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """np.round(-0.2) is -0.0, which equals 0.0 in memory but prints differently: the file
    must not split one key value in two."""
    df = pd.DataFrame({"change": np.round([-0.2, 0.1, 0.3, 1.2, 0.9, 1.1])})
    marker = _shown(monkeypatch, anonymize(df, keys=["change"], k=3), name="r", keys="change")[
        MICRODATA_MIME
    ]
    assert marker["violating"] == 0
    assert marker["csv"] == "\ufeffchange\n0.0\n0.0\n0.0\n1.0\n1.0\n1.0\n"
    _gate(marker)


def test_the_count_shown_is_the_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values distinct in memory but one text in the file ("" is a blank, which matches any)
    are counted as the file has them, so the notebook and the publisher agree."""
    df = pd.DataFrame({"a": ["", "", "x"], "b": ["u", "u", "u"]})
    with_file = _shown(monkeypatch, df, name="r", keys=["a", "b"])[MICRODATA_MIME]
    in_memory = _shown(monkeypatch, df, name="r", keys=["a", "b"], download=False)[MICRODATA_MIME]
    assert (with_file["violating"], in_memory["violating"]) == (0, 3)


def _resigned(marker: dict[str, Any], csv: str, **changes: Any) -> dict[str, Any]:
    """``marker`` carrying ``csv`` with its SHA-256, as if the notebook had shown that file."""
    import hashlib

    digest = hashlib.sha256(csv.encode("utf-8")).hexdigest()
    return {**marker, "csv": csv, "sha256": digest, **changes}


def test_the_gate_refuses_a_file_without_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    marker = _shown(
        monkeypatch, anonymize(_records(), keys=["age", "sex"], k=3), name="r", keys=["age", "sex"]
    )[MICRODATA_MIME]
    no_sex = "\ufeffage,illness\n" + "20,a\n" * 7
    with pytest.raises(
        DisclosureError, match=r"release 'r': its file has no column\(s\) \['sex'\] among its keys"
    ):
        _gate(_resigned(marker, no_sex))


def test_the_gate_measures_l_on_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mark saying l was reached, with a file where one key combination holds one value."""
    df = pd.DataFrame({"reg": ["n"] * 4 + ["s"] * 4, "ill": list("xyxyxyxy")})
    marker = _shown(
        monkeypatch,
        anonymize(df, keys=["reg"], k=2, l=2, sensitive="ill"),
        name="r",
        keys="reg",
        k=2,
    )[MICRODATA_MIME]
    assert marker["l_ok"] is True
    _gate(marker)
    one_value = "\ufeffreg,ill\n" + "n,x\n" * 4 + "s,x\ns,y\ns,x\ns,y\n"
    with pytest.raises(
        DisclosureError,
        match=r"release 'r': in its file, some combination of its keys holds only 1 value\(s\) "
        r"of \['ill'\], short of the 2-diversity",
    ):
        _gate(_resigned(marker, one_value))
