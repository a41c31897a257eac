"""Helpers the browser, hub and PostgreSQL tests (and benchmarks) share: free ports, Chromium, Jupyter and
PostgreSQL servers."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium as root, headless, with nothing that reaches for the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OUTPUT = ".jp-OutputArea-output"  # a cell's output in JupyterLab
# The per-cell limit when tests grade: the looping students wait it out once per notebook. The course's own (20 s)
# is for real classes; a few seconds is room enough for every honest cell here, even on a loaded 2-core machine.
CELL_TIMEOUT = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_lab_settings(config_dir: Path) -> None:
    """Start the kernel without asking, and fetch no news: either would put a dialog over the page."""
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab"
    tracker = settings / "notebook-extension" / "tracker.jupyterlab-settings"
    notify = settings / "apputils-extension" / "notification.jupyterlab-settings"
    for path, data in [(tracker, {"autoStartDefaultKernel": True}),
                       (notify, {"fetchNews": "false", "checkForUpdates": False})]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data))


def artifacts(root: Path) -> Path:
    """Where a failing browser test leaves its screenshots ($COURSE_ARTIFACTS, else build/test-artifacts)."""
    folder = Path(os.environ.get("COURSE_ARTIFACTS", root / "build" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def isolated_env(home: Path) -> dict:
    """Jupyter settings in a throw-away folder, with the two settings that keep pop-ups away."""
    env = dict(os.environ)
    for var, name in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]:
        env[var] = str(home / name)
        (home / name).mkdir(parents=True, exist_ok=True)
    quiet_lab_settings(home / "config")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextmanager
def jupyter(app: str, root: Path, home: Path, token: str, *args: str, env: dict | None = None) -> Iterator[str]:
    """A Jupyter server (`app`: lab or server) on 127.0.0.1 serving `root`, started in `root` with its
    settings isolated in `home`; yields its base URL once it answers, and stops it afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    home.mkdir(parents=True, exist_ok=True)
    log = home / f"{app}-{port}.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
             f"--ServerApp.token={token}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}", *args],
            cwd=root, env={**isolated_env(home), **(env or {})}, stdout=fh, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"jupyter {app} did not start:\n" + log.read_text()[-3000:]) from None
                    time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def own_exercises(source_nb: Path, course_id: str, assignment: str, student: str) -> dict:
    """A source notebook's exercises by answer cell id, as one student meets them: their own case's key and
    the answer cell that answers it perfectly (course.cases: the case comes from these four names)."""
    from course.author.cases_check import student_exercise
    from course.course_files import exercises

    return {ex.grade_id: student_exercise(ex, course_id, assignment, student) for ex in exercises(source_nb)}



class NoPostgres(RuntimeError):
    """This machine cannot run a PostgreSQL server (the message says what to install)."""


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL server (Debian's `postgresql`: initdb + pg_ctl in a temp folder) on a free
    loopback port, with the databases `gradebook` and `empty`; the gradebook's URL, without a driver name."""
    bindir = _pg_bin()
    if bindir is None:
        raise NoPostgres("no PostgreSQL server programs (initdb, pg_ctl): apt-get install postgresql")
    # not under pytest's temp folder: that is private to this user, and the server runs as another
    tmp = Path(tempfile.mkdtemp(prefix="course-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use Debian's postgres account
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no `postgres` account to run the server as") from None
        os.chown(tmp, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = tmp / "data", free_port()

    def pg(*args: str) -> None:
        proc = subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{args[0]} failed: {proc.stdout}{proc.stderr}"

    pg(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "course", "-E", "UTF8", "--locale=C", "--no-sync")
    pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "server.log"), "-w", "start",
       "-o", f"-h 127.0.0.1 -p {port} -k {tmp} -F")
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=course dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gradebook")
            conn.execute("CREATE DATABASE empty")
        yield f"postgresql://course@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    """A new, empty database on a server from postgres_server; its URL (with psycopg 3's driver name)."""
    import psycopg

    base = server.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"


# A submission's answer that kills the process running its kernel: the grading worker, when unsandboxed.
KILL_WORKER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)  # the grading worker\n"


def replace_answers(notebook: Path, source: str) -> None:
    """Put `source` in every answer cell of a notebook."""
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = source
    notebook.write_text(json.dumps(nb))


def all_grades(url: str) -> dict[tuple[str, str, str, str], tuple]:
    """Every grade in a gradebook: (assignment, student, notebook, cell) -> (auto, manual, max)."""
    from nbgrader.api import Gradebook

    from course.grade import gradebook

    with Gradebook(gradebook.normalize(url)) as gb:
        return {(a.name, s.student.id, n.name, g.name): (g.auto_score, g.manual_score, g.max_score)
                for a in gb.assignments for s in a.submissions for n in s.notebooks for g in n.grades}
