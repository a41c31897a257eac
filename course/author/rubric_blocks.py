"""Keep each written exercise's prompt showing how it is scored (`python -m course.author.rubric_blocks`).

The block comes from `rubric_text.rubric_block`, so the prompt a student reads and the rubric that
grades them cannot drift: the content tests compare them.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat

from course.author.rubric_text import HEADING, rubric_block
from course.course_files import assignments, exercises, find_course, notebooks
from course.keys import split_key
from course.score.reflection import DEFAULT_RUBRIC, load_rubric

RANGE = re.compile(r"(\d+)\s*(?:to|-|–)\s*(\d+)\s+words")
SENTENCES = re.compile(r"at least\W+(\w+)\s+(?:full\s+)?sentences", re.IGNORECASE)
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


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
        out.append((prompt, ex.key.get("rubric", DEFAULT_RUBRIC), points))
    return out


def called_rubric(check_source: str) -> str | None:
    """The rubric a check cell passes to `record_reflection` (None when it names none, or not as text).

    The check cell's feedback uses this rubric; grading uses the key's. They must be the same, or a
    student is told to aim for a length (or criteria) the grade does not use.
    """
    try:
        tree = ast.parse(split_key(check_source)[0])
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
        if name == "record_reflection":
            given = [k.value for k in node.keywords if k.arg == "rubric"] + node.args[2:3]
            if given and isinstance(given[0], ast.Constant) and isinstance(given[0].value, str):
                return given[0].value
    return None


def rubric_call_problem(check_source: str, key_rubric: str) -> str | None:
    """What is wrong with a check cell's rubric, or None when it passes the key's, by name."""
    called = called_rubric(check_source)
    if called == key_rubric:
        return None
    said = f"passes rubric={called!r}, but its key grades with" if called else \
        "calls record_reflection without a rubric; pass the one its key grades with,"
    return f"its check cell {said} rubric={key_rubric!r}, so the feedback and the grade use the same criteria"


def length_problems(prompt: str, rubric_id: str) -> list[str]:
    """The word range and sentence count a prompt states must be its rubric's full-credit length."""
    spec = load_rubric(rubric_id)["criteria"].get("length")
    if not spec:
        return []
    body = prompt.split(HEADING, 1)[0]
    want = (spec["min_words"], spec["max_words"])
    ranges = [(int(a), int(b)) for a, b in RANGE.findall(body)]
    problems = []
    if not ranges:
        problems.append(f"its prompt states no word range; say \"Aim for **{want[0]} to {want[1]} words**\" "
                        f"(rubric {rubric_id!r})")
    problems += [f"its prompt says {a} to {b} words, but rubric {rubric_id!r} gives full credit from {want[0]} to "
                 f"{want[1]}; change the prompt to {want[0]} to {want[1]} words" for a, b in ranges if (a, b) != want]
    for said in SENTENCES.findall(body):
        count = NUMBERS.get(said.lower(), int(said) if said.isdigit() else None)
        if count != spec["min_sentences"]:
            problems.append(f"its prompt asks for at least {said} sentences, but rubric {rubric_id!r} asks for "
                            f"{spec['min_sentences']}; make them the same")
    return problems


def reflection_problems(nb, found) -> list[str]:
    """Each written exercise's check cell passes its key's rubric, and its prompt states that rubric's length."""
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    problems = []
    for ex in found:
        if ex.key["kind"] != "reflection":
            continue
        check = ids.index(ex.check_id)
        problem = rubric_call_problem(nb.cells[check].source, ex.key.get("rubric", DEFAULT_RUBRIC))
        if problem:
            problems.append(f"cell {check + 1} ({ex.check_id}): {problem}")
    for index, rubric, _points in prompt_cells(nb, found):
        problems += [f"cell {index + 1}: {p}" for p in length_problems(nb.cells[index].source, rubric)]
    return problems


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
