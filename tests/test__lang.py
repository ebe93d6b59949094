"""ebpm._lang: one language type, one check, and word tables that agree (issue 17)."""

from __future__ import annotations

import re
import string

import pytest

from ebpm import _lang
from ebpm.errors import InvalidOptionError


def test_check_lang_names_the_value_a_close_match_and_the_choices() -> None:
    assert _lang.check_lang("ja") == "ja"
    with pytest.raises(InvalidOptionError, match=r"lang='JA' is not supported\. Did you mean 'ja'"):
        _lang.check_lang("JA")
    with pytest.raises(InvalidOptionError, match=r"Choose one of: 'en', 'ja'\."):
        _lang.words(_lang.SITE, "de")


@pytest.mark.parametrize("area", sorted(_lang.AREAS))
def test_every_area_has_the_same_keys_and_placeholders_in_each_language(area: str) -> None:
    table = _lang.AREAS[area]
    assert set(table) == set(_lang.LANGS)
    en, ja = table["en"], table["ja"]
    assert set(en) == set(ja)
    fields = string.Formatter()
    for key in en:
        names_en = {f for _, f, _, _ in fields.parse(en[key]) if f is not None}
        names_ja = {f for _, f, _, _ in fields.parse(ja[key]) if f is not None}
        assert names_en == names_ja, (area, key)


def test_an_interval_is_a_confidence_interval_in_every_japanese_table() -> None:
    """The drift this module ended: 信頼区間 on the site, bare 区間 in the diagram."""
    for area, table in _lang.AREAS.items():
        for key, text in table["ja"].items():
            assert not re.search(r"(?<!信頼)区間", text), (area, key, text)


def test_current_lang_is_the_sites_language_from_the_environment(monkeypatch) -> None:
    from ebpm._protocol import LANG_ENV

    assert LANG_ENV == _lang._LANG_ENV  # the name `ebpm run` sets is the name read here
    monkeypatch.delenv(LANG_ENV, raising=False)
    assert _lang.current_lang() == "en"
    monkeypatch.setenv(LANG_ENV, "ja")
    assert _lang.current_lang() == "ja"
    assert _lang.current_lang("en") == "en"  # an explicit language wins
    monkeypatch.setenv(LANG_ENV, "klingon")
    assert _lang.current_lang() == "en"
    with pytest.raises(InvalidOptionError, match=r"lang='de' is not supported"):
        _lang.current_lang("de")
