"""The hostile-submission corpus, graded in one batch by the real `nbgrader autograde`.

For every case: the batch finishes, the student has a gradebook row, no exercise scores more
than the honest answers in it earn (and honest parts earn their full points), and feedback is
generated that says what happened.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import CELL_TIMEOUT, own_exercises
from hostile_corpus import CASES, FULL, Kit
from keyscan import MARKERS, _scan, key_strings

from course.author.nbgrader_run import nbgrader
from course.grade.batch import course_id

ASSIGNMENT = "02-proper-language"
NOTEBOOK = "proper-language"
TIMEOUT = CELL_TIMEOUT  # the looping cases wait it out


@pytest.fixture(scope="module")
def batch(root, tmp_path_factory):
    course = tmp_path_factory.mktemp("hostile") / "course"
    course.mkdir()
    shutil.copy(root / "nbgrader_config.py", course)
    shutil.copytree(root / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    for case in CASES:
        by_answer = own_exercises(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", course_id(course), ASSIGNMENT,
                                  case.name)
        folder = course / "submitted" / case.name / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        case.build(Kit(nbformat.read(release, as_version=4), by_answer, folder, f"{NOTEBOOK}.ipynb"))
    intake = subprocess.run([sys.executable, "-m", "course.cli", "intake", ASSIGNMENT], cwd=course,
                            capture_output=True, text=True)
    assert intake.returncode == 0, intake.stderr
    autograde = nbgrader("autograde", ASSIGNMENT, "--force", f"--Execute.timeout={TIMEOUT}", cwd=course, check=False)
    feedback = nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course, check=False)
    return {"course": course, "autograde": autograde, "feedback": feedback}


def test_corpus_is_large_enough():
    assert len(CASES) >= 25 and len({c.name for c in CASES}) == len(CASES)


def test_the_batch_finishes_cleanly(batch):
    proc = batch["autograde"]
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert batch["feedback"].returncode == 0, (batch["feedback"].stdout + batch["feedback"].stderr)[-4000:]


def _grades(course: Path, student: str) -> dict[str, float | None]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission(ASSIGNMENT, student)
        return {g.name: g.score for nb in sub.notebooks for g in nb.grades}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_is_graded_fairly_with_feedback(batch, case):
    course = batch["course"]
    grades = _grades(course, case.name)
    assert set(grades) >= set(FULL), f"no gradebook grades for {case.name}: {grades}"
    for grade_id, cap in case.cap.items():
        assert grades[grade_id] is not None and grades[grade_id] <= cap, (case.name, grade_id, grades)
    for grade_id in case.exact:
        assert grades[grade_id] == FULL[grade_id], (case.name, grade_id, grades)
    html = course / "feedback" / case.name / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert html.is_file(), f"no feedback for {case.name}"


# What the feedback must say for the cases where grading had to step in.
SAYS = {
    "corrupt-json": "could not be read",
    "valid-json-not-a-notebook": "could not be read",
    "missing-notebook": "no proper-language.ipynb was handed in",
    "loop-swallows-interrupt": "ignored the request to stop",
    "os-exit": "stopped the Python kernel",
    "kill-kernel": "stopped the Python kernel",
    "deleted-answer-cell": "was missing from your submission",
    "empty-notebook": "was missing from your submission",
    "huge-output": "output cut by the grader",
    "one-huge-line": "output cut by the grader",
}


@pytest.mark.parametrize("name, phrase", sorted(SAYS.items()))
def test_feedback_says_what_happened(batch, name, phrase):
    html = (batch["course"] / "feedback" / name / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert phrase in html


def test_nothing_handed_in_is_lost(batch):
    folder = batch["course"] / "submitted"
    kept = folder / "corrupt-json" / ASSIGNMENT / f"{NOTEBOOK}.ipynb.unreadable"
    assert kept.read_text(encoding="utf-8") == '{"cells": [ this is not json'
    assert (folder / "missing-notebook" / ASSIGNMENT / "answers.txt").is_file()


def test_outputs_are_capped(batch):
    for name in ("huge-output", "one-huge-line"):
        for kind in ("autograded", "feedback"):
            folder = batch["course"] / kind / name / ASSIGNMENT
            size = sum(p.stat().st_size for p in folder.iterdir())
            assert size < 3_000_000, (kind, name, size)


def test_feedback_holds_no_key(root, batch):
    files = [(str(p), p.read_text(encoding="utf-8", errors="replace"))
             for p in (batch["course"] / "feedback").rglob("*.html")]
    assert len(files) == len(CASES)
    assert _scan(files, key_strings(root, model_answers=False, names=[ASSIGNMENT]) | MARKERS) == []


def test_feedback_explains_each_criterion_and_how_to_improve(batch):
    html = (batch["course"] / "feedback" / "unicode-and-emoji" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    for criterion in ("Key ideas (earns", "Plain words (earns", "Length (earns"):
        assert criterion in html
    assert "To improve:" in html and "Score: 0 of 3 points" in html


def test_course_review_lists_what_a_grader_should_look_at(batch):
    from course.grade.review import flags

    found = {(f.student, f.reason) for f in flags(batch["course"], ASSIGNMENT)}
    students = {s for s, _ in found}
    assert {"corrupt-json", "missing-notebook", "os-exit", "kill-kernel", "loop-swallows-interrupt"} <= students
    assert any(s == "corrupt-json" and r.startswith("rebuilt blank") for s, r in found)
    assert any(s == "os-exit" and "killed or hung the kernel" in r for s, r in found)
    assert "honest" not in students and "extra-files" not in students  # clean full marks need no look
    proc = subprocess.run([sys.executable, "-m", "course.cli", "review", ASSIGNMENT], cwd=batch["course"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "corrupt-json" in proc.stdout and "cell(s) to review" in proc.stdout


def test_a_graders_manual_score_wins_and_survives_regrading(batch):
    """Runs last: it re-autogrades one student."""
    from nbgrader.api import Gradebook

    course, db = batch["course"], f"sqlite:///{batch['course'] / 'gradebook.db'}"
    with Gradebook(db) as gb:
        grade = gb.find_grade("rewrite-check", NOTEBOOK, ASSIGNMENT, "honest")
        assert grade.score == 4.0
        grade.manual_score = 2.5
        gb.db.commit()
    nbgrader("autograde", ASSIGNMENT, "--force", "--student=honest", f"--Execute.timeout={TIMEOUT}", cwd=course)
    with Gradebook(db) as gb:
        grade = gb.find_grade("rewrite-check", NOTEBOOK, ASSIGNMENT, "honest")
        assert grade.auto_score == 4.0 and grade.manual_score == 2.5 and grade.score == 2.5
