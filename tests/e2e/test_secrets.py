"""No secret reaches what a run publishes or keeps: not the report, its notebook download, the
failure page, ``site/_ebpm/state.json``, the run manifest or the cache's records.

A secret in a pipeline parameter is refused before any kernel starts, at any depth (a nested
``password``, a URL with ``?token=``); a secret the notebook reads from the environment, as the
refusal advises, and sends in a download URL is redacted wherever the request is recorded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ebpm.cli import main
from ebpm.errors import ParameterError
from ebpm.pipeline import run_pipeline

pytestmark = pytest.mark.slow

SECRET = "SUPERSECRET-8d1e77"

NOTEBOOK = """\
# %% tags=["parameters"]
mode: str = "ok"  # ok | raise
config: dict = {}  # options, nested
sources: list = []  # more options, in a list
url: str = ""  # a CSV with a column x
credentials: str = ""  # a credential (refused when given)
url_env: str = ""  # an environment variable holding the CSV's URL (with its token)

# %%
import os  # noqa: E402

from IPython.display import display  # noqa: E402

from ebpm.catalog.files import load_remote_table  # noqa: E402
from ebpm.catalog.provenance import finish  # noqa: E402

value, datasets = 1.0, []
if url_env:
    frame = finish(load_remote_table(os.environ[url_env], what="probe table"), entry="probe")
    value, datasets = float(frame["x"].mean()), [frame.attrs["ebpm"]]
print(config, sources, url)
display(
    {
        "text/plain": f"value: {value}",
        "application/vnd.ebpm.result+json": {
            "headline": {"estimate": value, "std_error": 0.1, "conf_low": value - 0.2,
                         "conf_high": value + 0.2, "p_value": None},
            "estimand": "mean",
        },
        "application/vnd.ebpm.provenance+json": {"datasets": datasets},
    },
    raw=True,
)
if mode == "raise":
    raise ValueError("failed on purpose, after loading the data")
"""


def _project(root: Path, tasks: list[dict[str, Any]]) -> Path:
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "pipelines").mkdir(exist_ok=True)
    (root / "notebooks" / "nb.py").write_text(NOTEBOOK, encoding="utf-8")
    lines = ["name: p", "tasks:"]
    lines += ["  - " + json.dumps({"notebook": "notebooks/nb.py", **t}) for t in tasks]
    spec = root / "pipelines" / "p.yaml"
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spec


def _holding_the_secret(*folders: Path) -> list[Path]:
    return [
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and SECRET.encode() in path.read_bytes()
    ]


@pytest.mark.parametrize(
    ("parameters", "where"),
    [
        ({"config": {"db": {"password": SECRET}}}, r"config\['db'\]\['password'\]"),
        ({"sources": [{"name": "a"}, {"pwd": SECRET}]}, r"sources\[1\]\['pwd'\]"),
        ({"config": {"api": {"credentials": [SECRET]}}}, r"config\['api'\]\['credentials'\]"),
    ],
    ids=["nested-dict", "dict-in-list", "credentials"],
)
def test_a_secret_nested_in_a_parameter_is_refused_before_anything_runs(
    tmp_path: Path, parameters: dict[str, Any], where: str
) -> None:
    spec = _project(tmp_path, [{"name": "t", "parameters": parameters}])
    with pytest.raises(
        ParameterError,
        match=rf"task 't': parameter '\w+' holds a secret at {where}; parameters are written "
        r"into the executed notebook, the run manifest and the report\. Remove it from p\.yaml",
    ) as err:
        run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert SECRET not in str(err.value)
    assert not (tmp_path / "site").exists()
    assert _holding_the_secret(tmp_path) == [spec]


def test_a_secret_looking_top_level_name_is_refused(tmp_path: Path) -> None:
    spec = _project(tmp_path, [{"name": "t", "parameters": {"credentials": SECRET}}])
    with pytest.raises(ParameterError, match=r"parameter 'credentials' looks like a secret"):
        run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert _holding_the_secret(tmp_path) == [spec]


@pytest.mark.parametrize(
    ("url", "keys"),
    [
        (f"https://api.example.jp/data?appId={SECRET}&id=7&token={SECRET}", "'appId'.*'token'"),
        (f"https://files.example.jp/x.csv?X-Amz-Signature={SECRET}", "'X-Amz-Signature'"),
        (f"https://user:{SECRET}@files.example.jp/x.csv", "'password'"),
    ],
    ids=["query", "signed-url", "userinfo"],
)
def test_a_url_parameter_with_a_secret_in_its_query_is_refused(
    tmp_path: Path, url: str, keys: str
) -> None:
    spec = _project(tmp_path, [{"name": "t", "parameters": {"url": url}}])
    with pytest.raises(
        ParameterError, match=rf"parameter 'url' holds a secret at url \(query key {keys}\)"
    ) as err:
        run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert SECRET not in str(err.value)
    assert _holding_the_secret(tmp_path) == [spec]


def test_the_cli_refuses_a_secret_given_with_p_in_one_line(tmp_path: Path) -> None:
    spec = _project(tmp_path, [{"name": "t", "parameters": {}}])
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(spec),
            "--out",
            str(tmp_path),
            "-p",
            "url",
            f"https://x.jp/a.csv?token={SECRET}",
        ],
        prog_name="ebpm",
    )
    assert result.exit_code == 1
    assert "parameter 'url' holds a secret at url (query key 'token')" in result.output
    assert SECRET not in result.output
    assert "Traceback" not in result.output
    assert _holding_the_secret(tmp_path) == []


def test_a_token_read_from_the_environment_reaches_no_page_record_or_cache(
    tmp_path: Path, http_server: Any, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.add("/t.csv", "x\n1\n3\n", query={"token": SECRET, "v": "2"})
    monkeypatch.setenv("PROBE_URL", f"{http_server.url}/t.csv?v=2&token={SECRET}")
    spec = _project(
        tmp_path,
        [
            {"name": "good", "parameters": {"url_env": "PROBE_URL"}},
            {"name": "bad", "parameters": {"url_env": "PROBE_URL", "mode": "raise"}},
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert [t.status for t in result.tasks] == ["ok", "failed"]
    assert http_server.requests[-1][1] == {"token": SECRET, "v": "2"}  # the token was sent
    site = tmp_path / "site"
    published = {
        "report": site / result.tasks[0].report,
        "download": next((site / "reports" / "p").glob("good*.ipynb")),
        "failure page": site / result.tasks[1].failure_page,
        "state": site / "_ebpm" / "state.json",
        "manifest": result.manifest,
        "cache record": next((cache_dir / "tables").rglob("*.json")),
    }
    for what, path in published.items():
        assert path.is_file(), what
        assert SECRET not in path.read_text(encoding="utf-8"), what
    assert "token=***" in published["manifest"].read_text(encoding="utf-8")  # recorded, redacted
    assert _holding_the_secret(tmp_path / "runs", site, cache_dir) == []
    assert os.environ["PROBE_URL"].endswith(SECRET)  # the notebook's environment, not a file


RELEASE = """# %% tags=["parameters"]
with_source: bool = True

# %%
import os  # noqa: E402

import pandas as pd  # noqa: E402

from ebpm import privacy, report  # noqa: E402

people = pd.DataFrame({"age": [20] * 3 + [40] * 3, "sex": list("mmmfff")})
if with_source:  # where each record came from, with the token of the request
    people["source"] = "https://api.example.jp/r.csv?token=" + os.environ["RELEASE_TOKEN"]
report.microdata(privacy.anonymize(people, keys=["age", "sex"], k=3), name="r", keys=["age"])
"""


def test_a_microdata_release_holding_a_secret_is_not_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release's CSV is a new kind of published file: the publisher refuses one with a
    secret in it, and nothing of the task reaches the site; the same release without it is
    published with its CSV."""
    monkeypatch.setenv("RELEASE_TOKEN", SECRET)
    _project(tmp_path, [])
    (tmp_path / "notebooks" / "release.py").write_text(RELEASE, encoding="utf-8")
    spec = tmp_path / "pipelines" / "p.yaml"
    spec.write_text(
        "name: p\ntasks:\n"
        '  - {"name": "leaky", "notebook": "notebooks/release.py"}\n'
        '  - {"name": "clean", "notebook": "notebooks/release.py", '
        '"parameters": {"with_source": false}}\n',
        encoding="utf-8",
    )
    result = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    leaky, clean = result.tasks
    assert leaky.status == "failed"
    assert "its column(s) ['source'] hold what looks like a secret" in leaky.reason
    assert SECRET not in leaky.reason
    site = tmp_path / "site"
    assert _holding_the_secret(site) == []
    assert not list((site / "reports").rglob("leaky*"))  # no report, notebook or CSV
    assert clean.status == "ok"
    assert (site / "reports" / "p" / "clean.microdata.csv").read_text(encoding="utf-8-sig") == (
        "age,sex\n20,m\n20,m\n20,m\n40,f\n40,f\n40,f\n"
    )
