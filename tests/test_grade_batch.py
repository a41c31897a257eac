"""`course grade`: a class graded by parallel workers scores exactly as serial nbgrader did."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import sqlite3

import pytest
from helpers import KILL_WORKER, replace_answers

from course.cli import main
from course.demo import CLASS
from course.grade import batch

ASSIGNMENT = "02-proper-language"


def _scores(db) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{db}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            found[sub.student.id] = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
    return found


@pytest.fixture(scope="module")
def graded(demo_run, tmp_path_factory):
    """A copy of the demo course, with an empty hand-in added, graded again by `course grade --jobs 4`: more
    submissions than workers, all writing to one gradebook."""
    instructor, _csv = demo_run
    course = tmp_path_factory.mktemp("batch") / "course"
    shutil.copytree(instructor, course, ignore=shutil.ignore_patterns("autograded", "feedback"))
    (course / "submitted" / "zed" / ASSIGNMENT).mkdir(parents=True)  # submitted an empty folder
    code = main(["--course-dir", str(course), "grade", ASSIGNMENT, "--jobs", "4", "--no-collect"])
    return instructor, course, code


def test_parallel_grades_equal_the_serial_ones(graded):
    instructor, course, code = graded
    serial, parallel = _scores(instructor / "gradebook.db"), _scores(course / "gradebook.db")
    assert code == 0
    assert len(parallel) == len(CLASS) + 1
    for student in CLASS:
        assert parallel[student.id] == serial[student.id], student.id
    assert set(parallel["zed"].values()) == {0.0}


def test_the_gradebook_is_intact_after_four_writers(graded):
    from nbgrader.api import Gradebook

    _instructor, course, _code = graded
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        cells = sorted(c.name for nb in assignment.notebooks for c in nb.grade_cells)
        for sub in gb.assignment_submissions(ASSIGNMENT):
            # every cell of every submission has exactly one grade, with a score
            assert sorted(g.name for nb in sub.notebooks for g in nb.grades) == cells, sub.student.id
            assert all(g.score is not None for nb in sub.notebooks for g in nb.grades), sub.student.id


def test_feedback_and_export_are_written(graded):
    _instructor, course, _code = graded
    for student in CLASS:
        assert (course / "feedback" / student.id / ASSIGNMENT / "proper-language.html").is_file()
    with open(course / "grades.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["assignment"] == ASSIGNMENT]
    assert len(rows) == len(CLASS) + 1


@pytest.fixture(scope="module")
def broken_batch(demo_run, tmp_path_factory):
    """The demo class with submissions that stop nbgrader or its worker, graded in one batch.

    Unsandboxed, as on a host without bubblewrap: only there can a kernel reach its worker
    (test_sandbox checks the same attack fails in the sandbox)."""
    instructor, _csv = demo_run
    course = tmp_path_factory.mktemp("broken") / "course"
    shutil.copytree(instructor, course, ignore=shutil.ignore_patterns("autograded", "feedback"))
    sub = course / "submitted"
    ada = sub / "ada" / ASSIGNMENT  # perfect work, with two things that abort nbgrader before any hook
    os.symlink("/nonexistent/notes.txt", ada / "notes.txt")
    (ada / "timestamp.txt").write_text("yesterday-ish")
    shutil.rmtree(sub / "ben" / ASSIGNMENT)
    (sub / "ben" / ASSIGNMENT).mkdir()
    (sub / "ben" / ASSIGNMENT / "proper-language.ipynb").write_text("{ not json")
    (sub / "cy" / ASSIGNMENT / "proper-language.ipynb").unlink()
    (sub / "cy" / ASSIGNMENT / "proper-language.ipynb").mkdir()  # a folder named like the notebook
    replace_answers(sub / "dee" / ASSIGNMENT / "proper-language.ipynb", KILL_WORKER)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # dee has never been graded
        gb.remove_submission(ASSIGNMENT, "dee")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--course-dir", str(course), "grade", ASSIGNMENT, "--jobs", "2", "--no-collect",
                     "--sandbox", "off"])
    return instructor, course, code, out.getvalue()


def test_broken_submissions_are_graded_as_broken_and_the_batch_goes_on(broken_batch):
    instructor, course, code, _out = broken_batch
    assert code == 1  # dee's submission killed its worker twice: reported, not graded
    serial, scores = _scores(instructor / "gradebook.db"), _scores(course / "gradebook.db")
    assert scores["ada"] == serial["ada"]  # the link and the timestamp were set aside; the work scores in full
    assert set(scores["ben"].values()) == {0.0} and set(scores["cy"].values()) == {0.0}
    for student in ("eli", "fay"):  # graded beside a submission that killed its worker
        assert scores[student] == serial[student], student
    ada = course / "submitted" / "ada" / ASSIGNMENT
    assert (ada / "timestamp.txt.unreadable").read_text() == "yesterday-ish"
    assert "/nonexistent/notes.txt" in (ada / "notes.txt.symlink.txt").read_text()
    assert (course / "submitted" / "cy" / ASSIGNMENT / "proper-language.ipynb.unreadable").is_dir()
    with open(course / "grades.csv", newline="") as fh:  # everyone is in the export, dee included
        rows = {r["student_id"]: r for r in csv.DictReader(fh) if r["assignment"] == ASSIGNMENT}
    assert set(rows) == {s.id for s in CLASS}
    assert set(scores["dee"].values()) <= {None, 0.0}  # nbgrader's empty rows from before the worker died
    assert rows["dee"]["status"] == "submitted, not graded"  # not "graded" or "missing": dee handed in
    assert rows["dee"]["score"] == "0.0" and rows["ada"]["status"] == "graded"


def test_the_summary_names_each_failure_and_repair(broken_batch):
    _instructor, _course, code, out = broken_batch
    assert code == 1  # a failure is reported in the exit status
    assert f"{ASSIGNMENT}: {len(CLASS) - 1} graded, 1 failed" in out
    assert "failed dee: grading it stopped the grading worker process twice" in out
    assert "repaired ada: timestamp.txt: unreadable" in out and "check lateness by hand" in out


def test_a_failure_is_reported_by_its_cause_not_nbgrader_s_closing_line(demo_run, tmp_path):
    """Straight through nbgrader (no intake): the reason is the exception that stopped it."""
    instructor, _csv = demo_run
    course = tmp_path / "course"
    shutil.copytree(instructor, course, ignore=shutil.ignore_patterns("autograded", "feedback"))
    os.symlink("/nonexistent/notes.txt", course / "submitted" / "ada" / ASSIGNMENT / "notes.txt")
    result = batch.make_api(course).autograde(ASSIGNMENT, "ada", force=True, create=True)
    assert not result["success"]
    reason = batch.failure_reason(result)
    assert reason.startswith("FileNotFoundError:") and "notes.txt" in reason, reason


def test_an_unknown_assignment_names_the_problem(demo_run, capsys):
    instructor, _csv = demo_run
    code = main(["--course-dir", str(instructor), "grade", "99-nope", "--no-collect"])
    assert code == 1 and "source/99-nope has no notebooks" in capsys.readouterr().err


_SET_IN_THIS_PROCESS: list[bool] = []  # a forked worker has what was put here; a spawned one starts empty


def _hang_or_finish(assignment: str, student: str, feedback: bool) -> batch.Outcome:
    """A stand-in for grading one submission: "stuck" starts a child and waits for ever, as a hung grade."""
    import subprocess
    import time

    if student == "stuck":
        child = subprocess.Popen(["sleep", "600"])
        with open(assignment, "w") as fh:  # `assignment` is where to say the child's pid
            fh.write(str(child.pid))
        time.sleep(600)
    return batch.Outcome(student, True, 0.0, "forked" if _SET_IN_THIS_PROCESS else "spawned")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_hung_submission_is_stopped_with_what_it_started_and_named(demo_run, tmp_path):
    import time
    from collections import deque

    instructor, _csv = demo_run
    said = str(tmp_path / "child.pid")
    recorded: list[tuple[str, batch.Outcome]] = []
    start = time.monotonic()
    suspects = batch._run_pool(deque([(said, "stuck"), (said, "quick")]), 2, batch.Workers(instructor),
                               lambda a, o: recorded.append((a, o)), limit=8, task=_hang_or_finish)
    assert time.monotonic() - start < 60
    assert suspects == [(said, "stuck", True)]  # named as the one that hung
    assert [o.student for _a, o in recorded] == ["quick"]  # the other one was graded as usual
    child = int(open(said).read())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child)  # what the hung grade started was killed with its worker


def test_a_hung_submission_twice_is_reported_and_the_batch_ends(demo_run, tmp_path, monkeypatch):
    """Through grade_many: stopped once, tried alone, stopped again, reported with the limit."""
    from collections import deque

    instructor, _csv = demo_run
    calls = []

    def fake_pool(queue: deque, jobs, workers, record, limit, task=None):
        calls.append((list(queue), jobs))
        pairs = list(queue)
        queue.clear()
        return [(a, s, True) for a, s in pairs if s == "ada"] + [
            (a, s, False) for a, s in pairs if s == "ben" and jobs > 1]

    monkeypatch.setattr(batch, "_run_pool", fake_pool)
    summary = batch.grade(instructor, ASSIGNMENT, jobs=2, students=["ada", "ben"], limit=30)
    assert calls[0][1] == 2 and [jobs for _q, jobs in calls[1:]] == [1, 1]  # each suspect alone
    failed = {o.student: o.error for o in summary.failed}
    assert set(failed) == {"ada"}  # ben died only beside ada: fine when alone
    assert failed["ada"].startswith("grading it was still running after 30 s, twice")


def test_workers_start_clean_while_another_thread_runs(demo_run):
    """A forked worker would inherit the locks a running thread holds (a progress bar writing to the
    terminal), held for ever; with another thread alive, workers are spawned instead."""
    import threading
    from collections import deque

    instructor, _csv = demo_run
    _SET_IN_THIS_PROCESS.append(True)
    stop = threading.Event()
    writer = threading.Thread(target=stop.wait)
    writer.start()
    try:
        assert batch.start_method() == "spawn"
        recorded = []
        batch._run_pool(deque([("x", "quick")]), 1, batch.Workers(instructor), lambda a, o: recorded.append(o),
                        task=_hang_or_finish)
        assert [o.error for o in recorded] == ["spawned"]
    finally:
        stop.set()
        writer.join()


def test_a_grading_process_shares_one_engine_per_gradebook(tmp_path, monkeypatch):
    """course.grade.gradebook.share_engines: nbgrader's eleven opens per submission reuse one engine (and its
    statement cache) per URL; a gradebook opened that way still reads and writes, and another URL its own."""
    import nbgrader.api
    from nbgrader.api import Gradebook

    from course.grade import gradebook
    from course.programs import scripts_on_path

    scripts_on_path()  # nbgrader runs `alembic` by name for a new gradebook
    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)  # undone after the test
    gradebook.share_engines()
    gradebook.share_engines()  # twice is once
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    with Gradebook(first) as gb:
        gb.add_student("ada")
        engine = gb.engine
    with Gradebook(first) as gb:
        assert gb.engine is engine and [s.id for s in gb.students] == ["ada"]
    with Gradebook(second) as gb:
        assert gb.engine is not engine and gb.students == []
