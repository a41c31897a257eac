"""`course review ASSIGNMENT`: the cells a grader should look at after autograde, and why.

Autograde marks them (a "Flagged for a grader to look at" line in the cell's feedback, a cell
stopped for killing or hanging the kernel, a notebook rebuilt because it could not be read);
this reads the autograded notebooks back so a grader can open exactly those in Formgrader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.grade.safe_execute import STOPPED
from course.grade.scoring_steps import REVIEW, is_test_cell


@dataclass(frozen=True)
class Flag:
    student: str
    notebook: str
    cell: str
    score: str
    reason: str


def _text(output) -> str:
    data = output.get("data", {})
    return str(data.get("text/plain") or data.get("text/markdown") or "")


def flags(root: Path, assignment: str) -> list[Flag]:
    found: list[Flag] = []
    for path in sorted((root / "autograded").glob(f"*/{assignment}/*.ipynb")):
        student = path.parent.parent.name
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # an autograded file we cannot read is itself worth a look
            found.append(Flag(student, path.stem, "-", "-", f"autograded notebook unreadable: {exc}"))
            continue
        placeholder = nb.metadata.get("course", {}).get("placeholder")
        if placeholder:
            found.append(Flag(student, path.stem, "-", "-", f"rebuilt blank: {placeholder}"))
        for cell in nb.cells:
            gid = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "-"))
            for out in cell.get("outputs", []):
                if out.get("ename") == STOPPED:
                    found.append(Flag(student, path.stem, gid, "-", "a cell killed or hung the kernel and was skipped"))
                elif is_test_cell(cell) and out.get("output_type") == "display_data" and REVIEW in _text(out):
                    # The grader's own feedback in a check cell (the student's outputs there are replaced).
                    # Its first lines may quote the student, so the reason is what follows the last marker.
                    text = _text(out)
                    score = re.match(r"\**Score: ([\d.]+ of [\d.]+)", text)
                    reason = text.rsplit(REVIEW, 1)[1].strip(" *.\n")
                    found.append(Flag(student, path.stem, gid, score.group(1) if score else "-", reason))
    return found
