"""Tests of ebpm.japan.romaji: kana folding and the modified-Hepburn romaji of names."""

from __future__ import annotations

import pytest

from ebpm import japan
from ebpm.japan import romaji


@pytest.mark.parametrize(
    ("code", "name_en"),
    [
        ("01100", "Sapporo-shi"),
        ("13101", "Chiyoda-ku"),
        ("13104", "Shinjuku-ku"),
        ("27100", "Osaka-shi"),  # おおさか: oo written once
        ("01101", "Sapporo-shi Chuo-ku"),  # ちゅうおう: uu and ou written once
        ("13108", "Koto-ku"),  # こうとう
        ("15100", "Niigata-shi"),  # ii kept
        ("01400", "Kutchan-cho"),  # っち → tch
        ("01347", "Oshamanbe-cho"),  # youon しゃ
        ("15208", "Ojiya-shi"),  # ぢ → ji
        ("28586", "Shin'onsen-cho"),  # ん before a vowel
        ("07344", "Ten'ei-mura"),  # ei kept; 村 read そん
        ("20602", "Sakae-mura"),  # 村 read むら
        ("13307", "Hinohara-mura"),
        ("13361", "Oshima-machi"),  # 町 read まち
        ("34208", "Fuchu-shi"),
        ("47326", "Chatan-cho"),
    ],
)
def test_romaji_names(code, name_en):
    assert japan.municipality_name(code, lang="en") == name_en


def test_every_romaji_name_has_its_suffix():
    df = japan.municipalities()
    suffix = {"市": "shi", "区": "ku", "町": ("machi", "cho"), "村": ("mura", "son")}
    for name_ja, name_en in zip(df["name_ja"], df["name_en"], strict=True):
        assert name_en.isascii(), name_en
        assert name_en.rsplit("-", 1)[1] in suffix[name_ja[-1]], (name_ja, name_en)
        assert name_en[0].isupper()


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [
        ("さっぽろ", "sapporo"),
        ("はっちょう", "hatcho"),
        ("きょうと", "kyoto"),
        ("とうきょう", "tokyo"),
        ("じゃ", "ja"),
        ("ちゃ", "cha"),
        ("ぎょ", "gyo"),
        ("しんよう", "shin'yo"),
        ("ぐんま", "gunma"),
        ("めいじ", "meiji"),
        ("カタカナ", "katakana"),
        ("らーめん", "ramen"),
        ("ふじ", "fuji"),
        ("つづき", "tsuzuki"),
    ],
)
def test_romanize(kana, romaji):
    assert japan.romaji._romanize(kana) == romaji


def test_romanize_rejects_kanji():
    with pytest.raises(ValueError, match=r"cannot romanize '東'"):
        japan.romaji._romanize("東京")


def test_to_hiragana_changes_only_katakana():
    assert romaji._to_hiragana("カタカナ") == "かたかな"
    assert romaji._to_hiragana("トウキョウ都 Tokyo") == "とうきょう都 Tokyo"
    assert romaji._to_hiragana("ヴ") == "ゔ"


@pytest.mark.parametrize(
    ("text", "folded"),
    [(" Tōkyō ", "tokyo"), ("Ōsaka-FU", "osaka-fu"), ("Hokkaidō", "hokkaido"), ("Gunma", "gunma")],
)
def test_ascii_fold_drops_macrons_and_case(text, folded):
    assert romaji._ascii_fold(text) == folded


@pytest.mark.parametrize(
    ("kana", "romaji_"),
    [
        ("あっ", "a"),  # a final っ doubles nothing
        ("ん", "n"),
        ("おおの", "ono"),  # oo written once
        ("ゆうき", "yuki"),  # uu written once
        ("きゃきゅきょ", "kyakyukyo"),
        ("しゃしゅしょ", "shashusho"),  # sh + a, not shya
    ],
)
def test_romanize_more_syllables(kana, romaji_):
    assert romaji._romanize(kana) == romaji_


@pytest.mark.parametrize(
    ("name_ja", "kana", "name_en"),
    [
        ("札幌市", "さっぽろし", "Sapporo-shi"),
        ("十日町市", "とおかまちし", "Tokamachi-shi"),  # the まち inside the stem stays
        ("東村", "ひがしそん", "Higashi-son"),  # 村 as read: そん
        ("東村", "ひがしむら", "Higashi-mura"),  # or むら
        ("府中町", "ふちゅうちょう", "Fuchu-cho"),
        ("北海道", "ほっかいどう", "Hokkaido"),  # no suffix to split off
    ],
)
def test_romanize_name_splits_the_suffix_by_its_reading(name_ja, kana, name_en):
    assert romaji._romanize_name(name_ja, kana) == name_en
