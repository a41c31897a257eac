"""Cases: each student ranks and writes about their own case of an exercise (a variant).

A case is a different customer, setting and details for the same skill, marked the same way. Its
text is public, in course/cases/<exercise>.yaml; its key is in the source notebook's hidden tests
(course.keys, under `cases:`). Which case a student gets is `case_for(course, assignment, exercise,
student)`: a hash, so it needs no table, is the same on every re-run and re-fetch, and spreads a class
evenly. The student's kernel works it out to show the case; the autograder works it out again from
the student id nbgrader is grading, never from anything in the notebook.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import NamedTuple

from course import yaml_text
from course.errors import CourseError
from course.keys import case_numbers
from course.nbgrader_files import read_settings
from course.safe_text import for_markdown

FOLDER = Path(__file__).resolve().parent / "cases"
MIN_CASES = 3  # every ranking and written exercise has at least this many (issue 23)
CASE_CELL = re.compile(r"""\bshow_case\(\s*["']([^"']+)["']""")  # a case cell's call: show_case("exercise")
OUTPUT_MARK = "aplus-course-case"  # a case cell's display metadata: {"exercise": ..., "case": n}
NO_ID = ("No student id was found here, so this shows case 1; you are marked on the case for your nbgrader "
         "student id. On a JupyterHub it is found for you; on your own computer, set "
         "`c.CourseDirectory.student_id` in nbgrader_config.py and run this cell again.")


class Case(NamedTuple):
    number: int
    title: str  # short, for feedback and reports: "Ms. Rahman's laptop screen"
    text: str  # markdown: the customer, the details and (for a ranking) the options


def case_file(exercise: str, folder: Path | None = None) -> Path:
    return (folder or FOLDER) / f"{exercise}.yaml"


@cache
def load_cases(exercise: str, folder: Path | None = None) -> tuple[Case, ...]:
    """The cases of one exercise, in number order; a CourseError says what is wrong with the file."""
    path = case_file(exercise, folder)
    where = f"course/cases/{path.name}" if folder is None else str(path)
    try:
        data = yaml_text.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{where} is missing: write the exercise's cases there (docs/authoring.md, "
                          "'Cases')") from None
    except (OSError, yaml_text.YAMLError) as exc:
        raise CourseError(f"{where} is not readable YAML: {exc}") from None
    if not isinstance(data, dict) or data.get("exercise") != exercise or not isinstance(data.get("cases"), list):
        raise CourseError(f"{where} needs 'exercise: {exercise}' and a list of 'cases'")
    cases = []
    for index, item in enumerate(data["cases"], start=1):
        if not isinstance(item, dict) or item.get("id") != index:
            raise CourseError(f"{where}: case {index} must be a mapping with 'id: {index}' (cases are numbered "
                              "1, 2, 3...)")
        title, text = item.get("title"), item.get("text")
        if not isinstance(title, str) or not title.strip() or not isinstance(text, str) or not text.strip():
            raise CourseError(f"{where}: case {index} needs a 'title' and a 'text'")
        extra = set(item) - {"id", "title", "text"}
        if extra:
            raise CourseError(f"{where}: case {index} has unknown field(s) {', '.join(sorted(extra))}; a case has "
                              "id, title and text (its key goes in the source notebook's hidden tests)")
        cases.append(Case(index, title.strip(), text.strip()))
    if not cases:
        raise CourseError(f"{where} lists no cases")
    return tuple(cases)


def has_cases(exercise: str, folder: Path | None = None) -> bool:
    return case_file(exercise, folder).is_file()


def with_cases(markdown: str, exercises: Iterable[str]) -> str:
    """An exercise's own words, which copying earns nothing from: its notebook's markdown and the text of
    every case of `exercises` (a student may copy a classmate's case as readily as their own)."""
    texts = [case.text for name in dict.fromkeys(exercises) if has_cases(name) for case in load_cases(name)]
    return "\n".join([markdown, *texts])


def shown_in(code: Iterable[str]) -> list[str]:
    """The exercises whose cases these code cells show, in order, each once."""
    return list(dict.fromkeys(name for source in code for name in CASE_CELL.findall(source)))


def _draw(names: tuple[str, ...], count: int) -> int:
    """A number in 0..count-1 drawn from names: the same for the same names, on every machine."""
    digest = hashlib.sha256("\0".join(names).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def case_for(course: str, assignment: str, exercise: str, student: str, count: int) -> int:
    """The case (1..count) this student gets."""
    return _draw((course, assignment, exercise, student), count) + 1


def student_case(key: dict, course: str, assignment: str, student: str) -> int | None:
    """The case of a keyed exercise this student gets (None when it has no cases)."""
    numbers = case_numbers(key)
    return numbers[case_for(course, assignment, key["exercise"], student, len(numbers)) - 1] if numbers else None


def seed_for(course: str, assignment: str, scenario: str, student: str) -> int:
    """A scenario's shuffle seed for one student (the widget logs it; `course scenario show --seed`)."""
    return _draw((course, assignment, scenario, student), 10**6)


def case_output(exercise: str, case: Case, count: int, student: str | None) -> dict:
    """The case cell's display: the case, which one it is and for whom, and its number for the grader.

    The student id may be anything a hub allows, so it is escaped; the case text is the course's own."""
    who = f", for student {for_markdown(student)}" if student else ""
    head = f"**Your case: case {case.number} of {count}**{who}: {for_markdown(case.title)}"
    lines = [head, "", case.text] + (["", f"*{NO_ID}*"] if student is None else [])
    markdown = "\n".join(lines)
    return {"data": {"text/markdown": markdown, "text/plain": markdown},
            "metadata": {OUTPUT_MARK: {"exercise": exercise, "case": case.number}}}


# Where a student's kernel finds who it is


def whoami(config=None) -> tuple[str | None, str]:
    """(the student id, the course id) this kernel's student has: on a hub the hub user, else
    nbgrader's `CourseDirectory.student_id`; None when neither is set, and under nbgrader's autograde,
    whose kernel runs as the grader, not as the student. The course id is nbgrader's, else (where the
    exchange files assignments by course) the name of the folder the assignment was fetched into."""
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return None, ""
    config = read_settings(os.getcwd(), strict=False) if config is None else config
    course = course_of(config)
    if not course and config.get("Exchange", {}).get("path_includes_course"):
        course = Path.cwd().parent.name  # nbgrader fetched it into <course id>/<assignment>/ (a hub of many courses)
    student = os.environ.get("JUPYTERHUB_USER") or str(config.get("CourseDirectory", {}).get("student_id") or "")
    if not student or "*" in student or "+" in student:
        return None, course
    return student, course


def course_of(config) -> str:
    """The course id in nbgrader's settings ("" when none): one of the names a student's case comes from."""
    return str(config.get("CourseDirectory", {}).get("course_id") or "")


def assignment_here() -> str:
    """The assignment a notebook belongs to: nbgrader keeps it in a folder of that name, and a kernel
    runs in its notebook's folder (here, and when nbgrader grades it)."""
    return Path.cwd().name
