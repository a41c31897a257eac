"""What a student's test cell calls: record the answer and give feedback that needs no key.

Nothing here knows an answer. Scores are computed when the notebook is autograded, outside
this kernel; `record_*` only shows the answer's shape and the rubric's open criteria.
Every student kernel imports it, so it imports only course.score and the bottom layer.
"""

from __future__ import annotations

from typing import Any

from course.safe_text import for_markdown
from course.score.payload import MIME, make_payload
from course.score.ranking import check_shape
from course.score.reflection import DEFAULT_RUBRIC, clean_text, describe, load_rubric, open_criteria, readability_advice
from course.score.result import NOT_ANSWERED

FOOTER = "_Your score is worked out when your notebook is graded._"


class AnswerNotReady(Exception):
    """Raised after recording an answer that cannot be marked yet (empty or the wrong shape).

    It makes nbgrader's Validate report the exercise as unfinished instead of "Success!".
    Grading is unaffected: the answer was recorded first and is scored (as 0) outside the kernel.
    """

    def __init__(self, exercise: str, problems: list[str]) -> None:
        super().__init__(f"{exercise}: " + " ".join(problems))
        self.exercise = exercise
        self.problems = problems

    def _render_traceback_(self) -> list[str]:
        """IPython shows these lines instead of a traceback: the student needs the reason, not our code."""
        return [f"✖ Exercise {self.exercise!r} is not finished yet:", *(f"  - {p}" for p in self.problems)]


# Set by the grading kernel's preload (course.grade.config): there the answer is scored outside the
# kernel and the cell's output replaced, so the formative criteria (the first readability advice, ~0.2 s)
# would be computed for nobody.
GRADING = False


def _show(exercise: str, kind: str, answer: Any, lines: list[str]) -> None:
    from IPython.display import display

    markdown = "\n".join([*(f"- {for_markdown(line)}" for line in lines), "", FOOTER])
    plain = "\n".join([*(f"- {line}" for line in lines), "", FOOTER.strip("_")])
    display({MIME: make_payload(exercise, kind, answer), "text/markdown": markdown, "text/plain": plain}, raw=True)


def record_ranking(exercise: str, answer: Any, choices: str | list[str]) -> None:
    """Record a ranking (a list of letters, best first)."""
    letters = sorted(choices)
    items, problems = check_shape(answer, letters)
    lines = problems or [f"Your ranking lists all {len(letters)} responses once: {' > '.join(items or [])}."]
    _show(exercise, "ranking", answer, lines)
    if problems:
        raise AnswerNotReady(exercise, problems)


def record_reflection(exercise: str, answer: Any, rubric: str = DEFAULT_RUBRIC) -> None:
    """Record a written answer and report the rubric criteria that need no key."""
    text, problems = clean_text(answer)
    if text is None:
        lines = problems
    elif GRADING:
        lines = ["Recorded for grading."]
    else:
        spec = load_rubric(rubric)
        lines = describe(open_criteria(text, spec), spec)
        advice = readability_advice(text)
        lines += [advice] if advice else []
        lines.append("The key ideas of your answer are checked when it is graded.")
    _show(exercise, "reflection", answer, lines or [NOT_ANSWERED])
    if text is None:
        raise AnswerNotReady(exercise, problems)
