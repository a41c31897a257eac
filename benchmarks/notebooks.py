"""Notebook and import costs: each course notebook's execution time over an empty notebook's, and
the time of `import course` in a fresh interpreter.

    python benchmarks/notebooks.py

Targets: each notebook <= 1.3x the empty notebook; `import course` <= 150 ms.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from common import ROOT, kernel_floor, timed


def run_notebook(path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:  # scenario logs land here, not in the repository
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}},
                       allow_errors=True).execute()


def import_time(module: str = "course", repeat: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(repeat)]
    return sorted(runs)[len(runs) // 2]


def main() -> None:
    floor = kernel_floor()
    print(f"empty notebook (kernel floor): {floor:.2f} s")
    paths = sorted(ROOT.glob("release/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*.ipynb"))
    for path in paths:
        seconds = timed(lambda p=path: run_notebook(p), repeat=3)
        ratio = seconds / floor
        print(f"{path.relative_to(ROOT)}: {seconds:.2f} s = {ratio:.2f}x the empty notebook "
              f"(target <= 1.3)  {'MET' if ratio <= 1.3 else 'NOT MET'}")
    for module in ("course", "course.play", "course.exercise"):
        ms = 1000 * import_time(module)
        print(f"import {module}: {ms:.0f} ms (target <= 150 for course)  {'MET' if ms <= 150 else 'NOT MET'}")


if __name__ == "__main__":
    main()
