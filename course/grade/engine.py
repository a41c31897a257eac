"""`course grade --engine tcp://SCHEDULER:8786`: grade on many machines through Dask distributed.

Why Dask: it is a well-kept engine that JupyterHub deployments already run (dask-gateway, the Dask
Kubernetes operator), it needs no broker beside its scheduler, and its scheduler notices a dead worker
within seconds (its connection closes) and hands that worker's task to another one. What this module
adds is what grading needs on top (docs/deploying.md, "Grading on many machines"):

- a submission counts as graded only when its grades are in the gradebook (the worker's task returns
  after nbgrader wrote them) and its files are in the course folder; then the ledger (course.grade.ledger)
  marks it done. A worker killed half-way leaves it undone, and it is graded again in full;
- a submission that kills or hangs its worker is failed after `tries`, by the ledger's count;
- a re-run, or a run after Ctrl-C, skips what is done and unchanged, and grades the rest.

The same planning (intake, checks) and the same summary as the local pool (course.grade.batch).
"""

from __future__ import annotations

import itertools
import shutil
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from course.errors import CourseError, GradebookError
from course.grade import batch, gradebook, ledger
from course.grade.engine_worker import (
    Bundle,
    Job,
    code_digest,
    digest_of,
    grade_job,
    identity,
    read_folder,
    tls_problem,
    unpacked,
    write_folder,
)
from course.score.second_reading import FILE as SECOND_READER

CONNECT_TIMEOUT = 30  # seconds to reach the scheduler
WORKER_WAIT = 120  # seconds to wait for the first worker to join
MAX_SHIPPED_MB = 256  # a submission larger than this is not sent to a worker
WINDOW = 512  # submissions on the engine at once: enough for hundreds of workers, little memory
TOO_LARGE = f"the submission is over {MAX_SHIPPED_MB} MB: not sent to a worker; look at it by hand"
KILLED = ("grading it stopped its grading worker more often than the engine allows (Dask's allowed-failures); "
          "it has no grade: look at it by hand")


class EngineError(CourseError):
    """The task engine cannot be used: not installed, not reachable, or no worker joined."""


def course_bundle(root: Path) -> Bundle:
    """What every submission is graded against: the course's settings and second reader (sent once a run)."""
    return Bundle({extra.as_posix(): (root / extra).read_bytes()
                   for extra in (Path("nbgrader_config.py"), SECOND_READER) if (root / extra).is_file()})


def assignment_bundle(root: Path, assignment: str) -> Bundle:
    """An assignment's source folder, hidden tests and all (sent once a run per assignment)."""
    return Bundle(read_folder(root / "source" / assignment, f"source/{assignment}/"))


def check_gradebook(url: str) -> None:
    """Refuse a gradebook only this machine can reach, before anything starts."""
    if gradebook.is_file_db(url):
        raise GradebookError(f"grading on an engine needs a gradebook every worker reaches, not the file "
                             f"{gradebook.shown(url)}: use PostgreSQL (--db-url or {gradebook.ENV_VAR})")


def connect(url: str):
    try:
        from distributed import Client
    except ImportError:
        raise EngineError("grading on an engine needs Dask distributed: pip install 'aplus-professionalism[engine]'"
                          ) from None
    problem = tls_problem(url, "client")
    if problem:
        raise EngineError(problem)
    try:
        client = Client(url, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise EngineError(f"cannot reach the grading engine at {url}: {exc}; start its scheduler (`dask scheduler`) "
                          "and workers (`course worker URL`), see docs/deploying.md, \"Grading on many machines\""
                          ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        client.close()
        raise EngineError(f"no grading worker joined the engine at {url} in {WORKER_WAIT} s: start them with "
                          f"`course worker {url}` on each grading machine") from None
    try:
        check_workers(client)
    except EngineError:
        client.close()
        raise
    return client


def check_workers(client) -> None:
    """Refuse to start when a worker runs other course code than this machine: one class, one rubric. (Each
    worker checks each task as well, for workers that join later.)"""
    names = {address: info.get("name") for address, info in client.scheduler_info(-1)["workers"].items()}
    other = []
    for address, digest in sorted(client.run(code_digest).items()):
        if digest != code_digest():
            name = names.get(address)
            other.append(f"{name} at {address}" if name not in (None, address) else address)
    if other:
        raise EngineError(f"{len(other)} grading worker(s) run other course code than this machine "
                          f"({', '.join(other[:3])}{', ...' if len(other) > 3 else ''}): install the same "
                          "aplus-professionalism on every worker, then run again")


def grade_on_engine(root: Path, todo: dict[str, list[str] | None], engine_url: str, db_url: str | None = None,
                    on_done: Callable[[batch.Outcome, int, int], None] | None = None, feedback: bool = True,
                    tries: int = 2, limit: float = batch.SUBMISSION_LIMIT,
                    regrade: bool = False, client=None) -> dict[str, batch.Summary]:
    """Grade `todo` (assignment -> students, None: all) on the engine; see the module's docstring. `client`:
    one `connect(engine_url)` made already (closed here), so that waiting for workers, or refusing them,
    comes before a progress bar.

    At most WINDOW submissions are on the engine at a time, read from the course folder as earlier
    ones finish, so a class of any size costs the grader's machine and the scheduler little memory.
    """
    from distributed import as_completed

    started = time.perf_counter()
    url = gradebook.normalize(db_url or batch.gradebook_url(root))
    check_gradebook(url)
    summaries, pairs = batch.plan(root, todo, url)
    course = batch.course_directory(root, url).course_id
    ledger.ensure(url)
    client = client or connect(engine_url)
    run = Run(root, url, course, uuid.uuid4().hex, summaries, len(pairs), on_done)
    template = Job(course, "", "", {}, "", run.id, identity(url), feedback, tries, limit, code_digest())
    jobs = run.jobs(client, pairs, regrade, template)
    futures: dict = {}
    pending = as_completed([], loop=client.loop)
    sent = itertools.count()

    def fill() -> None:
        while len(futures) < WINDOW and (job := next(jobs, None)) is not None:
            future = client.submit(grade_job, job, run.shared, run.bundles[job.assignment], pure=False, retries=0,
                                   key=f"course-grade-{run.id}-{next(sent)}")
            futures[future] = job
            pending.add(future)

    try:
        fill()
        for future in pending:
            run.settle(futures.pop(future), future)
            future.release()  # held on, a result lost with its worker would be graded again, for no one
            fill()
    except KeyboardInterrupt:  # stop cleanly: cancel what is queued; the ledger keeps what is done
        client.cancel(list(futures))
        for assignment, summary in summaries.items():
            summary.left = sum(a == assignment for a, _s in pairs) - len(summary.outcomes) - summary.skipped
    finally:
        client.close()
    return batch.finish(root, summaries, started)


class Run:
    """One batch on the engine: what it reads from the course folder, and what it records as tasks end."""

    def __init__(self, root: Path, url: str, course: str, run_id: str, summaries: dict[str, batch.Summary],
                 total: int, on_done: Callable[[batch.Outcome, int, int], None] | None) -> None:
        self.root, self.url, self.course, self.id = root, url, course, run_id
        self.summaries, self.total, self.on_done = summaries, total, on_done
        self.shared = None  # the engine's future holding the course's Bundle
        self.bundles: dict = {}  # assignment -> the engine's future holding its Bundle
        self.finished = 0

    def jobs(self, client, pairs: list[tuple[str, str]], regrade: bool, template: Job) -> Iterator[Job]:
        """Each submission to send, read when it is its turn; what is done and unchanged is counted, not sent."""
        shared = course_bundle(self.root)
        self.shared = self._send(client, shared, "course")
        for assignment in self.summaries:
            bundle = assignment_bundle(self.root, assignment)
            self.bundles[assignment] = self._send(client, bundle, str(len(self.bundles)))
            finished_before = {} if regrade else ledger.done(self.url, self.course, assignment)
            for student in [s for a, s in pairs if a == assignment]:
                files = read_folder(self.root / "submitted" / student / assignment)
                fingerprint = digest_of({**files, "\0course": shared.digest.encode(),
                                         "\0source": bundle.digest.encode(), "\0code": template.code.encode()})
                if finished_before.get(student) == fingerprint:
                    self.summaries[assignment].skipped += 1
                    self._tick(batch.Outcome(student, True, 0.0))
                elif sum(len(data) for data in files.values()) > MAX_SHIPPED_MB * 1024 * 1024:
                    self._record(assignment, batch.Outcome(student, False, 0.0, TOO_LARGE))
                else:
                    yield replace(template, assignment=assignment, student=student, files=files,
                                  fingerprint=fingerprint)

    def _send(self, client, bundle: Bundle, name: str):
        """A bundle as a task, not scattered data: the scheduler keeps how to make it, so a worker that dies
        holding it costs a recomputation, where scattered data would be lost with its submissions. (Dask warns
        of a "large graph" for the second reader, about 20 MB: it is sent once a run.)"""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sending large graph")
            return client.submit(unpacked, bundle, pure=False, key=f"course-bundle-{self.id}-{name}")

    def settle(self, job: Job, future) -> None:
        """Write a finished task's files into the course folder, then mark it in the ledger."""
        outcome, files = _result(job, future)
        if files:
            for part in ("autograded", "feedback"):
                shutil.rmtree(self.root / part / job.student / job.assignment, ignore_errors=True)
            write_folder(self.root, files)
        ledger.settle(self.url, job.course, job.assignment, job.student, job.fingerprint, job.batch, outcome.ok,
                      outcome.error)
        self._record(job.assignment, outcome)

    def _record(self, assignment: str, outcome: batch.Outcome) -> None:
        self.summaries[assignment].outcomes.append(outcome)
        self._tick(outcome)

    def _tick(self, outcome: batch.Outcome) -> None:
        self.finished += 1
        if self.on_done:
            self.on_done(outcome, self.finished, self.total)


def _result(job: Job, future) -> tuple[batch.Outcome, dict[str, bytes]]:
    """A task's outcome and files, or why it has none."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        result = future.result()
    except (KilledWorker, FutureCancelledError):
        return batch.Outcome(job.student, False, 0.0, KILLED), {}
    except CourseError as exc:  # a worker's setting is wrong (another gradebook, no sandbox): say which
        return batch.Outcome(job.student, False, 0.0, str(exc)[:300]), {}
    except Exception as exc:  # an error nbgrader raised instead of reporting
        return batch.Outcome(job.student, False, 0.0, f"grading raised {exc!r}"[:300]), {}
    return result.outcome, result.files
