"""Model answers reach students through nbgrader's feedback, and never before the due date.

One real course: a blank submission is autograded by nbgrader; `course answers` is refused with no
due date and before it, and after it puts a model answer under each exercise and releases the
feedback through a real exchange folder.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from datetime import datetime

import pytest

from course.author.cases_check import student_exercise
from course.author.nbgrader_run import nbgrader
from course.cases import case_for
from course.course_files import exercises
from course.grade.model_answers import model_answer, not_yet

ASSIGNMENT = "08-difficult"
NOTEBOOK = "difficult"


def course_cli(course, *args):
    return subprocess.run([sys.executable, "-m", "course.cli", *args], cwd=course, capture_output=True, text=True)


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    base = tmp_path_factory.mktemp("answers")
    course = base / "course"
    course.mkdir()
    config = (root / "nbgrader_config.py").read_text()
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    (course / "nbgrader_config.py").write_text(
        f"{config}\nc.CourseDirectory.course_id = 'aplus'\nc.Exchange.root = {str(exchange)!r}\n")
    shutil.copytree(root / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
    folder = course / "submitted" / "ana" / ASSIGNMENT
    folder.mkdir(parents=True)
    shutil.copy(course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", folder)
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    (folder / "submission_secret.txt").write_text("a-secret")  # as `nbgrader submit` leaves it
    nbgrader("autograde", ASSIGNMENT, "--force", cwd=course)
    return course


def feedback_html(course) -> str:
    return (course / "feedback" / "ana" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()


def test_plain_feedback_has_no_model_answer(graded):
    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=graded)
    assert "Model answer" not in feedback_html(graded)


def test_no_due_date_and_before_the_due_date_are_refused_and_nothing_is_written(graded):
    refused = course_cli(graded, "answers", ASSIGNMENT)
    assert refused.returncode == 1 and "has no due date" in refused.stderr and "--duedate" in refused.stderr
    nbgrader("db", "assignment", "add", ASSIGNMENT, "--duedate=2999-01-01 09:00:00 UTC", cwd=graded)
    early = course_cli(graded, "answers", ASSIGNMENT)
    assert early.returncode == 1 and "due 2999-01-01 09:00 UTC" in early.stderr
    # Even asked directly, nbgrader's feedback step adds nothing before the deadline.
    nbgrader("generate_feedback", ASSIGNMENT, "--force", "--ModelAnswers.enabled=True", cwd=graded)
    assert "Model answer" not in feedback_html(graded)


def model_answer_text(ex) -> str:
    scope: dict = {}
    exec(ex.solution, scope)
    return scope[ex.variable]


def test_after_the_due_date_every_exercise_gets_its_model_answer_and_it_is_released(graded, root):
    nbgrader("db", "assignment", "add", ASSIGNMENT, "--duedate=2026-11-21 09:00:00 UTC", cwd=graded)
    done = course_cli(graded, "answers", ASSIGNMENT)
    assert done.returncode == 0, done.stderr
    assert "released" in done.stdout
    page = feedback_html(graded)
    found = exercises(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    assert page.count("Model answer") == len(found) >= 3  # two rankings and a written answer
    # each exercise's model answer is for ana's own case (course id "aplus", as the course's settings say)
    ranking = student_exercise(next(ex for ex in found if ex.key["kind"] == "ranking"), "aplus", ASSIGNMENT, "ana")
    written = student_exercise(next(ex for ex in found if ex.key["kind"] == "reflection"), "aplus", ASSIGNMENT, "ana")
    assert ", ".join(ranking.key["order"]) in page
    assert "A full answer covers: restates what the customer said" in page
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert " ".join(model_answer_text(written).split())[:60] in text
    number = case_for("aplus", ASSIGNMENT, ranking.key["exercise"], "ana", 3)
    assert f"for your case, case {number} of 3" in page
    released = list((graded.parent / "exchange" / "aplus" / "feedback").glob("*.html"))
    assert len(released) == 1 and "Model answer" in released[0].read_text()


def test_due_date_rule_and_wording():
    due = datetime(2026, 12, 1, 17, 0)
    assert not_yet(due, datetime(2026, 12, 1, 16, 59)) == (
        "it is due 2026-12-01 17:00 UTC, and model answers go out only after that")
    assert not_yet(due, datetime(2026, 12, 1, 17, 0)) is None
    text = model_answer({"kind": "ranking", "order": ["B", "A", "C"], "why": {"B": "kind"},
                         "ties": [["A", "C"]]}, None)
    assert text.splitlines()[0].startswith("**Model answer** (released after the due date): B, A, C")
    assert "A and C are equally weak" in text
