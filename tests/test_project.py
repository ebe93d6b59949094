"""ebpm.project: a project's folders and an output folder's layout, in one place (issue 17)."""

from __future__ import annotations

from pathlib import Path

from ebpm.project import Outputs, Project, shown_path


def test_the_project_of_each_kind_of_file(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert Project.of(tmp_path / "pipelines" / "demo.yaml").root == root
    assert Project.of(tmp_path / "pipelines" / "policies" / "prop99.yaml").root == root
    assert Project.of(tmp_path / "notebooks" / "did.py").root == root
    assert Project.of(tmp_path / "catalogs" / "studies.yaml").root == root
    assert Project.of(tmp_path / "elsewhere.yaml").root == root  # a file beside the folders


def test_find_walks_up_to_the_folder_with_pipelines(tmp_path: Path) -> None:
    (tmp_path / "pipelines").mkdir()
    deep = tmp_path / "notebooks" / "drafts"
    deep.mkdir(parents=True)
    assert Project.find(deep).root == tmp_path.resolve()
    lone = tmp_path.parent / f"{tmp_path.name}-lone"
    lone.mkdir()
    assert Project.find(lone).root == lone.resolve()


def test_folders_and_shown_paths(tmp_path: Path) -> None:
    project = Project(tmp_path)
    assert project.policies == tmp_path.resolve() / "pipelines" / "policies"
    assert project.shown(project.notebooks / "did.py") == "notebooks/did.py"
    assert project.shown("/somewhere/else.csv") == "/somewhere/else.csv"
    assert shown_path(tmp_path / "a" / "b.yaml", tmp_path) == "a/b.yaml"


def test_the_output_layout() -> None:
    out = Project(Path("/p")).outputs("out")
    assert out == Outputs(Path("out"))
    assert out.site == Path("out/site")
    assert out.fingerprints == Path("out/runs/.fingerprints.json")
    assert out.manifest("demo", "20261207T101447Z-4421") == Path(
        "out/runs/demo/20261207T101447Z-4421/manifest.json"
    )
    assert Project(Path("/p")).outputs().root == Path("/p")
