"""A grading worker on the task engine (Dask distributed): `course worker tcp://SCHEDULER:8786`.

Files travel with the task, so a worker needs no shared folder: each task carries one submission's
files, and the course files it is graded against (settings and the second reader, and the assignment's
source with its hidden tests) reach each worker once per run. The worker writes them to a scratch
course folder of its own, grades with the same nbgrader steps, sandbox and limits as `course grade`
(course.grade.batch.grade_with), and sends the autograded and feedback files back. Grades go straight
to the gradebook (PostgreSQL), which the worker reaches with its own setting (NBGRADER_DB_URL).

A worker refuses to grade without its sandbox unless started with `--sandbox auto` or `off`. A task
that runs past its limit ends the worker process (a hang no cell timeout reaches): the engine hands
the submission to another worker, and the ledger's count of tries stops that going on for ever.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from course.errors import CourseError, GradebookError, SandboxError
from course.grade import batch, gradebook, ledger

SANDBOX_VAR = "COURSE_WORKER_SANDBOX"  # require (default), auto or off: set by `course worker --sandbox`
DIR_VAR = "COURSE_WORKER_DIR"  # where a worker keeps its scratch course folders
TRIES_USED = ("grading it stopped or hung its grading worker {tries} time(s) (its code kills the process that runs "
              "it, or something hung where no cell timeout reaches); it has no grade: look at it by hand")


class EngineWorkerError(CourseError):
    """A worker that must not grade this batch: it runs other course code than the grader's machine."""


@dataclass(frozen=True)
class Bundle:
    """The course files a submission of one assignment is graded against: relative path -> bytes."""

    files: dict[str, bytes]
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", digest_of(self.files))


@dataclass(frozen=True)
class Job:
    """One submission to grade: what the task carries to a worker."""

    course: str
    assignment: str
    student: str
    files: dict[str, bytes]  # the submitted folder, relative to it
    fingerprint: str  # of the bundle and these files: the ledger's "same work" test
    batch: str
    gradebook: tuple  # where the grades must go (course.grade.engine_worker.identity): a worker checks it
    feedback: bool = True
    tries: int = 2
    limit: float = batch.SUBMISSION_LIMIT
    code: str = ""  # code_digest() where the batch was started: a worker running other code refuses


@dataclass(frozen=True)
class Result:
    outcome: batch.Outcome
    files: dict[str, bytes]  # autograded/STUDENT/ASSIGNMENT/... and feedback/STUDENT/ASSIGNMENT/...


def unpacked(bundle: Bundle) -> Bundle:
    """The engine's task that hands a bundle to the workers (course.grade.engine: why not scattered data)."""
    return bundle


def digest_of(files: dict[str, bytes]) -> str:
    sha = hashlib.sha256()
    for name in sorted(files):
        sha.update(name.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(files[name]).digest())
    return sha.hexdigest()


def read_folder(folder: Path, prefix: str = "") -> dict[str, bytes]:
    """Every regular file under `folder` (links and special files are not followed): relative path -> bytes."""
    found = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and not path.is_symlink():
            found[prefix + path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` under `folder`; a name that would land outside it is refused."""
    base = folder.resolve()
    for name, data in files.items():
        target = (base / name).resolve()
        if base not in target.parents:
            raise ValueError(f"refusing to write {name!r} outside {base}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@functools.cache
def code_digest() -> str:
    """The grading code this process runs: every file of the course package (rubrics and readers are code
    too). Workers must run the same as the grader's machine, or one class would be marked by two rubrics."""
    package = Path(__file__).resolve().parents[1]
    return digest_of({path.relative_to(package).as_posix(): path.read_bytes() for path in package.rglob("*")
                      if path.is_file() and "__pycache__" not in path.parts})


def identity(url: str) -> tuple:
    """Which database a URL names, without its password: the client's and each worker's must agree."""
    from sqlalchemy.engine import make_url

    parsed = make_url(gradebook.normalize(url))
    return parsed.get_backend_name(), parsed.host, parsed.port or 5432, parsed.database


def tls_problem(url: str, role: str) -> str | None:
    """Why this machine cannot reach a `tls://` engine as `role` (client or worker), or None. Dask reads its
    certificates from its settings (DASK_DISTRIBUTED__COMM__TLS__... variables); without them it fails with a
    traceback, or hangs, instead of saying which are missing."""
    if not url.startswith("tls://"):
        return None
    from distributed.security import Security

    security = Security()
    wanted = {"CA_FILE": security.tls_ca_file, f"{role.upper()}__CERT": getattr(security, f"tls_{role}_cert")}
    missing = [f"DASK_DISTRIBUTED__COMM__TLS__{name}" for name, value in wanted.items() if not value]
    if not missing:
        return None
    return (f"{url} is a TLS engine, but this {role} has no {' or '.join(missing)}: set them to the files of the "
            f"engine's certificate authority and of this {role}'s certificate (and DASK_DISTRIBUTED__COMM__TLS__"
            f"{role.upper()}__KEY for its key); see docs/deploying.md, \"Grading on many machines\"")


# --- in the worker process ------------------------------------------------------------------------------------------

_APIS: dict[str, object] = {}  # scratch course folder -> nbgrader API, made once per worker process
_LOCK = threading.Lock()  # one grading at a time per process, whatever the worker's thread count


def worker_sandbox() -> str:
    mode = os.environ.get(SANDBOX_VAR, "require").strip() or "require"
    if mode not in ("require", "auto", "off"):
        raise SandboxError(f"{SANDBOX_VAR}={mode!r}: use require, auto or off")
    return mode


def worker_dir(folder: str | None = None) -> Path:
    """Where a worker keeps its scratch course folders and starts: `--dir`, else what `course worker` set, else
    a folder in the system's temporary folder."""
    chosen = folder or os.environ.get(DIR_VAR)
    return Path(chosen).resolve() if chosen else Path(tempfile.gettempdir()) / "course-worker"


def scratch(*bundles: Bundle) -> Path:
    """This worker's course folder for these bundles, written once (then reused for every submission).

    Written aside and renamed into place, so worker processes sharing the folder (`--nworkers`) never see
    half of one; each submission then has its own folders in it."""
    base = worker_dir()
    root = base / f"course-{digest_of({b.digest: b'' for b in bundles})[:20]}"
    if not root.is_dir():
        base.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=base, prefix=".staging-"))
        for bundle in bundles:
            write_folder(staging, bundle.files)
        try:
            staging.rename(root)
        except OSError:  # another worker process put it there first
            shutil.rmtree(staging, ignore_errors=True)
    return root


def _api(root: Path, url: str):
    key = str(root)
    if key not in _APIS:
        _APIS[key] = batch.make_api(root, url, sandbox=worker_sandbox())
    return _APIS[key]


def _watchdog(limit: float) -> threading.Timer:
    """End this worker process when one submission runs past `limit`: the engine re-queues it elsewhere."""
    timer = threading.Timer(limit, end_worker)
    timer.daemon = True
    timer.start()
    return timer


def end_worker(code: int = 70) -> None:
    """End this worker process and what it started. A sandboxed kernel dies with it (bubblewrap's
    --die-with-parent); an unsandboxed one (`--sandbox off`) would run on, hung, for ever."""
    try:
        import psutil  # Dask's own dependency

        for child in psutil.Process().children(recursive=True):
            child.kill()
    except Exception:  # ending matters more than tidying up
        pass
    os._exit(code)


def grade_job(job: Job, course: Bundle, source: Bundle) -> Result:
    """Grade one submission in this worker (the engine's task) and return its outcome and files.

    The worker's own NBGRADER_DB_URL names the gradebook (course.grade.batch.load_config: before the course's
    settings, which travel with the task); it must be the batch's."""
    if job.code and job.code != code_digest():
        raise EngineWorkerError(f"this worker runs other course code than the grader's machine ({code_digest()[:12]}, "
                                f"not {job.code[:12]}): install the same aplus-professionalism on every worker")
    with _LOCK:
        root = scratch(course, source)
        url = gradebook.normalize(batch.gradebook_url(root))
        if identity(url) != job.gradebook:
            raise GradebookError(
                f"this worker grades into {gradebook.shown(url)}, not the batch's gradebook: set {gradebook.ENV_VAR} "
                "on every worker to the course's PostgreSQL gradebook")
        if ledger.claim(url, job.course, job.assignment, job.student, job.fingerprint, job.batch,
                        job.tries, _worker_name()) is None:
            return Result(batch.Outcome(job.student, False, 0.0, TRIES_USED.format(tries=job.tries)), {})
        parts = [Path(part) / job.student / job.assignment for part in ("submitted", "autograded", "feedback")]
        for part in parts:
            shutil.rmtree(root / part, ignore_errors=True)
        write_folder(root / parts[0], job.files)
        os.chdir(root)  # as the local pool's workers: nbgrader resolves some paths from here
        timer = _watchdog(job.limit)
        try:
            outcome = batch.grade_with(_api(root, url), job.assignment, job.student, job.feedback)
        finally:
            timer.cancel()
        files = {}
        for part in parts[1:]:
            files.update(read_folder(root / part, f"{part.as_posix()}/"))
        for part in parts:
            shutil.rmtree(root / part, ignore_errors=True)
        return Result(outcome, files)


def _worker_name() -> str:
    from distributed import get_worker

    try:
        return str(get_worker().name)
    except ValueError:  # called outside a Dask worker (a test)
        return ""


def dask_setup(worker) -> None:
    """Dask's preload hook (`--preload course.grade.engine_worker`): refuse to start without the sandbox
    this worker requires, and run in a session of its own (a kernel that kills its process group ends
    this worker only, not its nanny)."""
    check_sandbox()
    try:
        os.setsid()
    except OSError:
        pass  # already a group leader
    # Import the grading pipeline now, as the local pool's workers inherit it: not on the first submission.
    import nbgrader.apps  # noqa: F401
    from traitlets.config import Config

    from course.grade import config

    config._pipeline(Config())  # imports every grading step's class
    gradebook.share_engines()
    code_digest()


def check_sandbox() -> str:
    """The worker's sandbox in words; raises SandboxError when it is required and cannot run."""
    from course.grade.sandbox import Sandbox

    on, why = Sandbox(mode=worker_sandbox()).status()
    return f"sandbox: on ({why})" if on else f"sandbox: OFF ({why})"


# --- `course worker` ------------------------------------------------------------------------------------------------

def run(scheduler: str, nworkers: int = 1, sandbox: str = "require", folder: str | None = None,
        name: str | None = None) -> int:
    """Check the sandbox here, with a clear message, then exec Dask's own worker with the course's preload."""
    problem = tls_problem(scheduler, "worker")
    if problem:
        raise EngineWorkerError(problem)
    os.environ[SANDBOX_VAR] = sandbox
    print(check_sandbox(), file=sys.stderr, flush=True)  # `require` without bubblewrap raises: nothing starts
    command = [sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--nthreads", "1",
               "--nworkers", str(nworkers), "--memory-limit", "0", "--no-dashboard", "--preload", __name__]
    home = worker_dir(folder)
    if folder:
        command += ["--local-directory", str(home)]
    if name:
        command += ["--name", name]
    os.environ[DIR_VAR] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    # `python -m` puts the folder it starts in first on sys.path: started beside a course folder named
    # `course`, the workers would import that folder as this package. Start them in their own folder.
    os.chdir(home)
    os.execv(sys.executable, command)
    return 0  # not reached
