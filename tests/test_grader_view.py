"""A grader opens hostile work: nothing a student submitted runs in their browser or terminal,
or reaches their spreadsheet as a formula.

The corpus (tests/grader_view_corpus.py) is graded with `course grade`, as a class would be. Then:
the autograded notebooks and feedback pages are scanned for anything active, rendered by
nbconvert's own templates without sanitizing; formgrader is opened as the instructor in Chromium
with a beacon listening on 127.0.0.1 that must hear nothing, and the gradebook must be the same
afterwards; `course review`, `course report` and `course export` must exit 0 and print no escape
sequence; and no cell of any CSV they write may start a formula. A last test measures what the
formgrader page policy stops on its own, on a notebook graded with the inert step switched off.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from activescan import new_active_content
from grader_view_corpus import CASES, HOSTILE_IDS, PATTERN_ID, hostile_log
from helpers import CHROMIUM, CHROMIUM_ARGS, free_port, jupyter, own_exercises
from hostile_corpus import FULL, Kit

from course.author.nbgrader_run import nbgrader
from course.grade.batch import PATTERN_ID as PATTERN_REASON
from course.grade.batch import course_id

ASSIGNMENT, NOTEBOOK = "02-proper-language", "proper-language"
TOKEN = "grader-view-test"
GUARD = "course.grade.formgrader_guard"
# What no terminal should receive: control characters but newline and tab, DEL, C1, bidi overrides.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
FLAGGED = HOSTILE_IDS["id-terminal"]


@pytest.fixture(scope="module")
def beacon():
    """An HTTP listener on 127.0.0.1: every request a payload manages to send lands in `hits`."""
    hits: list[str] = []

    class Listener(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            hits.append(self.path)
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"port": server.server_address[1], "hits": hits}
    server.shutdown()


def _students(port: int) -> dict[str, object]:
    """Student id -> the corpus case it hands in (None: honest work under a hostile id, or the control)."""
    found: dict[str, object] = {"honest": None}
    found |= {case.name: case for case in CASES}
    found |= {sid.format(port=port): None for sid in HOSTILE_IDS.values()}
    return found


def _hand_in(course: Path, student: str, build) -> Path:
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    by_answer = own_exercises(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", course_id(course), ASSIGNMENT,
                              student)
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    kit = Kit(nbformat.read(release, as_version=4), by_answer, folder, f"{NOTEBOOK}.ipynb")
    kit.honest()
    build(kit)
    kit.write()
    return folder


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory, beacon):
    course = tmp_path_factory.mktemp("grader-view") / "course"
    course.mkdir()
    shutil.copy(root / "nbgrader_config.py", course)
    shutil.copytree(root / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
    port = beacon["port"]
    students = _students(port)
    for sid, case in students.items():
        if sid == FLAGGED:  # a check that fails, so `course review` lists this id
            folder = _hand_in(course, sid, lambda kit: kit.answer("ranking-answer", "ranking = not_defined\n"))
        else:
            folder = _hand_in(course, sid, (lambda kit, c=case: c.build(kit, port)) if case else (lambda kit: None))
        if sid == HOSTILE_IDS["id-formula"]:
            (folder / "scenario-log.jsonl").write_text(hostile_log(port), encoding="utf-8")
    _hand_in(course, PATTERN_ID, lambda kit: None)
    grade = _run(course, "grade", ASSIGNMENT, "--no-collect", "--jobs", "2")
    return {"course": course, "students": students, "grade": grade, "port": port}


def _run(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course.cli", *args], cwd=course, capture_output=True, text=True)


def _db(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


def _scores(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(_db(course)) as gb:
        return {sub.student.id: {g.name: g.score for nb in sub.notebooks for g in nb.grades}
                for sub in gb.assignment_submissions(ASSIGNMENT)}


def test_the_corpus_is_graded_and_honest_parts_keep_their_marks(graded):
    proc = graded["grade"]
    # One refusal, said plainly (exit 1: a submission was not graded); every other student is graded.
    assert proc.returncode == 1, (proc.stdout + proc.stderr)[-3000:]
    failed = [line for line in proc.stdout.splitlines() if line.startswith("  failed ")]
    assert failed == [f"  failed {PATTERN_ID}: {PATTERN_REASON}"], proc.stdout
    assert len(CASES) + len(HOSTILE_IDS) + 1 >= 15
    scores = _scores(graded["course"])
    assert set(scores) == set(graded["students"])
    for sid, case in graded["students"].items():
        expected = dict(FULL) if sid != FLAGGED and (case is None or case.honest) else {**FULL, "ranking-check": 0.0}
        assert scores[sid] == expected, (sid, scores[sid])


def _render(nb, template: str) -> str:
    """nbconvert's own HTML, unsanitized: the least careful way anyone could open the notebook."""
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter(template_name=template).from_notebook_node(nb)
    return html


def test_autograded_notebooks_hold_nothing_active(graded):
    course, beacon = graded["course"], f"127.0.0.1:{graded['port']}"
    notebooks = {sid: nbformat.read(course / "autograded" / sid / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
                 for sid in graded["students"]}
    for template in ("lab", "classic"):
        baseline = _render(notebooks["honest"], template)
        for sid, nb in notebooks.items():
            assert new_active_content(_render(nb, template), baseline, beacon) == [], (template, sid)
    for sid, nb in notebooks.items():
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                assert out.get("ename") != "SyntaxError", (sid, cell.source[:200])  # the corpus itself is sound
                assert set(out.get("data", {})) <= {"text/plain", "text/html", "image/png", "image/jpeg", "image/gif"}
                assert all(set(sizes) <= {"width", "height"} for sizes in out.get("metadata", {}).values()), sid
        assert "title" not in nb.metadata and "widgets" not in nb.metadata, sid


def test_feedback_pages_hold_nothing_active_and_show_what_the_student_wrote(graded):
    course, beacon = graded["course"], f"127.0.0.1:{graded['port']}"
    pages = {sid: (course / "feedback" / sid / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
             for sid in graded["students"]}
    for sid, page in pages.items():
        assert new_active_content(page, pages["honest"], beacon) == [], sid
    # The grader still sees the attempt, as text: the feedback line repeats the item, escaped.
    assert "Unknown item(s)" in pages["ranking-item"] and "&lt;IMG SRC=X ONERROR=" in pages["ranking-item"]
    assert "The cell raised ValueError" in pages["exception-message"]
    assert "<b>hello</b>" in pages["html-script"]  # the harmless part of an output is kept


def _snapshot(course: Path) -> list[tuple]:
    """Every grade and comment in the gradebook, as plain values."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(_db(course)) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                rows += [(sub.student.id, g.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                         for g in nb.grades]
                rows += [(sub.student.id, c.name, c.auto_comment, c.manual_comment) for c in nb.comments]
    return sorted(rows, key=repr)


def _submission_ids(course: Path) -> dict[str, str]:
    from nbgrader.api import Gradebook

    with Gradebook(_db(course)) as gb:
        return {sid: gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, sid).id
                for sid in [s.id for s in gb.students]}


class Browser:
    """Chromium as the instructor: every page's console, its failed responses, and its policy refusals."""

    def __init__(self, pw, base: str) -> None:
        self.browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        self.page = self.browser.new_page()
        self.page.set_default_timeout(30_000)
        self.console: list[str] = []
        self.page.on("console", lambda msg: self.console.append(msg.text))
        self.page.on("dialog", lambda dialog: (self.console.append(f"PWNED:dialog {dialog.message}"), dialog.dismiss()))
        self.base = base
        self.open(f"/formgrader?token={TOKEN}")  # logs in: the session cookie, as an instructor has it

    def open(self, path: str) -> int:
        """Load a page: its inline scripts and its images' error handlers have run by the load event."""
        # as if followed from the grader's own pages (Jupyter refuses /files/ without a same-site referer)
        response = self.page.goto(self.base + path, wait_until="load", referer=f"{self.base}/formgrader")
        return response.status if response else 0

    def settle(self) -> None:
        """Give what scripts started (their requests to the beacon and the API) time to land."""
        try:
            self.page.wait_for_load_state("networkidle", timeout=5_000)
        except Exception:  # a page that keeps polling is still a page we have looked at
            pass
        self.page.wait_for_timeout(500)

    def ran(self) -> set[str]:
        return {m.split("PWNED:", 1)[1].split()[0] for m in self.console if "PWNED:" in m}

    def refused(self) -> int:
        return sum("Content Security Policy" in m for m in self.console)

    def close(self) -> None:
        self.browser.close()


@pytest.fixture(scope="module")
def pw():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def test_formgrader_runs_nothing_a_student_submitted(graded, beacon, pw, tmp_path, summary_line):
    course = graded["course"]
    before = _snapshot(course)
    ids = _submission_ids(course)
    with jupyter("server", course, tmp_path, TOKEN, f"--ServerApp.jpserver_extensions={GUARD}=True") as base:
        browser = Browser(pw, base)
        try:
            pages = ["/formgrader/manage_assignments", f"/formgrader/manage_submissions/{ASSIGNMENT}",
                     "/formgrader/manage_students", "/formgrader/gradebook", f"/formgrader/gradebook/{ASSIGNMENT}",
                     f"/formgrader/gradebook/{ASSIGNMENT}/{NOTEBOOK}"]
            for sid, submission in ids.items():
                pages.append(f"/formgrader/submissions/{submission}/")
                pages.append(f"/files/feedback/{quote(sid, safe='')}/{ASSIGNMENT}/{NOTEBOOK}.html")
                if sid not in {case.name for case in CASES}:  # pages that print the student id
                    pages.append(f"/formgrader/manage_students/{quote(sid, safe='')}")
                    pages.append(f"/formgrader/manage_students/{quote(sid, safe='')}/{ASSIGNMENT}")
            for path in pages:
                assert browser.open(path) == 200, path
            # formgrader itself still works under its policy: its scripts fill in the autograded score
            browser.open(f"/formgrader/submissions/{ids['honest']}/")
            browser.settle()
            assert browser.page.locator("input.score").first.get_attribute("placeholder") in ("3", "3.0")
            console = list(browser.console)
        finally:
            browser.close()
    assert beacon["hits"] == [], beacon["hits"]
    assert not [m for m in console if "PWNED" in m], console
    assert _snapshot(course) == before
    summary_line(f"grader view: {len(pages)} formgrader and feedback pages opened on {len(ids)} hostile "
                 f"submissions; nothing ran, the beacon heard nothing, the gradebook did not change")


def _terminal_clean(proc: subprocess.CompletedProcess, code: int = 0) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == code, out[-3000:]
    assert not CONTROL.search(out), repr(CONTROL.search(out).group())


def _cli(capsys, course: Path, *args: str) -> subprocess.CompletedProcess:
    """The `course` command, run in this process (as `_run` does in a new one, without the import time)."""
    from course.cli import main

    code = main(["--course-dir", str(course), *args])
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_terminal_commands_print_student_text_as_text(graded, capsys):
    course = graded["course"]
    _terminal_clean(graded["grade"], code=1)  # one refused id (see the first test)
    review = _cli(capsys, course, "review", ASSIGNMENT)
    _terminal_clean(review)
    assert "pwned-title" in review.stdout and "\\x1b" in review.stdout  # the id is listed, as text
    _terminal_clean(_cli(capsys, course, "export", "--format", "all", "--to", str(course / "exports")))
    _terminal_clean(_cli(capsys, course, "report", "--out", str(course / "report")))
    assert (course / "report" / "poor-choices.png").is_file()


def _would_run(cell: str) -> bool:
    """A spreadsheet reads a cell as a formula when it starts (after spaces) with one of these (a lone "-",
    Moodle's "no grade", is text: there is nothing for a formula to act on)."""
    start = cell.lstrip(" ")
    return (bool(start) and start[0] in "=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20" and not NUMBER.fullmatch(cell)
            and cell != "-")


def test_no_csv_cell_would_run_as_a_formula(graded, capsys):
    course = graded["course"]
    for args in (["export", "--format", "all", "--to", str(course / "exports")],
                 ["report", "--out", str(course / "report")]):
        if not Path(args[-1]).is_dir():
            _cli(capsys, course, *args)
    files = [course / "grades.csv", *sorted((course / "report").glob("*.csv")),
             *sorted((course / "exports").glob("*.csv"))]
    assert len(files) >= 10
    cells = []
    for path in files:
        with open(path, newline="", encoding="utf-8") as fh:
            cells += [(path.name, cell) for row in csv.reader(fh) for cell in row]
    assert [(name, cell) for name, cell in cells if _would_run(cell)] == []
    # the hostile id and the hostile scenario log did reach these files, defused
    assert any(cell.startswith("'=HYPERLINK") for _name, cell in cells)
    assert any(name == "poor-choices.csv" and cell.startswith("'@SUM") for name, cell in cells)


def test_the_page_policy_alone_refuses_every_script(graded, beacon, pw, tmp_path, summary_line):
    """Measured, not assumed: the same hostile notebook, graded with the inert step off, opened in a
    stock formgrader (every attack runs) and in one with only the guard's page policy."""
    raw = tmp_path / "course"
    shutil.copytree(graded["course"], raw, ignore=shutil.ignore_patterns("report", "exports"))
    port = graded["port"]
    _hand_in(raw, "raw-all", lambda kit: [case.build(kit, port) for case in CASES if case.honest])
    nbgrader("autograde", ASSIGNMENT, "--student=raw-all", "--force", "--MakeInert.enabled=False", cwd=raw)
    (raw / "nbgrader_config.py").write_text('c = get_config()  # noqa\nc.CourseDirectory.course_id = "aplus-4.7"\n')
    submission = _submission_ids(raw)["raw-all"]
    attacks = {case.name for case in CASES if case.honest}
    results = {}
    policy_only = [f"--ServerApp.jpserver_extensions={GUARD}=False", "--ServerApp.jpserver_extensions=csp_only=True"]
    for mode, extensions, env in [
        ("page policy only", policy_only, {"PYTHONPATH": str(Path(__file__).parent)}),
        ("stock formgrader", [f"--ServerApp.jpserver_extensions={GUARD}=False"], {}),
    ]:
        before, heard = _snapshot(raw), len(beacon["hits"])
        with jupyter("server", raw, tmp_path / mode.replace(" ", "-"), TOKEN, *extensions, env=env) as base:
            browser = Browser(pw, base)
            try:
                assert browser.open(f"/formgrader/submissions/{submission}/") == 200
                browser.settle()
                hits = [hit.strip("/") for hit in beacon["hits"][heard:]]
                ran = browser.ran() | {a for a in attacks for hit in hits if hit == a or hit.startswith(f"{a}-")}
                results[mode] = (ran & attacks, browser.refused(), _snapshot(raw) != before)
            finally:
                browser.close()
    stock_ran, _refused, stock_changed = results["stock formgrader"]
    policy_ran, policy_refused, policy_changed = results["page policy only"]
    assert policy_ran == set() and not policy_changed and policy_refused > 0
    assert len(stock_ran) >= 5 and stock_changed, results  # the attacks are real
    summary_line(f"grader view, measured on one notebook with {len(attacks)} attack kinds and no inert step: a stock "
                 f"formgrader ran {len(stock_ran)} of them ({', '.join(sorted(stock_ran))}) and they rewrote the "
                 f"student's grades; with the guard's page policy alone none ran and Chromium refused "
                 f"{policy_refused} scripts or handlers")
