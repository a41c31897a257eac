"""The simulated class through the real nbgrader commands: exact scores, and the batch survives."""

import csv
from math import comb

import pytest

from course import demo
from course.author.source import assignments, exercises, notebooks
from course.grade.reflection import score_reflection

ASSIGNMENT = "02-proper-language"


@pytest.fixture(scope="module")
def scores(demo_run):
    instructor, _csv = demo_run
    return {(row["student"].split()[0], row["assignment"]): row for row in demo.score_table(instructor)}


@pytest.fixture(scope="module")
def exercise_list(root):
    (nb,) = notebooks(root, ASSIGNMENT)
    return {ex.key["kind"]: ex for ex in exercises(nb)}


def _points(demo_run, grade_id):
    from nbgrader.api import Gradebook

    instructor, _ = demo_run
    with Gradebook(f"sqlite:///{instructor / 'gradebook.db'}") as gb:
        return gb.find_grade_cell(grade_id, "proper-language", ASSIGNMENT).max_score


def test_every_student_has_a_graded_row(scores, root):
    for name in assignments(root):
        for student in demo.CLASS:
            assert scores[(student.first, name)]["total"] is not None


def test_perfect_scores_full_marks(scores):
    row = scores[("Ada", ASSIGNMENT)]
    assert row["total"] == row["max"] > 0


def test_blank_release_scores_zero(scores):
    assert scores[("Cy", ASSIGNMENT)]["total"] == 0


def test_partial_scores_what_the_rules_say(scores, exercise_list, demo_run):
    row = scores[("Ben", ASSIGNMENT)]
    ranking = exercise_list["ranking"]
    n = len(ranking.key["order"])
    points = _points(demo_run, "ranking-check")
    assert row["ranking-check"] == round(points * (1 - 1 / comb(n, 2)), 2)
    reflection = exercise_list["reflection"]
    expected = score_reflection(_partial_text(reflection), reflection.key["ideas"])
    expected = expected.points(_points(demo_run, "rewrite-check"))
    assert row["rewrite-check"] == expected
    assert 0 < row["total"] < row["max"]


def _partial_text(ex):
    namespace = {}
    exec(demo._first_sentences(ex), namespace)
    return namespace[ex.variable]


def test_raising_answers_score_zero(scores):
    assert scores[("Dee", ASSIGNMENT)]["total"] == 0


def test_infinite_loop_scores_zero_only_for_what_it_breaks(scores, demo_run):
    row = scores[("Eli", ASSIGNMENT)]
    assert row["ranking-check"] == 0
    assert row["rewrite-check"] == _points(demo_run, "rewrite-check")


def test_monkeypatching_earns_no_more_than_its_real_answers(scores, exercise_list, demo_run):
    row = scores[("Fay", ASSIGNMENT)]
    assert row["ranking-check"] == 0  # the forged helper recorded nothing; its real ranking is reversed
    reflection = exercise_list["reflection"]
    honest = score_reflection(_partial_text(reflection), reflection.key["ideas"])
    honest = honest.points(_points(demo_run, "rewrite-check"))
    assert row["rewrite-check"] == honest
    assert row["total"] <= honest


def test_csv_export_is_quoted_and_complete(demo_run):
    _instructor, csv_path = demo_run
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["student_id"] for r in rows} == {s.id for s in demo.CLASS}
    assert all(r["status"] == "graded" for r in rows)
    assert csv_path.read_text().splitlines()[0].startswith('"student_id",')


def test_feedback_is_generated_for_everyone(demo_run):
    instructor, _ = demo_run
    for student in demo.CLASS:
        html = (instructor / "feedback" / student.id / ASSIGNMENT / "proper-language.html").read_text()
        assert "Score:" in html


def test_review_flags_the_broken_work_and_not_the_perfect_one(demo_run):
    from course.grade.review import flags

    instructor, _csv = demo_run
    for name in assignments(instructor):
        students = {f.student for f in flags(instructor, name)}
        assert "dee" in students and "eli" in students  # raised; timed out
        assert "ada" not in students
