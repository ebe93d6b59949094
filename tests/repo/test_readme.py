"""The README's Layout section lists every module and package of src/ebpm (issue 17)."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1]
    return section.split("```", 2)[1]


def _listed() -> set[str]:
    """The names in the Layout's name columns under ``src/ebpm/``: a line's first word (two
    spaces in) and a word after a gap of three or more spaces (a second column)."""
    block = _layout_block()
    inside = block.split("src/ebpm/", 1)[1].split("\ntests/", 1)[0]
    names = set(re.findall(r"(?m)^  ([\w.]+/?)", inside))
    names |= set(re.findall(r"(?<=\S) {3,}(\w+\.py|\w+/)(?= )", inside))
    return {n.split("/")[0] + "/" if "/" in n else n for n in names}


def _in_tree() -> set[str]:
    out = set()
    for path in (ROOT / "src" / "ebpm").iterdir():
        if path.name in ("__init__.py", "__main__.py", "_version.py", "__pycache__"):
            continue
        if path.is_dir():
            out.add(path.name + "/")
        elif path.suffix == ".py":
            out.add(path.name)
    return out


def test_the_layout_lists_every_module_and_package_of_the_tree() -> None:
    tree = _in_tree()
    assert {"catalog/", "errors.py"} <= tree  # the walk found the tree
    missing = sorted(tree - _listed())
    assert missing == [], f"README's Layout does not mention {missing}"


def test_the_layout_lists_nothing_that_is_gone() -> None:
    gone = sorted(_listed() - _in_tree())
    assert gone == [], f"README's Layout mentions {gone}, which src/ebpm no longer has"
