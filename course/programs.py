"""The environment's own programs, for tools that run them by name (bottom layer: imports nothing of course).

nbgrader runs `alembic` by name when it opens a new gradebook; a course run as `.venv/bin/course` without
the environment activated would not find it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def scripts_on_path() -> None:
    """Put this interpreter's scripts folder (where `alembic` is) first on PATH, once."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
