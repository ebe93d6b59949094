"""A task's report as PDF or Word, from its recorded run (``ebpm export``, and ``ebpm publish
--formats pdf,docx``, which puts them beside each report in the site).

The document is made from the executed notebook in the run folder and what the run's manifest
recorded of the task (parameters, datasets, git commit, package versions):
:mod:`ebpm.site.export` builds it, :mod:`ebpm.site.export_pdf` and
:mod:`ebpm.site.export_docx` write it. By default a task's last good report is exported, as
the site shows it; ``run_id`` picks another run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ebpm.errors import PipelineError, RunNotFoundError, check_option, did_you_mean
from ebpm.pipeline import history
from ebpm.pipeline.standing import pipeline_standing, spec_tasks
from ebpm.project import Outputs
from ebpm.site.export import FORMATS, Format

__all__ = [
    "LABELS",
    "ReportSource",
    "check_formats",
    "export_report",
    "find_report",
    "write_formats",
]

log = logging.getLogger(__name__)

#: The download link of each format, beside the report's other downloads, by language.
LABELS = {
    "en": {"pdf": "report (PDF, A4)", "docx": "report (Word .docx)"},
    "ja": {"pdf": "レポート（PDF・A4）", "docx": "レポート（Word .docx）"},
}


@dataclass(frozen=True)
class ReportSource:
    """Where a task's report comes from: its run's folder and what the manifest recorded."""

    pipeline: str
    task: str
    run_id: str
    notebook: Path
    record: dict[str, Any]
    manifest: dict[str, Any]


def check_formats(formats: Sequence[str], *, name: str = "format") -> list[str]:
    """``formats`` without repeats, each checked against :data:`ebpm.site.export.FORMATS`.

    Raises
    ------
    InvalidOptionError
        Naming the unknown format, a close match and the choices.
    """
    for f in formats:
        check_option(name, f, Format, why="pdf: A4 for print; docx: Word, to edit.")
    return list(dict.fromkeys(formats))


def _split(report: str) -> tuple[str | None, str]:
    """(pipeline, task) from ``pipeline/task``, a report's path in the site
    (``site/reports/demo/did.html``, also ``.pdf``, ``.docx``, ``.ipynb``) or a bare task."""
    path = Path(report)
    if path.suffix in (".html", ".pdf", ".docx", ".ipynb") and len(path.parts) >= 2:
        return path.parent.name, path.stem
    if "/" in report.strip("/"):
        pipeline, task = report.strip("/").rsplit("/", 1)
        return pipeline.rsplit("/", 1)[-1], task
    return None, report


def _pipelines(out: Path) -> list[str]:
    return sorted({info.pipeline for info in history.list_runs(out)})


def _pipeline_of(out: Path, task: str) -> str:
    """The one pipeline with a task ``task`` (for ``ebpm export TASK``)."""
    having = [
        p
        for p in _pipelines(out)
        if task in spec_tasks(history.manifests(out, p)) or _ran(out, p, task)
    ]
    if len(having) == 1:
        return having[0]
    if having:
        raise RunNotFoundError(
            f"task {task!r} is in several pipelines ({', '.join(having)}); name one, as "
            f"{having[0]}/{task}"
        )
    tasks = {t for p in _pipelines(out) for t in spec_tasks(history.manifests(out, p))}
    raise RunNotFoundError(
        f"no pipeline under {Outputs(out).runs} has a task {task!r}.{did_you_mean(task, tasks)} "
        "Name it as PIPELINE/TASK (`ebpm runs list` shows the pipelines)"
    )


def _ran(out: Path, pipeline: str, task: str) -> bool:
    return any(
        t.get("name") == task for m in history.manifests(out, pipeline) for t in m.get("tasks", [])
    )


def _record(manifest: dict[str, Any], task: str) -> dict[str, Any] | None:
    return next((t for t in manifest.get("tasks", []) if t.get("name") == task), None)


def _from_run(out: Path, pipeline: str | None, task: str, run_id: str) -> ReportSource:
    """The report of ``task`` in run ``run_id`` (or the run it was unchanged since)."""
    m = history.find_run(out, run_id)
    if pipeline is not None and m["pipeline"] != pipeline:
        raise RunNotFoundError(
            f"run {m['run_id']} is a run of pipeline {m['pipeline']!r}, not {pipeline!r}; "
            f"export {m['pipeline']}/{task} or give a run of {pipeline!r}"
        )
    rec = _record(m, task)
    if rec is None:
        names = [str(t.get("name")) for t in m.get("tasks", [])]
        raise RunNotFoundError(
            f"run {m['run_id']} has no task {task!r}.{did_you_mean(task, names)} "
            f"Its tasks: {', '.join(names) or 'none'}"
        )
    if rec.get("status") == "unchanged" and rec.get("unchanged_since"):
        return _from_run(out, m["pipeline"], task, str(rec["unchanged_since"]))
    if rec.get("status") != "ok":
        why = f": {rec['reason']}" if rec.get("reason") else ""
        raise PipelineError(
            f"task {m['pipeline']}/{task} did not succeed in run {m['run_id']} "
            f"(status {rec.get('status')}{why}); leave out the run id to export its last good "
            "report"
        )
    return _source(m, task, rec)


def _source(m: dict[str, Any], task: str, rec: dict[str, Any]) -> ReportSource:
    notebook = Path(m["_path"]).parent / f"{task}.ipynb"
    if not notebook.is_file():
        raise PipelineError(
            f"the executed notebook of {m['pipeline']}/{task} in run {m['run_id']} is gone "
            f"({notebook}); run the task again (`ebpm run SPEC --task {task}`) to export it"
        )
    return ReportSource(str(m["pipeline"]), task, str(m["run_id"]), notebook, rec, m)


def find_report(
    report: str, *, out_dir: str | Path = ".", run_id: str | None = None
) -> ReportSource:
    """The run and executed notebook behind a task's report.

    Parameters
    ----------
    report
        ``pipeline/task``, the report's path in the site (``site/reports/demo/did.html``), or
        a task name alone when one pipeline has it (or with ``run_id``).
    out_dir
        The folder holding ``runs/``.
    run_id
        A run of the task (unique prefixes work); default: the task's last good run.

    Raises
    ------
    RunNotFoundError
        No such pipeline, task or run (with a close match and the choices).
    PipelineError
        The task never succeeded (or not in ``run_id``), or its executed notebook is gone.
    """
    out = Path(out_dir)
    pipeline, task = _split(report)
    if run_id is not None:
        return _from_run(out, pipeline, task, run_id)
    pipeline = pipeline or _pipeline_of(out, task)
    manifests = history.manifests(out, pipeline)
    if not manifests:
        names = _pipelines(out)
        raise RunNotFoundError(
            f"no recorded runs of pipeline {pipeline!r} under {Outputs(out).runs}."
            f"{did_you_mean(pipeline, names)} Pipelines with runs: {', '.join(names) or 'none'}"
            + ("" if names else "; run one first (`ebpm run SPEC`) or check --out")
        )
    standing = pipeline_standing(manifests)["tasks"]
    rec = standing.get(task)
    if rec is None:
        names = spec_tasks(manifests)
        if task in names:
            raise PipelineError(f"task {pipeline}/{task} has not run yet; run it first")
        raise RunNotFoundError(
            f"pipeline {pipeline!r} has no task {task!r}.{did_you_mean(task, names)} "
            f"Its tasks: {', '.join(names)}"
        )
    good = rec.get("report_run_id")
    if not good:
        why = f" ({rec['reason']})" if rec.get("reason") else ""
        raise PipelineError(
            f"task {pipeline}/{task} never succeeded, so it has no report to export: its "
            f"latest run {rec.get('run_id')} ended {rec.get('status')}{why}. Fix it and run it "
            f"again (`ebpm run SPEC --task {task}`)"
        )
    m = next(m for m in manifests if str(m["run_id"]) == str(good))
    return _source(m, task, _record(m, task) or {})


def _site_lang(out: Path) -> str:
    """The language of the site under ``out`` (``ebpm publish --lang``), else English."""
    from ebpm.site import STATE_FILE

    try:
        state = json.loads((Outputs(out).site / STATE_FILE).read_text(encoding="utf-8"))
        lang = state.get("lang") if isinstance(state, dict) else None
    except (OSError, ValueError):
        return "en"
    return lang if lang in ("en", "ja") else "en"


def _created(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _document(
    nb: Any,
    *,
    pipeline: str,
    task: str,
    run_id: str,
    record: dict[str, Any],
    git: dict[str, Any] | None,
    versions: dict[str, Any] | None,
    lang: str,
) -> Any:
    from ebpm.site.export import document

    return document(
        nb,
        run_id=run_id,
        pipeline=pipeline,
        task=task,
        git=git,
        versions=versions,
        parameters=record.get("parameters") or {},
        datasets=record.get("datasets") or [],
        lang=lang,
        created=_created(record.get("finished_at")),
    )


def write_formats(
    nb: Any,
    formats: Sequence[str],
    folder: Path,
    *,
    pipeline: str,
    task: str,
    run_id: str,
    record: dict[str, Any],
    git: dict[str, Any] | None,
    versions: dict[str, Any] | None,
    lang: str = "en",
) -> dict[str, str]:
    """Write ``<task>.pdf`` and/or ``<task>.docx`` of an executed notebook into ``folder``
    (``record`` is the task's record in the run's manifest: parameters, datasets, when it
    finished); a document of a format no longer asked for is removed, so none goes stale.

    Returns
    -------
    dict
        ``{download label: file name}``, for the report's downloads.
    """
    from ebpm.site.export import write_document

    formats = check_formats(formats)
    for other in set(FORMATS) - set(formats):
        (folder / f"{task}.{other}").unlink(missing_ok=True)
    if not formats:
        return {}
    doc = _document(
        nb,
        pipeline=pipeline,
        task=task,
        run_id=run_id,
        record=record,
        git=git,
        versions=versions,
        lang=lang,
    )
    out = {}
    for to in formats:
        name = f"{task}.{to}"
        write_document(doc, folder / name, to)
        out[LABELS.get(lang, LABELS["en"])[to]] = name
    return out


def export_report(
    report: str,
    *,
    to: str,
    out_dir: str | Path = ".",
    output: str | Path | None = None,
    run_id: str | None = None,
    lang: str | None = None,
) -> Path:
    """Write a task's report as PDF or Word.

    Parameters
    ----------
    report
        ``pipeline/task``, the report's path in the site, or a task name (see
        :func:`find_report`).
    to : {"pdf", "docx"}
        The format.
    out_dir
        The folder holding ``runs/``.
    output
        The file to write (default ``<task>.<to>`` in the current folder).
    run_id
        The run to export (default: the task's last good run).
    lang : {"en", "ja"}, optional
        The language of ebpm's words in the document (default: the site's, else English).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InvalidOptionError
        ``to`` or ``lang`` is not supported.
    RunNotFoundError, PipelineError
        See :func:`find_report`.
    DisclosureError
        The notebook shows a sensitive table that did not pass disclosure control.
    """
    import nbformat

    from ebpm._lang import check_lang
    from ebpm.site.export import write_document

    (to,) = check_formats([to], name="to")
    out = Path(out_dir)
    lang = check_lang(lang) if lang is not None else _site_lang(out)
    src = find_report(report, out_dir=out, run_id=run_id)
    target = Path(output) if output is not None else Path(f"{src.task}.{to}")
    nb = nbformat.read(src.notebook, as_version=4)
    m = src.manifest
    doc = _document(
        nb,
        pipeline=src.pipeline,
        task=src.task,
        run_id=src.run_id,
        record=src.record,
        git=m.get("git"),
        versions=m.get("versions"),
        lang=lang,
    )
    write_document(doc, target, to)
    log.info("exported %s/%s of run %s to %s", src.pipeline, src.task, src.run_id, target)
    return target
