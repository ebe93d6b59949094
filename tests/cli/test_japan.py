"""`ebpm japan`: municipality codes through time on the command line."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from ebpm.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="ebpm")


def test_convert_prints_each_pair_with_its_changes():
    res = invoke("japan", "convert", "19341", "22382", "--from", "2006-01-01")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split() == ["from_code", "from_name", "to_code", "to_name", "n_to", "changes"]
    assert any(
        line.split()[:4] == ["19341", "上九一色村", "19430", "富士河口湖町"] for line in lines
    )
    assert any(line.split()[:4] == ["22382", "蒲原町", "22100", "静岡市"] for line in lines)


def test_convert_writes_csv_with_six_digit_codes(tmp_path):
    res = invoke("japan", "convert", "22201", "--from", "2004-01-01", "--digits", "6", "--csv", "-")
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.output), dtype=str)
    assert df[["from_code", "to_code"]].values.tolist() == [["222011", "221007"]]
    out = tmp_path / "xw.csv"
    res = invoke("japan", "convert", "22201", "--from", "2004-01-01", "--csv", str(out))
    assert res.exit_code == 0
    assert "wrote 1 rows" in res.output
    assert pd.read_csv(out, dtype=str)["to_code"].tolist() == ["22100"]


def test_codes_changes_and_name():
    res = invoke("japan", "codes", "2006-03-31", "--pref", "静岡県", "--no-wards")
    assert res.exit_code == 0, res.output
    assert "42 codes in force on 2006-03-31" in res.output
    res = invoke(
        "japan", "changes", "--pref", "新潟県", "--start", "2005-01-01", "--end", "2005-01-01"
    )
    assert res.exit_code == 0
    assert res.output.count("上越市") == 13
    res = invoke("japan", "name", "平泉", "--pref", "岩手県", "--date", "2010-01-01")
    assert (res.exit_code, res.output.strip()) == (0, "03402")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("convert", "13199", "--from", "2000-01-01"), "'13199' is not in the record"),
        (("convert", "13101", "--from", "1969-01-01"), "before the record of municipal changes"),
        (("convert", "13101", "--from", "2000-01-01", "--to", "2031-01-01"), "after the record"),
        (("name", "府中市", "--date", "2000-01-01"), "2 municipalities were named '府中市'"),
        (("name", "平泉村", "--pref", "岩手県", "--date", "2010-01-01"), "Did you mean '平泉町'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(args, message):
    res = invoke("japan", *args)
    assert res.exit_code == 1
    assert message in res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
