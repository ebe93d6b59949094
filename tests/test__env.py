"""Typed reads of EBPM_* environment variables (ebpm._env): numbers, flags and their errors."""

from __future__ import annotations

import pytest

from ebpm._env import env_flag, env_number
from ebpm.errors import CatalogError, InvalidOptionError, SettingError

VAR = "EBPM_TEST_SETTING"


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_unset_or_blank_gives_the_default(monkeypatch: pytest.MonkeyPatch, raw: str | None) -> None:
    if raw is not None:
        monkeypatch.setenv(VAR, raw)
    assert env_number(VAR, 2) == 2.0
    assert type(env_number(VAR, 2)) is float
    assert type(env_number(VAR, 2.0, integer=True)) is int
    assert env_flag(VAR) is False


def test_a_number_is_read_as_float_or_as_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, " 1.5 ")
    assert env_number(VAR, 2) == 1.5
    monkeypatch.setenv(VAR, "3")
    assert env_number(VAR, 2, integer=True) == 3
    assert type(env_number(VAR, 2, integer=True)) is int
    monkeypatch.setenv(VAR, "0")
    assert env_number(VAR, 2) == 0.0  # zero is fine unless positive


@pytest.mark.parametrize(
    ("raw", "kwargs", "message"),
    [
        ("abc", {}, r"EBPM_TEST_SETTING='abc' is not a number; set it to a number such as 0\.5"),
        (
            "1.5",
            {"integer": True},
            r"'1\.5' is not a whole number; set it to a whole number such as 0\.5",
        ),
        ("nan", {}, r"'nan' is not a finite number; set it to a number such as 0\.5, or unset it"),
        ("-inf", {}, r"'-inf' is not a finite number"),
        ("-1", {}, r"'-1' is negative; set it to a number such as 0\.5, or unset it"),
        ("0", {"positive": True}, r"'0' is zero; set it to a number such as 0\.5, or unset it"),
    ],
)
def test_a_bad_number_names_the_variable_the_value_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, raw: str, kwargs: dict, message: str
) -> None:
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(SettingError, match=message):
        env_number(VAR, 0.5, **kwargs)


def test_a_setting_error_is_an_invalid_option_and_a_value_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(VAR, "abc")
    with pytest.raises(InvalidOptionError):
        env_number(VAR, 1)
    with pytest.raises(ValueError, match="is not a number"):
        env_number(VAR, 1)


def test_the_error_class_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, "-2")
    with pytest.raises(CatalogError, match=r"EBPM_TEST_SETTING='-2' is negative"):
        env_number(VAR, 30, error=CatalogError)
    monkeypatch.setenv(VAR, "maybe")
    with pytest.raises(CatalogError, match=r"'maybe' is neither on nor off"):
        env_flag(VAR, error=CatalogError)


@pytest.mark.parametrize(
    ("raw", "on"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_a_flag_is_on_or_off_in_any_case(
    monkeypatch: pytest.MonkeyPatch, raw: str, on: bool
) -> None:
    monkeypatch.setenv(VAR, raw)
    assert env_flag(VAR) is on


def test_a_mistyped_flag_is_an_error_listing_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, "ture")
    with pytest.raises(SettingError) as info:
        env_flag(VAR)
    assert str(info.value) == (
        "EBPM_TEST_SETTING='ture' is neither on nor off; set it to one of 1, true, yes, on to "
        "turn it on, or to 0, false, no, off (or unset it) to turn it off"
    )


def test_check_settings_names_a_bad_download_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from ebpm._env import check_settings
    from ebpm.errors import RemoteError

    monkeypatch.setenv("EBPM_HTTP_TIMEOUT", "soon")
    with pytest.raises(RemoteError, match=r"EBPM_HTTP_TIMEOUT='soon'"):
        check_settings()


def test_the_settings_check_of_a_run_loads_no_catalog() -> None:
    """``ebpm run`` checks them first on every run, also one with nothing to do (0.3 s): the
    catalog (intake, pandas) must not load for that."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ebpm.pipeline.runner import _check_settings\n"
        "_check_settings(None)\n"
        "print('ebpm.catalog' in sys.modules, 'pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
