"""One error family (course.errors): every error a user can fix reaches them as one `error:` line and exit 1.

Each malformed input below used to end in a traceback, or is one step from doing so: a broken answer key
under `course export`, a scenario file that is not YAML, a gradebook URL that is wrong or does not answer,
a path that cannot be written.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import nbformat
import pytest
from helpers import free_port
from test_cli import _copy_course
from test_exports import build_gradebook, course_folder

from course import errors
from course.cli import main
from course.errors import CourseError

FAMILY = {"CourseError", "KeyFormatError", "ScenarioError", "OutlineError", "GradebookError", "SandboxError",
          "StepFailed", "SecondReaderError"}
PACKAGE = Path(errors.__file__).parent


def test_every_error_is_a_course_error():
    classes = {name: cls for name, cls in inspect.getmembers(errors, inspect.isclass)
               if cls.__module__ == errors.__name__}
    assert set(classes) == FAMILY
    assert all(issubclass(cls, CourseError) for cls in classes.values())
    for name in ("KeyFormatError", "ScenarioError", "OutlineError"):  # a malformed value, as callers knew it
        assert issubclass(classes[name], ValueError), name


def test_the_error_module_is_the_bottom_layer():
    tree = ast.parse(Path(errors.__file__).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [("." * node.level) + (node.module or "") for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name == "course" or name.startswith(("course.", "."))], imported


def test_each_error_is_defined_once_in_the_error_module():
    homes = [(path.relative_to(PACKAGE).as_posix(), node.name) for path in PACKAGE.rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ClassDef) and node.name in FAMILY]
    assert sorted(homes) == sorted(("errors.py", name) for name in FAMILY)


def fails(capsys, *argv) -> str:
    """Run `course ARGV` in-process: exit 1 with an `error:` line and no traceback; return stderr."""
    assert main([str(a) for a in argv]) == 1
    err = capsys.readouterr().err  # may also hold a library's warnings (SQLAlchemy's, under nbgrader)
    assert any(line.startswith("error: ") for line in err.splitlines()) and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def graded(tmp_path_factory, root) -> Path:
    """A course folder with the real source/ and a small gradebook."""
    folder = course_folder(tmp_path_factory.mktemp("graded"), root)
    build_gradebook(folder / "gradebook.db")
    return folder


@pytest.mark.parametrize("fmt", ["objectives-long", "all"])
def test_export_names_the_notebook_and_cell_of_a_malformed_key(root, tmp_path, capsys, fmt):
    nb_path = _copy_course(root, tmp_path)
    build_gradebook(tmp_path / "gradebook.db")
    nb = nbformat.read(nb_path, as_version=4)
    broken = next(c for c in nb.cells if "kind: ranking" in c.source)
    broken.source = broken.source.replace("kind: ranking", "kind: essay")
    nbformat.write(nb, nb_path)
    err = fails(capsys, "--course-dir", tmp_path, "export", "--format", fmt, "--to", tmp_path / "out")
    assert f"{nb_path}: test cell {broken.metadata.nbgrader.grade_id!r}: " in err
    assert "'kind' of ranking, reflection" in err and "fix the course-key block" in err


BAD_SCENARIOS = {
    "broken.yaml": ("id: broken\nnodes: [unclosed\n", "not valid YAML"),
    "listed.yaml": ("- a list\n- not a mapping\n", "a scenario must be a YAML mapping"),
    "binary.yaml": (b"\xff\xfe\x00 not text", "cannot be read as a YAML text file"),
    "folder.yaml": (None, "cannot be read as a YAML text file"),
}


@pytest.fixture(params=sorted(BAD_SCENARIOS))
def bad_scenario(request, tmp_path) -> tuple[Path, str]:
    content, says = BAD_SCENARIOS[request.param]
    path = tmp_path / "scenarios" / request.param
    path.parent.mkdir()
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path, says


def test_scenario_show_on_a_malformed_file(bad_scenario, tmp_path, capsys):
    path, says = bad_scenario
    err = fails(capsys, "scenario", "show", path, "--out", tmp_path / "graph.png")
    assert f"error: {path}: {says}" in err


def test_check_on_a_malformed_scenario_file(bad_scenario, capsys):
    path, says = bad_scenario
    err = fails(capsys, "check", "--scenarios", path.parent)
    assert f"error: {path}: {says}" in err


def _not_a_database(folder: Path) -> str:
    (folder / "notes.db").write_text("not a database\n" * 100)
    return f"sqlite:///{folder / 'notes.db'}"


BAD_URLS = {
    "garbage": (lambda folder: "not a url", "is not a database URL"),
    "unknown kind": (lambda folder: "postgresq://grader@localhost/gradebook", "knows no database kind 'postgresq'"),
    "not a database": (_not_a_database, "file is not a database"),
    "no server": (lambda folder: f"postgresql://grader:s3cret@127.0.0.1:{free_port()}/gradebook",
                  "cannot open the gradebook at postgresql+psycopg://grader:***@127.0.0.1"),
}


@pytest.mark.parametrize("command", [["export"], ["answers", "02-proper-language"],
                                     ["grade", "02-proper-language", "--no-collect"]], ids=lambda c: c[0])
@pytest.mark.parametrize("case", sorted(BAD_URLS))
def test_a_bad_gradebook_url(graded, tmp_path, capsys, command, case):
    url, says = BAD_URLS[case]
    err = fails(capsys, "--course-dir", graded, *command, "--db-url", url(tmp_path))
    assert says in err and "s3cret" not in err


def test_a_bad_gradebook_url_from_the_environment_stops_the_report(graded, tmp_path, capsys, monkeypatch):
    from course.grade.gradebook import ENV_VAR

    monkeypatch.setenv(ENV_VAR, _not_a_database(tmp_path))
    assert "file is not a database" in fails(capsys, "--course-dir", graded, "report", "--out", tmp_path / "r")


def test_paths_that_cannot_be_written(graded, tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("in the way")
    for argv, option in [(["export", "--to", tmp_path], "--to"),  # a folder where a file goes
                         (["report", "--out", a_file], "--out"),  # a file where a folder goes
                         (["scenario", "show", "attitude-data-centre", "--out", tmp_path], "--out")]:
        err = fails(capsys, "--course-dir", graded, *argv)
        assert "cannot write" in err and f"give {option} a path" in err, argv


def test_a_roster_that_is_not_text(graded, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"\xff\xfe\x00nbgrader_id\n")
    err = fails(capsys, "--course-dir", graded, "export", "--format", "canvas", "--to", tmp_path / "canvas.csv",
                "--roster", roster)
    assert f"roster {roster} cannot be read as CSV" in err and "CSV UTF-8" in err


def test_a_config_file_that_does_not_load(root, tmp_path, capsys):
    folder = course_folder(tmp_path, root)
    (folder / "nbgrader_config.py").write_text("c = get_config(\n")
    err = fails(capsys, "--course-dir", folder, "export")
    assert f"{folder / 'nbgrader_config.py'} does not load (SyntaxError" in err


def test_a_demo_folder_that_is_a_file(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("in the way")
    assert f"--workdir {a_file} is a file" in fails(capsys, "demo", "--workdir", a_file)


def test_a_required_sandbox_that_cannot_run(root, tmp_path, capsys, monkeypatch):
    from course.grade import sandbox

    monkeypatch.setattr(sandbox, "unavailable", lambda: "bubblewrap (bwrap) is not installed: install it")
    with pytest.raises(errors.SandboxError):
        sandbox.Sandbox(mode="require").status()
    err = fails(capsys, "--course-dir", course_folder(tmp_path, root), "grade", "01-appearance", "--no-collect",
                "--sandbox", "require")
    assert "the grading sandbox is required" in err and "bwrap) is not installed" in err
