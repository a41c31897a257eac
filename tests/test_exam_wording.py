"""Students sit 220-1202 now (220-1102 retired on 2025-09-25): every notebook leads with the current
wording and notes the retired one after it (issue 21, point 13). The outline keeps both."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.author.shape import CURRENT, RETIRED, RETIRED_ON, exam_order_problems, header_wordings
from course.course_files import assignments, notebooks, read_cells
from course.outline import load_outline

ROOT = Path(__file__).resolve().parents[1]


def header(name: str) -> str:
    (path,) = notebooks(ROOT, name)
    return read_cells(path)[0]["source"]


@pytest.mark.parametrize("name", assignments(ROOT))
def test_each_notebook_leads_with_the_current_exam_and_dates_the_retired_one(name):
    text = header(name)
    assert -1 < text.find(CURRENT) < text.find(RETIRED), name
    assert f"{RETIRED} {RETIRED_ON}" in " ".join(text.split())


@pytest.mark.parametrize("name", assignments(ROOT))
def test_each_notebook_passes_the_exam_order_check(name):
    (path,) = notebooks(ROOT, name)
    assert exam_order_problems(read_cells(path), header_wordings(name, load_outline())) == []


def md(text: str) -> dict:
    return {"cell_type": "markdown", "source": text, "metadata": {}}


WORDINGS = ("Actively listen and avoid interrupting the customer",
            "Actively listen, take notes, and avoid interrupting the customer")


def test_a_header_that_quotes_220_1102_first_is_reported():
    old = md("**Objective** (the wording changed between the exams):\n\n- 220-1102: *Actively listen, take notes, "
             "and avoid interrupting the customer.*\n- 220-1202: *Actively listen and avoid interrupting the "
             "customer.*")
    problems = exam_order_problems([old], WORDINGS)
    assert any("cell 1 names 220-1102 before 220-1202" in p for p in problems)
    assert any("does not quote the 220-1202 wording first" in p for p in problems)
    assert any("(retired 2025-09-25)" in p for p in problems)


def test_a_header_that_leaves_out_a_changed_220_1102_wording_is_reported():
    new = md("**Objective** (220-1202, the current exam): *Actively listen and avoid\ninterrupting the customer.* "
             "220-1102 (retired 2025-09-25) worded it differently.")
    (problem,) = exam_order_problems([new], WORDINGS)
    assert "does not note the 220-1102 wording" in problem
    fixed = md(new["source"] + " It said: *Actively listen, take notes, and avoid interrupting the customer.*")
    assert exam_order_problems([fixed], WORDINGS) == []


def test_a_notes_cell_that_puts_the_retired_exam_first_is_reported():
    cells = [md("220-1202 first, then 220-1102 (retired 2025-09-25): fine."), md("220-1102 and 220-1202 both say.")]
    assert exam_order_problems(cells, None) == [
        "cell 2 names 220-1102 before 220-1202; lead with the current exam, 220-1202, and note the retired "
        "220-1102 after it"]
