"""Model answers in each student's feedback, and only once the assignment's due date has passed.

`course answers ASSIGNMENT` switches `ModelAnswers.enabled` on for one `generate_feedback` run and
then releases the feedback. The preprocessor checks the due date again itself, so no setting or
direct nbgrader call can put a key in front of a student before the deadline.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime

from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from course.grade.scoring_steps import own_case
from course.keys import split_key

REGION = re.compile(r"### BEGIN SOLUTION\n(?P<body>.*?)### END SOLUTION", re.DOTALL)
MARK = "course_model_answer"  # cell metadata: the cells this step added


def not_yet(duedate: datetime | None, now: datetime | None = None) -> str | None:
    """Why model answers cannot be shown yet, or None once the due date (nbgrader's, in UTC) has passed."""
    if duedate is None:
        return ("it has no due date; set one with `nbgrader db assignment add ASSIGNMENT "
                "--duedate='2026-12-01 17:00 UTC'`, so model answers never go out before it")
    now = now or datetime.now(UTC).replace(tzinfo=None)  # nbgrader keeps due dates as naive UTC
    if now < duedate:
        return f"it is due {duedate:%Y-%m-%d %H:%M} UTC, and model answers go out only after that"
    return None


def _solution(source: str) -> str | None:
    """The value the solution region assigns (a reply's text, a ranking's list), as text."""
    match = REGION.search(source)
    if not match:
        return None
    try:
        tree = ast.parse(match["body"])
        value = ast.literal_eval(tree.body[-1].value)  # type: ignore[attr-defined]
    except (SyntaxError, ValueError, AttributeError, IndexError):
        return match["body"].strip()
    return ", ".join(value) if isinstance(value, list) else str(value).strip()


def model_answer(key: dict, solution: str | None) -> str:
    """The markdown a student reads under an exercise once it is closed."""
    if key["kind"] == "ranking":
        lines = [f"**Model answer** (released after the due date): {', '.join(key['order'])}, best first.", ""]
        lines += [f"- **{item}**: {key.get('why', {}).get(item, '')}".rstrip(": ") for item in key["order"]]
        for tie in key.get("ties") or []:
            lines.append(f"- {' and '.join(tie)} are equally weak: their order was not scored.")
        return "\n".join(lines)
    lines = ["**Model answer** (released after the due date). Yours can differ in words and still earn full marks.",
             ""]
    lines += [f"> {line}" if line else ">" for line in (solution or "").splitlines()]
    lines += ["", "A full answer covers: " + "; ".join(idea["label"] for idea in key["ideas"]) + "."]
    return "\n".join(lines)


class ModelAnswers(NbGraderPreprocessor):
    """Add a model answer under each keyed exercise of a feedback notebook, after the due date."""

    enabled = Bool(False, help="Add model answers to feedback (the due date is still checked)").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            why = not_yet(gb.find_assignment(info["assignment"]).duedate)
            if why:
                self.log.warning("no model answers for %s: %s", info["assignment"], why)
                return nb, resources
            cells, solution = [], None
            for cell in nb.cells:
                cells.append(cell)
                meta = cell.metadata.get("nbgrader", {})
                if not meta.get("grade_id") or cell.metadata.get(MARK):
                    continue
                try:
                    source = gb.find_source_cell(meta["grade_id"], info["notebook"], info["assignment"]).source
                except MissingEntry:
                    continue
                if meta.get("solution"):
                    solution = _solution(source)
                    continue
                key = split_key(source)[1]
                if key is not None:
                    key, case, count = own_case(self.config, info, key)
                    text = model_answer(key, key.get("answer") or solution)
                    if case is not None:
                        where = f"for your case, case {case.number} of {count} (released after the due date)"
                        text = text.replace("(released after the due date)", where, 1)
                    added = new_markdown_cell(text, metadata={MARK: True})
                    cells.append(added)
        nb.cells = cells
        return nb, resources
