"""The `course` command: clear errors and a non-zero exit when something is wrong."""

import shutil
import subprocess
import sys

import nbformat

COURSE = [sys.executable, "-m", "course.cli"]


def run(*args, cwd):
    return subprocess.run([*COURSE, *args], cwd=cwd, capture_output=True, text=True)


def test_not_a_course_folder_says_how_to_fix(tmp_path):
    proc = run("demo", "--workdir", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "is not a course folder" in proc.stderr and "--course-dir" in proc.stderr


def test_check_passes_on_the_shipped_course(root):
    proc = run("check", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "0 problem(s)" in proc.stdout


def _copy_course(root, dest):
    shutil.copy(root / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(root / "source", dest / "source")
    return next((dest / "source").rglob("*.ipynb"))


def test_check_names_the_notebook_with_a_broken_key(root, tmp_path):
    nb_path = _copy_course(root, tmp_path)
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if "course-key:" in cell.source:
            cell.source = cell.source.replace("kind: ranking", "kind: essay")
    nbformat.write(nb, nb_path)
    proc = run("check", cwd=tmp_path)
    assert proc.returncode == 1
    assert nb_path.name in proc.stderr and "'kind' of ranking, reflection" in proc.stderr


def test_demo_stops_with_the_failed_step_named(root, tmp_path):
    nb_path = _copy_course(root, tmp_path)
    nb_path.write_text("{ this is not a notebook")
    proc = run("demo", "--workdir", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "nbgrader generate_assignment" in proc.stderr and "failed" in proc.stderr


def test_demo_never_deletes_a_folder_it_did_not_make(root, tmp_path):
    keep = tmp_path / "precious.txt"
    keep.write_text("my notes")
    proc = run("demo", "--workdir", str(tmp_path), cwd=root)
    assert proc.returncode == 1
    assert "was not made by `course demo`" in proc.stderr and "nothing was deleted" in proc.stderr
    assert keep.read_text() == "my notes"
