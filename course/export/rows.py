"""Rows read from the gradebook: one per student per assignment, or per student per exercise.

Every enrolled student appears, submitted or not, and rows come in a stable order (assignment,
then student id), so two exports of the same gradebook are byte-for-byte the same on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

# nbgrader's own CSV columns, in its order, then ours.
GRADE_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                 "raw_score", "late_submission_penalty", "score", "max_score", "status"]


def _num(value: float | None) -> float:
    return round(float(value or 0.0), 2)


def _chosen(items, names: list[str] | None, attr: str):
    return sorted((i for i in items if not names or getattr(i, attr) in names), key=lambda i: getattr(i, attr))


NOT_GRADED = "submitted, not graded"


def never_scored(sub) -> bool:
    """True when no cell of a submission has a score: its autograde stopped before writing any
    (a killed worker leaves the rows nbgrader made at the start, all empty)."""
    grades = [g for nb in sub.notebooks for g in nb.grades]
    return bool(grades) and all(g.auto_score is None and g.manual_score is None for g in grades)


def ungraded_status(root: Path | None, assignment: str, student: str) -> str:
    """For a student with no grade: 'missing', or NOT_GRADED when work sits in submitted/ (grading
    failed, or has not run yet), so a grader does not read a failed grade as work never handed in."""
    if root is not None and (Path(root) / "submitted" / student / assignment).is_dir():
        return NOT_GRADED
    return "missing"


def grade_rows(gb: Gradebook, students: list[str] | None = None, assignments: list[str] | None = None,
               root: Path | None = None) -> list[dict]:
    """nbgrader's export columns; a student with no grade scores 0 with status 'missing' (or
    'submitted, not graded' when `root` is given and their work is in its submitted/ folder)."""
    rows = []
    for assignment in _chosen(gb.assignments, assignments, "name"):
        for student in _chosen(gb.students, students, "id"):
            row = {"assignment": assignment.name, "duedate": assignment.duedate or "", "student_id": student.id,
                   "last_name": student.last_name or "", "first_name": student.first_name or "",
                   "email": student.email or "", "max_score": _num(assignment.max_score)}
            try:
                sub = gb.find_submission(assignment.name, student.id)
            except MissingEntry:
                row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0,
                           status=ungraded_status(root, assignment.name, student.id))
            else:
                penalty = _num(sub.late_submission_penalty)
                row.update(timestamp=sub.timestamp or "", raw_score=_num(sub.score),
                           late_submission_penalty=penalty, score=_num(max(0.0, (sub.score or 0.0) - penalty)),
                           status=NOT_GRADED if never_scored(sub) else
                           "needs manual grade" if sub.needs_manual_grade else "graded")
            rows.append(row)
    return rows


def exercise_objectives(root: Path) -> dict[tuple[str, str], dict]:
    """(assignment, check cell id) -> {"exercise", "kind", "subobjectives"}, from the instructor's keys."""
    from course.course_files import assignments, exercises, notebooks
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
                                              "subobjectives": subs}
    return found


def exercise_rows(gb: Gradebook, root: Path, students: list[str] | None = None,
                  assignments: list[str] | None = None) -> list[dict]:
    """One row per student per graded cell, with the sub-objectives that cell assesses."""
    meta = exercise_objectives(root)
    rows = []
    for assignment in _chosen(gb.assignments, assignments, "name"):
        cells = sorted(((nb.name, cell) for nb in assignment.notebooks for cell in nb.grade_cells),
                       key=lambda pair: (pair[0], pair[1].name))
        for student in _chosen(gb.students, students, "id"):
            try:
                sub = gb.find_submission(assignment.name, student.id)
                scores = {(nb.name, g.name): g.score for nb in sub.notebooks for g in nb.grades}
                status = NOT_GRADED if never_scored(sub) else "graded"
            except MissingEntry:
                scores, status = {}, ungraded_status(root, assignment.name, student.id)
            for nb_name, cell in cells:
                info = meta.get((assignment.name, cell.name), {})
                rows.append({
                    "student_id": student.id, "last_name": student.last_name or "",
                    "first_name": student.first_name or "", "assignment": assignment.name,
                    "notebook": nb_name, "cell": cell.name, "exercise": info.get("exercise", cell.name),
                    "kind": info.get("kind", ""), "subobjectives": ";".join(info.get("subobjectives", [])),
                    "score": _num(scores.get((nb_name, cell.name))), "max_score": _num(cell.max_score),
                    "status": status,
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
