"""Grade-import files for learning management systems, each following that system's import columns.

nbgrader's student id is taken to be the LMS login (username); each assignment becomes one grade
item named after it. Scores are points after any late penalty; a missing submission scores 0.

- Canvas (Grades > Import): Student, ID, SIS User ID, SIS Login ID, Section, then one column per
  assignment; the second row gives "Points Possible" for each assignment.
- Moodle (Grade administration > Import > CSV file): map "Username" to the user's username,
  and each assignment column to a grade item (or a new one).
- Brightspace (Grades > Import): Username (Brightspace needs Username or OrgDefinedId; we know
  only the login), one "<item> Points Grade" column per assignment, and the "End-of-Line
  Indicator" column holding "#".
"""

from __future__ import annotations

from nbgrader.api import Gradebook

from course.export.csv_export import CourseExport, write_csv
from course.export.rows import grade_rows


def _by_student(gradebook: Gradebook, filters: dict) -> tuple[list[str], dict[str, float], list[dict]]:
    rows = grade_rows(gradebook, **filters)
    names = sorted({r["assignment"] for r in rows})
    possible = {r["assignment"]: r["max_score"] for r in rows}
    people: dict[str, dict] = {}
    for r in rows:
        person = people.setdefault(r["student_id"], {k: r[k] for k in ("student_id", "last_name", "first_name",
                                                                          "email")})
        person[r["assignment"]] = r["score"]
    return names, possible, [people[s] for s in sorted(people)]


def _full_name(person: dict) -> str:
    last, first = person["last_name"], person["first_name"]
    return f"{last}, {first}" if last and first else last or first or person["student_id"]


class CanvasCsv(CourseExport):
    default_name = "canvas-grades.csv"

    def write(self, gradebook: Gradebook, dest: str) -> None:
        names, possible, people = _by_student(gradebook, self.filters())
        head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        rows = [{"Student": _full_name(p), "ID": "", "SIS User ID": "", "SIS Login ID": p["student_id"],
                 "Section": "", **{n: p[n] for n in names}} for p in people]
        points = ["Points Possible", "", "", "", "", *[possible[n] for n in names]]
        write_csv(dest, head + names, rows, extra_rows=[points])


class MoodleCsv(CourseExport):
    default_name = "moodle-grades.csv"

    def write(self, gradebook: Gradebook, dest: str) -> None:
        names, _possible, people = _by_student(gradebook, self.filters())
        head = ["Username", "First name", "Last name", "Email address"]
        rows = [{"Username": p["student_id"], "First name": p["first_name"], "Last name": p["last_name"],
                 "Email address": p["email"], **{n: p[n] for n in names}} for p in people]
        write_csv(dest, head + names, rows)


class BrightspaceCsv(CourseExport):
    default_name = "brightspace-grades.csv"

    def write(self, gradebook: Gradebook, dest: str) -> None:
        names, _possible, people = _by_student(gradebook, self.filters())
        items = [f"{n} Points Grade" for n in names]
        head = ["Username", *items, "End-of-Line Indicator"]
        rows = [{"Username": p["student_id"],
                 **{f"{n} Points Grade": p[n] for n in names}, "End-of-Line Indicator": "#"} for p in people]
        write_csv(dest, head, rows)
