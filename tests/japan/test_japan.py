"""Tests of ebpm.japan itself: its lazily loaded exports, its errors, and one code seen through
every module (codes, names today, names through time)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ebpm import japan
from ebpm.errors import DataError, EbpmError, InvalidCodeError, InvalidDateError
from ebpm.japan import history, panel


def test_new_errors_are_data_errors_and_value_errors():
    for cls in (InvalidCodeError, InvalidDateError):
        assert issubclass(cls, DataError)
        assert issubclass(cls, EbpmError)
        assert issubclass(cls, ValueError)


@pytest.mark.parametrize(
    ("code5", "lg", "name"),
    [
        ("01100", "011002", "札幌市"),
        ("13101", "131016", "千代田区"),
        ("27100", "271004", "大阪市"),
        ("13104", "131041", "新宿区"),
    ],
)
def test_known_municipality_codes(code5, lg, name):
    assert japan.check_digit(code5) == lg[5]
    assert japan.to_lg_code(code5) == lg
    assert japan.validate_lg_code(lg) == lg
    assert japan.municipality_name(code5) == name
    assert japan.municipality_name(lg) == name
    assert japan.municipality_code(name) == code5


# --- the package's exports ----------------------------------------------------------------
def test_every_exported_name_resolves_and_is_listed():
    for name in japan.__all__:
        assert getattr(japan, name) is not None, name
    assert set(japan.__all__) <= set(dir(japan))
    with pytest.raises(AttributeError, match=r"module 'ebpm.japan' has no attribute 'nope'"):
        _ = japan.nope


def test_lazy_names_are_the_objects_of_their_submodules():
    assert japan.convert_codes is history.convert.convert_codes
    assert japan.municipality_code is history.names.municipality_code
    assert japan.merger_cohorts is history.cohorts.merger_cohorts
    assert japan.harmonize is panel.harmonize
    assert (japan.RECORD_START.isoformat(), japan.RECORD_END.isoformat()) == (
        "1970-04-01",
        "2024-01-01",
    )


def test_the_change_record_loads_on_first_use():
    code = (
        "import sys, ebpm.japan as j\n"
        "print('ebpm.japan.history' in sys.modules, 'ebpm.japan.panel' in sys.modules)\n"
        "j.changes\n"
        "print('ebpm.japan.history' in sys.modules, 'ebpm.japan.panel' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True", "False"]
