"""Grading throughput: serial `nbgrader autograde` against `course grade --jobs N`, same class, same run.

    python benchmarks/grading.py [--size 60] [--jobs 2]

Prints the speed-up (target >= 1.8 with 2 jobs on 2 cores) and the cost of one submission against
the kernel floor, an empty notebook executed in-process (target <= 1.5x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from common import kernel_floor, synthetic_class, timed

from course.author.nbgrader_run import nbgrader
from course.grade import batch

ASSIGNMENT = "02-proper-language"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        serial_course = synthetic_class(Path(tmp) / "serial", ASSIGNMENT, args.size)
        parallel_course = Path(tmp) / "parallel" / "course"
        shutil.copytree(serial_course, parallel_course)
        before = kernel_floor(repeat=5)
        serial = timed(lambda: nbgrader("autograde", ASSIGNMENT, "--create", "--force", cwd=serial_course))
        summary = {}
        parallel = timed(lambda: summary.setdefault(
            "s", batch.grade(parallel_course, ASSIGNMENT, jobs=args.jobs, feedback=False)))  # autograde to autograde
        graded = len(summary["s"].graded)
        floor = min(before, kernel_floor(repeat=5))  # the least of two measurements: a floor, not a mean
    per_serial, per_parallel = serial / args.size, parallel / args.size
    print(f"cores: {os.cpu_count()}, submissions: {args.size} ({graded} graded by course grade), jobs: {args.jobs}")
    print(f"kernel floor (empty notebook, in-process):      {floor:6.2f} s")
    print(f"serial `nbgrader autograde` (one process):       {serial:6.1f} s  ({per_serial:.2f} s per submission)")
    print(f"`course grade --jobs {args.jobs}` (autograde only):  {parallel:6.1f} s  "
          f"({per_parallel:.2f} s per submission)")
    ratio = serial / parallel
    cost = (parallel * args.jobs / args.size) / floor
    print(f"speed-up: {ratio:.2f}x (target >= 1.8)  {'MET' if ratio >= 1.8 else 'NOT MET'}")
    verdict = "MET" if cost <= 1.5 else "NOT MET"
    print(f"worker cost per submission / kernel floor: {cost:.2f}x (target <= 1.5)  {verdict}")


if __name__ == "__main__":
    main()
