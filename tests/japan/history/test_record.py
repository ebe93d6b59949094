"""Tests of ebpm.japan.history.record: the shipped change record, its replay into code
versions, and the dates it covers (real files; rows quoted in comments)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import IntegrityError, InvalidCodeError, InvalidDateError
from ebpm.japan import history
from ebpm.japan.history import record


def test_replaying_every_change_from_1970_gives_the_published_latest_code_list():
    """The 1970 codes plus 2,803 events reproduce the record's own list of codes in force."""
    latest, _ = history.record._read("codes_in_force_latest.csv")
    published = {
        c
        for c, n, g in zip(latest.city_code, latest.city_name, latest.city_desig_name, strict=True)
        if history.record._kind(c, n, g) != "county"
        and c != "13100"  # 13100: 特別区部, an aggregate
    }
    replayed = set(japan.codes_in_force("latest")["code"])
    assert replayed == published
    assert len(replayed) == 1918


def test_a_changed_record_file_is_refused(monkeypatch):
    history.record._read.cache_clear()
    history.record._record.cache_clear()
    monkeypatch.setitem(history.record._PINS, "municipal_changes.csv", "0" * 64)
    try:
        with pytest.raises(IntegrityError, match=r"municipal_changes\.csv: sha256 is"):
            japan.changes()
    finally:
        monkeypatch.undo()
        history.record._read.cache_clear()
        history.record._record.cache_clear()
        history.convert._adjacency.cache_clear()
        history.names._names_on.cache_clear()
        history.record._steps.cache_clear()


def test_record_constants_and_origin():
    assert (date(1970, 4, 1), date(2024, 1, 1)) == (record.RECORD_START, record.RECORD_END)
    assert record.CREDIT.startswith("出典：政府統計の総合窓口(e-Stat)")
    origin = record.record_origin()
    assert [o["path"] for o in origin] == [
        f"ebpm/data/japan/municipal_changes/{name}" for name in record._PINS
    ]
    assert [o["sha256"] for o in origin] == list(record._PINS.values())
    assert {o["kind"] for o in origin} == {"package"}


def test_the_record_runs_from_its_start_to_its_last_event():
    assert len(japan.codes_in_force(record.RECORD_START)) == 3375
    events = japan.changes()
    last = events[events["date"] == pd.Timestamp(record.RECORD_END)]
    # 2024-01-01 区の再編: 浜松市's seven wards become three (中央区, 浜名区, 天竜区)
    assert set(last["type"]) == {"区の再編"}
    assert set(last["to_code"]) == {"22138", "22139", "22140"}
    assert japan.codes_in_force(" Latest ").attrs["ebpm"]["date"] == "2024-01-01"


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("1970-03-31", r"date=1970-03-31 is before the record.*on 1970-04-01; pass a date on or"),
        ("2024-01-02", r"date=2024-01-02 is after the record.*on 2024-01-01; pass a date up to"),
        (pd.NaT, r"date=NaT is missing; pass a date like '2006-04-01'"),
        (np.datetime64("NaT"), r"is missing; pass a date"),
        (None, r"date=None is not a date; pass one like '2006-04-01' \(or 'latest'\)"),
        (2000, r"date=2000 is not a date"),
    ],
)
def test_dates_outside_the_record_or_not_dates_are_refused(value, match):
    with pytest.raises(InvalidDateError, match=match):
        japan.codes_in_force(value)


@pytest.mark.parametrize(
    ("row", "kind"),
    [
        (("01100", "", "札幌市"), "designated_city"),  # a city code with no name of its own
        (("01000", "", "石狩支庁"), "county"),
        (("13101", "千代田区", ""), "special_ward"),
        (("01101", "中央区", "札幌市"), "ward"),
        (("05367", "琴浜村", "南秋田郡"), "village"),
        (("40231", "那珂川市", ""), "city"),
    ],
)
def test_kind_of_a_row_of_the_record(row, kind):
    assert record._kind(*row) == kind


def test_a_merger_that_reuses_a_code_starts_a_new_version():
    # 静岡市 22201: the 1970 city, ended by the 新設合併 with 清水市 on 2003-04-01; the new 静岡市
    # under the same code, ended on 2005-04-01 when it became the designated city 22100
    versions = [record._record().versions[i] for i in record._record().by_code["22201"]]
    assert [(v.start, v.end) for v in versions] == [
        (None, date(2003, 4, 1)),
        (date(2003, 4, 1), date(2005, 4, 1)),
    ]
    # 琴浜村 → 若美町 (1970-11-01 名称変更) kept its version, with both names
    (kotohama,) = [record._record().versions[i] for i in record._record().by_code["05367"]]
    assert kotohama.name_at(date(1970, 10, 31))[0] == "琴浜村"
    assert kotohama.name_at(date(1970, 11, 1))[0] == "若美町"
    assert kotohama.kind_at(date(1970, 11, 1)) == "town"
    assert kotohama.end == date(2005, 3, 22)


def test_the_special_ward_aggregate_is_not_a_code():
    # 13100 特別区部 (Tokyo's 23 wards as one statistical area) is in the files, not a place
    assert "13100" not in set(japan.codes_in_force("2000-01-01")["code"])
    with pytest.raises(InvalidCodeError, match=r"'13100' is not in the record.*no municipality"):
        japan.convert_codes("13100", from_date="2000-01-01", to_date="latest")
