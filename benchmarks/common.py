"""Shared helpers for the benchmarks: timing, a synthetic class, the kernel floor."""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from course.course_files import exercises, notebooks
from course.demo import CLASS, _answer
from course.grade import batch

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def empty_notebook() -> None:
    """Execute an empty notebook in-process: kernel start and one empty cell, the least any run costs."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()


def kernel_floor(repeat: int = 3) -> float:
    """Median wall time of the empty notebook (after one run that warms the disk cache)."""
    empty_notebook()
    return timed(empty_notebook, repeat)


def synthetic_class(folder: Path, assignment: str, size: int) -> Path:
    """A course folder with `size` submissions of one assignment (perfect, partial, blank and forged answers
    in turn; no hung kernels, which would measure the timeout instead of grading)."""
    course = folder / "course"
    course.mkdir(parents=True)
    shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    api = batch.make_api(course)
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(result.get("log"))
    styles = [s for s in CLASS if s.id in ("ada", "ben", "cy", "fay")]
    course_id = batch.course_id(course)
    for i in range(size):
        student = styles[i % len(styles)]
        student_id = f"{student.id}{i:03d}"
        target = course / "submitted" / student_id / assignment
        shutil.copytree(course / "release" / assignment, target)
        for nb_path in notebooks(course, assignment, folder="release"):
            found = exercises(course / "source" / assignment / nb_path.name)
            _answer(target / nb_path.name, student, found, course_id, student_id)
    return course
