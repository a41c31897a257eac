"""Keep each written exercise's prompt showing how it is scored (`python -m course.author.rubric_blocks`).

The block comes from `rubric_text.rubric_block`, so the prompt a student reads and the rubric that
grades them cannot drift: the content tests compare them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from course.author.rubric_text import HEADING, rubric_block
from course.course_files import assignments, exercises, find_course, notebooks


def prompt_cells(nb, found) -> list[tuple[int, str, float]]:
    """(index of the markdown cell above each written exercise's answer cell, its rubric, its points)."""
    out = []
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    for ex in found:
        if ex.key["kind"] != "reflection":
            continue
        answer = ids.index(ex.grade_id)
        prompt = max(i for i in range(answer) if nb.cells[i].cell_type == "markdown")
        points = float(nb.cells[ids.index(ex.check_id)].metadata["nbgrader"]["points"])
        out.append((prompt, ex.key.get("rubric", "plain-language"), points))
    return out


def with_block(source: str, block: str) -> str:
    """The prompt with its scoring block replaced (or added at the end)."""
    body = source.split(HEADING, 1)[0].rstrip()
    return f"{body}\n\n{block}"


def update(root: Path) -> list[Path]:
    changed = []
    for name in assignments(root):
        for path in notebooks(root, name):
            nb = nbformat.read(path, as_version=4)
            before = [c.source for c in nb.cells]
            for index, rubric, points in prompt_cells(nb, exercises(path)):
                nb.cells[index].source = with_block(nb.cells[index].source, rubric_block(rubric, points))
            if [c.source for c in nb.cells] != before:
                nbformat.write(nb, path)
                changed.append(path)
    return changed


if __name__ == "__main__":
    for path in update(find_course(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(f"updated {path}")
