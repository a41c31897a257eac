"""release/ is what nbgrader makes from source/, and no answer key leaks anywhere students look."""

import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from keyscan import MARKERS, _scan, _sources, key_strings, reader_marks

from course.author.release import generate
from course.course_files import assignments, notebooks


def test_release_is_in_sync_with_source(root, tmp_path):
    names = generate(root, tmp_path)
    assert names == assignments(root)
    for name in names:
        fresh = {p.name: p for p in (tmp_path / "release" / name).iterdir()}
        committed = {p.name: p for p in (root / "release" / name).iterdir()}
        assert sorted(fresh) == sorted(committed), f"release/{name}: run `make build` and commit"
        for nb_name, path in fresh.items():
            if nb_name.endswith(".ipynb"):
                assert _sources(path) == _sources(committed[nb_name]), f"release/{name}/{nb_name} is stale"


def test_key_strings_are_found_where_they_belong(root):
    """The scan works: the instructor's source notebooks do hold every key string."""
    secrets = {s for s in key_strings(root) if ", " in s and "'" not in s and '"' not in s} | MARKERS
    texts = [(str(p), "\n".join(src for _t, src in _sources(p)))
             for name in assignments(root) for p in notebooks(root, name)]
    assert len(secrets) >= 6
    for secret in secrets:
        assert any(secret in text for _n, text in texts), secret
    reader = (root / "source" / "second-reader.json").read_text("utf-8")
    assert all(mark in reader for mark in reader_marks(root)), "the second reader's own marks are what the scans seek"


def test_release_holds_no_key(root):
    files = [(str(p), p.read_text(errors="replace")) for p in (root / "release").rglob("*") if p.is_file()]
    assert files
    assert _scan(files, key_strings(root) | MARKERS | reader_marks(root)) == []


def test_built_wheel_holds_no_key(root, tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(root)], check=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        files = [(n, zf.read(n).decode("utf-8", "replace")) for n in zf.namelist()]
    assert any(n.startswith("course/grade/") for n, _ in files)
    assert _scan(files, key_strings(root) | reader_marks(root)) == []  # nor the second reader's weights


# Students whose own answers are not the key (Ada and Eli hand in the model answers themselves;
# Ben and Fay quote the model rewrite's opening sentences, so it is not a secret for them).
NOT_THE_KEY = ["ben", "cy", "dee", "fay"]


def test_feedback_and_autograded_notebooks_hold_no_key(root, demo_run):
    instructor, _ = demo_run
    paths = [p for student in NOT_THE_KEY for folder in ("feedback", "autograded")
             for p in (instructor / folder / student).rglob("*") if p.suffix in (".html", ".ipynb")]
    assert len(paths) == 2 * len(NOT_THE_KEY) * len(assignments(root))
    for name in assignments(root):  # each assignment's files against its own keys (orders may coincide)
        files = [(str(p), p.read_text()) for p in paths if p.parent.name == name]
        assert _scan(files, key_strings(root, model_answers=False, names=[name]) | MARKERS) == []


@pytest.mark.parametrize("name", sorted(MARKERS))
def test_scan_would_catch_a_leak(name, tmp_path):
    leaky = tmp_path / "x.txt"
    leaky.write_text(f"# {name}:")
    assert _scan([(str(leaky), leaky.read_text())], {name})


def _errors(nb_path: Path) -> list[tuple[dict, str]]:
    """Run a notebook in a real kernel in its own folder; return (cell metadata, error name) pairs."""
    from nbclient import NotebookClient

    nb = nbformat.read(nb_path, as_version=4)
    NotebookClient(nb, timeout=60, allow_errors=True, resources={"metadata": {"path": str(nb_path.parent)}}).execute()
    return [(c.metadata, o["ename"]) for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if o["output_type"] == "error"]


@pytest.mark.parametrize("folder", ["source", "release"])
def test_only_unfinished_answers_raise(root, tmp_path, folder):
    """The `raises-exception` tag lets Run All go on; this keeps it from hiding real bugs:
    source notebooks (solutions in) raise nothing, release notebooks raise only AnswerNotReady in check cells."""
    for name in assignments(root):
        for nb_path in notebooks(root, name, folder):
            copy = tmp_path / folder / name / nb_path.name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(nb_path.read_bytes())
            errors = _errors(copy)
            if folder == "source":
                assert errors == [], f"{nb_path}: {errors}"
            else:
                assert errors, f"{nb_path}: an unanswered notebook should report its unfinished exercises"
                for meta, ename in errors:
                    assert ename == "AnswerNotReady" and meta["nbgrader"]["grade"], (nb_path, meta, ename)
