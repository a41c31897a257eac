"""Run the real `nbgrader` command line, with errors that say which step failed and why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.errors import StepFailed


def nbgrader(*args: str, cwd: str | Path, check: bool = True,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "nbgrader", *args]
    # nbgrader runs `alembic` by name: put this interpreter's scripts first on PATH.
    env = {**os.environ, **(env or {}),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise StepFailed(f"`nbgrader {' '.join(args)}` failed in {cwd} (exit {proc.returncode}):\n{tail}")
    return proc
