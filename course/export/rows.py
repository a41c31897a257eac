"""Rows read from the gradebook: one per student per assignment, or per student per exercise.

Every enrolled student appears, submitted or not, and rows come in a stable order (assignment,
then student id), so two exports of the same gradebook are byte-for-byte the same on SQLite and
PostgreSQL alike.

The rows are built from a `Book`, a plain copy of what they need, read either through nbgrader's
API (`from_gradebook`: what `nbgrader export` hands a plugin) or with a few plain SQL queries
(`read_book`: no nbgrader import and no query per submission, so the graders' dashboard opens
in a fraction of the time). tests/test_exports.py and tests/test_report.py check the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from course.cases import case_for
from course.grade.batch import course_id

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

# nbgrader's own CSV columns, in its order, then ours.
GRADE_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                 "raw_score", "late_submission_penalty", "score", "max_score", "status"]
# objectives-long.csv: one row per student per exercise.
LONG_COLUMNS = ["student_id", "last_name", "first_name", "assignment", "notebook", "cell", "exercise", "kind",
                "subobjectives", "score", "max_score", "status", "case"]  # case: the student's case, if it has cases
NOT_GRADED = "submitted, not graded"


@dataclass
class Work:
    """One student's submission of one assignment, as nbgrader scores it."""

    timestamp: datetime | None = None
    score: float = 0.0  # the sum of its grades, before the late penalty
    penalty: float = 0.0
    needs_manual_grade: bool = False
    scores: dict[tuple[str, str], float | None] = field(default_factory=dict)  # (notebook, cell) -> score
    unscored: list[bool] = field(default_factory=list)  # per grade: neither autograded nor hand-graded

    def never_scored(self) -> bool:
        """True when no cell has a score: its autograde stopped before writing any (a killed worker
        leaves the rows nbgrader made at the start, all empty)."""
        return bool(self.unscored) and all(self.unscored)


@dataclass
class Task:
    """An assignment: its graded cells (notebook, cell, points) and its points in all."""

    name: str
    duedate: datetime | None
    max_score: float
    cells: list[tuple[str, str, float]]


@dataclass
class Person:
    id: str
    first_name: str | None
    last_name: str | None
    email: str | None


@dataclass
class Book:
    """What the rows need from a gradebook, read once."""

    tasks: list[Task]
    people: list[Person]
    work: dict[tuple[str, str], Work]  # (assignment, student id) -> submission


def grade_score(auto: float | None, manual: float | None, extra: float | None) -> float:
    """nbgrader's Grade.score: the manual score if set, else the automatic one, plus any extra credit."""
    base = manual if manual is not None else auto
    return 0.0 if base is None else base + (extra or 0.0)


def from_gradebook(gb: Gradebook) -> Book:
    """The book through nbgrader's API (what an nbgrader export plugin is given)."""
    from nbgrader.api import MissingEntry

    tasks = [Task(a.name, a.duedate, a.max_score,
                  [(nb.name, cell.name, cell.max_score) for nb in a.notebooks for cell in nb.grade_cells])
             for a in gb.assignments]
    people = [Person(s.id, s.first_name, s.last_name, s.email) for s in gb.students]
    work = {}
    for task in tasks:
        for person in people:
            try:
                sub = gb.find_submission(task.name, person.id)
            except MissingEntry:
                continue
            grades = [(nb.name, g) for nb in sub.notebooks for g in nb.grades]
            work[(task.name, person.id)] = Work(
                sub.timestamp, sub.score, sub.late_submission_penalty, sub.needs_manual_grade,
                {(nb, g.name): g.score for nb, g in grades},
                [g.auto_score is None and g.manual_score is None for _nb, g in grades])
    return Book(tasks, people, work)


# The columns the rows need, in nbgrader's schema (nbgrader.api; unchanged since its 0.6 migrations).
_QUERIES = {
    "tasks": "SELECT id, name, duedate FROM assignment",
    "cells": "SELECT n.assignment_id, n.name AS notebook, b.name AS cell, g.max_score FROM grade_cells g "
             "JOIN base_cell b ON b.id = g.id JOIN notebook n ON n.id = b.notebook_id",
    "task_cells": "SELECT n.assignment_id, t.max_score FROM task_cells t JOIN base_cell b ON b.id = t.id "
                  "JOIN notebook n ON n.id = b.notebook_id",
    "people": "SELECT id, first_name, last_name, email FROM student",
    "subs": "SELECT s.id, a.name AS assignment, s.student_id, s.timestamp FROM submitted_assignment s "
            "JOIN assignment a ON a.id = s.assignment_id",
    "notebooks": "SELECT sn.id, sn.assignment_id, sn.late_submission_penalty, n.name FROM submitted_notebook sn "
                 "JOIN notebook n ON n.id = sn.notebook_id",
    "grades": "SELECT gr.notebook_id, b.name AS cell, gr.auto_score, gr.manual_score, gr.extra_credit, "
              "gr.needs_manual_grade FROM grade gr JOIN base_cell b ON b.id = gr.cell_id",
}


def _fetch(db_url: str) -> dict[str, list]:
    """Each query's rows, dates as datetimes and flags as booleans on SQLite and PostgreSQL alike."""
    from sqlalchemy import Boolean, DateTime, create_engine, text

    typed = {"tasks": {"duedate": DateTime()}, "subs": {"timestamp": DateTime()},
             "grades": {"needs_manual_grade": Boolean()}}
    engine = create_engine(db_url)
    try:
        with engine.connect() as db:
            return {name: db.execute(text(sql).columns(**typed.get(name, {}))).all() for name, sql in _QUERIES.items()}
    finally:
        engine.dispose()


def _tasks(found: dict[str, list]) -> list[Task]:
    """Assignments with their grade cells; their points count task cells too, as nbgrader's do."""
    points: dict[str, float] = {}
    cells: dict[str, list[tuple[str, str, float]]] = {}
    for assignment_id, notebook, cell, max_score in found["cells"]:
        cells.setdefault(assignment_id, []).append((notebook, cell, max_score))
        points[assignment_id] = points.get(assignment_id, 0.0) + max_score
    for assignment_id, max_score in found["task_cells"]:
        points[assignment_id] = points.get(assignment_id, 0.0) + max_score
    return [Task(name, due, points.get(aid, 0.0), cells.get(aid, [])) for aid, name, due in found["tasks"]]


def _work(found: dict[str, list]) -> dict[tuple[str, str], Work]:
    """Each submission with its grades summed as nbgrader's SubmittedAssignment sums them."""
    work, by_sub, notebook_of = {}, {}, {}
    for sub_id, assignment, student, stamp in found["subs"]:
        work[(assignment, student)] = by_sub[sub_id] = Work(stamp)
    for nb_id, sub_id, penalty, name in found["notebooks"]:
        notebook_of[nb_id] = (by_sub[sub_id], name)
        by_sub[sub_id].penalty += penalty or 0.0
    for nb_id, cell, auto, manual, extra, waiting in found["grades"]:
        sub, name = notebook_of[nb_id]
        score = grade_score(auto, manual, extra)
        sub.score += score
        sub.scores[(name, cell)] = score
        sub.unscored.append(auto is None and manual is None)
        sub.needs_manual_grade = sub.needs_manual_grade or bool(waiting)
    return work


def read_book(db_url: str) -> Book:
    """The book with plain SQL: the same values nbgrader's API gives, in seven queries."""
    from course.errors import GradebookError
    from course.grade import gradebook

    if not gradebook.exists(db_url):  # connecting would leave an empty SQLite file behind
        raise GradebookError(f"no gradebook at {gradebook.shown(db_url)}; grade first (`course grade ASSIGNMENT`)")
    found = _fetch(db_url)
    return Book(_tasks(found), [Person(*row) for row in found["people"]], _work(found))


def _book(source: Gradebook | Book) -> Book:
    return source if isinstance(source, Book) else from_gradebook(source)


def _num(value: float | None) -> float:
    return round(float(value or 0.0), 2)


def _chosen(items, names: list[str] | None, attr: str):
    return sorted((i for i in items if not names or getattr(i, attr) in names), key=lambda i: getattr(i, attr))


def ungraded_status(root: Path | None, assignment: str, student: str) -> str:
    """For a student with no grade: 'missing', or NOT_GRADED when work sits in submitted/ (grading
    failed, or has not run yet), so a grader does not read a failed grade as work never handed in."""
    if root is not None and (Path(root) / "submitted" / student / assignment).is_dir():
        return NOT_GRADED
    return "missing"


def grade_rows(source: Gradebook | Book, students: list[str] | None = None, assignments: list[str] | None = None,
               root: Path | None = None) -> list[dict]:
    """nbgrader's export columns; a student with no grade scores 0 with status 'missing' (or
    'submitted, not graded' when `root` is given and their work is in its submitted/ folder)."""
    book = _book(source)
    rows = []
    for task in _chosen(book.tasks, assignments, "name"):
        for person in _chosen(book.people, students, "id"):
            row = {"assignment": task.name, "duedate": task.duedate or "", "student_id": person.id,
                   "last_name": person.last_name or "", "first_name": person.first_name or "",
                   "email": person.email or "", "max_score": _num(task.max_score)}
            sub = book.work.get((task.name, person.id))
            if sub is None:
                row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0,
                           status=ungraded_status(root, task.name, person.id))
            else:
                penalty = _num(sub.penalty)
                row.update(timestamp=sub.timestamp or "", raw_score=_num(sub.score),
                           late_submission_penalty=penalty, score=_num(max(0.0, (sub.score or 0.0) - penalty)),
                           status=NOT_GRADED if sub.never_scored() else
                           "needs manual grade" if sub.needs_manual_grade else "graded")
            rows.append(row)
    return rows


def exercise_objectives(root: Path) -> dict[tuple[str, str], dict]:
    """(assignment, check cell id) -> {"exercise", "kind", "subobjectives"}, from the instructor's keys."""
    from course.course_files import assignments, exercises, notebooks
    from course.keys import case_numbers
    from course.outline import load_outline

    outline = load_outline()
    found = {}
    for name in assignments(root):
        for nb in notebooks(root, name):
            for ex in exercises(nb):
                subs = []
                for obj in ex.key.get("objectives") or []:
                    sub = obj.split(".")[0]
                    if sub in outline and sub not in subs:
                        subs.append(sub)
                found[(name, ex.check_id)] = {"exercise": ex.key["exercise"], "kind": ex.key["kind"],
                                              "subobjectives": subs, "cases": len(case_numbers(ex.key))}
    return found


def exercise_rows(source: Gradebook | Book, root: Path, students: list[str] | None = None,
                  assignments: list[str] | None = None) -> list[dict]:
    """One row per student per graded cell, with the sub-objectives that cell assesses."""
    book = _book(source)
    meta = exercise_objectives(root)
    course = course_id(root)
    rows = []
    for task in _chosen(book.tasks, assignments, "name"):
        cells = sorted(task.cells, key=lambda cell: (cell[0], cell[1]))
        for person in _chosen(book.people, students, "id"):
            sub = book.work.get((task.name, person.id))
            if sub is None:
                scores, status = {}, ungraded_status(root, task.name, person.id)
            else:
                scores, status = sub.scores, NOT_GRADED if sub.never_scored() else "graded"
            for nb_name, cell, max_score in cells:
                info = meta.get((task.name, cell), {})
                rows.append({
                    "student_id": person.id, "last_name": person.last_name or "",
                    "first_name": person.first_name or "", "assignment": task.name,
                    "notebook": nb_name, "cell": cell, "exercise": info.get("exercise", cell),
                    "kind": info.get("kind", ""), "subobjectives": ";".join(info.get("subobjectives", [])),
                    "score": _num(scores.get((nb_name, cell))), "max_score": _num(max_score),
                    "status": status,
                    "case": case_for(course, task.name, info["exercise"], person.id, info["cases"]) if info.get("cases")
                    else "",
                })
    return rows


def subobjective_table(rows: list[dict]) -> tuple[list[str], list[dict]]:
    """Per student: the share of points earned on each sub-objective (0-100), from exercise rows.

    An exercise that assesses two sub-objectives counts fully towards each.
    """
    from course.outline import load_outline

    order = [e.id for e in load_outline().subobjectives]
    totals: dict[str, dict[str, list[float]]] = {}
    people: dict[str, dict] = {}
    for row in rows:
        people.setdefault(row["student_id"], {k: row[k] for k in ("student_id", "last_name", "first_name")})
        for sub in filter(None, row["subobjectives"].split(";")):
            earned = totals.setdefault(row["student_id"], {}).setdefault(sub, [0.0, 0.0])
            earned[0] += row["score"]
            earned[1] += row["max_score"]
    assessed = [s for s in order if any(s in t for t in totals.values())]
    table = []
    for sid in sorted(people):
        out = dict(people[sid])
        for sub in assessed:
            got, possible = totals.get(sid, {}).get(sub, [0.0, 0.0])
            out[sub] = round(100 * got / possible, 1) if possible else ""
        table.append(out)
    return assessed, table
