"""`course grade`: a class graded by parallel workers scores exactly as serial nbgrader did."""

from __future__ import annotations

import csv
import shutil
import sqlite3

import pytest

from course.cli import main
from course.demo import CLASS

ASSIGNMENT = "02-proper-language"
COPIES = 2  # each demo student's submission twice more: 18 submissions for 4 workers


def _scores(db) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{db}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            found[sub.student.id] = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
    return found


@pytest.fixture(scope="module")
def graded(demo_run, tmp_path_factory):
    """A copy of the demo course with more students, graded by `course grade --jobs 4`."""
    instructor, _csv = demo_run
    course = tmp_path_factory.mktemp("batch") / "course"
    shutil.copytree(instructor, course, ignore=shutil.ignore_patterns("autograded", "feedback"))
    for student in CLASS:
        for n in range(COPIES):
            shutil.copytree(course / "submitted" / student.id, course / "submitted" / f"{student.id}{n}")
    (course / "submitted" / "zed" / ASSIGNMENT).mkdir(parents=True)  # submitted an empty folder
    code = main(["--course-dir", str(course), "grade", ASSIGNMENT, "--jobs", "4", "--no-collect"])
    return instructor, course, code


def test_parallel_grades_equal_the_serial_ones(graded):
    instructor, course, code = graded
    serial, parallel = _scores(instructor / "gradebook.db"), _scores(course / "gradebook.db")
    assert code == 0
    assert len(parallel) == len(CLASS) * (COPIES + 1) + 1
    for student in CLASS:
        for sid in [student.id] + [f"{student.id}{n}" for n in range(COPIES)]:
            assert parallel[sid] == serial[student.id], sid
    assert set(parallel["zed"].values()) == {0.0}


def test_the_gradebook_is_intact_after_four_writers(graded):
    from nbgrader.api import Gradebook

    _instructor, course, _code = graded
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        cells = sorted(c.name for nb in assignment.notebooks for c in nb.grade_cells)
        for sub in gb.assignment_submissions(ASSIGNMENT):
            # every cell of every submission has exactly one grade, with a score
            assert sorted(g.name for nb in sub.notebooks for g in nb.grades) == cells, sub.student.id
            assert all(g.score is not None for nb in sub.notebooks for g in nb.grades), sub.student.id


def test_feedback_and_export_are_written(graded):
    _instructor, course, _code = graded
    for student in CLASS:
        assert (course / "feedback" / f"{student.id}1" / ASSIGNMENT / "proper-language.html").is_file()
    with open(course / "grades.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["assignment"] == ASSIGNMENT]
    assert len(rows) == len(CLASS) * (COPIES + 1) + 1


def test_a_submission_that_breaks_nbgrader_is_reported_and_the_batch_goes_on(demo_run, tmp_path, capsys):
    instructor, _csv = demo_run
    course = tmp_path / "course"
    shutil.copytree(instructor, course, ignore=shutil.ignore_patterns("autograded", "feedback"))
    # A score above the cell's points makes nbgrader itself abort that student's autograde.
    bad = course / "submitted" / "ada" / ASSIGNMENT / "proper-language.ipynb"
    bad.write_text(bad.read_text().replace('"points": 3', '"points": 3, "extra": 1'))
    shutil.rmtree(course / "submitted" / "ben")
    (course / "submitted" / "ben" / ASSIGNMENT).mkdir(parents=True)
    (course / "submitted" / "ben" / ASSIGNMENT / "proper-language.ipynb").write_text("{ not json")
    code = main(["--course-dir", str(course), "grade", ASSIGNMENT, "--jobs", "2", "--no-collect", "--no-export"])
    out = capsys.readouterr().out
    assert f"{ASSIGNMENT}: {len(CLASS)} graded" in out or "failed" in out
    scores = _scores(course / "gradebook.db")
    assert set(scores) == {s.id for s in CLASS}
    assert set(scores["ben"].values()) == {0.0}  # unreadable: repaired into a placeholder, graded 0
    assert "repaired ben" in out
    assert code in (0, 1)


def test_an_unknown_assignment_names_the_problem(demo_run, capsys):
    instructor, _csv = demo_run
    code = main(["--course-dir", str(instructor), "grade", "99-nope", "--no-collect"])
    assert code == 1 and "source/99-nope has no notebooks" in capsys.readouterr().err
