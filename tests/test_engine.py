"""Grading on a task engine (`course grade --engine`): a real Dask scheduler on 127.0.0.1, two `course worker`
processes each in its own folder, and a PostgreSQL gradebook (the `postgres` fixture).

A class of 6 submissions is graded by the local pool and by the engine: the scores must be equal. The
engine run is stopped with Ctrl-C and resumed; then graded again while one worker is killed with SIGKILL
half-way through a submission; then a submission that kills its worker every time must be reported as
failed after the set number of tries. A submission past its time limit ends its worker, and a worker running
other course code than the grader's machine refuses to grade.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from helpers import CELL_TIMEOUT, KILL_WORKER, all_grades, free_port, new_database, replace_answers

from course.course_files import exercises, notebooks
from course.demo import CLASS, _answer
from course.grade import batch, gradebook, ledger
from course.grade.engine_worker import DIR_VAR, SANDBOX_VAR, TRIES_USED

COURSE_BIN = Path(sys.executable).parent / "course"
COURSE_ID = "engine-test"
ASSIGNMENTS = ["02-proper-language"]
ROOT = Path(__file__).resolve().parent.parent


def _make_class(folder: Path, names: list[str], students, databases: list[str]) -> Path:
    """A course folder: the assignments' sources, each student's answers to their own cases, in `databases`."""
    course = folder / "course"
    (course / "source").mkdir(parents=True)
    for name in names:
        shutil.copytree(ROOT / "source" / name, course / "source" / name)
    shutil.copy(ROOT / "source" / "second-reader.json", course / "source" / "second-reader.json")
    (course / "nbgrader_config.py").write_text(
        "from course.grade.config import configure\nc = get_config()  # noqa\nconfigure(c)\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    for url in databases:
        api = batch.make_api(course, url)
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            assert result["success"], result["log"][-2000:]
    for name in names:
        for student, answers in students:
            target = course / "submitted" / student.id / name
            shutil.copytree(course / "release" / name, target)
            for nb in notebooks(course, name, folder="release"):
                if answers is None:
                    _answer(target / nb.name, student, exercises(course / "source" / name / nb.name), COURSE_ID,
                            student.id)
                else:
                    replace_answers(target / nb.name, answers)
    return course


class Engine:
    """A Dask scheduler on a free loopback port and named `course worker` processes, each in its own folder."""

    def __init__(self, folder: Path, db_url: str | None, sandbox: str, tls: dict[str, str] | None = None) -> None:
        """`tls`: Dask's TLS settings (_tls_env) for the scheduler and the workers; the URL is then tls://."""
        self.folder, self.sandbox = folder, sandbox
        self.env = {**os.environ, **(tls or {}), **({gradebook.ENV_VAR: db_url} if db_url else {})}
        host = f"{'tls' if tls else 'tcp'}://127.0.0.1"
        self.port = free_port()
        self.url = f"{host}:{self.port}"
        self.workers: dict[str, subprocess.Popen] = {}
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", host, "--port", str(self.port),
             "--no-dashboard"], env=self.env, stdout=subprocess.DEVNULL, stderr=open(folder / "scheduler.log", "w"))

    def start_workers(self, *names: str) -> None:
        """Start them side by side, and wait until each has joined the scheduler. They are started from the
        folder that holds the course folder, which is named `course`, as the package is: `python -m` puts its
        folder first on sys.path, and that folder once hid the package from the workers (found trying it)."""
        for name in names:
            home = self.folder / name
            home.mkdir(exist_ok=True)
            self.workers[name] = subprocess.Popen(
                [str(COURSE_BIN), "worker", self.url, "--name", name, "--dir", str(home / "scratch"),
                 "--sandbox", self.sandbox], cwd=self.folder, env=self.env, stdout=subprocess.DEVNULL,
                stderr=open(home / "worker.log", "w"))
        deadline = time.monotonic() + 120
        for name in names:
            log = self.folder / name / "worker.log"
            while "Registered to" not in log.read_text():
                assert self.workers[name].poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)

    def kill(self, name: str) -> None:
        """SIGKILL the worker, its nanny and everything they started, at once: the machine is gone."""
        if self.workers[name].poll() is not None:
            return
        top = psutil.Process(self.workers[name].pid)
        for process in [top, *top.children(recursive=True)]:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self.workers[name].wait(30)

    def close(self) -> None:
        for name in list(self.workers):
            self.kill(name)
        self.scheduler.kill()
        self.scheduler.wait(30)


def _grade(course: Path, *args: str, env: dict, background: bool = False):
    command = [str(COURSE_BIN), "grade", *ASSIGNMENTS, "--no-collect", "--no-export", *args]
    if background:
        return subprocess.Popen(command, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    return subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, timeout=900)


def _wait_for(condition, what: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def engine_class(postgres, tmp_path_factory):
    """The class graded by the local pool into one database, and an engine with two workers on another."""
    folder = tmp_path_factory.mktemp("engine")
    local_db, engine_db = new_database(postgres, "pool"), new_database(postgres, "engine")
    course = _make_class(folder, ASSIGNMENTS, [(s, None) for s in CLASS], [local_db, engine_db])
    local = folder / "local"
    shutil.copytree(course, local)
    proc = _grade(local, "--jobs", "2", env={**os.environ, gradebook.ENV_VAR: local_db})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    engine = Engine(folder, engine_db, "require")
    try:
        engine.start_workers("w1", "w2")
        yield course, local_db, engine_db, engine
    finally:
        engine.close()


def test_stopped_with_ctrl_c_resumed_and_equal_to_the_local_pool(engine_class):
    course, local_db, engine_db, engine = engine_class
    env = {**os.environ, gradebook.ENV_VAR: engine_db}
    first = _grade(course, "--engine", engine.url, env=env, background=True)
    _wait_for(lambda: sum(r["state"] == "done" for r in ledger.rows(engine_db, COURSE_ID)) >= 2, "2 graded")
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 130, out + err
    assert "stopped (Ctrl-C)" in out and "run the same command again" in out, out
    done_before = {(r["assignment"], r["student"]) for r in ledger.rows(engine_db, COURSE_ID) if r["state"] == "done"}
    assert 2 <= len(done_before) < 6

    second = _grade(course, "--engine", engine.url, env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    skipped = sum(int(line.split()[0]) for line in second.stdout.splitlines() if "unchanged since an earlier" in line)
    assert skipped >= len(done_before), second.stdout  # what was done is kept, not graded again
    rows = ledger.rows(engine_db, COURSE_ID)
    assert len(rows) == 6 and {r["state"] for r in rows} == {"done"}
    assert {r["worker"] for r in rows} == {"w1", "w2"}  # both workers graded
    assert all_grades(engine_db) == all_grades(local_db)  # the same scores as the local pool, cell by cell
    cells = sum(len(exercises(nb)) for name in ASSIGNMENTS for nb in notebooks(course, name))
    assert len(all_grades(engine_db)) == cells * 6  # every graded cell of every submission
    for name in ASSIGNMENTS:  # the files came back to the course folder; the workers graded in their own folders
        for student in CLASS:
            assert list((course / "feedback" / student.id / name).glob("*.html")), (student.id, name)
            assert list((course / "autograded" / student.id / name).glob("*.ipynb")), (student.id, name)
    for name in ("w1", "w2"):
        assert list((engine.folder / name / "scratch").glob("course-*/source/02-proper-language"))

    third = _grade(course, "--engine", engine.url, env=env)  # nothing changed: nothing to grade
    assert third.returncode == 0 and "6 unchanged since an earlier run" in third.stdout, third.stdout


def test_a_worker_killed_mid_grade_loses_nothing_and_grades_nothing_twice(engine_class):
    course, local_db, engine_db, engine = engine_class
    env = {**os.environ, gradebook.ENV_VAR: engine_db}
    run = _grade(course, "--engine", engine.url, "--regrade", env=env, background=True)

    def w1_grading():
        return [r for r in ledger.rows(engine_db, COURSE_ID) if r["state"] == "grading" and r["worker"] == "w1"
                and r["attempts"] == 1]

    (victim,) = _wait_for(w1_grading, "worker w1 to claim a submission")
    time.sleep(0.5)  # half-way into its grading kernel
    engine.kill("w1")
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, out + err
    for name in ASSIGNMENTS:
        assert f"{name}: 6 graded, 0 failed" in out, out
    rows = {(r["assignment"], r["student"]): r for r in ledger.rows(engine_db, COURSE_ID)}
    assert {r["state"] for r in rows.values()} == {"done"}
    again = rows[(victim["assignment"], victim["student"])]
    assert again["attempts"] == 2 and again["worker"] == "w2"  # re-queued, graded once more, by the other worker
    assert sum(r["attempts"] for r in rows.values()) == 7  # every other submission: one attempt
    assert all_grades(engine_db) == all_grades(local_db)


GRADE_ONE = """
import sys, threading, time
from pathlib import Path
from course.grade import engine_worker as w
from course.grade.engine import assignment_bundle, course_bundle
root, url, course, assignment, student, batch, limit, submitted, mark = sys.argv[1:]
job = w.Job(course, assignment, student, w.read_folder(Path(submitted)), "f" * 64, batch, w.identity(url),
            limit=float(limit))
grading = threading.Thread(target=w.grade_job, args=(job, course_bundle(Path(root)), assignment_bundle(Path(root),
                           assignment)), daemon=True)
grading.start()
while grading.is_alive() and not (mark and Path(mark).exists()):
    time.sleep(0.05)
if not mark:
    print("the grading returned")
elif not Path(mark).exists():
    sys.exit("the grading ended before its kernel hung")
else:
    w.end_worker()  # what the watchdog does when the limit passes
"""


def _grade_in_a_worker_process(course: Path, db: str, student: str, batch: str, folder: Path, limit: float = 600,
                               answers: str | None = None, mark: Path | None = None, sandbox: str = "require"):
    """Grade one submission with the engine worker's grade_job in a process of its own, as a task would; with
    `mark`, end the process the way the watchdog does once the file `mark` exists."""
    submitted = course / "submitted" / student / ASSIGNMENTS[0]
    if answers is not None:
        submitted = Path(shutil.copytree(submitted, folder / "submitted"))
        for notebook in submitted.glob("*.ipynb"):
            replace_answers(notebook, answers)
    env = {**os.environ, gradebook.ENV_VAR: db, DIR_VAR: str(folder / "w"), SANDBOX_VAR: sandbox}
    command = [sys.executable, "-c", GRADE_ONE, str(course), db, COURSE_ID, ASSIGNMENTS[0], student, batch,
               str(limit), str(submitted), str(mark or "")]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_a_submission_past_its_limit_ends_its_worker(engine_class, tmp_path):
    """A hang no cell timeout reaches becomes a death: the worker's watchdog ends its process (exit 70) when one
    submission runs past its limit, after the ledger counted the attempt. The engine then hands the task on as
    for any dead worker (the kill -9 test), and the tries stop it going on for ever (the next test)."""
    course, _local_db, engine_db, _engine = engine_class
    ledger.ensure(engine_db)  # as `course grade` does before any worker claims
    student, assignment = CLASS[2].id, ASSIGNMENTS[0]
    proc = _grade_in_a_worker_process(course, engine_db, student, "hang-test", tmp_path, limit=0.01)
    assert proc.returncode == 70, proc.stdout + proc.stderr
    assert "the grading returned" not in proc.stdout
    row = {(r["assignment"], r["student"]): r for r in ledger.rows(engine_db, COURSE_ID)}[(assignment, student)]
    assert (row["batch"], row["attempts"], row["state"]) == ("hang-test", 1, "grading")


def test_a_submission_that_kills_every_worker_fails_after_its_tries(postgres, tmp_path):
    """An unsandboxed worker, as on a host without bubblewrap: only there can a kernel reach its worker. Its
    nanny starts it again after each death, and the classmate's submission is graded."""
    db = new_database(postgres, "poison")
    poisoner, honest = CLASS[0], CLASS[1]
    course = _make_class(tmp_path, ["02-proper-language"], [(poisoner, KILL_WORKER), (honest, None)], [db])
    engine = Engine(tmp_path, db, "off")
    try:
        engine.start_workers("p1")
        proc = subprocess.run([str(COURSE_BIN), "grade", "02-proper-language", "--no-collect", "--no-export",
                               "--engine", engine.url, "--tries", "2"], cwd=course, capture_output=True, text=True,
                              env={**os.environ, gradebook.ENV_VAR: db}, timeout=600)
    finally:
        engine.close()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "02-proper-language: 1 graded, 1 failed" in proc.stdout, proc.stdout
    assert f"failed {poisoner.id}: {TRIES_USED.format(tries=2)}" in proc.stdout.replace("\n", " "), proc.stdout
    rows = {r["student"]: r for r in ledger.rows(db, COURSE_ID)}
    assert rows[poisoner.id]["state"] == "failed" and rows[poisoner.id]["attempts"] == 3  # 2 tries, then refused
    assert rows[honest.id]["state"] == "done"


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE  # ended, not yet reaped
    except psutil.NoSuchProcess:
        return True


def test_a_worker_that_ends_itself_takes_what_its_unsandboxed_kernel_started_along(engine_class, tmp_path):
    """A sandboxed kernel and all it started die with their worker (bubblewrap's --die-with-parent). Unsandboxed
    (`course worker --sandbox off`), the kernel ends itself when its parent is gone (ipykernel watches it), but a
    process its student code started would run on: the worker ends them all before it goes."""
    course, _local_db, engine_db, _engine = engine_class
    ledger.ensure(engine_db)  # as `course grade` does before any worker claims
    mark = tmp_path / "started.pid"
    hung = (f"import pathlib, subprocess\nchild = subprocess.Popen(['sleep', '600'])\n"
            f"pathlib.Path({str(mark)!r}).write_text(str(child.pid))\nchild.wait()\n")
    proc = _grade_in_a_worker_process(course, engine_db, CLASS[3].id, "kernel-test", tmp_path, answers=hung,
                                      mark=mark, sandbox="off")
    assert proc.returncode == 70, proc.stdout + proc.stderr
    started = int(mark.read_text())  # what the hung answer cell started, and waits for
    _wait_for(lambda: _gone(started), f"process {started}, which the student's code started, to end", 15)


def test_a_worker_running_other_course_code_refuses_before_it_claims():
    """One class, one rubric: a worker whose course package differs from the grader's machine grades nothing (the
    engine reports each such submission failed with this message; the engine tests above run the same code)."""
    from course.grade.engine_worker import Bundle, EngineWorkerError, Job, code_digest, grade_job

    job = Job(COURSE_ID, ASSIGNMENTS[0], "s1", {}, "f" * 64, "b1", ("postgresql", "nowhere", 5432, "x"), code="0" * 64)
    with pytest.raises(EngineWorkerError, match=rf"other course code than the grader's machine \({code_digest()[:12]}, "
                       r"not 000000000000\): install the same aplus-professionalism on every worker"):
        grade_job(job, Bundle({}), Bundle({}))


def test_a_batch_does_not_start_while_a_worker_runs_other_course_code():
    from course.grade import engine

    class Workers:  # what a Dask Client answers, for two workers
        def run(self, function):  # each worker's address -> what the function returned there
            assert function is engine.code_digest
            return {"tcp://10.0.0.5:4100": "0" * 64, "tcp://10.0.0.6:4100": engine.code_digest()}

        def scheduler_info(self, n_workers):
            assert n_workers == -1  # all of them, not Dask's first few
            return {"workers": {"tcp://10.0.0.5:4100": {"name": "box-3"}, "tcp://10.0.0.6:4100": {"name": 4}}}

    with pytest.raises(engine.EngineError, match=r"1 grading worker\(s\) run other course code than this machine "
                       r"\(box-3 at tcp://10.0.0.5:4100\): install the same aplus-professionalism on every worker"):
        engine.check_workers(Workers())


def test_a_worker_without_its_sandbox_does_not_start(tmp_path):
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no bwrap on it
    proc = subprocess.run([str(COURSE_BIN), "worker", f"tcp://127.0.0.1:{free_port()}"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "error: the grading sandbox is required (c.Sandbox.mode = 'require') but bubblewrap" in proc.stderr


def test_an_engine_that_does_not_answer_is_named_with_the_fix(monkeypatch):
    from course.grade import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 2)
    url = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(engine.EngineError, match=f"cannot reach the grading engine at {url}: .*`course worker URL`"):
        engine.connect(url)


def _tls_env(folder: Path) -> dict[str, str]:
    """Dask's settings for a TLS engine (docs/deploying.md): one throw-away authority and certificate for all."""
    from distributed.security import Security

    made = Security.temporary()
    files = {"ca.pem": made.tls_ca_file, "node.pem": made.tls_client_cert, "node.key": made.tls_client_key}
    for name, pem in files.items():
        (folder / name).write_text(pem)
    env = {"DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
           "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(folder / "ca.pem")}
    for role in ("SCHEDULER", "WORKER", "CLIENT"):
        env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__CERT"] = str(folder / "node.pem")
        env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__KEY"] = str(folder / "node.key")
    return env


def test_an_engine_over_tls_carries_tasks_and_refuses_plain_connections(tmp_path):
    import dask

    from course.grade import engine

    tls = _tls_env(tmp_path)
    running = Engine(tmp_path, None, "off", tls=tls)
    try:
        running.start_workers("t1")
        settings = {key.removeprefix("DASK_").lower().replace("__", "."): value for key, value in tls.items()}
        with dask.config.set(settings):
            client = engine.connect(running.url)  # the workers' code is checked too
            try:
                assert client.submit(engine.code_digest, pure=False).result(timeout=60) == engine.code_digest()
            finally:
                client.close()
        plain = f"tcp://127.0.0.1:{running.port}"
        with pytest.raises(engine.EngineError, match=f"cannot reach the grading engine at {plain}"):
            engine.connect(plain)  # the scheduler speaks TLS only
    finally:
        running.close()


def test_a_tls_engine_without_certificates_is_named_with_the_fix(tmp_path):
    from course.grade import engine

    url = f"tls://127.0.0.1:{free_port()}"
    wanted = "DASK_DISTRIBUTED__COMM__TLS__CA_FILE or DASK_DISTRIBUTED__COMM__TLS__{}__CERT"
    with pytest.raises(engine.EngineError, match=f"{url} is a TLS engine, but this client has no "
                       f"{wanted.format('CLIENT')}: set them"):
        engine.connect(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    proc = subprocess.run([str(COURSE_BIN), "worker", url], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert f"this worker has no {wanted.format('WORKER')}" in proc.stderr, proc.stderr


def test_an_engine_needs_a_server_gradebook(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "source" / "02-proper-language", course / "source" / "02-proper-language")
    (course / "nbgrader_config.py").write_text("c = get_config()  # noqa\n")
    env = {k: v for k, v in os.environ.items() if k != gradebook.ENV_VAR}
    proc = subprocess.run([str(COURSE_BIN), "grade", "02-proper-language", "--no-collect", "--engine",
                           f"tcp://127.0.0.1:{free_port()}"], cwd=course, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert "grading on an engine needs a gradebook every worker reaches" in proc.stderr, proc.stderr
