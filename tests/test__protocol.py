"""What the runner and a notebook agree on (ebpm._protocol): secret names and their redaction."""

from __future__ import annotations

import pytest

from ebpm._protocol import (
    REDACTED,
    is_secret_name,
    redact_parameters,
    redact_text,
    redact_value,
    secret_places,
    secret_query_keys,
)

ESTAT = "https://api.e-stat.go.jp/rest/3.0/app/json/getStatsData?appId=abc123&statsDataId=0003"


@pytest.mark.parametrize(
    "name",
    [
        "appId",
        "APP_ID",
        "api_key",
        "apikey",
        "key",
        "estat-key",
        "token",
        "access_token",
        "client_secret",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "credentials",
        "sig",
        "url_sig",
        "signature",
        "auth",
        "Authorization",
    ],
)
def test_secret_looking_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["keyword", "monkey", "keys", "design", "author", "statsDataId", "title", "id", 3, None],
)
def test_names_that_are_not_secrets(name: object) -> None:
    assert not is_secret_name(name)


def test_secret_query_keys_of_a_url() -> None:
    assert secret_query_keys("https://x/y?id=1&token=abc") == ["token"]
    assert secret_query_keys(ESTAT) == ["appId"]
    assert secret_query_keys("https://user:hunter2@host/path?api_key=1") == ["api_key", "password"]
    assert secret_query_keys("https://x/y?id=1&title=a") == []
    assert secret_query_keys("df.query('key==3')") == []  # a comparison, not a pair


def test_redact_text_hides_query_values_and_url_passwords() -> None:
    assert redact_text(ESTAT) == ESTAT.replace("appId=abc123", "appId=***")
    assert redact_text("https://user:hunter2@host/p?a=1&sig=ff#x") == (
        "https://user:***@host/p?a=1&sig=***#x"
    )
    assert redact_text("HTTP 403 for url 'https://h/q?token=t0k'") == (
        "HTTP 403 for url 'https://h/q?token=***'"
    )
    assert redact_text("df.query('key==3')") == "df.query('key==3')"


def test_redact_value_walks_mappings_lists_and_tuples() -> None:
    given = {
        "db": {"password": "hunter2", "url": "https://u:pw@h/?token=t&a=1"},
        "urls": ["https://h/?id=1", "https://h/?apiKey=zz"],
        "pair": ("k", "api_key=zzz"),
        "n": 3,
    }
    assert redact_value(given) == {
        "db": {"password": REDACTED, "url": "https://u:***@h/?token=***&a=1"},
        "urls": ["https://h/?id=1", "https://h/?apiKey=***"],
        "pair": ("k", "api_key=***"),
        "n": 3,
    }
    assert given["db"]["password"] == "hunter2"  # the input is not changed


def test_redact_value_without_names_keeps_secret_keys_but_not_secret_queries() -> None:
    assert redact_value({"password": "x", "u": "https://h/?token=t"}, names=False) == {
        "password": "x",
        "u": "https://h/?token=***",
    }


def test_redact_parameters_returns_a_plain_dict() -> None:
    shown = redact_parameters({"appId": "abc", "year": 2020, "url": ESTAT})
    assert shown == {"appId": REDACTED, "year": 2020, "url": redact_text(ESTAT)}
    assert type(shown) is dict


def test_secret_places_names_the_path_to_each_secret() -> None:
    value = {
        "source": [{"token": "x"}, "https://h/?sig=1"],
        "password": "",  # empty: nothing to hide
        "app_id": None,
        "title": "人口",
    }
    assert secret_places(value, "parameters") == [
        "parameters['source'][0]['token']",
        "parameters['source'][1] (query key 'sig')",
    ]
    assert secret_places("https://h/?token=1") == ["(query key 'token')"]
    assert secret_places({"title": "x", "years": [2020, 2021]}) == []
