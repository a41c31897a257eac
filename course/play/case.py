"""The case cell: `show_case("exercise")` shows the student the case they rank or write about.

Which case is course.cases' `case_for`, from the student's id; with no id the first case shows, with
a note. Under nbgrader's autograde the kernel does not know whose notebook it runs, so the cell shows a
placeholder, and the grading step puts the student's own case there (course.grade.scoring_steps).
"""

from __future__ import annotations

import os

from course.cases import Case, assignment_here, case_for, case_output, load_cases, whoami

AT_GRADING = "The case this answer was marked on is shown here in your feedback."


def my_case(exercise: str) -> tuple[Case, int, str | None]:
    """(this student's case, how many there are, the student id or None)."""
    cases = load_cases(exercise)
    student, course = whoami()
    number = case_for(course, assignment_here(), exercise, student, len(cases)) if student else 1
    return cases[number - 1], len(cases), student


def show_case(exercise: str) -> None:
    from IPython.display import display

    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        display({"text/plain": AT_GRADING, "text/markdown": f"*{AT_GRADING}*"}, raw=True)
        return
    case, count, student = my_case(exercise)
    output = case_output(exercise, case, count, student)
    display(output["data"], metadata=output["metadata"], raw=True)
