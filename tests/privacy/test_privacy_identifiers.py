"""Direct identifiers (ebpm.privacy.find_identifiers, check_no_identifiers, drop_identifiers)."""

from __future__ import annotations

import pandas as pd
import pytest

from ebpm.errors import ColumnNotFoundError, DataError, InvalidOptionError
from ebpm.privacy import (
    check_no_identifiers,
    drop_identifiers,
    find_identifiers,
    my_number_ok,
    recode,
)


@pytest.fixture
def survey() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "氏名": ["山田太郎", "佐藤花子", "鈴木一郎"],
            "contact": ["taro@example.jp", "hanako@example.co.jp", None],
            "tel": ["03-1234-5678", "090 1234 5678", "+81-6-1234-5678"],
            "kojin": ["1234 5678 9018", "123456789018", "1234-5678-9018"],
            "home": ["東京都千代田区霞が関1丁目2-3", "〒100-8926 東京都千代田区", "大阪市北区1-2"],
            "age": [34, 51, 27],
            "pref": ["東京都", "東京都", "大阪府"],
        }
    )


def test_my_number_check_digit() -> None:
    # P(n)Q(n) sums to 212 for 12345678901x; 212 mod 11 = 3, so the check digit is 8
    assert my_number_ok("123456789018")
    assert my_number_ok("1234-5678-9018")
    assert not my_number_ok("123456789017")
    assert not my_number_ok("12345678901")  # 11 digits
    assert not my_number_ok("12345678901a")


def test_every_kind_is_found_by_name_or_values(survey) -> None:
    found = find_identifiers(survey).set_index("column")
    assert found.loc["氏名", "kind"] == "name"
    assert found.loc["氏名", "by"] == "name"
    assert found.loc["contact", "kind"] == "email"
    assert found.loc["tel", "kind"] == "phone"
    assert found.loc["kojin", "kind"] == "individual number"
    assert found.loc["kojin", "share"] == 1.0
    assert found.loc["home", "kind"] == "address"
    assert "age" not in found.index
    assert "pref" not in found.index  # a prefecture alone is a key variable, not an address


def test_twelve_digits_without_the_check_digit_are_not_an_individual_number() -> None:
    df = pd.DataFrame({"order_id": ["123456789017", "123456789010"]})
    assert find_identifiers(df).empty


def test_the_check_refuses_and_names_each_column_with_the_fix(survey) -> None:
    with pytest.raises(DataError, match=r"'氏名' \(name, by its name\).*'kojin' \(individual"):
        check_no_identifiers(survey)
    with pytest.raises(DataError, match=r"drop_identifiers\(df\).*keep="):
        check_no_identifiers(survey)


def test_dropping_them_passes_the_check_and_is_recorded(survey) -> None:
    clean = drop_identifiers(survey)
    assert list(clean.columns) == ["age", "pref"]
    check_no_identifiers(clean)
    assert clean.attrs["privacy"][-1] == {
        "step": "drop_identifiers",
        "columns": ["氏名", "contact", "tel", "kojin", "home"],
    }
    assert "氏名" in survey.columns  # the caller's frame is untouched


def test_steps_chain_with_recoding(survey) -> None:
    out = recode(drop_identifiers(survey), {"age": [0, 40, 120]})
    assert [s["step"] for s in out.attrs["privacy"]] == ["drop_identifiers", "recode"]


def test_a_column_flagged_wrongly_can_be_kept(survey) -> None:
    products = pd.DataFrame({"name": ["味噌", "醤油"], "price": [300, 280]})
    with pytest.raises(DataError, match="keep=\\['name'\\]"):
        check_no_identifiers(products)
    check_no_identifiers(products, keep="name")
    assert list(drop_identifiers(products, keep=["name"]).columns) == ["name", "price"]


def test_named_columns_are_dropped_as_given(survey) -> None:
    assert "tel" not in drop_identifiers(survey, ["tel"]).columns
    with pytest.raises(ColumnNotFoundError, match=r"columns='phone'.*Did you mean"):
        drop_identifiers(survey, ["phone"])
    with pytest.raises(InvalidOptionError, match=r"must be a list of column names, e.g. \['tel'\]"):
        drop_identifiers(survey, "tel")
    with pytest.raises(ColumnNotFoundError, match="keep='nom'"):
        check_no_identifiers(survey, keep="nom")


def test_an_individual_number_stored_as_a_float_is_found() -> None:
    """One missing value makes pandas keep whole numbers as floats: 123456789018.0 is still
    the 個人番号 123456789018."""
    df = pd.DataFrame({"pid": [123456789018.0, 987654321018.0, None]})
    assert my_number_ok("987654321018")
    found = find_identifiers(df).set_index("column")
    assert found.loc["pid", "kind"] == "individual number"
    assert found.loc["pid", "share"] == 1.0
