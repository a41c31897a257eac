"""Grade-import files for learning management systems, each written to that importer's own rules.

The rules (tests/lms_rules.py checks each file against them) come from each importer's code and
help pages, summed up in docs/graders.md, "Grades into an LMS":

- Canvas (Grades > Import) matches a student by ID, then SIS User ID, then SIS Login ID, then by
  name; an assignment by "Title (id)", then by title. Blank is no grade, "EX" is excused. A
  "Points Possible" row sets the points of new assignments only.
- Moodle (Grade administration > Import > CSV file) maps one column to username, idnumber or
  email; one unknown or blank identifier aborts the whole import. "-" is no grade. A new grade
  item is out of 100, so scores go as percentages unless `moodle_scale` is "points".
- Brightspace (Grades > Import) matches on OrgDefinedId and/or Username, `#`-prefixed so that
  leading zeros survive a spreadsheet; `<item> Points Grade` columns, an "End-of-Line Indicator"
  of `#`. Blank is no grade. Names and emails must not be imported.

Every student is accounted for: a grade the LMS should not get (missing, failed to grade, waiting
for a person) goes as that LMS's no-grade value, never as 0, and is listed as held back; a student
the file cannot identify (not in the roster, no identifier for this LMS, an identifier a
spreadsheet would run as a formula) is left out of the file and listed, and identifiers are never
rewritten, because a changed identifier matches nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from traitlets import Bool, Dict, Enum, Unicode

from course.export.base import CourseExport, write_csv
from course.export.roster import Roster, excused, find_roster
from course.export.rows import NOT_GRADED, exercise_rows, grade_rows
from course.safe_text import for_terminal, formula_like

NO_GRADE = {"canvas": "", "moodle": "-", "brightspace": ""}
EXCUSED = {"canvas": "EX", "moodle": "-", "brightspace": ""}
NAMES = {"canvas": "Canvas", "moodle": "Moodle", "brightspace": "Brightspace"}


@dataclass
class Held:
    """A grade (or, with assignment "", a whole student) that did not go into the file as a score."""

    student: str
    assignment: str
    why: str


@dataclass
class Outcome:
    """What an export did not send, and what the instructor should know before importing."""

    held: list[Held] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A summary: the notes, the grades not sent as they stand (counted by reason), each student left out."""
        counts: dict[str, int] = {}
        for h in self.held:
            if h.assignment:
                counts[h.why] = counts.get(h.why, 0) + 1
        out = list(self.notes)
        out += [f"{n} grade(s): {why}" for why, n in sorted(counts.items())]
        out += [f"left out {h.student}: {h.why}" for h in self.held if not h.assignment]
        return out


@dataclass
class Student:
    sid: str
    first: str
    last: str
    entry: dict[str, str]  # the roster row ({} without a roster)
    grades: dict[str, dict]  # assignment -> grade row

    def late(self, assignment: str) -> float | str:
        """The late penalty taken off this assignment's score (blank without a submission)."""
        row = self.grades.get(assignment)
        return row["late_submission_penalty"] if row else ""


class LmsExport(CourseExport):
    """Shared rules of the LMS files: the roster, what counts as a grade, and the held-back summary.

    Every option is also an nbgrader setting (`c.LmsExport.zero_missing = True`).
    """

    lms = ""
    roster = Unicode("", help="roster CSV mapping nbgrader ids to LMS identifiers (default: roster.csv in the "
                              "course folder, if there is one)").tag(config=True)
    zero_missing = Bool(False, help="score missing work 0 instead of leaving it ungraded").tag(config=True)
    include_provisional = Bool(False, help="send autograder scores still waiting for a manual grade").tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        outcome = self.write(gradebook, self.to or self.default_name)
        for line in outcome.lines():  # student ids and identifiers in these lines: shown as text, never run
            self.log.warning("%s", for_terminal(line))

    def people(self, gradebook: Gradebook, outcome: Outcome) -> tuple[list[str], dict[str, float], list[Student]]:
        """The assignments, their maxima, and every student to write (with the roster's identifiers)."""
        rows = grade_rows(gradebook, **self.filters(), root=self.course_root())
        names = sorted({r["assignment"] for r in rows})
        possible = {r["assignment"]: r["max_score"] for r in rows}
        found: dict[str, Student] = {}
        for r in rows:
            student = found.setdefault(r["student_id"], Student(r["student_id"], r["first_name"], r["last_name"], {},
                                                                {}))
            student.grades[r["assignment"]] = r
        roster: Roster | None = find_roster(self.course_root(), self.roster)
        if roster is None:
            outcome.notes.append(f"no roster: each nbgrader id is taken to be the student's {NAMES[self.lms]} "
                                 "login (put roster.csv in the course folder, or give --roster)")
            return names, possible, [found[s] for s in sorted(found)]
        chosen = set(self.filters()["students"] or roster)
        for sid in sorted(set(found) - set(roster)):
            outcome.held.append(Held(sid, "", "in the gradebook but not in the roster; add a row for them"))
        people = []
        for sid in sorted(chosen & set(roster)):
            student = found.get(sid) or Student(sid, "", "", {}, {})
            if sid not in found:
                outcome.notes.append(f"{sid} is in the roster but not in the gradebook: no grades to send")
            student.entry = roster[sid]
            people.append(student)
        return names, possible, people

    def grade(self, student: Student, name: str, outcome: Outcome) -> float | str:
        """The cell for one grade: a score, or this LMS's no-grade (or excused) value, with the reason held."""
        row = student.grades.get(name)
        status = row["status"] if row else "missing"
        if name in excused(student.entry):
            outcome.held.append(Held(student.sid, name, f"excused in the roster: sent as {_shown(EXCUSED[self.lms])}"))
            return EXCUSED[self.lms]
        if status == "graded":
            return row["score"]
        if status == "needs manual grade" and self.include_provisional:
            outcome.held.append(Held(student.sid, name, "waiting for a manual grade: sent the autograder's "
                                                        "provisional score (--include-provisional)"))
            return row["score"]
        if status == "missing" and self.zero_missing:
            outcome.held.append(Held(student.sid, name, "missing: sent as 0 (--zero-missing)"))
            return 0.0
        why = {"missing": "no submission (--zero-missing sends 0)",
               "needs manual grade": "waiting for a manual grade (--include-provisional sends the autograder's score)",
               NOT_GRADED: "handed in but not graded (grading failed or has not run): grade it, then export again",
               }[status]
        outcome.held.append(Held(student.sid, name, f"{why}: sent as no grade ({_shown(NO_GRADE[self.lms])})"))
        return NO_GRADE[self.lms]

    def identifiers(self, student: Student, columns: dict[str, str], outcome: Outcome,
                    prefix: str = "") -> dict[str, str] | None:
        """The student's identifiers for this LMS (header -> value), checked, never changed; None when the
        student cannot be written (no identifier, or one a spreadsheet would read as a formula)."""
        if not student.entry:  # no roster: the nbgrader id is the login
            found = {header: student.sid for header, col in columns.items() if col == "login"}
        else:
            found = {header: student.entry.get(col, "") for header, col in columns.items() if col != "login"}
        found = {header: value for header, value in found.items() if value}
        if not found:
            wanted = " or ".join(col for col in columns.values() if col != "login")
            outcome.held.append(Held(student.sid, "", f"no {wanted} in the roster, so {NAMES[self.lms]} could not "
                                                      "match the row; add one"))
            return None
        for header, value in found.items():
            if formula_like(value):
                outcome.held.append(Held(student.sid, "", f"{header} {value!r} would be read as a formula by a "
                                                          "spreadsheet, and changing it would match nobody: fix it "
                                                          "in the roster (or the LMS)"))
                return None
        return {header: prefix + value for header, value in found.items()}

    def comment(self, student: Student, name: str, cells: dict[tuple[str, str], list[dict]]) -> str:
        """A short, key-free summary of one assignment: each exercise's points, and where to read more."""
        parts = [f"{c['exercise']} {c['score']:g}/{c['max_score']:g}" for c in cells.get((student.sid, name), [])]
        row = student.grades.get(name)
        if not parts or not row or row["status"] not in ("graded", "needs manual grade"):
            return ""
        if row["status"] == "needs manual grade" and not self.include_provisional:
            return "A grader is still marking this assignment; the score will follow."
        late = f"; late penalty {row['late_submission_penalty']:g}" if row["late_submission_penalty"] else ""
        return "; ".join(parts) + late + ". Your feedback file explains each score."

    def write(self, gradebook: Gradebook, dest: str) -> Outcome:
        raise NotImplementedError


class CanvasCsv(LmsExport):
    """Canvas's gradebook import: ID, SIS User ID and SIS Login ID from the roster, and "Title (id)" headers
    when the instructor gives assignment ids."""

    default_name = "canvas-grades.csv"
    lms = "canvas"
    canvas_ids = Dict(help="assignment name -> Canvas assignment id, for 'Title (id)' matching").tag(config=True)
    IDS = {"ID": "canvas_user_id", "SIS User ID": "sis_user_id", "SIS Login ID": "sis_login_id"}

    def write(self, gradebook: Gradebook, dest: str) -> Outcome:
        outcome = Outcome()
        names, possible, people = self.people(gradebook, outcome)
        titles = {n: f"{n} ({self.canvas_ids[n]})" if self.canvas_ids.get(n) else n for n in names}
        outcome.notes += [f"--canvas-id {name}: no assignment of that name here, so not used"
                          for name in sorted(set(self.canvas_ids) - set(names))]
        head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        rows = []
        for p in people:
            ids = self.identifiers(p, self.IDS if p.entry else {"SIS Login ID": "login"}, outcome)
            if ids is not None:
                rows.append({"Student": _full_name(p), "Section": p.entry.get("section", ""), **ids,
                             **{titles[n]: self.grade(p, n, outcome) for n in names}})
        points = ["Points Possible", "", "", "", "", *[possible[n] for n in names]]
        write_csv(dest, head + [titles[n] for n in names], rows, extra_rows=[points], keep=set(self.IDS))
        return outcome


class MoodleCsv(LmsExport):
    """Moodle's CSV grade import: one identifier column for every row, scores as percentages (a new
    grade item is out of 100) or points, and a feedback column per assignment to map to its feedback."""

    default_name = "moodle-grades.csv"
    lms = "moodle"
    moodle_scale = Enum(["percent", "points"], "percent", help="percent: right for a new grade item (out of 100); "
                        "points: for existing items with the assignment's maximum").tag(config=True)
    comments = Bool(True, help="a '<assignment> feedback' column for each assignment").tag(config=True)
    late_column = Bool(False, help="a '<assignment> late penalty' column for each assignment").tag(config=True)
    IDS = {"Username": "moodle_username", "ID number": "moodle_idnumber", "Email address": "moodle_email"}
    MAP_TO = {"Username": "username", "ID number": "useridnumber", "Email address": "useremail"}

    def write(self, gradebook: Gradebook, dest: str) -> Outcome:
        outcome = Outcome()
        names, possible, people = self.people(gradebook, outcome)
        header = self._identifier(people)
        cells = _cells(gradebook, self.course_root(), names) if self.comments else {}
        titles = {n: f"{n} (%)" if self.moodle_scale == "percent" else f"{n} (out of {possible[n]:g})" for n in names}
        extra = [f"{n} feedback" for n in names if self.comments] + [f"{n} late penalty" for n in names
                                                                     if self.late_column]
        rows = []
        for p in people:
            ids = self.identifiers(p, {header: self.IDS[header]} if p.entry else {header: "login"}, outcome)
            if ids is None:
                continue
            row = {**ids, "First name": p.first, "Last name": p.last}
            for n in names:
                value = self.grade(p, n, outcome)
                if isinstance(value, float) and self.moodle_scale == "percent":
                    value = round(100 * value / possible[n], 2) if possible[n] else 0.0
                row[titles[n]] = value
                if self.comments:
                    row[f"{n} feedback"] = self.comment(p, n, cells)
                if self.late_column:
                    row[f"{n} late penalty"] = p.late(n)
            rows.append(row)
        outcome.notes.insert(0, f"in Moodle, map {header!r} to {self.MAP_TO[header]} and each score column to its "
                                "grade item" + (" (a new item is out of 100, as these scores are)"
                                                if self.moodle_scale == "percent" else
                                                " (items must already exist with these maxima: a new one is out of "
                                                "100)"))
        write_csv(dest, [header, "First name", "Last name", *titles.values(), *extra], rows, keep={header})
        return outcome

    def _identifier(self, people: list[Student]) -> str:
        """The one column Moodle maps every row by: the roster identifier most students have (a blank one
        would abort the whole import), username first on a tie; without a roster, Username."""
        if not any(p.entry for p in people):
            return "Username"
        return max(self.IDS, key=lambda h: sum(bool(p.entry.get(self.IDS[h])) for p in people))


class BrightspaceCsv(LmsExport):
    """Brightspace's grades import: OrgDefinedId and Username `#`-prefixed, `<item> Points Grade` columns
    and the End-of-Line Indicator; no names or emails."""

    default_name = "brightspace-grades.csv"
    lms = "brightspace"
    late_column = Bool(False, help="a '<assignment> late penalty Text Grade' column per assignment").tag(config=True)
    IDS = {"OrgDefinedId": "org_defined_id", "Username": "d2l_username"}

    def write(self, gradebook: Gradebook, dest: str) -> Outcome:
        outcome = Outcome()
        names, _possible, people = self.people(gradebook, outcome)
        items = [f"{n} Points Grade" for n in names]
        late = [f"{n} late penalty Text Grade" for n in names if self.late_column]
        rows = []
        for p in people:
            ids = self.identifiers(p, self.IDS if p.entry else {"Username": "login"}, outcome, prefix="#")
            if ids is None:
                continue
            row = {**ids, "End-of-Line Indicator": "#"}
            for n in names:
                row[f"{n} Points Grade"] = self.grade(p, n, outcome)
                if self.late_column:
                    row[f"{n} late penalty Text Grade"] = p.late(n)
            rows.append(row)
        write_csv(dest, ["OrgDefinedId", "Username", *items, *late, "End-of-Line Indicator"], rows,
                  keep={"OrgDefinedId", "Username"})
        return outcome


def _shown(value: str) -> str:
    return repr(value) if value else "blank"


def _full_name(person: Student) -> str:
    last, first = person.last, person.first
    return f"{last}, {first}" if last and first else last or first or person.sid


def _cells(gradebook: Gradebook, root: Path, names: list[str]) -> dict[tuple[str, str], list[dict]]:
    """(student, assignment) -> its exercise rows, for the feedback summaries."""
    found: dict[tuple[str, str], list[dict]] = {}
    for row in exercise_rows(gradebook, root, assignments=names):
        found.setdefault((row["student_id"], row["assignment"]), []).append(row)
    return found
