"""A written exercise tells the student the same length, and uses the same criteria, as its grade.

The check cell's feedback comes from the rubric it passes to `record_reflection`; the grade from the
rubric its hidden key names. The prompt states a word range. All three must agree, or a 45-word
answer to a "40 to 120 words" prompt is told to "aim for at least 50 words" (issue 21, point 2).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course.author.check import check_course
from course.author.rubric_blocks import (
    DEFAULT_RUBRIC,
    RANGE,
    called_rubric,
    prompt_cells,
    reflection_problems,
)
from course.course_files import assignments, exercises, notebooks
from course.score.reflection import load_rubric, open_criteria

ROOT = Path(__file__).resolve().parents[1]


def written(name: str) -> list[tuple[nbformat.NotebookNode, object, str, str]]:
    """Each written exercise of an assignment: (notebook, exercise, its check cell's source, its prompt)."""
    (path,) = notebooks(ROOT, name)
    nb = nbformat.read(path, as_version=4)
    found = exercises(path)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    prompts = {rubric: nb.cells[index].source for index, rubric, _ in prompt_cells(nb, found)}
    return [(nb, ex, nb.cells[ids.index(ex.check_id)].source, prompts[ex.key.get("rubric", DEFAULT_RUBRIC)])
            for ex in found if ex.key["kind"] == "reflection"]


def answer_of(words: int) -> str:
    """Plain prose of exactly `words` words, in sentences of ten."""
    filler = "I will check the cable and then tell you what I found".split()
    picked = [filler[i % len(filler)] for i in range(words)]
    return " ".join(w + ("." if i % 10 == 9 or i == words - 1 else "") for i, w in enumerate(picked))


@pytest.mark.parametrize("name", assignments(ROOT))
def test_each_check_cell_uses_its_keys_rubric(name):
    for _nb, ex, check, _prompt in written(name):
        assert called_rubric(check) == ex.key.get("rubric", DEFAULT_RUBRIC), ex.check_id


@pytest.mark.parametrize("name", assignments(ROOT))
def test_each_prompts_word_range_is_its_rubrics(name):
    for _nb, ex, _check, prompt in written(name):
        spec = load_rubric(ex.key.get("rubric", DEFAULT_RUBRIC))["criteria"]["length"]
        stated = {(int(a), int(b)) for a, b in RANGE.findall(prompt)}
        assert stated == {(spec["min_words"], spec["max_words"])}, ex.key["exercise"]


@pytest.mark.parametrize("name", assignments(ROOT))
def test_an_answer_at_each_end_of_the_prompts_range_gets_full_length_credit_in_the_check_cell(name):
    """What the student meets: the check cell's length criterion on an answer the prompt calls long enough."""
    for _nb, ex, check, prompt in written(name):
        low, high = (int(n) for n in RANGE.search(prompt).groups())
        rubric = load_rubric(called_rubric(check) or DEFAULT_RUBRIC)
        for words in (low, high):
            (length,) = [c for c in open_criteria(answer_of(words), rubric) if c.name == "length"]
            assert length.fraction == 1.0, (ex.check_id, words, length)


def copy_course(tmp_path: Path, name: str) -> Path:
    course = tmp_path / "course"
    (course / "source" / name).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("")
    (path,) = notebooks(ROOT, name)
    target = course / "source" / name / path.name
    target.write_bytes(path.read_bytes())
    return target


def edit(path: Path, old: str, new: str) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if old in c.source)
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)


def test_a_check_cell_without_the_keys_rubric_is_reported(tmp_path):
    path = copy_course(tmp_path, "04-listening")
    nb = nbformat.read(path, as_version=4)
    assert reflection_problems(nb, exercises(path)) == []
    edit(path, ', rubric="restate")', ")")
    problems = reflection_problems(nbformat.read(path, as_version=4), exercises(path))
    assert len(problems) == 1 and "without a rubric" in problems[0] and "rubric='restate'" in problems[0]
    edit(path, "restatement)", 'restatement, rubric="clarify")')
    problems = reflection_problems(nbformat.read(path, as_version=4), exercises(path))
    assert len(problems) == 1 and "passes rubric='clarify'" in problems[0]


def test_a_prompt_whose_range_differs_from_its_rubric_is_reported_by_course_check(tmp_path):
    path = copy_course(tmp_path, "08-difficult")
    edit(path, "Aim for **25 to 110 words**", "Aim for **30 to 100 words**")
    edit(path, "in **at least\ntwo sentences**", "in **at least\nthree sentences**")
    report = check_course(path.parents[2])
    mine = [p for p in report.problems if str(path) in p and "prompt" in p]
    assert len(mine) == 2, report.problems
    assert "says 30 to 100 words, but rubric 'clarify' gives full credit from 25 to 110" in mine[0]
    assert "at least three sentences, but rubric 'clarify' asks for 2" in mine[1]
