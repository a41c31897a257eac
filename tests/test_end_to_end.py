"""The simulated class through the real nbgrader commands: exact scores, and the batch survives."""

import csv
from pathlib import Path

import nbformat
import pytest

from course import demo
from course.author.cases_check import student_exercise
from course.cases import case_for, with_cases
from course.course_files import assignments, exercises, notebooks
from course.grade.scoring_steps import score_payload
from course.keys import case_numbers
from course.score import second_reading
from course.score.ranking import scored_pairs

ASSIGNMENTS = assignments(demo.find_course(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope="module")
def scores(demo_run):
    instructor, _csv = demo_run
    return {(row["student"].split()[0], row["assignment"]): row for row in demo.score_table(instructor)}


def exercise_list(root, name, student=None):
    """Each kind's exercises (08-difficult has two rankings), as `student` meets them: their own case's key."""
    (nb,) = notebooks(root, name)
    kinds: dict[str, list] = {}
    for ex in exercises(nb):
        ex = student_exercise(ex, demo.COURSE_ID, name, student) if student else ex
        kinds.setdefault(ex.key["kind"], []).append(ex)
    return kinds


def _points(demo_run, name, grade_id):
    from nbgrader.api import Gradebook

    instructor, _ = demo_run
    (nb,) = notebooks(instructor, name)
    with Gradebook(f"sqlite:///{instructor / 'gradebook.db'}") as gb:
        return gb.find_grade_cell(grade_id, nb.stem, name).max_score


def _honest(ex, demo_run, name):
    """What the reflection's first two sentences earn, scored here as autograde scores them (the same rubric and
    the course's second reader)."""
    namespace = {}
    exec(demo._first_sentences(ex), namespace)
    reader = second_reading.load(str(demo_run[0] / second_reading.FILE))
    assert reader, "the demo course grades with the course's second reader"
    result = score_payload(ex.key, [{"answer": namespace[ex.variable]}], [], _reference(demo_run, name), reader,
                           ex.case)
    return result.points(_points(demo_run, name, ex.check_id))


def _reference(demo_run, name):
    instructor, _ = demo_run
    (nb,) = notebooks(instructor, name)
    markdown = "\n".join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "markdown")
    return with_cases(markdown, [ex.key["exercise"] for ex in exercises(nb)])


def test_every_student_has_a_graded_row(scores, root):
    for name in assignments(root):
        for student in demo.CLASS:
            assert scores[(student.first, name)]["total"] is not None


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_solution_scores_full_marks(scores, root, demo_run, name):
    row = scores[("Ada", name)]
    points = sum(_points(demo_run, name, ex.check_id) for exs in exercise_list(root, name).values() for ex in exs)
    assert row["total"] == row["max"] == points >= 7


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_release_scores_zero(scores, name):
    assert scores[("Cy", name)]["total"] == 0


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_partial_scores_what_the_rules_say(scores, root, demo_run, name):
    row = scores[("Ben", name)]
    exs = exercise_list(root, name, "ben")
    (reflection,) = exs["reflection"]
    for ranking in exs["ranking"]:
        pairs = len(scored_pairs(ranking.key["order"], ranking.key.get("ties")))  # pairs inside a tie are not scored
        points = _points(demo_run, name, ranking.check_id)
        assert row[ranking.check_id] == round(points * (1 - 2 / pairs), 2)  # one swap: a pair lost, one wrong
    assert row[reflection.check_id] == _honest(reflection, demo_run, name)
    assert 0 < row["total"] < row["max"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_raising_answers_score_zero(scores, name):
    assert scores[("Dee", name)]["total"] == 0


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_infinite_loop_scores_zero_only_for_what_it_breaks(scores, root, demo_run, name):
    row = scores[("Eli", name)]
    exs = exercise_list(root, name, "eli")
    assert all(row[ranking.check_id] == 0 for ranking in exs["ranking"])
    (reflection,) = exs["reflection"]
    assert row[reflection.check_id] == _points(demo_run, name, reflection.check_id)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_monkeypatching_earns_no_more_than_its_real_answers(scores, root, demo_run, name):
    row = scores[("Fay", name)]
    exs = exercise_list(root, name, "fay")
    # the forged helper recorded nothing; its real ranking is reversed
    assert all(row[ranking.check_id] == 0 for ranking in exs["ranking"])
    honest = _honest(exs["reflection"][0], demo_run, name)
    assert row[exs["reflection"][0].check_id] == honest
    assert row["total"] <= honest


def test_the_demo_class_meets_several_cases_and_each_is_told_its_own(root, demo_run):
    instructor, _ = demo_run
    met = {}
    for name in ASSIGNMENTS:
        (nb,) = notebooks(root, name)
        for ex in exercises(nb):
            count = len(case_numbers(ex.key))
            met[ex.key["exercise"]] = {case_for(demo.COURSE_ID, name, ex.key["exercise"], s.id, count)
                                       for s in demo.CLASS}
            for student in demo.CLASS:
                html = (instructor / "feedback" / student.id / name / f"{nb.stem}.html").read_text()
                number = case_for(demo.COURSE_ID, name, ex.key["exercise"], student.id, count)
                assert f"Your case: case {number} of {count}" in html
    assert sum(len(cases) >= 2 for cases in met.values()) >= 0.8 * len(met)
    assert set().union(*met.values()) == {1, 2, 3}


def test_csv_export_is_quoted_and_complete(demo_run):
    from course.grade.review import flags

    instructor, csv_path = demo_run
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["student_id"] for r in rows} == {s.id for s in demo.CLASS}
    # A cell flagged for review waits for a grader ("needs manual grade"); everything else is graded.
    flagged = {(f.student, name) for name in ASSIGNMENTS for f in flags(instructor, name) if f.score != "-"}
    waiting = {(r["student_id"], r["assignment"]) for r in rows if r["status"] == "needs manual grade"}
    assert flagged and waiting == flagged and ("ada", ASSIGNMENTS[0]) not in waiting
    assert all(r["status"] == "graded" for r in rows if (r["student_id"], r["assignment"]) not in waiting)
    assert csv_path.read_text().splitlines()[0].startswith('"assignment","duedate",')


def test_feedback_is_generated_for_everyone(demo_run):
    instructor, _ = demo_run
    for student in demo.CLASS:
        for name in ASSIGNMENTS:
            (nb,) = notebooks(instructor, name)
            html = (instructor / "feedback" / student.id / name / f"{nb.stem}.html").read_text()
            assert "Score:" in html


def test_review_flags_the_broken_work_and_not_the_perfect_one(demo_run):
    from course.grade.review import flags

    instructor, _csv = demo_run
    for name in assignments(instructor):
        students = {f.student for f in flags(instructor, name)}
        assert "dee" in students and "eli" in students  # raised; timed out
        assert "ada" not in students
