"""Find answer keys where they must not be: every string that would give an answer away."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from course.course_files import assignments, exercises, notebooks
from course.keys import BLOCK, case_key, case_numbers


def _sources(path: Path) -> list[tuple[str, str]]:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source) for c in nb.cells]


MARKERS = {"course-key:", "BEGIN HIDDEN TESTS", "BEGIN SOLUTION"}  # a hidden block that leaked


# Key-block lines that give nothing away:
PUBLIC = ("exercise:", "kind:", "rubric:", "objectives:", "- label:", "course-key:")


def key_strings(root: Path, model_answers: bool = True, names: list[str] | None = None) -> set[str]:
    """Every string that would give an answer away (optionally not the model rewrites): each line of a key
    block, every case's ranking order as a student would type it, model rewrites (every case's)."""
    found, answers = set(), []
    for name in names or assignments(root):
        for nb in notebooks(root, name):
            for _kind, source in _sources(nb):
                for block in BLOCK.finditer(source):
                    lines = (re.sub(r"^\s*# ?", "", line).strip() for line in block.group("body").splitlines())
                    found |= {line for line in lines if len(line) > 12 and not line.startswith(PUBLIC)}
            for ex in exercises(nb):
                for number in case_numbers(ex.key) or [None]:
                    key = case_key(ex.key, number)
                    if key["kind"] == "ranking":
                        order = key["order"]
                        found |= {", ".join(f'"{x}"' for x in order), ", ".join(f"'{x}'" for x in order),
                                  ", ".join(order), "".join(order)}
                    else:
                        answers.append(" ".join((key.get("answer") or ex.solution.split('"""')[-2]).split()))
    if model_answers:
        return found | {answer[:60] for answer in answers}
    # a case's model answer is a key block's `answer:` (folded lines): only a model answer, like the rewrites
    return {line for line in found if not any(line in answer for answer in answers)}


def _scan(files, secrets):
    leaks = []
    for name, text in files:
        leaks += [f"{name}: {s!r}" for s in secrets if s in text]
    return leaks




def reader_marks(root: Path) -> set[str]:
    """What only the second reader's weights hold: features named for a written exercise ("mark:clarify-restate|"),
    which say what earned marks there (course/score/second_reading.py)."""
    return {f'"mark:{ex.key["exercise"]}|' for name in assignments(root) for nb in notebooks(root, name)
            for ex in exercises(nb) if ex.key["kind"] == "reflection"}
