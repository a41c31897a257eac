"""Each grading step on its own, on notebooks of a few cells built here, as nbgrader's own preprocessor tests do:
a failure here names the step. The whole-class runs (test_end_to_end.py, test_hostile.py, test_sandbox.py) check
the steps together through the real `nbgrader autograde`.

The steps that read the gradebook get a real one, made once per module from a source notebook the way
`nbgrader generate_assignment` makes it (ClearSolutions, ComputeChecksums, SaveCells) and copied for each test.
Chains of steps run in course.grade.config's order. SafeExecute and the sandbox start real kernels (a few
seconds each); everything else runs in well under a second.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.api import Gradebook
from nbgrader.preprocessors import (
    ClearHiddenTests,
    ClearSolutions,
    ComputeChecksums,
    OverwriteCells,
    SaveAutoGrades,
    SaveCells,
)
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from course.grade import intake, sandbox
from course.grade.config import CODE_STUB, configure
from course.grade.inert import MakeInert
from course.grade.limits import NOTE, CapOutputs
from course.grade.restore import RESTORED, RestoreCells
from course.grade.safe_execute import STOPPED, SafeExecute
from course.grade.scoring_steps import HELD_CELLS, REVIEW, HoldFlagged, ScoreAnswers, StripKeys, is_test_cell
from course.programs import scripts_on_path
from course.score.payload import MIME, make_payload

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT, NOTEBOOK, STUDENT = "a1", "tiny", "kim"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# --- The assignment: an intro, then a ranking and a written answer, each an answer cell and a check cell ----------

RANK_ANSWER, RANK, REWRITE_ANSWER, REWRITE = "rank-answer", "rank-check", "rewrite-answer", "rewrite-check"
RANK_SOLUTION = "ranking = ['B', 'A', 'C']"
REWRITE_TEXT = "Your storage is full. I will clear it, and it will run faster. Call me after."
REWRITE_SOLUTION = f"rewrite = {REWRITE_TEXT!r}"
RANK_CHECK = "from course.record import record_ranking\n\nrecord_ranking('tiny-ranking', ranking, choices='ABC')\n"
RANK_KEY = """### BEGIN HIDDEN TESTS
# course-key:
#   exercise: tiny-ranking
#   kind: ranking
#   objectives: [language]
#   order: [B, A, C]
### END HIDDEN TESTS
"""
REWRITE_CHECK = "from course.record import record_reflection\n\nrecord_reflection('tiny-rewrite', rewrite)\n"
REWRITE_KEY = """### BEGIN HIDDEN TESTS
# course-key:
#   exercise: tiny-rewrite
#   kind: reflection
#   objectives: [language]
#   ideas:
#     - label: "the cause: storage almost full"
#       terms: [full, storage]
#     - label: "what happens next"
#       terms: [faster, call me]
### END HIDDEN TESTS
"""
ORDER = ["intro", RANK_ANSWER, RANK, REWRITE_ANSWER, REWRITE]
POINTS = {RANK: 3.0, REWRITE: 4.0}


def nbgrader_meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook() -> nbformat.NotebookNode:
    """The instructor's notebook: solutions between markers, keys in the check cells' hidden tests."""
    return new_notebook(metadata={"kernelspec": KERNELSPEC}, cells=[
        new_markdown_cell("# Tiny\n\nRank A, B and C, best first; then rewrite the note.",
                          metadata=nbgrader_meta("intro", locked=True)),
        new_code_cell(f"ranking = []\n### BEGIN SOLUTION\n{RANK_SOLUTION}\n### END SOLUTION\n",
                      metadata=nbgrader_meta(RANK_ANSWER, solution=True)),
        new_code_cell(RANK_CHECK + RANK_KEY, metadata=nbgrader_meta(RANK, grade=True, locked=True, points=3)),
        new_code_cell(f"rewrite = ''\n### BEGIN SOLUTION\n{REWRITE_SOLUTION}\n### END SOLUTION\n",
                      metadata=nbgrader_meta(REWRITE_ANSWER, solution=True)),
        new_code_cell(REWRITE_CHECK + REWRITE_KEY, metadata=nbgrader_meta(REWRITE, grade=True, locked=True, points=4)),
    ])


def _steps(names: set[type], stage: str) -> list[type]:
    """The course's own preprocessors for `stage` (sanitize or autograde), only `names`, in the configured order."""
    c = Config()
    configure(c)
    return [p for p in c.Autograde[f"{stage}_preprocessors"] if p in names]


SANITIZE = _steps({RestoreCells, OverwriteCells, StripKeys}, "sanitize")
AFTER_EXECUTION = _steps({ScoreAnswers, CapOutputs, MakeInert, SaveAutoGrades, HoldFlagged}, "autograde")


@dataclass
class Assignment:
    root: Path  # a course folder holding source/a1/tiny.ipynb
    gradebook: Path  # with the assignment's cells and one submission; each test grades in a copy
    release: nbformat.NotebookNode  # what a student gets


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> Assignment:
    scripts_on_path()  # nbgrader runs `alembic` by name to make a gradebook
    root = tmp_path_factory.mktemp("course")
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(source_notebook(), root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    db = root / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_student(STUDENT)
    config = Config()
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    resources = {"nbgrader": {"db_url": f"sqlite:///{db}", "assignment": ASSIGNMENT, "notebook": NOTEBOOK}}
    nb = source_notebook()
    for step in (ClearSolutions(config=config), ComputeChecksums(), SaveCells()):
        nb, resources = step.preprocess(nb, resources)
    for step in (ClearHiddenTests(), ComputeChecksums()):
        nb, resources = step.preprocess(nb, resources)
    with Gradebook(f"sqlite:///{db}") as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission trips SQLAlchemy's autoflush notice
        gb.add_submission(ASSIGNMENT, STUDENT)
    return Assignment(root, db, nb)


@dataclass
class Grading:
    """One student's submission on its way through the steps, with its own copy of the gradebook."""

    db_url: str
    config: Config
    release: nbformat.NotebookNode

    def submission(self, rank: str = RANK_SOLUTION, rewrite: str = REWRITE_SOLUTION) -> nbformat.NotebookNode:
        nb = copy.deepcopy(self.release)
        cell(nb, RANK_ANSWER).source, cell(nb, REWRITE_ANSWER).source = rank, rewrite
        return nb

    def resources(self) -> dict:
        return {"nbgrader": {"db_url": self.db_url, "assignment": ASSIGNMENT, "notebook": NOTEBOOK, "student": STUDENT}}

    def run(self, nb, *steps: type, resources: dict | None = None):
        """Each step, configured as the course configures it, on `nb`; returns (nb, resources) as nbgrader does."""
        resources = resources or self.resources()
        for step in steps:
            nb, resources = step(config=self.config).preprocess(nb, resources)
        return nb, resources

    def sanitized(self, nb):
        return self.run(nb, *SANITIZE)[0]

    def scored(self, rank_outputs: list, rewrite_outputs: list | None = None):
        """An honest submission, sanitized, whose check cells printed these outputs; then ScoreAnswers."""
        nb = self.sanitized(self.submission())
        cell(nb, RANK).outputs = rank_outputs
        if rewrite_outputs is None:
            rewrite_outputs = [recorded("tiny-rewrite", "reflection", REWRITE_TEXT)]
        cell(nb, REWRITE).outputs = rewrite_outputs
        return self.run(nb, ScoreAnswers)

    def grade(self, grade_id: str):
        with Gradebook(self.db_url) as gb:
            g = gb.find_grade(grade_id, NOTEBOOK, ASSIGNMENT, STUDENT)
            return g.auto_score, g.needs_manual_grade


@pytest.fixture
def grading(assignment, tmp_path) -> Grading:
    db = tmp_path / "gradebook.db"
    shutil.copy(assignment.gradebook, db)
    config = Config()
    config.CourseDirectory.root = str(assignment.root)  # the source folder, and no second reader: the rubric alone
    return Grading(f"sqlite:///{db}", config, assignment.release)


def cell(nb, grade_id: str):
    (found,) = [c for c in nb.cells if grade_ids([c]) == [grade_id]]
    return found


def grade_ids(cells) -> list[str | None]:
    return [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells]


def recorded(exercise: str, kind: str, answer) -> nbformat.NotebookNode:
    """What course.record.record_* displays in a check cell: the answer payload and key-free notes."""
    return new_output("display_data", data={MIME: make_payload(exercise, kind, answer), "text/plain": "- recorded"})


def error(ename: str, evalue: str = "") -> nbformat.NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def feedback(check) -> tuple[str, str, float]:
    """A scored check cell's (plain feedback, Markdown feedback, score): ScoreAnswers leaves exactly these two."""
    shown, score = check.outputs
    assert shown.output_type == "display_data" and score.output_type == "execute_result", check.outputs
    return shown.data["text/plain"], shown.data["text/markdown"], float(score.data["text/plain"])


# --- RestoreCells (then OverwriteCells and StripKeys, as configured) -----------------------------------------------


def _untouched(nb, grade_id):
    """An honest submission: its check cell is the release's, without the key; the gradebook's copy has it."""


def _delete(nb, grade_id):
    nb.cells = [c for c in nb.cells if grade_ids([c]) != [grade_id]]


def _edit(nb, grade_id):
    cell(nb, grade_id).source = "print('Score: 3 of 3 points')\n3.0\n"


def _retype(nb, grade_id):
    """The check cell turned into Markdown: a cell of the wrong type no longer counts as the check."""
    index = grade_ids(nb.cells).index(grade_id)
    nb.cells[index] = new_markdown_cell("3.0", metadata=copy.deepcopy(nb.cells[index].metadata))


@pytest.mark.parametrize("damage", [_untouched, _delete, _edit, _retype],
                         ids=["untouched", "deleted", "edited", "made-markdown"])
def test_a_damaged_check_cell_comes_back_from_the_gradebook_without_its_key(grading, damage):
    """Whatever the student did to a check cell, sanitizing leaves the instructor's check in its place, with
    the gradebook's points and lock; OverwriteCells brings the gradebook's source, key and all, and StripKeys
    (after it) cuts the key out."""
    nb = grading.submission()
    damage(nb, RANK)
    nb = grading.sanitized(nb)
    assert [g for g in grade_ids(nb.cells) if g] == ORDER
    check = cell(nb, RANK)
    assert check.cell_type == "code" and check.source == RANK_CHECK and is_test_cell(check)
    assert check.metadata.nbgrader["points"] == 3 and check.metadata.nbgrader["locked"]
    assert "course-key" not in nbformat.writes(nb)


def test_a_deleted_answer_cell_comes_back_as_the_blank_stub_never_the_solution(grading):
    nb = grading.submission()
    _delete(nb, RANK_ANSWER)
    nb, _ = grading.run(nb, RestoreCells)
    assert grade_ids(nb.cells) == ORDER
    answer = cell(nb, RANK_ANSWER)
    assert answer.source == f"# {RESTORED}\nranking = []\n{CODE_STUB}\n"
    assert answer.metadata.nbgrader["solution"] and not answer.metadata.nbgrader["locked"]
    assert cell(nb, REWRITE_ANSWER).source == REWRITE_SOLUTION  # the student's other answer is untouched
    assert "'B', 'A', 'C'" not in nbformat.writes(nb)


def test_an_intake_placeholder_gets_every_cell_of_the_assignment_back(grading):
    """An unreadable notebook is replaced by intake's blank placeholder; RestoreCells rebuilds the assignment in it,
    after the note that says why, so the student is graded (0) and gets feedback."""
    nb = intake.placeholder(f"{NOTEBOOK}.ipynb", "the notebook could not be read (JSONDecodeError)")
    nb = grading.sanitized(nb)
    assert grade_ids(nb.cells) == [None, *ORDER]
    assert "could not be read" in nb.cells[0].source
    assert cell(nb, RANK_ANSWER).source.endswith(f"ranking = []\n{CODE_STUB}\n")
    assert "course-key" not in nbformat.writes(nb) and "'B', 'A', 'C'" not in nbformat.writes(nb)


def test_nbgrader_metadata_a_student_edited_or_invented_is_replaced_or_dropped(grading):
    """Points, grade ids and flags are the gradebook's: a known cell gets the gradebook's metadata back; a cell
    with an unknown grade id, or none the assignment has, stays as the student's own cell, ungraded."""
    nb = grading.submission(rank="ranking = ['C', 'A', 'B']")
    cell(nb, RANK).metadata.nbgrader.update(points=100, solution=True)
    cell(nb, REWRITE_ANSWER).metadata.nbgrader["grade_id"] = "something-else"
    bonus = new_code_cell("print(1)", metadata=nbgrader_meta("bonus", grade=True, points=50))
    nb.cells.insert(1, bonus)
    nb, _ = grading.run(nb, RestoreCells)
    assert cell(nb, RANK).metadata.nbgrader["points"] == 3 and is_test_cell(cell(nb, RANK))
    assert "nbgrader" not in bonus.metadata and bonus in nb.cells
    renamed = next(c for c in nb.cells if c.source == REWRITE_SOLUTION)
    assert "nbgrader" not in renamed.metadata  # kept, as the student's own cell...
    assert cell(nb, REWRITE_ANSWER).source.startswith(f"# {RESTORED}")  # ...and the real answer cell is back, blank
    assert sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells) == sum(POINTS.values())


def test_a_second_cell_claiming_a_grade_id_loses_the_claim(grading):
    """A copy of a check cell, or a cell of another type claiming its grade id, becomes the student's own cell:
    each grade id is graded once, in the cell of the assignment's type."""
    nb = grading.submission()
    claim = new_markdown_cell("I am the check", metadata=copy.deepcopy(cell(nb, RANK).metadata))
    copied = copy.deepcopy(cell(nb, RANK))
    nb.cells.insert(0, claim)
    nb.cells.append(copied)
    nb, _ = grading.run(nb, RestoreCells)
    assert [g for g in grade_ids(nb.cells) if g] == ORDER
    assert "nbgrader" not in claim.metadata and "nbgrader" not in copied.metadata
    assert nb.cells[0] is claim and nb.cells[-1] is copied  # kept where they were


def test_known_cells_go_back_in_the_assignment_order_and_own_cells_stay_after_their_neighbour(grading):
    nb = grading.submission()
    mine_first, mine_after_answer = new_markdown_cell("my notes"), new_code_cell("print('scratch')")
    by_id = dict(zip(grade_ids(nb.cells), nb.cells, strict=True))
    nb.cells = [mine_first, by_id[RANK], by_id["intro"], by_id[RANK_ANSWER], mine_after_answer,
                by_id[REWRITE], by_id[REWRITE_ANSWER]]
    nb, _ = grading.run(nb, RestoreCells)
    assert grade_ids(nb.cells) == [None, "intro", RANK_ANSWER, None, RANK, REWRITE_ANSWER, REWRITE]
    assert nb.cells[0] is mine_first and nb.cells[3] is mine_after_answer


def test_without_the_source_folder_the_gradebook_still_restores_every_cell(grading, tmp_path):
    grading.config.CourseDirectory.root = str(tmp_path)  # no source/ here: the gradebook's cells, in its order
    nb = grading.submission()
    _delete(nb, RANK)
    nb, _ = grading.run(nb, RestoreCells)
    assert sorted(grade_ids(nb.cells)) == sorted(ORDER)
    assert cell(nb, RANK).metadata.nbgrader["points"] == 3


# --- StripKeys -----------------------------------------------------------------------------------------------------

OTHER_HIDDEN = "### BEGIN HIDDEN TESTS\nassert len(ranking) == 3\n### END HIDDEN TESTS\n"


def test_strip_keys_cuts_only_the_key_block_from_a_check_cell():
    """The key never reaches the kernel or the autograded file; the check's code and other hidden tests stay."""
    check = new_code_cell(RANK_CHECK + OTHER_HIDDEN + RANK_KEY, metadata=nbgrader_meta(RANK, grade=True, points=3))
    nb, _ = StripKeys().preprocess(new_notebook(cells=[check]), {})
    assert check.source == RANK_CHECK + OTHER_HIDDEN
    assert "course-key" not in check.source and "order:" not in check.source


def test_strip_keys_leaves_every_other_cell_alone():
    """Only check cells (graded code that is not an answer) hold keys: answers, Markdown and a check cell
    without a key are left exactly as they are."""
    cells = [
        new_code_cell(RANK_CHECK + RANK_KEY, metadata=nbgrader_meta(RANK_ANSWER, solution=True)),
        new_code_cell(RANK_CHECK + RANK_KEY, metadata=nbgrader_meta("manual", grade=True, solution=True, points=2)),
        new_markdown_cell(RANK_KEY, metadata=nbgrader_meta("prompt", grade=True, points=1)),
        new_code_cell(RANK_CHECK + OTHER_HIDDEN, metadata=nbgrader_meta(RANK, grade=True, points=3)),
        new_code_cell(RANK_KEY),
    ]
    before = copy.deepcopy(cells)
    nb, _ = StripKeys().preprocess(new_notebook(cells=cells), {})
    assert nb.cells == before


# --- ScoreAnswers, HoldFlagged, and the steps after it up to the gradebook -----------------------------------------


@pytest.mark.parametrize("answer, points", [(["B", "A", "C"], 3.0), (["A", "B", "C"], 1.0), (["C", "A", "B"], 0.0)])
def test_a_recorded_answer_becomes_the_cells_feedback_and_score(grading, answer, points):
    """The payload is scored against the gradebook's key; the cell's outputs become feedback and a plain float,
    and whatever else the cell printed (a claimed score too) is gone."""
    claim = new_output("stream", name="stdout", text="Score: 3 of 3 points\n")
    nb, resources = grading.scored([claim, recorded("tiny-ranking", "ranking", answer)])
    plain, markdown, score = feedback(cell(nb, RANK))
    assert score == points and plain.startswith(f"Score: {points:g} of 3 points")
    assert markdown.startswith(f"**Score: {points:g} of 3 points**") and "pairs are in the right order" in plain
    assert REVIEW not in plain and HELD_CELLS not in resources


FORGED = {
    "nothing recorded": ([], "No answer was recorded"),
    "printed a score": ([new_output("stream", name="stdout", text="Score: 3 of 3 points\n"),
                         new_output("execute_result", data={"text/plain": "3.0"}, execution_count=1)],
                        "No answer was recorded"),
    "another exercise's answer": ([recorded("tiny-rewrite", "ranking", ["B", "A", "C"])], "No answer was recorded"),
    "a payload claiming full marks": ([new_output("display_data", data={MIME: {
        "v": 1, "exercise": "tiny-ranking", "kind": "ranking", "answer": ["C", "A", "B"], "score": 3, "points": 3}})],
        "0 of 3 pairs are in the right order"),
    "two answers": ([recorded("tiny-ranking", "ranking", ["B", "A", "C"])] * 2, "recorded 2 answers"),
}


@pytest.mark.parametrize("name", FORGED)
def test_a_missing_or_forged_answer_scores_zero_and_says_why(grading, name):
    outputs, says = FORGED[name]
    nb, _ = grading.scored(copy.deepcopy(outputs))
    plain, _markdown, score = feedback(cell(nb, RANK))
    assert score == 0 and says in plain, plain


def test_a_payload_outside_the_check_cell_counts_for_nothing(grading):
    """Only the check cell's own outputs are read: an answer shown from the answer cell is the student's output."""
    nb = grading.sanitized(grading.submission())
    shown = recorded("tiny-ranking", "ranking", ["B", "A", "C"])
    cell(nb, RANK_ANSWER).outputs = [shown]
    nb, _ = grading.run(nb, ScoreAnswers)
    assert feedback(cell(nb, RANK))[2] == 0
    assert cell(nb, RANK_ANSWER).outputs == [shown]


def test_a_check_that_raised_is_flagged_for_a_grader_but_an_unfinished_answer_is_not(grading):
    nb, resources = grading.scored([error("NameError", "name 'ranking' is not defined")],
                                   [recorded("tiny-rewrite", "reflection", ""), error("AnswerNotReady", "empty")])
    plain, _markdown, score = feedback(cell(nb, RANK))
    assert score == 0 and "The cell raised NameError" in plain and f"{REVIEW} the check raised an error" in plain
    plain, _markdown, score = feedback(cell(nb, REWRITE))
    assert score == 0 and "Not answered yet." in plain and REVIEW not in plain
    assert resources[HELD_CELLS] == [RANK]


def test_a_written_answer_is_scored_by_the_rubric_outside_the_kernel(grading):
    nb, _ = grading.scored([recorded("tiny-ranking", "ranking", ["B", "A", "C"])],
                           [recorded("tiny-rewrite", "reflection",
                                     "Your computer is slow because its storage is almost full. I will remove old "
                                     "files you do not need, then it will start faster. Please call me after.")])
    plain, _markdown, score = feedback(cell(nb, REWRITE))
    assert 0 < score <= 4 and "covered 2 of 2 key ideas" in plain
    nb, _ = grading.scored([], [recorded("tiny-rewrite", "reflection", 42)])
    assert feedback(cell(nb, REWRITE))[2] == 0 and "a whole number, not text" in feedback(cell(nb, REWRITE))[0]


def test_feedback_quotes_what_a_student_wrote_as_text(grading):
    """An unknown ranking item is quoted back: in the Markdown form it must render as text, not as HTML."""
    nb, _ = grading.scored([recorded("tiny-ranking", "ranking", ["<img src=x onerror=alert(1)>", "A", "B"])])
    plain, markdown, score = feedback(cell(nb, RANK))
    assert score == 0 and "'<IMG SRC=X ONERROR=ALERT(1)>'" in plain  # items are read in capitals
    assert "<" not in markdown and "&lt;IMG SRC=X ONERROR=ALERT" in markdown


def test_scores_reach_the_gradebook_and_a_flagged_cell_waits_for_a_grader(grading):
    """ScoreAnswers, CapOutputs, MakeInert, SaveAutoGrades and HoldFlagged, in the configured order: the score
    survives the output steps into the gradebook, and a flagged cell is marked "needs manual grade"."""
    assert AFTER_EXECUTION == [ScoreAnswers, CapOutputs, MakeInert, SaveAutoGrades, HoldFlagged]
    nb = grading.sanitized(grading.submission())
    cell(nb, RANK).outputs = [recorded("tiny-ranking", "ranking", ["B", "A", "C"])]
    cell(nb, REWRITE).outputs = [recorded("tiny-rewrite", "reflection", "fine")] * 2  # two answers: flagged
    nb, resources = grading.run(nb, *AFTER_EXECUTION)
    assert resources[HELD_CELLS] == [REWRITE]
    assert grading.grade(RANK) == (3.0, False)
    assert grading.grade(REWRITE) == (0.0, True)


def test_hold_flagged_marks_only_the_held_cells(grading):
    nb = grading.sanitized(grading.submission())
    for check in (RANK, REWRITE):
        cell(nb, check).outputs = [new_output("execute_result", data={"text/plain": "1.0"}, execution_count=1)]
    grading.run(nb, SaveAutoGrades, HoldFlagged)
    assert grading.grade(RANK) == grading.grade(REWRITE) == (1.0, False)  # nothing held: as nbgrader left them
    grading.run(nb, SaveAutoGrades, HoldFlagged, resources={**grading.resources(), HELD_CELLS: [REWRITE]})
    assert grading.grade(RANK) == (1.0, False) and grading.grade(REWRITE) == (1.0, True)


# --- CapOutputs ----------------------------------------------------------------------------------------------------

LIMIT = 100


def _capped(*outputs):
    check = new_code_cell("x", outputs=list(outputs))
    CapOutputs(max_chars=LIMIT).preprocess(new_notebook(cells=[check]), {})
    return check.outputs


def test_cap_outputs_cuts_long_text_and_says_how_much():
    long, short = "y" * (LIMIT + 150), "a short line\n"
    stream, small, result = _capped(
        new_output("stream", name="stdout", text=long),
        new_output("stream", name="stdout", text=short),
        new_output("execute_result", data={"text/plain": long, "text/html": [long, long]}, execution_count=1),
    )
    assert stream.text == "y" * LIMIT + NOTE.format(cut=150)
    assert small.text == short
    assert result.data["text/plain"] == stream.text
    assert result.data["text/html"] == "y" * LIMIT + NOTE.format(cut=2 * len(long) - LIMIT)


def test_cap_outputs_drops_big_blobs_and_keeps_the_end_of_a_traceback():
    small_png = "iVBORw0KGgo="
    blob, small, trace = _capped(
        new_output("display_data", data={"image/png": "A" * (5 * LIMIT + 1), "application/json": {"k": "v" * 600}}),
        new_output("display_data", data={"image/png": small_png, "application/json": {"k": "v"}}),
        new_output("error", ename="E", evalue="", traceback=[f"line {n}" for n in range(80)] + ["z" * 300]),
    )
    assert blob.data == {"image/png": "", "application/json": {}}
    assert small.data == {"image/png": small_png, "application/json": {"k": "v"}}
    assert len(trace.traceback) == 50 and trace.traceback[0] == "line 31"
    assert trace.traceback[-1] == "z" * LIMIT + NOTE.format(cut=200)


def test_cap_outputs_cuts_an_errors_message_too():
    (trace,) = _capped(new_output("error", ename="ValueError", evalue="x" * 10_000, traceback=["ValueError: x..."]))
    assert len(trace.evalue) <= LIMIT + len(NOTE.format(cut=10_000))


# --- MakeInert (test_inert.py covers what it keeps and drops; here, that the grader's own work survives it) -------


def test_make_inert_keeps_the_graders_feedback_and_drops_the_answer_payload_quietly(grading):
    nb, _ = grading.scored([recorded("tiny-ranking", "ranking", ["C", "A", "B"])])
    cell(nb, RANK_ANSWER).outputs = [recorded("tiny-ranking", "ranking", ["B", "A", "C"])]
    before = feedback(cell(nb, RANK))
    nb, _ = grading.run(nb, MakeInert)
    shown, score = cell(nb, RANK).outputs
    assert shown.data["text/plain"] == before[0] and shown.data["text/html"].startswith("<p><strong>Score: 0 of 3")
    assert score.data == {"text/plain": "0.0"}
    assert cell(nb, RANK_ANSWER).outputs[0].data == {"text/plain": "- recorded"}  # no "removed" note for a payload


# --- SafeExecute (real kernels, unsandboxed: the sandbox has its own tests below) -----------------------------------


def _execute(folder: Path, sources: list[str], sandbox: dict | None = None, **settings) -> list[list]:
    """Run these cells through SafeExecute, with a 2 s cell timeout and these c.Sandbox and c.SafeExecute
    settings (unsandboxed unless `sandbox` says otherwise); returns each cell's outputs."""
    c = Config()
    c.Execute.timeout = 2
    c.Sandbox.mode = "off"
    for name, value in (sandbox or {}).items():
        setattr(c.Sandbox, name, value)
    for name, value in settings.items():
        setattr(c.SafeExecute, name, value)
    nb = new_notebook(cells=[new_code_cell(s) for s in sources], metadata={"kernelspec": KERNELSPEC})
    folder.mkdir(exist_ok=True)
    nb, _ = SafeExecute(config=c).preprocess(nb, {"metadata": {"path": str(folder)}})
    return [c.outputs for c in nb.cells]


def _text(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs)


def _errors(outputs) -> list[tuple[str, str]]:
    return [(o.ename, o.evalue) for o in outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def looping(tmp_path_factory) -> list[list]:
    """One kernel: a cell that floods its output, then one that loops for ever."""
    return _execute(tmp_path_factory.mktemp("looping"), [
        "x = 1",
        "for _ in range(50):\n    print('y' * 99, flush=True)",
        "while True:\n    pass",
        "print('after', x)",
    ], sandbox={"output_chars": 1000})


def test_a_cell_that_loops_is_interrupted_at_the_timeout_and_the_notebook_goes_on(looping):
    """The loop gets KeyboardInterrupt at the timeout, the error says so (nbgrader adds CellTimeoutError), and the
    next cell runs in the same kernel."""
    _x, _flood, loop, after = looping
    assert [name for name, _value in _errors(loop)] == ["KeyboardInterrupt", "CellTimeoutError"]
    assert _text(after) == "after 1\n"


def test_output_past_the_limit_is_dropped_as_it_arrives_with_one_note(looping):
    _x, flood, _loop, _after = looping
    text = _text(flood)
    assert text.count("output cut by the grader") == 1 and "more than 1,000 characters" in text
    assert text.count("y" * 99) <= 10 and len(text) < 1200


@pytest.fixture(scope="module")
def stubborn(tmp_path_factory) -> list[list]:
    """A cell that swallows the interrupt: the kernel is restarted and the notebook run again without it."""
    return _execute(tmp_path_factory.mktemp("stubborn"), [
        "x = 1",
        "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass",
        "print('after', x)",
    ], iopub_timeout=2)


def test_a_cell_that_ignores_the_interrupt_is_skipped_and_says_why(stubborn):
    _x, loop, after = stubborn
    ((name, why),) = _errors(loop)
    assert name == STOPPED and "ignored the request to stop" in why
    assert _text(after) == "after 1\n"  # run again without it, from the top, in a fresh kernel


@pytest.fixture(scope="module")
def out_of_restarts(tmp_path_factory) -> list[list]:
    """Two cells that kill the kernel and one restart allowed: the first is skipped in a fresh kernel, the
    second ends the run."""
    return _execute(tmp_path_factory.mktemp("restarts"), [
        "x = 1",
        "import os\nos._exit(3)",
        "import os\nos._exit(4)",
        "print('after', x)",
    ], max_restarts=1)


def test_a_cell_that_kills_the_kernel_is_skipped_and_says_why(out_of_restarts):
    _x, first, _second, _after = out_of_restarts
    ((name, why),) = _errors(first)
    assert name == STOPPED and "stopped the Python kernel" in why


def test_when_restarts_run_out_the_rest_is_not_run_and_says_so(out_of_restarts):
    *_before, after = out_of_restarts
    assert _errors(after) == [(STOPPED, "not run: earlier cells kept stopping the kernel")]


def test_when_restarts_run_out_the_last_cell_that_stopped_the_kernel_says_why(out_of_restarts):
    _x, _first, second, _after = out_of_restarts
    assert _errors(second) and _errors(second)[0][0] == STOPPED and "stopped the Python kernel" in _errors(second)[0][1]


def test_when_restarts_run_out_a_cell_that_ran_is_not_called_not_run(out_of_restarts):
    ran, _first, _second, _after = out_of_restarts
    assert _errors(ran) == []


# --- The sandbox ---------------------------------------------------------------------------------------------------


def _needs_sandbox() -> None:
    why = sandbox.unavailable()
    if why:
        pytest.skip(f"the grading sandbox cannot run here: {why}")


@pytest.fixture
def listener():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        yield server.getsockname()[1]


def _kernel_folders(tmp_path: Path) -> tuple[Path, Path, int | None]:
    """A kernel's folder and its runtime folder, handed to the uid it runs as; and that uid."""
    work, run = tmp_path / "work", tmp_path / "run"
    work.mkdir()
    run.mkdir()
    uid = sandbox.kernel_uid()
    sandbox.hand_to(uid, work, run)
    return work, run, uid


SECRET_KEY = ROOT / "source" / "02-proper-language" / "proper-language.ipynb"  # holds real answer keys

PROBE = """
import json, os, socket
found = {{"cwd": os.getcwd(), "env": sorted(os.environ)}}
for name, path in [("beside", {beside!r}), ("keys", {keys!r})]:
    try:
        found[name] = open(path).read()[:20]
    except OSError as exc:
        found[name] = type(exc).__name__
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
    found["network"] = "connected"
except OSError as exc:
    found["network"] = type(exc).__name__
open("mine.txt", "w").write("ok")
print(json.dumps(found))
"""


def test_the_sandbox_shows_a_program_only_its_folder_and_no_network_or_secrets(tmp_path, listener):
    """The command that wraps each kernel: files beside its folder and the course's keys are out of sight, the
    network is gone, the grader's environment (a gradebook URL) is scrubbed, and its own folder is writable."""
    _needs_sandbox()
    work, run, uid = _kernel_folders(tmp_path)
    (tmp_path / "beside.txt").write_text("another student's work")
    probe = PROBE.format(beside=str(tmp_path / "beside.txt"), keys=str(SECRET_KEY), port=listener)
    env = {**os.environ, "NBGRADER_DB_URL": "sqlite:////secret/gradebook.db"}
    cmd = sandbox.Sandbox().command([sys.executable, "-c", probe], work, run, env, uid)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["beside"] == found["keys"] == "FileNotFoundError", found
    assert found["network"] in ("ConnectionRefusedError", "OSError"), found  # no route out of its own namespace
    assert "NBGRADER_DB_URL" not in found["env"] and found["cwd"] == str(work)
    assert (work / "mine.txt").read_text() == "ok"
    assert SECRET_KEY.is_file() and (tmp_path / "beside.txt").is_file()  # the files are there, just not for it


def test_a_grading_kernel_starts_in_the_sandbox_and_cannot_read_beside_its_folder(tmp_path):
    """SafeExecute with the sandbox required: the kernel runs in its folder as the sandbox's uid (its own when
    grading runs as root), a read beside the folder fails, and what it wrote is the grader's again afterwards."""
    _needs_sandbox()
    (tmp_path / "beside.txt").write_text("another student's work")
    read, write = _execute(tmp_path / "work", [
        f"open({str(tmp_path / 'beside.txt')!r}).read()",
        "import os\nopen('mine.txt', 'w').write('ok')\nprint(os.getuid(), os.getcwd())",
    ], sandbox={"mode": "require"}, timeout=20)
    assert [name for name, _value in _errors(read)] == ["FileNotFoundError"]
    uid = sandbox.kernel_uid()
    assert _text(write) == f"{os.geteuid() if uid is None else uid} {tmp_path / 'work'}\n"
    assert (tmp_path / "work" / "mine.txt").stat().st_uid == os.geteuid()


# --- Intake (test_intake.py covers broken JSON, a missing notebook, links, timestamps and folders) -----------------

NOT_NOTEBOOKS = {
    "valid JSON, not a notebook": json.dumps({"hello": "<b>world</b>"}).encode(),
    "a cell type that is markup": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "<script>alert(1)</script>", "id": "a", "metadata": {}, "source": ""}]}).encode(),
    "not UTF-8": b"\xff\xfe{",
}


@pytest.mark.parametrize("name", NOT_NOTEBOOKS)
def test_what_nbgrader_cannot_read_as_a_notebook_is_kept_and_replaced_by_a_note(tmp_path, name):
    """The pre-convert hook sets it aside byte for byte (and passes over what is not a notebook file); the
    placeholder says why, quoting the reason as text."""
    path = tmp_path / "nb.ipynb"
    path.write_bytes(NOT_NOTEBOOKS[name])
    intake.pre_convert_hook(notebooks=[str(path), str(tmp_path / "gone.ipynb"), str(tmp_path)])
    assert (tmp_path / "nb.ipynb.unreadable").read_bytes() == NOT_NOTEBOOKS[name]
    placeholder = nbformat.read(path, as_version=4)
    nbformat.validate(placeholder)
    note = placeholder.cells[0].source
    assert "could not be read" in note and "<script" not in note and "<b>" not in note


def test_a_notebook_handed_in_as_a_link_is_not_followed(tmp_path):
    """A link where the notebook should be (here, to another student's work) is replaced by a note naming it, and
    a blank placeholder is graded instead: nothing is read through the link."""
    other = tmp_path / "submitted" / "lee" / "hw1"
    other.mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_markdown_cell("LEE'S OWN WORK")]), other / "lesson.ipynb")
    folder = tmp_path / "submitted" / "kim" / "hw1"
    folder.mkdir(parents=True)
    os.symlink(other / "lesson.ipynb", folder / "lesson.ipynb")
    done = intake.prepare(tmp_path / "submitted", "hw1", ["lesson.ipynb"])
    assert done["kim"][-1] == "lesson.ipynb: missing, blank placeholder added"
    assert str(other / "lesson.ipynb") in (folder / "lesson.ipynb.symlink.txt").read_text()
    assert not (folder / "lesson.ipynb").is_symlink()
    assert "LEE'S OWN WORK" not in (folder / "lesson.ipynb").read_text()
    assert "lee" not in done


def test_a_timestamp_that_is_not_text_is_set_aside(tmp_path):
    folder = tmp_path / "submitted" / "kim" / "hw1"
    folder.mkdir(parents=True)
    nbformat.write(new_notebook(), folder / "lesson.ipynb")
    (folder / "timestamp.txt").write_bytes(b"\xff\xfe2026")
    done = intake.prepare(tmp_path / "submitted", "hw1", ["lesson.ipynb"])
    assert "check lateness by hand" in done["kim"][0]
    assert (folder / "timestamp.txt.unreadable").read_bytes() == b"\xff\xfe2026"
