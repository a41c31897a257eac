"""Helpers the browser, hub and PostgreSQL tests share: free ports, Chromium, Jupyter servers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
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

