"""Shared by the tests of ebpm.japan: the japancode rows, read independently of ebpm.japan."""

from __future__ import annotations

import json
from importlib import resources


def _raw(resource: str) -> list[dict]:
    """The japancode rows, read here independently of ebpm.japan."""
    return json.loads(resources.files("japancode").joinpath(resource).read_bytes())


RAW_MUNICIPALITIES = _raw("data/municipalities.json")
RAW_PREFECTURES = _raw("data/prefectures.json")
