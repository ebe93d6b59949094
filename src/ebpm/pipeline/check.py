"""Check a project's pipelines, catalogs and notebooks without running anything.

:func:`check_paths` reads every pipeline spec, checks each task's parameters against its
notebook's parameters cell (names, required parameters, types), checks that parameters naming a
dataset (``dataset``, ``*_dataset``) name a catalog entry, that every catalog file loads, and
that every notebook has a parameters cell that parses. It collects every problem instead of
stopping at the first, so ``ebpm check`` can list them all; no kernel starts and no data is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from ebpm.errors import EbpmError, Problem, SpecError, did_you_mean
from ebpm.pipeline.notebooks import NotebookParameter, declared_parameters
from ebpm.pipeline.params import ParameterTypeProblem, coerce, parameter_problems
from ebpm.pipeline.spec import PipelineSpec, load_spec, no_tasks_message
from ebpm.project import shown_path

__all__ = ["Problem", "check_paths"]

_SPEC_SUFFIXES = (".yaml", ".yml")
_NOTEBOOK_SUFFIXES = (".py", ".ipynb")
_PARAMETERS_TAG = re.compile(r"""tags\s*=\s*\[[^\]]*["']parameters["']""")
_LINE = re.compile(r"\bline (\d+)")


def _strip(message: str, shown: str, line: int | None) -> str:
    """The message without its leading ``"path, line N: "`` (Problem prints that itself)."""
    for prefix in (f"{shown}, line {line}: ", f"{shown}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


#: Policies' logic models live in ``pipelines/policies/`` (:mod:`ebpm.kpi`), not pipeline specs.
_POLICIES = "policies"


def _is_policy(path: Path) -> bool:
    return path.parent.name == _POLICIES and path.parent.parent.name == "pipelines"


def _files(folder: Path, suffixes: tuple[str, ...], *, recursive: bool) -> list[Path]:
    found = folder.rglob("*") if recursive else folder.glob("*")
    return sorted(
        p
        for p in found
        if p.is_file()
        and p.suffix in suffixes
        and not any(part.startswith(".") or part == "__pycache__" for part in p.parts[-2:])
    )


#: Parameters that name a column of the task's dataset, by ebpm's shared column roles (the
#: estimators' keyword names); ``ebpm check`` looks them up in the entry's declared columns.
#: A value that starts with the word TODO is a placeholder to fill in (``ebpm new`` writes
#: them); "Todoroki" or "todofuken" is not.
TODO_MARK = "TODO"
_TODO_START = re.compile(rf"^\s*{TODO_MARK}\b")


def _is_todo(value: Any) -> bool:
    return isinstance(value, str) and bool(_TODO_START.match(value))


_TODO_VALUE = re.compile(r"""(?:^|[{,])\s*-?\s*(\w+)\s*:\s*["']?TODO\b""")
COLUMN_ROLES = frozenset(
    {"outcome", "unit", "time", "treated", "cohort", "running", "cluster", "indicator", "code"}
)


class _Checker:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, int | None, str]] = set()
        self._notebooks: dict[Path, dict[str, NotebookParameter] | EbpmError] = {}
        self._catalogs: dict[Path, tuple[set[str], set[str], Path] | None] = {}
        self._checked_catalogs: set[Path] = set()
        self._opened: dict[str, Path] = {}  # catalog file by namespace, once it loaded
        self.policies: list[Path] = []

    def add(
        self,
        path: str,
        line: int | None,
        message: str,
        level: Literal["error", "warning"] = "error",
    ) -> None:
        key = (path, line, message)
        if key not in self._seen:
            self._seen.add(key)
            self.problems.append(Problem(path, line, message, level))

    # --- what to check -----------------------------------------------------------------------
    def collect(self, paths: Iterable[str | Path]) -> tuple[list[Path], list[Path], list[Path]]:
        specs: list[Path] = []
        catalogs: list[Path] = []
        notebooks: list[Path] = []

        def folder(d: Path) -> None:
            if d.name == "pipelines":
                for file in _files(d, _SPEC_SUFFIXES, recursive=True):
                    (self.policies if _is_policy(file) else specs).append(file)
            elif d.name == _POLICIES:
                self.policies.extend(_files(d, _SPEC_SUFFIXES, recursive=False))
            elif d.name == "catalogs":
                catalogs.extend(_files(d, (".yaml",), recursive=False))
            elif d.name == "notebooks":
                notebooks.extend(_files(d, _NOTEBOOK_SUFFIXES, recursive=True))
            else:  # a project root
                parts = [d / n for n in ("pipelines", "catalogs", "notebooks") if (d / n).is_dir()]
                if not parts:
                    self.add(
                        shown_path(d, self.root),
                        None,
                        "holds no pipelines/, catalogs/ or notebooks/ folder; give a project "
                        "folder or one of those folders",
                        "warning",
                    )
                for part in parts:
                    folder(part)

        for given in paths:
            path = Path(given)
            path = path if path.is_absolute() else self.root / path
            if path.is_dir():
                folder(path)
            elif not path.exists():
                nearby = [p.name for p in path.parent.iterdir()] if path.parent.is_dir() else []
                self.add(
                    shown_path(path, self.root),
                    None,
                    f"does not exist.{did_you_mean(path.name, nearby)}",
                )
            elif path.parent.name == "catalogs" and path.suffix == ".yaml":
                catalogs.append(path)
            elif _is_policy(path) and path.suffix in _SPEC_SUFFIXES:
                self.policies.append(path)
            elif path.suffix in _SPEC_SUFFIXES:
                specs.append(path)
            elif path.suffix in _NOTEBOOK_SUFFIXES:
                notebooks.append(path)
            else:
                self.add(
                    shown_path(path, self.root),
                    None,
                    "is not a pipeline spec (.yaml), a catalog (catalogs/*.yaml) or a notebook "
                    "(.py, .ipynb); skipped",
                    "warning",
                )
        return (
            list(dict.fromkeys(specs)),
            list(dict.fromkeys(catalogs)),
            list(dict.fromkeys(notebooks)),
        )

    # --- policies' logic models ---------------------------------------------------------------
    def policy(self, path: Path) -> None:
        from ebpm.kpi import load

        first = len(self.problems)
        try:
            load(path, root=self._spec_root(path.parent))
        except SpecError as err:
            problems = getattr(err, "problems", None) or [
                Problem(shown_path(path, self.root), getattr(err, "line", None), str(err))
            ]
            for p in problems:
                self.add(shown_path(path, self.root), p.line, p.message, p.level)
        self.policy_todos(path)
        # the model's problems and the TODO lines, in the file's order
        self.problems[first:] = sorted(self.problems[first:], key=lambda p: p.line or 0)

    def policy_todos(self, path: Path) -> None:
        """Lines of a policy file whose value still says TODO (``ebpm new`` stubs)."""
        shown = shown_path(path, self.root)
        reported = {p.line for p in self.problems if p.path == shown}
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, start=1):
            value = re.split(r"\s#", line, maxsplit=1)[0]
            m = _TODO_VALUE.search(value)
            if m and number not in reported:
                self.add(
                    shown,
                    number,
                    f"`{m.group(1)}` still says TODO; fill it in (the comment beside it or above "
                    "says what it should be)",
                )

    # --- specs -------------------------------------------------------------------------------
    def spec(self, path: Path) -> None:
        try:
            spec = load_spec(path)
        except SpecError as err:
            line = getattr(err, "line", None)
            message = _strip(str(err), shown_path(path, self._spec_root(path)), line)
            self.add(shown_path(path, self.root), line, message)
            return
        shown = shown_path(spec.path, self.root)
        if not spec.tasks:
            self.add(
                shown,
                None,
                no_tasks_message(spec.name),
                "warning",
            )
        for task in spec.tasks:
            declared = self.declared(task.notebook)
            if isinstance(declared, EbpmError):
                self.add(
                    shown,
                    task.line,
                    f"task {task.group!r}: notebook {shown_path(task.notebook, spec.root)} cannot "
                    f"be checked: {declared}",
                )
            else:
                self.task_parameters(spec, shown, task, declared)
            self.todos(spec, shown, task)
            self.datasets(spec, shown, task)
        from ebpm.pipeline.prereg import plan_warnings  # its analysis plan, when it has one

        for line, message, level in plan_warnings(spec):
            self.add(shown, line, message, "error" if level == "error" else "warning")

    def _spec_root(self, path: Path) -> Path:
        parent = path.resolve().parent
        return parent.parent if parent.name == "pipelines" else parent

    def declared(self, notebook: Path) -> dict[str, NotebookParameter] | EbpmError:
        if notebook not in self._notebooks:
            try:
                self._notebooks[notebook] = declared_parameters(notebook, shown=notebook.name)
            except EbpmError as err:
                self._notebooks[notebook] = err
        return self._notebooks[notebook]

    def task_parameters(
        self, spec: PipelineSpec, shown: str, task: Any, declared: dict[str, NotebookParameter]
    ) -> None:
        param_where = {k: f"line {n}" for k, n in task.param_lines.items()}
        _, problems = parameter_problems(
            task.parameters,
            declared,
            where="this spec",
            notebook=task.notebook.name,
            param_where=param_where,
        )
        shared = [t for t in spec.tasks if t.group == task.group]
        for p in problems:
            line = task.param_lines.get(p.parameter) or task.line
            # a value shared by a grid's tasks is reported once, naming the spec task
            same = all(
                t.param_lines.get(p.parameter) == task.param_lines.get(p.parameter)
                and t.parameters.get(p.parameter) == task.parameters.get(p.parameter)
                for t in shared
            )
            label = task.group if same else task.name
            self.add(shown, line, f"task {label!r}: {p.message}")

    def effective(self, task: Any) -> dict[str, Any]:
        """The parameters the task's notebook would run with: its defaults, then the spec's."""
        declared = self.declared(task.notebook)
        if isinstance(declared, EbpmError):
            return dict(task.parameters)
        defaults = {n: p.default for n, p in declared.items() if p.default is not None}
        return {**defaults, **task.parameters}

    def where(self, task: Any, name: str, spec_root: Path) -> tuple[int | None, str]:
        """The spec line of parameter ``name``, and "" (given in the spec) or a note naming the
        notebook whose default it is."""
        if name in task.parameters:
            return task.param_lines.get(name) or task.line, ""
        return task.line, f" (the default in {shown_path(task.notebook, spec_root)})"

    def todos(self, spec: PipelineSpec, shown: str, task: Any) -> None:
        """Values still saying TODO (``ebpm new`` writes them where it could not guess)."""
        for name, value in self.effective(task).items():
            if _is_todo(value):
                line, note = self.where(task, name, spec.root)
                self.add(
                    shown,
                    line,
                    f"task {task.group!r}: `{name}` still says {value!r}{note}; fill it in "
                    "(the comment beside it says what it should be)",
                )

    def datasets(self, spec: PipelineSpec, shown: str, task: Any) -> None:
        for name, value in self.effective(task).items():
            if not (name == "dataset" or name.endswith("_dataset")) or not isinstance(value, str):
                continue
            if not value and name not in task.parameters:
                continue  # a notebook's empty default: no dataset unless one is given
            known = self.catalog(spec.root)
            if known is None:
                continue
            names, broken, folder = known
            if value in names:
                self.columns(spec, shown, task, value)
                continue
            if value.split(".", 1)[0] in broken or _is_todo(value):
                continue
            line, note = self.where(task, name, spec.root)
            self.add(
                shown,
                line,
                f"task {task.group!r}: `{name}` = {value!r}{note} is not an entry of the catalogs "
                f"in {shown_path(folder, spec.root)}.{did_you_mean(value, sorted(names))} See "
                "`ebpm catalog list`, or add the entry to a catalog file.",
            )

    # --- catalogs ----------------------------------------------------------------------------
    def _catalog_folder(self, root: Path) -> Path | None:
        """The catalogs a notebook run from ``root`` loads (as ebpm.catalog.catalog_dir finds)."""
        from ebpm.catalog import catalog_dir

        try:
            return catalog_dir(root)
        except EbpmError as err:
            self.add(
                shown_path(root, self.root), None, f"datasets are not checked: {err}", "warning"
            )
            return None

    def catalog(self, root: Path) -> tuple[set[str], set[str], Path] | None:
        """(entry names, namespaces whose file is broken, folder) of the project's catalogs."""
        if root not in self._catalogs:
            folder = self._catalog_folder(root)
            if folder is None or not folder.is_dir():
                if folder is not None:
                    self.add(
                        shown_path(folder, self.root),
                        None,
                        f"catalog folder {str(folder)!r} does not exist; datasets are not checked",
                        "warning",
                    )
                self._catalogs[root] = None
            else:
                names: set[str] = set()
                broken: set[str] = set()
                for file in _files(folder, (".yaml",), recursive=False):
                    loaded = self.catalog_file(file)
                    if loaded is None:
                        broken.add(file.stem)
                    else:
                        names.update(loaded)
                self._catalogs[root] = (names, broken, folder)
        return self._catalogs[root]

    def catalog_file(self, path: Path) -> list[str] | None:
        """Entry names of one catalog file, or None (and a problem) when it does not load."""
        from ebpm.catalog import open_catalog

        shown = shown_path(path, self.root)
        try:
            names = open_catalog(path).names()
        except EbpmError as err:
            if path not in self._checked_catalogs:
                message = str(err).replace(str(path), shown)
                m = _LINE.search(message)
                line = int(m.group(1)) if m else None
                message = re.sub(rf"^{re.escape(shown)}(, line \d+)?: ", "", message)
                self.add(shown, line, message)
            self._checked_catalogs.add(path)
            return None
        self._checked_catalogs.add(path)
        self._opened[path.stem] = path
        return names

    def columns(self, spec: PipelineSpec, shown: str, task: Any, entry: str) -> None:
        """Column-role parameters (:data:`COLUMN_ROLES`, described by the notebook as a column)
        whose value the dataset's declared ``metadata.columns`` do not have: caught here, with a
        close match, not in the kernel. A notebook may derive other columns; those are not
        checked."""
        declared = self.declared(task.notebook)
        known = self._entry_columns(entry)
        if isinstance(declared, EbpmError) or not known:
            return
        for name, value in self.effective(task).items():
            param = declared.get(name)
            if name not in COLUMN_ROLES or param is None or "column" not in param.help.lower():
                continue
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, str) and v not in known and not _is_todo(v):
                    line, note = self.where(task, name, spec.root)
                    self.add(
                        shown,
                        line,
                        f"task {task.group!r}: `{name}` = {v!r}{note} is not a column of {entry} "
                        f"(its catalog entry declares {', '.join(map(repr, known))})."
                        f"{did_you_mean(v, known)} See `ebpm catalog show {entry}`.",
                    )

    def _entry_columns(self, entry: str) -> list[str]:
        """The columns a catalog entry declares (``metadata.columns``); [] when it declares
        none, so nothing is checked."""
        from ebpm.catalog import open_catalog

        path = self._opened.get(entry.split(".", 1)[0])
        if path is None:
            return []
        try:
            columns = open_catalog(path).info(entry).metadata.get("columns")
        except (EbpmError, KeyError):
            return []
        return [str(c) for c in columns] if isinstance(columns, dict) else []

    # --- notebooks ---------------------------------------------------------------------------
    def notebook(self, path: Path) -> None:
        shown = shown_path(path, self.root)
        text = path.read_text(encoding="utf-8", errors="replace") if path.suffix == ".py" else ""
        lines = text.splitlines()
        start = next((i + 1 for i, s in enumerate(lines) if _PARAMETERS_TAG.search(s)), None)
        declared = self.declared(path)
        if isinstance(declared, EbpmError):
            message = str(declared)
            m = _LINE.search(message)
            line = start + int(m.group(1)) if (start and m) else start
            self.add(shown, line, _strip(message, path.name, None))
            return
        for name, param in declared.items():
            line = next(
                (
                    i + 1
                    for i, s in enumerate(lines[start or 0 :], start=start or 0)
                    if re.match(rf"{re.escape(name)}\s*[:=]", s)
                ),
                None,
            )
            if param.type is None:
                self.add(
                    shown,
                    line,
                    f"parameter {name!r} has no type annotation, so values given for it are not "
                    f"checked; write `{name}: {type(param.default).__name__} = ...`",
                    "warning",
                )
            elif param.default is not None or not param.required:
                try:
                    coerce(param.default, param.type)
                except ParameterTypeProblem as err:
                    self.add(
                        shown,
                        line,
                        f"parameter {name!r}: the default {param.default!r} does not fit its own "
                        f"annotation `{param.type}` ({err}); fix the default or the annotation",
                    )
            if not param.help:
                self.add(
                    shown,
                    line,
                    f"parameter {name!r} has no comment; say what it is after the value "
                    f"(`{name}: ... = ...  # what it means`)",
                    "warning",
                )


def check_paths(
    paths: Sequence[str | Path] = ("pipelines",), *, root: Path | None = None
) -> list[Problem]:
    """Check pipeline specs, catalogs and notebooks without running anything.

    Parameters
    ----------
    paths : sequence of str or Path
        Files or folders, relative to ``root``. A ``pipelines/`` folder: every ``*.yaml`` in it
        (and below) is a spec, but those in ``pipelines/policies/`` are policies' logic models
        (:func:`ebpm.kpi.load`). A ``catalogs/`` folder: every catalog file. A ``notebooks/``
        folder: every ``.py`` and ``.ipynb`` notebook. Any other folder is a project root: its
        ``pipelines/``, ``catalogs/`` and ``notebooks/`` are checked.
    root : Path, optional
        The project root (default: the current directory).

    Returns
    -------
    list of Problem
        Every problem found, in the order of the files; empty when all is well. Errors would
        stop ``ebpm run``; warnings would not (no type annotation on a notebook parameter, no
        comment, a dataset check that could not be made).

    Notes
    -----
    For each spec: the spec loads (:func:`~ebpm.pipeline.spec.load_spec`); every task's
    parameters match its notebook's parameters cell (unknown and missing names, types); a
    parameter named ``dataset`` or ``*_dataset`` holding text names an entry of the catalogs the
    notebook would load. The catalog files those checks read must load; so must the notebooks'
    parameters cells. Nothing is executed and no dataset is read.
    """
    base = Path(root) if root is not None else Path.cwd()
    checker = _Checker(base)
    specs, catalogs, notebooks = checker.collect(paths)
    for spec in specs:
        checker.spec(spec)
    for policy in dict.fromkeys(checker.policies):
        checker.policy(policy)
    for file in catalogs:
        if file not in checker._checked_catalogs:
            checker.catalog_file(file)
    for nb in notebooks:
        checker.notebook(nb)
    return checker.problems


def dataset_problems(spec: PipelineSpec, tasks: Sequence[Any]) -> list[Problem]:
    """The dataset names and column-role parameters of ``tasks`` (resolved: overrides applied)
    that the project's catalogs do not have, as :func:`check_paths` reports them.

    ``ebpm run`` calls it for the tasks it is about to run, so a misspelt dataset or column
    stops the run before a kernel starts; a run with nothing to do does not pay for loading the
    catalogs.
    """
    checker = _Checker(spec.root)
    shown = shown_path(spec.path, spec.root)
    for task in tasks:
        checker.todos(spec, shown, task)
        checker.datasets(spec, shown, task)
    return [p for p in checker.problems if p.level == "error"]
