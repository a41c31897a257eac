"""Notebook and import costs: each course notebook's execution time over an empty notebook's, and
the time of `import course` in a fresh interpreter.

    python benchmarks/notebooks.py

Targets: each notebook <= 1.3x the empty notebook; `import course` <= 150 ms. Each notebook is
timed in turn with an empty notebook, and each side's best run is kept; CPU time (this process
and the kernels) is printed beside wall time as a steadier cross-check on a shared machine.
"""

from __future__ import annotations

import copy
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from common import ROOT, empty_notebook
from nbclient import NotebookClient


def run_notebook(nb: nbformat.NotebookNode) -> None:
    """Execute a notebook already read (reading is not what a student waits for at Run All)."""
    with tempfile.TemporaryDirectory() as tmp:  # scenario logs land here, not in the repository
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}},
                       allow_errors=True).execute()


def import_time(module: str = "course", repeat: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(repeat)]
    return sorted(runs)[len(runs) // 2]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the kernels): unlike wall time,
    it does not count time the machine gave to someone else."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measured(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one run."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    fn()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def paired(path: Path, rounds: int = 5) -> tuple[tuple[float, float], tuple[float, float]]:
    """((wall, CPU) of the notebook, (wall, CPU) of the empty notebook), each the least of `rounds`
    runs taken in turn, so that both see the same machine: a slow spell slows both sides."""
    ours, empty = [], []
    source = nbformat.read(path, as_version=4)
    for _ in range(rounds):
        empty.append(measured(empty_notebook))
        nb = copy.deepcopy(source)
        ours.append(measured(lambda nb=nb: run_notebook(nb)))
    return (min(w for w, _ in ours), min(c for _, c in ours)), (min(w for w, _ in empty), min(c for _, c in empty))


def main() -> None:
    empty_notebook()  # warm the disk cache; each notebook below is compared with empty runs beside it
    paths = sorted(ROOT.glob("release/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*.ipynb"))
    for path in paths:
        (wall, cpu), (floor_wall, floor_cpu) = paired(path)
        ratio = wall / floor_wall
        print(f"{path.relative_to(ROOT)}: {wall:.2f} s = {ratio:.2f}x the empty notebook run beside it "
              f"({floor_wall:.2f} s; target <= 1.3)  {'MET' if ratio <= 1.3 else 'NOT MET'}; "
              f"CPU {cpu:.2f} s = {cpu / floor_cpu:.2f}x")
    for module in ("course", "course.play", "course.record"):
        ms = 1000 * import_time(module)
        print(f"import {module}: {ms:.0f} ms (target <= 150 for course)  {'MET' if ms <= 150 else 'NOT MET'}")


if __name__ == "__main__":
    main()
