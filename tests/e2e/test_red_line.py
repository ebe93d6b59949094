"""A broken setting, file or folder is one red line and exit 1, never a traceback (issue 16).

Each test is written from the user's side: the ``ebpm`` command line through click's
``CliRunner``, or the public API with ``pytest.raises(..., match=...)``.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from ebpm.cli import main
from ebpm.errors import RemoteError, SettingError
from tests.conftest import TESTS

HERE = TESTS
PROBE = HERE / "fixtures" / "notebooks" / "probe.py"

SPEC = """\
name: p
description: Two probes.
tasks:
  - name: a
    notebook: notebooks/probe.py
    parameters: {value: 1.0, label: a}
  - name: b
    notebook: notebooks/probe.py
    parameters: {value: 2.0, label: b}
"""
RUN_ID = re.compile(r"^run (\d{8}T\d{6}Z-[0-9a-f]{4}): \d+ task", re.MULTILINE)


def make_project(root: Path) -> Path:
    """A project folder with notebooks/probe.py and pipelines/p.yaml; returns the spec."""
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "pipelines").mkdir(exist_ok=True)
    (root / "notebooks" / "probe.py").write_bytes(PROBE.read_bytes())
    path = root / "pipelines" / "p.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="ebpm")


def one_red_line(result: Result) -> str:
    """The single ``error:`` line of a command that failed cleanly with exit status 1."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    return line


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBPM_DEBUG", raising=False)


# --- bad environment values --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value", "says", "extra"),
    [
        ("EBPM_RETRY_BACKOFF", "abc", "is not a number; set it to a number such as 2", []),
        ("EBPM_RETRY_BACKOFF", "-1", "is negative; set it to a number such as 2", []),
        ("EBPM_RETRY_BACKOFF", "nan", "is not a finite number", []),
        ("EBPM_OFFLINE", "maybe", "is neither on nor off; set it to one of 1, true", []),
        ("EBPM_HTTP_TIMEOUT", "0", "is zero; set it to a number such as 30", []),
        ("EBPM_HTTP_RETRIES", "2.5", "is not a whole number; set it to a whole number", []),
        ("EBPM_HTTP_BACKOFF", "fast", "is not a number", []),
        (
            "EBPM_DASK_TIMEOUT",
            "abc",
            "is not a number; set it to a number such as 10",
            ["--dask", "tcp://127.0.0.1:9"],
        ),
    ],
)
def test_a_bad_environment_value_is_one_red_line_before_any_kernel(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    says: str,
    extra: list[str],
) -> None:
    spec = make_project(tmp_path / "proj")
    monkeypatch.setenv(name, value)
    result = invoke("run", spec, "--out", tmp_path / "out", *extra)
    line = one_red_line(result)
    assert line.startswith(f"error: {name}={value!r} {says}"), line
    assert "unset it" in line
    assert not list((tmp_path / "out").glob("runs/p/*/manifest.json"))  # nothing ran


def test_a_bad_offline_flag_is_an_error_from_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from ebpm.catalog.cache import is_offline

    monkeypatch.setenv("EBPM_OFFLINE", "ture")
    with pytest.raises(SettingError, match=r"EBPM_OFFLINE='ture' is neither on nor off"):
        is_offline()
    for off in ("", "0", "false", "No", "off"):
        monkeypatch.setenv("EBPM_OFFLINE", off)
        assert is_offline() is False
    for on in ("1", "TRUE", "yes", "on"):
        monkeypatch.setenv("EBPM_OFFLINE", on)
        assert is_offline() is True


def test_a_bad_http_setting_stays_a_remote_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from ebpm.catalog.cache import check_settings

    monkeypatch.setenv("EBPM_HTTP_TIMEOUT", "inf")
    with pytest.raises(RemoteError, match=r"EBPM_HTTP_TIMEOUT='inf' is not a finite number"):
        check_settings()


# --- a corrupt site state ----------------------------------------------------------------------
def _truncate(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")


@pytest.mark.slow
def test_a_truncated_site_state_is_rebuilt_from_the_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = make_project(tmp_path / "proj")
    out = tmp_path / "out"
    first = invoke("run", spec, "--out", out, "-j", "2")
    assert first.exit_code == 0, first.output
    failed = invoke("run", spec, "--out", out, "--task", "a", "-p", "mode", "raise")
    assert failed.exit_code == 1, failed.output
    (first_id,) = RUN_ID.findall(first.stdout)
    (failed_id,) = RUN_ID.findall(failed.stdout)
    state_file = out / "site" / "_ebpm" / "state.json"
    expected = json.loads(state_file.read_text(encoding="utf-8"))["pipelines"]["p"]["tasks"]
    assert expected["a"]["status"] == "failed"
    assert expected["a"]["report_run_id"] == first_id

    for command in (["run", spec, "--task", "b"], ["publish"]):
        _truncate(state_file)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="ebpm"):
            result = invoke(*command, "--out", out)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert "site state" in caplog.text
        assert "is unusable" in caplog.text
        tasks = json.loads(state_file.read_text(encoding="utf-8"))["pipelines"]["p"]["tasks"]
        # the failure of a is the latest news, and its last good report is still linked
        assert tasks["a"]["status"] == "failed"
        assert tasks["a"]["run_id"] == failed_id
        assert tasks["a"]["report_run_id"] == first_id
        assert tasks["b"]["status"] == "ok"
        assert tasks["b"]["report"]
        index = (out / "site" / "index.html").read_text(encoding="utf-8")
        assert "failures/p/a.html" in index
        assert "reports/p/b.html" in index
        assert (state_file.parent / "state.json.corrupt").is_file()


def test_a_state_that_is_not_a_state_starts_a_new_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from ebpm.site import build_index

    site = tmp_path / "site"
    (site / "_ebpm").mkdir(parents=True)
    (site / "_ebpm" / "state.json").write_text("[1, 2", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ebpm"):
        index = build_index(site)
    assert index.is_file()
    assert "JSONDecodeError" in caplog.text
    (site / "_ebpm" / "state.json").write_text('{"lang": "ja"}', encoding="utf-8")
    build_index(site)
    assert "not a site state" in caplog.text


# --- dates where periods are counted -----------------------------------------------------------
def _yearly_panel(dates: bool) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {
            "unit": u,
            "year": pd.Timestamp(f"{y}-01-01") if dates else y,
            "cohort": 2005 if u < 20 else 0,
            "y": rng.normal() + (1.0 if u < 20 and y >= 2005 else 0.0),
        }
        for u in range(40)
        for y in range(2000, 2010)
    ]
    return pd.DataFrame(rows)


def test_an_event_study_on_a_datetime_time_column_takes_dates_or_says_what_to_do() -> None:
    import ebpm
    from ebpm.errors import DataError

    panel = _yearly_panel(dates=True)
    # dates in `time` and a cohort in numbers: the message names both columns and the fixes
    with pytest.raises(
        DataError,
        match=r"time='year' holds dates \(datetime64\[\w+\]\) but cohort='cohort' holds int64 "
        r"values such as .*2005.*; give cohort as the date each unit was first treated",
    ):
        ebpm.event_study(panel, outcome="y", unit="unit", time="year", cohort="cohort")
    numbers = panel.assign(year=panel["year"].dt.year)
    by_number = ebpm.event_study(numbers, outcome="y", unit="unit", time="year", cohort="cohort")
    # the cohort as a date works too, and gives the same estimates
    starts = pd.to_datetime(panel["cohort"].astype("Int64").astype(str) + "-01-01", errors="coerce")
    dated = panel.assign(cohort=starts.where(panel["cohort"] > 0))
    by_date = ebpm.event_study(dated, outcome="y", unit="unit", time="year", cohort="cohort")
    assert by_date.estimate == pytest.approx(by_number.estimate, abs=1e-12)


# --- an unwritable, read-only or full folder -------------------------------------------------
def _blocked(tmp_path: Path) -> Path:
    """A folder that cannot be created: its parent is a regular file (ENOTDIR even for root,
    whom chmod does not stop)."""
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder\n", encoding="utf-8")
    return blocker / "out"


def test_an_unwritable_out_folder_is_one_red_line_for_run(tmp_path: Path) -> None:
    spec = make_project(tmp_path / "proj")
    bad = _blocked(tmp_path)
    line = one_red_line(invoke("run", spec, "--out", bad))
    assert str(bad) in line, line
    assert "Not a directory" in line
    assert "choose a writable --out" in line


def test_an_unwritable_out_folder_is_one_red_line_for_publish(tmp_path: Path) -> None:
    bad = _blocked(tmp_path)
    line = one_red_line(invoke("publish", "--out", bad))
    assert str(bad) in line, line
    assert "choose a writable --out" in line


def test_a_full_out_folder_is_one_red_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import tempfile

    spec = make_project(tmp_path / "proj")

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full)
    line = one_red_line(invoke("run", spec, "--out", tmp_path / "out"))
    assert str(tmp_path / "out") in line, line
    assert "the disk is full" in line


def _remote_catalog(root: Path, url: str) -> Path:
    (root / "catalogs").mkdir(parents=True)
    (root / "catalogs" / "t.yaml").write_text(
        "entries:\n"
        "  stats:\n"
        "    reader: ebpm.catalog.files:RemoteTable\n"
        f"    kwargs: {{url: '{url}/stats.csv'}}\n"
        "    metadata: {title: A table, source: test, licence: CC BY 4.0}\n",
        encoding="utf-8",
    )
    return root / "catalogs"


def test_an_unwritable_cache_folder_is_one_red_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_server
) -> None:
    http_server.add("/stats.csv", b"x\n10\n20\n", content_type="text/csv")
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(_remote_catalog(tmp_path, http_server.url)))
    bad = _blocked(tmp_path)
    monkeypatch.setenv("EBPM_CACHE_DIR", str(bad))
    line = one_red_line(invoke("catalog", "fetch", "t.stats"))
    assert str(bad) in line, line
    assert "Not a directory" in line
    assert "set EBPM_CACHE_DIR to a writable folder" in line


def test_a_full_cache_folder_is_one_red_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_server
) -> None:
    import errno

    import ebpm.catalog.cache as cache

    http_server.add("/stats.csv", b"x\n10\n20\n", content_type="text/csv")
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(_remote_catalog(tmp_path, http_server.url)))
    monkeypatch.setenv("EBPM_CACHE_DIR", str(tmp_path / "cache"))

    def full(path: object, obj: object, **kwargs: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(cache, "atomic_write_json", full)
    line = one_red_line(invoke("catalog", "fetch", "t.stats"))
    assert str(tmp_path / "cache") in line, line
    assert "the disk is full" in line
    assert "EBPM_CACHE_DIR" in line


# --- a report that cannot be published ---------------------------------------------------------
def test_an_unpublishable_report_is_one_line_per_task_not_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = make_project(tmp_path / "proj")
    spec.write_text(
        "name: p\ntasks:\n"
        "  - {name: raw, notebook: notebooks/probe.py, parameters: {table: raw}}\n"
        "  - {name: ok, notebook: notebooks/probe.py}\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.INFO):
        result = invoke("run", spec, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "Traceback" not in caplog.text
    lines = [x for x in result.output.splitlines() if "did not pass disclosure control" in x]
    assert len(lines) == 1, result.output  # the task's line, once
    assert (tmp_path / "out" / "site" / "failures" / "p" / "raw.html").is_file()
    assert (tmp_path / "out" / "site" / "reports" / "p" / "ok.html").is_file()


def test_a_full_disk_while_publishing_fails_the_task_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import errno

    from ebpm.pipeline import publish

    spec = make_project(tmp_path / "proj")
    out = tmp_path / "out"
    real = publish.atomic_write_text

    def full_for_reports(path: Path, text: str) -> Path:
        if Path(path).name == "a.html" and "reports" in Path(path).parts:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text)

    monkeypatch.setattr(publish, "atomic_write_text", full_for_reports)
    with caplog.at_level(logging.INFO):
        result = invoke("run", spec, "--out", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output + caplog.text
    (line,) = [x for x in result.output.splitlines() if "could not be written" in x]
    assert "the disk is full" in line
    assert "free space or choose a writable --out" in line
    assert (out / "site" / "failures" / "p" / "a.html").is_file()
    assert (out / "site" / "reports" / "p" / "b.html").is_file()


def test_a_site_where_not_even_a_failure_page_fits_is_one_red_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from ebpm.pipeline import publish

    spec = make_project(tmp_path / "proj")
    real = publish.atomic_write_text

    def full_site(path: Path, text: str) -> Path:
        if "site" in Path(path).parts and Path(path).suffix == ".html":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text)

    monkeypatch.setattr(publish, "atomic_write_text", full_site)
    line = one_red_line(invoke("run", spec, "--out", tmp_path / "out"))
    assert "cannot write to the site" in line
    assert "the disk is full" in line
