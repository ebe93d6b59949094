"""One e-Stat sign-up link (issue 19): the README, `ebpm --help` and the error without an
application ID all send a new user to ``REGISTER_URL``, and no other sign-up address appears."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from ebpm.catalog._estat_api import REGISTER_URL
from ebpm.catalog.estat import estat
from ebpm.cli import main
from ebpm.errors import CredentialError
from tests.conftest import ROOT

#: Addresses on e-Stat's site a user might be sent to for an ID: the "my page" area, the
#: registration pages, or the API's front page; the manual and data pages are not sign-up links.
_SIGN_UP = re.compile(
    r"https?://www\.e-stat\.go\.jp/(?:mypage\S*|api/regist\S*|api/?(?=[\s)>`'\"]|$))"
)


def _sign_up_links(text: str) -> set[str]:
    return {m.rstrip(".,;:)>`'\"") for m in _SIGN_UP.findall(text)}


def test_the_constant_is_the_registration_page() -> None:
    assert REGISTER_URL == "https://www.e-stat.go.jp/mypage/user/preregister"


def test_the_readme_has_the_one_link() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert REGISTER_URL in text
    assert _sign_up_links(text) == {REGISTER_URL}


def test_help_has_the_one_link() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    assert REGISTER_URL in result.output
    assert _sign_up_links(result.output) == {REGISTER_URL}


def test_the_error_without_an_app_id_has_the_one_link(monkeypatch, cache_dir) -> None:
    monkeypatch.delenv("EBPM_ESTAT_APP_ID", raising=False)
    monkeypatch.delenv("EBPM_ESTAT_API", raising=False)
    monkeypatch.delenv("EBPM_OFFLINE", raising=False)
    with pytest.raises(CredentialError) as caught:
        estat("0000010101", cdCat01="A1101")  # no recorded answer: the error
    assert REGISTER_URL in str(caught.value)
    assert _sign_up_links(str(caught.value)) == {REGISTER_URL}


@pytest.mark.parametrize(
    "path",
    [
        "src/ebpm/catalog/estat.py",
        "src/ebpm/catalog/_estat_api.py",
        "src/ebpm/cli/_base.py",
        "catalogs/japan.yaml",
        "pipelines/japan_kpi.yaml",
    ],
)
def test_no_other_sign_up_link_in_the_sources(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert _sign_up_links(text) <= {REGISTER_URL}
