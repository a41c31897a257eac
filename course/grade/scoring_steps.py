"""The autograde steps that handle answer keys and scores (nbgrader preprocessors, listed in
course.grade.config; the autograde driver itself is nbgrader's, or course.grade.batch for a class).

NoteShownCases runs first while sanitising, before the outputs are cleared: it notes which case each
case cell showed (the student's kernel's claim, used only to tell them if it was not theirs).
StripKeys runs while sanitising, right after nbgrader restores the source test cells: it cuts
the key block, so the key never reaches the autograded file or the kernel. ScoreAnswers runs
right after execution: it reads the answer the test cell emitted, scores it against the key
from the gradebook (with course.score) for the student's own case, worked out again from the
student id nbgrader is grading, and replaces the cell's output with feedback and a plain float
score, and each case cell's output with the case it was marked on. HoldFlagged runs after the
scores are saved: a cell flagged for review waits for a grader.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked, is_solution

from course.cases import (
    CASE_CELL,
    OUTPUT_MARK,
    Case,
    case_output,
    course_of,
    has_cases,
    load_cases,
    student_case,
    with_cases,
)
from course.keys import case_key, split_key
from course.safe_text import for_markdown
from course.score.payload import find_payloads
from course.score.ranking import score_ranking
from course.score.reflection import DEFAULT_RUBRIC, score_reflection
from course.score.result import Result
from course.score.second_reading import FILE, load, reading
from course.settings import scoring


def is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class StripKeys(NbGraderPreprocessor):
    """Remove answer keys from test cells before the notebook is written or executed."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if is_test_cell(cell):
                cell.source, _key = split_key(cell.source)
        return nb, resources


SHOWN = "course_shown_case"  # a case cell's metadata from NoteShownCases: {"exercise": ..., "case": n}
NAME = re.compile(r"[\w.-]{1,100}")


class NoteShownCases(NbGraderPreprocessor):
    """Note which case each case cell of the submission showed, before nbgrader clears the outputs.

    It is what the student's kernel displayed, so only a claim: it never picks the key, it only lets the
    feedback say "your notebook showed case 1, but yours is case 2" when they differ."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            cell.metadata.pop(SHOWN, None)
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                mark = (out.get("metadata") or {}).get(OUTPUT_MARK) if isinstance(out, dict) else None
                exercise, number = (mark.get("exercise"), mark.get("case")) if isinstance(mark, dict) else (None, None)
                if isinstance(exercise, str) and NAME.fullmatch(exercise) and type(number) is int and 0 < number < 100:
                    cell.metadata[SHOWN] = {"exercise": exercise, "case": number}
        return nb, resources


def own_case(config, info: dict, key: dict) -> tuple[dict, Case | None, int]:
    """(the key for the student's own case, that case, how many there are): from the student id nbgrader
    is grading (course.cases.case_for), never from the notebook. An exercise without cases: (key, None, 0)."""
    number = student_case(key, course_of(config), info["assignment"], info["student"])
    if number is None or not has_cases(key["exercise"]):
        return key, None, 0
    cases = load_cases(key["exercise"])
    return case_key(key, number), cases[number - 1], len(cases)


def read_case(number: int | None) -> bool:
    """Whether the second reader marks this case: it learned from hand-marked answers to each exercise as it
    was before cases, which is case 1, and reads an answer about another customer as off the mark (a model
    answer to case 2 or 3 reads 0.1 to 0.9 of full marks). The rubric alone marks the other cases until the
    reader is refitted on blind answers to them (docs/calibration.md)."""
    return number is None or number == 1


def case_lines(case: Case, count: int, shown: int | None) -> list[str]:
    """The feedback's first line for an exercise with cases: which case it was marked on, and why."""
    lines = [f"Marked on your case: case {case.number} of {count} ({case.title})."]
    if shown is not None and shown != case.number:
        lines.append(f"Your notebook showed case {shown}, not yours. Each student's case comes from their student "
                     f"id, so an edited or copied notebook does not change it: this answer was marked on case "
                     f"{case.number}, the one shown above it now.")
    return lines


REVIEW = "Flagged for a grader to look at:"


def review_reason(key: dict, result: Result, errors: list[str]) -> str | None:
    """Why a grader should look at this cell, or None; read from the result's reason codes.

    Which codes (course.score.reflection's) a person should confirm, and what the grader is told, is
    scoring.yaml's `review.reasons`: codes not listed (a long answer capped, a minor slip) need no second look."""
    real_errors = [e for e in errors if "AnswerNotReady" not in e]
    codes = ["error"] if real_errors and not result.fraction else result.codes
    held = scoring().review.reasons
    reasons = [held[c] for c in codes if c in held]
    return "; ".join(dict.fromkeys(reasons)) or None


def score_payload(key: dict, payloads: list[dict], errors: list[str], reference: str = "",
                  reader: dict | None = None, case: int | None = None) -> Result:
    """Score what the kernel emitted; anything but exactly one answer scores 0 and says why.

    `reader` is the course's second reader (course/score/second_reading.py), if it has one; it reads only
    the cases it learned from (`read_case`). `case` is the student's case, if the exercise has cases."""
    if len(payloads) > 1:
        why = f"The cell recorded {len(payloads)} answers; only one is allowed."
        return Result(0.0, [why], codes=["several-answers"])
    if not payloads:
        why = "No answer was recorded: the check in this cell did not run to the end."
        return Result(0.0, [why, *errors] if errors else [why])
    answer = payloads[0].get("answer")
    if key["kind"] == "ranking":
        return score_ranking(answer, key["order"], key.get("ties"))
    second = (lambda text: reading(reader, text, key["exercise"])) if reader and read_case(case) else None
    return score_reflection(answer, key["ideas"], key.get("rubric", DEFAULT_RUBRIC), reference=reference,
                            topic=key.get("topic"), second=second)


def _errors(outputs) -> list[str]:
    return [
        f"The cell raised {out.get('ename')}: {str(out.get('evalue'))[:200]}"
        for out in outputs
        if out.get("output_type") == "error"
    ]


def feedback_outputs(result: Result, points: float, review: str | None = None) -> list:
    """The check cell's new outputs: feedback for people, and the score for nbgrader.

    Feedback lines quote what the student wrote (an unknown ranking item, an error message, words
    the rubric found), so in the Markdown form each line is escaped to render as exactly its text.
    """
    score = result.points(points)
    plain = [f"Score: {score:g} of {points:g} points", ""] + [f"- {line}" for line in result.lines]
    markdown = [f"**Score: {score:g} of {points:g} points**", ""] + [f"- {for_markdown(line)}" for line in result.lines]
    if review:
        plain += ["", f"{REVIEW} {review}."]
        markdown += ["", f"*{REVIEW} {for_markdown(review)}.*"]
    return [
        nbformat.v4.new_output("display_data", data={"text/markdown": "\n".join(markdown),
                                                     "text/plain": "\n".join(plain)}),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(score)}, execution_count=None),
    ]


class ScoreAnswers(NbGraderPreprocessor):
    """Score emitted answers against keys held outside the kernel."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        # The course folder: nbgrader's root setting, else where nbgrader runs (as nbgrader itself resolves it).
        root = self.config.CourseDirectory.root if "root" in self.config.CourseDirectory else os.getcwd()
        reader = load(str(Path(root) / FILE))
        if reader is None:
            self.log.warning("no second reader at %s: written answers are marked by the rubric alone "
                             "(build it with `python -m course.author.second_reader`)", Path(root) / FILE)
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            shown = {c.metadata[SHOWN]["exercise"]: c.metadata[SHOWN]["case"] for c in nb.cells if SHOWN in c.metadata}
            # The course's case cells: locked, so their source is the gradebook's (a cell a student adds is not one).
            case_cells = {name: c for c in nb.cells if c.cell_type == "code" and is_locked(c)
                          for name in CASE_CELL.findall(c.source)}
            # The exercise's own words (prompts, notes and every case): copying them earns nothing.
            reference = with_cases("\n".join(c.source for c in notebook.source_cells if c.cell_type == "markdown"),
                                   case_cells)
            for cell in nb.cells:
                if not is_test_cell(cell):
                    continue
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                try:
                    source = gb.find_source_cell(grade_id, info["notebook"], info["assignment"]).source
                except MissingEntry:
                    continue
                _src, key = split_key(source)
                if key is None:
                    continue
                key, case, count = own_case(self.config, info, key)
                points = float(cell.metadata["nbgrader"].get("points", 0))
                payloads = find_payloads(cell.get("outputs", []), key["exercise"])
                errors = _errors(cell.get("outputs", []))
                result = score_payload(key, payloads, errors, reference, reader, case and case.number)
                if case is not None:
                    result.lines[:0] = case_lines(case, count, shown.get(key["exercise"]))
                    if key["exercise"] in case_cells:
                        case_cells[key["exercise"]].outputs = [nbformat.v4.new_output(
                            "display_data", **case_output(key["exercise"], case, count, info["student"]))]
                review = review_reason(key, result, errors)
                cell.outputs = feedback_outputs(result, points, review)
                if review:
                    resources.setdefault(HELD_CELLS, []).append(grade_id)
        return nb, resources


HELD_CELLS = "course_held_cells"  # the resources key ScoreAnswers leaves for HoldFlagged


class HoldFlagged(NbGraderPreprocessor):
    """Mark each cell flagged for review "needs manual grade" in the gradebook, until a grader saves a score.

    A flagged score is the autograder's guess where it is least sure, so it stays provisional: Formgrader
    lists the cell under "needs manual grade", the LMS exports hold it back, and saving a score in
    Formgrader (the same one, to confirm it) clears the mark. Runs after SaveAutoGrades, which sets every
    autograded cell to not needing one; a cell a grader has already scored is left as nbgrader leaves it.
    """

    def preprocess(self, nb, resources):
        held = resources.get(HELD_CELLS) or []
        if held:
            info = resources["nbgrader"]
            with Gradebook(info["db_url"]) as gb:
                for grade_id in held:
                    grade = gb.find_grade(grade_id, info["notebook"], info["assignment"], info["student"])
                    if grade.manual_score is None:
                        grade.needs_manual_grade = True
                gb.db.commit()
        return nb, resources
