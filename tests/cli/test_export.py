"""``ebpm export`` and ``ebpm publish --formats`` (recorded runs made by hand: no kernel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli.conftest import error_lines, invoke
from tests.pipeline.test_export import out  # noqa: F401 - the fixture: runs of `demo`
from tests.site.export_sample import TITLE


def test_export_writes_the_file_and_says_where(out: Path, tmp_path: Path):  # noqa: F811
    target = tmp_path / "tokyo.pdf"
    result = invoke("export", "demo/tokyo", "--to", "pdf", "--out", out, "-o", target)
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.stdout
    assert "KB" in result.stdout
    assert TITLE in PdfReader(target).pages[0].extract_text().replace("\n", " ")


def test_export_an_unknown_task_is_one_red_line(out: Path):  # noqa: F811
    result = invoke("export", "demo/tokio", "--to", "docx", "--out", out)
    assert result.exit_code == 1
    assert error_lines(result)
    assert "Did you mean 'tokyo'?" in error_lines(result)[0]


def test_export_a_task_that_never_succeeded(out: Path):  # noqa: F811
    result = invoke("export", "demo/broken", "--to", "pdf", "--out", out)
    assert result.exit_code == 1
    assert "never succeeded" in error_lines(result)[0]
    assert "ebpm run SPEC --task broken" in error_lines(result)[0]


def test_export_an_unknown_format_is_a_usage_error(out: Path):  # noqa: F811
    result = invoke("export", "demo/tokyo", "--to", "odt", "--out", out)
    assert result.exit_code == 2
    assert "'odt' is not one of 'pdf', 'docx'" in result.stderr


def test_export_help_has_examples():
    result = invoke("export", "--help")
    assert result.exit_code == 0
    assert "ebpm export demo/tokyo_profile-OWNH --to pdf" in result.stdout
    assert "ebpm publish --formats pdf,docx" in result.stdout


@pytest.mark.parametrize("formats", ["pdf,word", "html"])
def test_publish_refuses_an_unknown_format(out: Path, formats: str):  # noqa: F811
    result = invoke("publish", "--out", out, "--formats", formats)
    assert result.exit_code == 1
    assert "--formats=" in error_lines(result)[0]
    assert "'pdf', 'docx'" in error_lines(result)[0]


def test_publish_formats_writes_and_links_the_documents(out: Path):  # noqa: F811
    result = invoke("publish", "--out", out, "--formats", "pdf,docx")
    assert result.exit_code == 0, result.output
    folder = out / "site" / "reports" / "demo"
    assert (folder / "tokyo.pdf").is_file()
    assert (folder / "tokyo.docx").is_file()
    page = (folder / "tokyo.html").read_text(encoding="utf-8")
    assert 'href="tokyo.pdf" download' in page
    assert 'href="tokyo.docx" download' in page
    # kept for later publishes; `none` stops it
    (folder / "tokyo.pdf").unlink()
    assert invoke("publish", "--out", out).exit_code == 0
    assert (folder / "tokyo.pdf").is_file()
    assert invoke("publish", "--out", out, "--formats", "none").exit_code == 0
    page = (folder / "tokyo.html").read_text(encoding="utf-8")
    assert "tokyo.pdf" not in page
    assert not (folder / "tokyo.pdf").exists()
