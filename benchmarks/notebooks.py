"""What a student or an instructor waits for, as ratios measured in one run:

- the first check cell that gives feedback on a written answer, in a fresh kernel, against a plain
  cell (`x = 1`) in a fresh kernel: the difference, target <= 0.5 s;
- each release notebook (Run All) against an empty notebook: target <= 1.2x;
- the grades dashboard and the course map against an empty notebook: target <= 2x;
- `import course` in a fresh interpreter: target <= 150 ms.

    python benchmarks/notebooks.py [--rounds 5]

Each side of a comparison is run in turn, `rounds` times, and each side's best run is kept, so
both see the same machine; CPU time (this process and the kernels) is printed beside wall time as
a steadier cross-check on a shared machine. The dashboard reports on a graded course: the one
course.export.report.find_graded_course finds from the repository (`make demo` leaves one in
.demo/), else one `course demo` grades once into a temporary folder before anything is timed.
A notebook that fails (other than an unanswered exercise in a release notebook) is reported as
such: its time would mean nothing. The course's bytecode is written first, as `pip install` writes it
on a hub: where Python may not write it (PYTHONDONTWRITEBYTECODE, a read-only checkout), every kernel
would compile the course from source, a cost no student meets and the empty notebook does not pay.
"""

from __future__ import annotations

import argparse
import compileall
import copy
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from common import ROOT, empty_notebook
from nbclient import NotebookClient

# Over 100 words, so the reading-ease advice is shown too, with a name cmudict lacks, as most answers have.
ANSWER = (
    "Thank you, Mr. Halvorsen, and sorry for the trouble. Let me check I have understood. Since Monday the "
    "tablet your customers use to check in keeps losing its connection, mostly in the afternoons, and when it "
    "does the screen freezes, so your receptionist has to write names on paper. The laptop in the back office "
    "works fine. You moved the tablet to the new counter by the window at the weekend, and turning it off and "
    "on again has not helped. You need it working before Friday, because you are fully booked that day. "
    "Have I missed anything, or got any of it wrong?"
)
CHECK_CELL = f'from course.record import record_reflection\n\nrecord_reflection("x", {ANSWER!r}, rubric="restate")'
PLAIN_CELL = "x = 1"
TARGETS = {"feedback": 0.5, "release": 1.2, "instructor": 2.0, "import": 150}
EXPECTED_ERRORS = {"AnswerNotReady"}  # a release notebook run as handed out: its exercises are not answered


def compile_course() -> None:
    """Write the course's bytecode (__pycache__, ignored by git), as `pip install` does (see the docstring)."""
    compileall.compile_dir(ROOT / "course", quiet=1)


def verdict(figure: float, target: float) -> str:
    return "MET" if figure <= target else "NOT MET"


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the kernels): unlike wall time,
    it does not count time the machine gave to someone else."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measured(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    fn()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(w for w, _ in runs), min(c for _, c in runs)


def first_cell(code: str) -> float:
    """Wall time of the first cell run in a fresh kernel, from sending it to the kernel being idle again
    (the kernel's start is not counted: a student waits for it before any cell)."""
    from jupyter_client.manager import start_new_kernel

    with tempfile.TemporaryDirectory() as tmp:
        km, kc = start_new_kernel(kernel_name="python3", cwd=tmp)
        try:
            start = time.perf_counter()
            reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
            took = time.perf_counter() - start
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"the cell failed: {reply['content'].get('evalue')}")
    return took


def feedback_wait(rounds: int) -> None:
    """The first written-answer feedback in a fresh kernel, less a plain first cell in a fresh kernel."""
    plain, check = [], []
    for _ in range(rounds):
        plain.append(first_cell(PLAIN_CELL))
        check.append(first_cell(CHECK_CELL))
    extra = min(check) - min(plain)
    print(f"first check-cell feedback on a written answer: {min(check):.2f} s, a plain first cell {min(plain):.2f} s: "
          f"+{extra:.2f} s (target <= {TARGETS['feedback']})  {verdict(extra, TARGETS['feedback'])}")


def run_notebook(nb: nbformat.NotebookNode, folder: Path | None) -> list[str]:
    """Execute a notebook already read (reading is not what anyone waits for at Run All), in `folder`
    (None: a temporary one, where scenario logs land instead of the repository). Returns its errors."""
    with tempfile.TemporaryDirectory() as tmp:
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder or tmp)}},
                       allow_errors=True).execute()
    return [f"{out.ename}: {out.evalue}" for cell in nb.cells for out in cell.get("outputs", [])
            if out.get("output_type") == "error" and out.ename not in EXPECTED_ERRORS]


def paired(path: Path, folder: Path | None, rounds: int) -> tuple[tuple[float, float], tuple[float, float], list[str]]:
    """((wall, CPU) of the notebook, (wall, CPU) of the empty notebook, the notebook's errors), each side the
    least of `rounds` runs taken in turn, so that both see the same machine: a slow spell slows both sides."""
    ours, empty, errors = [], [], []
    source = nbformat.read(path, as_version=4)
    for _ in range(rounds):
        empty.append(measured(empty_notebook))
        nb = copy.deepcopy(source)
        ours.append(measured(lambda nb=nb: errors.extend(run_notebook(nb, folder))))
    return best(ours), best(empty), sorted(set(errors))


def graded_course() -> Path:
    """A graded course for the dashboard: the repository's, else one the demo grades now (minutes, not timed)."""
    from course.export.report import find_graded_course

    found = find_graded_course(ROOT)
    if found is not None:
        return found
    work = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    print(f"no graded course found: grading the demo class into {work} first (not timed)", flush=True)
    subprocess.run([Path(sys.executable).with_name("course"), "demo", "--workdir", str(work)], check=True,
                   stdout=subprocess.DEVNULL)
    return work / "instructor"


def notebook_ratios(rounds: int) -> None:
    empty_notebook()  # warm the disk cache; each notebook below is compared with empty runs beside it
    os.environ["COURSE_DIR"] = str(graded_course())  # the kernels inherit it: the dashboard reports on it
    runs = [(p, None, "release") for p in sorted(ROOT.glob("release/*/*.ipynb"))]
    runs += [(p, p.parent, "instructor") for p in sorted(ROOT.glob("notebooks/*.ipynb"))]  # they read ../
    for path, folder, kind in runs:
        (wall, cpu), (floor_wall, floor_cpu), errors = paired(path, folder, rounds)
        ratio, target = wall / floor_wall, TARGETS[kind]
        print(f"{path.relative_to(ROOT)}: {wall:.2f} s = {ratio:.2f}x the empty notebook run beside it "
              f"({floor_wall:.2f} s; target <= {target})  {verdict(ratio, target) if not errors else 'FAILED'}; "
              f"CPU {cpu:.2f} s = {cpu / floor_cpu:.2f}x", flush=True)
        for error in errors:
            print(f"    error: {error}")


def import_time(module: str = "course", repeat: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(repeat)]
    return sorted(runs)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of each side of a comparison (best kept)")
    args = parser.parse_args()
    compile_course()
    feedback_wait(args.rounds)
    notebook_ratios(args.rounds)
    ms = 1000 * import_time("course")
    print(f"import course: {ms:.0f} ms (target <= {TARGETS['import']})  {verdict(ms, TARGETS['import'])}")
    for module in ("course.play", "course.record"):  # what a release notebook's cells import (no target of their own)
        print(f"import {module}: {1000 * import_time(module):.0f} ms")


if __name__ == "__main__":
    main()
