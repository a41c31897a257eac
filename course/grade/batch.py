"""Grade a whole class in parallel: the step nbgrader lacks (its issue #174, open since 2015).

Each worker process imports nbgrader once and autogrades its share of the students through
nbgrader's own API, so a submission costs little more than its kernel run. A submission that
fails is recorded with its reason; it never stops the batch. Student code runs in kernels that
are children of a worker, so it can kill that worker: the pool is then rebuilt, and the
submissions that were in flight are graded again one at a time, which names the one that did it.
A submission still grading after `limit` seconds (something hung where no cell timeout reaches)
is treated the same way: its workers are killed, and it is tried once more alone.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

SQLITE_BUSY_TIMEOUT = 120  # seconds a writer waits for another worker's write to finish
RETRIES = 2  # extra attempts for a submission that hit a locked database
# Seconds one submission may take: far over the worst honest case (a notebook's cells each stopped
# at the cell timeout, the kernel restarted three times), so only a hang reaches it.
SUBMISSION_LIMIT = 900


@dataclass
class Outcome:
    student: str
    ok: bool
    seconds: float
    error: str = ""  # the last line of nbgrader's error, for the summary


@dataclass(frozen=True)
class Workers:
    """What every grading worker is started with (the pool pickles it for each new process)."""

    root: Path
    db_url: str | None = None
    sandbox: str | None = None  # a c.Sandbox.mode; None: the course's own setting
    feedback: bool = True


@dataclass
class Summary:
    assignment: str
    outcomes: list[Outcome] = field(default_factory=list)
    repaired: dict[str, list[str]] = field(default_factory=dict)  # intake notes per student
    review: int = 0  # cells flagged for a grader
    seconds: float = 0.0
    skipped: int = 0  # graded by an earlier run on the engine, unchanged since (course.grade.ledger)
    left: int = 0  # not graded: the run was stopped (Ctrl-C) before them

    @property
    def graded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def load_config(root: Path, db_url: str | None = None):
    """The nbgrader settings `nbgrader` itself would use in the course folder, as a traitlets Config.

    Like nbgrader (course.nbgrader_files), the course folder's file last. The gradebook URL then comes in the
    order course.grade.gradebook gives: `db_url` (from --db-url), then $NBGRADER_DB_URL, then the files; so
    a file that names its SQLite gradebook after `configure(c)` does not hide the one a hub or an engine
    worker is given.
    """
    from course.grade import gradebook
    from course.nbgrader_files import read_settings

    config = read_settings(root)
    config.CourseDirectory.root = str(root)
    db_url = db_url or gradebook.from_env()
    if db_url:
        config.CourseDirectory.db_url = gradebook.normalize(db_url)
    return config


def course_directory(root: Path, db_url: str | None = None):
    """nbgrader's view of the course folder: its gradebook URL, course id and folders."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=load_config(root, db_url))


def gradebook_url(root: Path, db_url: str | None = None) -> str:
    """The gradebook this course grades into (see course.grade.gradebook for the order of sources).

    Read from the course's settings alone (course.grade.config.settings_only), so a reader such as the
    graders' dashboard does not import the grading pipeline; with none set, nbgrader's own default.
    """
    from course.grade.config import settings_only

    with settings_only():
        config = load_config(root, db_url)
    return config.CourseDirectory.get("db_url") or f"sqlite:///{os.path.abspath(Path(root) / 'gradebook.db')}"


def course_id(root: Path) -> str:
    """The course's id in its settings ("" when none), read without the grading pipeline."""
    from course.cases import course_of
    from course.grade.config import settings_only

    with settings_only():
        return course_of(load_config(root))


def worker_db_url(db_url: str) -> str:
    """SQLite serialises writers; give each a long busy timeout instead of failing at once."""
    if db_url.startswith("sqlite:") and "timeout=" not in db_url:
        return f"{db_url}{'&' if '?' in db_url else '?'}timeout={SQLITE_BUSY_TIMEOUT}"
    return db_url


def sandbox_settings(root: Path, mode: str | None = None):
    """The course's grading sandbox (c.Sandbox in nbgrader_config.py); `mode` (from --sandbox) wins."""
    from traitlets import TraitError

    from course.errors import SandboxError
    from course.grade.sandbox import Sandbox

    config = load_config(root)
    if mode:
        config.Sandbox.mode = mode
    try:
        return Sandbox(config=config)
    except TraitError as exc:
        raise SandboxError(f"a c.Sandbox setting in nbgrader_config.py is wrong: {exc} "
                           "(see docs/deploying.md, \"Grading in a sandbox\")") from None


def make_api(root: Path, db_url: str | None = None, sandbox: str | None = None):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from course.programs import scripts_on_path

    scripts_on_path()
    config = load_config(root, db_url)
    if sandbox:
        config.Sandbox.mode = sandbox
    coursedir = CourseDirectory(config=config)
    config.CourseDirectory.db_url = worker_db_url(coursedir.db_url)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


_API = None  # one per worker process


def _start_worker(workers: Workers) -> None:
    global _API
    os.setsid()  # a kernel that kills its process group takes this worker with it, not `course grade`
    # Kernels inherit stderr and chatter on it; nbgrader's own log and errors come back in results.
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    os.chdir(workers.root)
    from course.grade import gradebook

    gradebook.share_engines()
    _API = make_api(workers.root, workers.db_url, workers.sandbox)


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "nbgrader reported a failure without a message"


_EXCEPTION = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit)): ?(.*)$")


def failure_reason(result: dict) -> str:
    """The first exception in nbgrader's log for this student, not its closing "see the traceback"."""
    for text in (result.get("log"), result.get("error")):
        for line in (text or "").splitlines():
            found = _EXCEPTION.match(line.strip())
            if found and found.group(1) != "NbGraderException":
                return f"{found.group(1)}: {found.group(2)}"[:300]
    return _last_line(result.get("error") or result.get("log"))


# nbgrader reads a student id as a glob pattern, twice (the folder, then the notebook in it): with
# these in the id it grades other students' work, or none. A student can choose their id on some hubs.
PATTERN_CHARS = set("*?[")
PATTERN_ID = ("the student id holds *, ? or [, which nbgrader reads as a pattern (it would grade other students' "
              "work, or none); not graded: rename the folder under submitted/ to the student's real id")


def _grade_one(assignment: str, student: str, feedback: bool = True) -> Outcome:
    """Autograde one submission and write its feedback (in a worker of the local pool)."""
    return grade_with(_API, assignment, student, feedback)


def grade_with(api, assignment: str, student: str, feedback: bool = True) -> Outcome:
    """Autograde one submission through nbgrader's API and write its feedback: the one step every worker runs."""
    start = time.perf_counter()
    if PATTERN_CHARS & set(student):
        return Outcome(student, False, 0.0, PATTERN_ID)
    for attempt in range(RETRIES + 1):
        result = api.autograde(assignment, student, force=True, create=True)
        if result["success"] or "database is locked" not in (result.get("error") or ""):
            break
        time.sleep(1 + attempt)
    if result["success"]:
        written = api.generate_feedback(assignment, student, force=True) if feedback else {"success": True}
        if not written["success"]:
            return Outcome(student, True, time.perf_counter() - start,
                           "graded, but feedback failed: " + _last_line(written.get("error")))
        return Outcome(student, True, time.perf_counter() - start)
    return Outcome(student, False, time.perf_counter() - start, failure_reason(result))


KILLED_WORKER = ("grading it stopped the grading worker process twice (its code kills the process that runs "
                 "it); it has no grade: look at it by hand")
HUNG = ("grading it was still running after {limit:.0f} s, twice (something hung where no cell timeout reaches); "
        "it has no grade: look at it by hand, or grade it alone with a longer --submission-timeout")


def start_method() -> str:
    """fork when this process runs one thread; spawn when it runs more.

    A forked worker inherits the parent's imports (cheap to start), and also every lock another
    thread held at that instant (a progress bar's writer, a notebook kernel's I/O threads), held
    for ever: it can hang on its first write. spawn starts clean, for a few seconds more.
    """
    return "fork" if threading.active_count() == 1 else "spawn"


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill every worker and what it started; the pool then reports itself broken."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its own group (setsid in _start_worker): with its kernels
        except (ProcessLookupError, PermissionError):
            process.kill()  # not yet its own group leader


def _run_pool(queue: deque, jobs: int, workers: Workers, record: Callable[[str, Outcome], None],
              limit: float = SUBMISSION_LIMIT,
              task: Callable[..., Outcome] = _grade_one) -> list[tuple[str, str, bool]]:
    """Grade from `queue` with at most `jobs` in flight; on a dead or hung worker, return the ones in flight.

    Keeping no more in flight than there are workers means that, when one dies, every submission
    that could have killed it is known; the rest stay in the queue for a fresh pool. Each returned
    (assignment, student, hung) says whether that one had passed `limit` seconds. `task` grades one
    submission in a worker (a stand-in in tests).
    """
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context, initializer=_start_worker,
                             initargs=(workers,)) as pool:
        running: dict = {}  # future -> (assignment, student, when it started)
        overdue: set = set()
        while queue or running:
            while queue and len(running) < max(1, jobs):
                assignment, student = queue.popleft()
                future = pool.submit(task, assignment, student, workers.feedback)
                running[future] = (assignment, student, time.monotonic())
            first = min(started for _a, _s, started in running.values())
            done, _ = wait(running, timeout=max(0.1, first + limit - time.monotonic()), return_when=FIRST_COMPLETED)
            if not done:
                overdue = {(a, s) for a, s, started in running.values() if time.monotonic() - started >= limit}
                if overdue:
                    _kill_workers(pool)
                continue
            for future in done:
                assignment, student, _started = running.pop(future)
                try:
                    record(assignment, future.result())
                except BrokenProcessPool:
                    return [(a, s, (a, s) in overdue) for a, s, _t in [(assignment, student, 0), *running.values()]]
                except Exception as exc:  # an error nbgrader raised instead of reporting
                    record(assignment, Outcome(student, False, 0.0, f"grading raised {exc!r}"[:300]))
    return []


def submitted_students(root: Path, assignment: str) -> list[str]:
    folder = root / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())


def grade(root: Path, assignment: str, jobs: int = 2, students: Iterable[str] | None = None,
          db_url: str | None = None, on_done: Callable[[Outcome, int, int], None] | None = None,
          feedback: bool = True, sandbox: str | None = None, limit: float = SUBMISSION_LIMIT) -> Summary:
    """Autograde and write feedback for every submission of an assignment, `jobs` at a time."""
    todo = {assignment: list(students) if students is not None else None}
    return grade_many(root, todo, jobs, db_url, on_done, feedback, sandbox, limit)[assignment]


def grade_many(root: Path, todo: dict[str, list[str] | None], jobs: int = 2, db_url: str | None = None,
               on_done: Callable[[Outcome, int, int], None] | None = None,
               feedback: bool = True, sandbox: str | None = None,
               limit: float = SUBMISSION_LIMIT) -> dict[str, Summary]:
    """Grade several assignments in one pool, so a slow submission of one overlaps work on another.

    `todo` maps each assignment to its students (None: everyone in submitted/); `sandbox` is a
    c.Sandbox.mode for the workers (None: the course's setting); `limit` is the seconds one submission
    may take before its workers are killed (`--submission-timeout`).
    """
    started = time.perf_counter()
    summaries, pairs = plan(root, todo, db_url)
    finished = 0

    def record(assignment: str, outcome: Outcome) -> None:
        nonlocal finished
        summaries[assignment].outcomes.append(outcome)
        finished += 1
        if on_done:
            on_done(outcome, finished, len(pairs))

    workers = Workers(root, db_url, sandbox, feedback)
    queue = deque(pairs)
    while queue:
        suspects = _run_pool(queue, jobs, workers, record, limit)
        for assignment, student, _hung in suspects:  # one at a time: a second death names the culprit
            for _a, _s, hung in _run_pool(deque([(assignment, student)]), 1, workers, record, limit):
                record(assignment, Outcome(student, False, 0.0, HUNG.format(limit=limit) if hung else KILLED_WORKER))
    return finish(root, summaries, started)


def plan(root: Path, todo: dict[str, list[str] | None],
         db_url: str | None = None) -> tuple[dict[str, Summary], list[tuple[str, str]]]:
    """Check the batch can run, repair what intake repairs, and list its (assignment, student) pairs.

    Everything that would fail every submission (no notebooks, an unreadable second reader, a gradebook
    without the assignment) stops the batch here, saying how to fix it, not once per submission.
    """
    from course.course_files import notebooks
    from course.errors import CourseError
    from course.grade.intake import prepare
    from course.score.second_reading import FILE, load

    load(str(root / FILE))
    summaries, pairs = {}, []
    for assignment, students in todo.items():
        expected = [p.name for p in notebooks(root, assignment)]
        if not expected:
            raise CourseError(f"source/{assignment} has no notebooks; check the assignment name (see `ls source`)")
        summaries[assignment] = Summary(assignment, repaired=prepare(root / "submitted", assignment, expected))
        names = students if students is not None else submitted_students(root, assignment)
        pairs += [(assignment, s) for s in names]
    import nbgrader.apps  # noqa: F401  (imported once here; the forked workers inherit it)

    from course.grade import gradebook

    if pairs:
        coursedir = course_directory(root, db_url)
        gradebook.prepare(coursedir.db_url, coursedir.course_id, sorted({assignment for assignment, _ in pairs}))
    return summaries, pairs


def finish(root: Path, summaries: dict[str, Summary], started: float) -> dict[str, Summary]:
    """Sort each summary and count the cells held for a grader."""
    from course.grade.review import flags

    for assignment, summary in summaries.items():
        summary.outcomes.sort(key=lambda o: o.student)
        summary.review = len(flags(root, assignment))
        summary.seconds = time.perf_counter() - started
    return summaries


def collect(root: Path, assignment: str, db_url: str | None = None) -> str | None:
    """Collect from the exchange when the course has one; returns what went wrong, if anything.

    Collect reads the due date from the gradebook, so it takes the same `db_url` as grading.
    """
    config = load_config(root, db_url)
    if "Exchange" not in config or not config.Exchange.get("root"):
        return None
    api = make_api(root, db_url)
    result = api.collect(assignment, update=True)
    return None if result is None or result["success"] else _last_line(result.get("error"))
