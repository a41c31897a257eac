"""What the grading sandbox costs: the same class graded with and without it, in one run.

    python benchmarks/sandbox.py [--size 24] [--jobs 2] [--rounds 2]

Rounds alternate (off, on, off, on, ...) so a machine that warms up or slows down mid-run weighs on
both sides alike; each side's figure is the median of its rounds. Prints seconds per submission
each way, the ratio, the overhead per submission, and whether the scores agree.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import synthetic_class, timed

from course.grade import batch, sandbox

ASSIGNMENT = "02-proper-language"


def _scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    why = sandbox.unavailable()
    if why:
        sys.exit(f"cannot measure: {why}")
    times: dict[str, list[float]] = {"off": [], "require": []}
    scores: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        template = synthetic_class(Path(tmp) / "template", ASSIGNMENT, args.size)
        for round_ in range(args.rounds):
            for mode in times:
                course = Path(tmp) / f"{mode}-{round_}" / "course"
                shutil.copytree(template, course)
                done: list = []
                times[mode].append(timed(lambda c=course, m=mode, d=done: d.append(
                    batch.grade(c, ASSIGNMENT, jobs=args.jobs, feedback=False, sandbox=m))))
                if done[0].failed:
                    sys.exit(f"{mode}: {[(o.student, o.error) for o in done[0].failed]}")
                scores[mode] = _scores(course)
    off, on = (statistics.median(times[m]) for m in ("off", "require"))
    per_off, per_on = off / args.size, on / args.size
    print(f"cores: {os.cpu_count()}, submissions: {args.size}, jobs: {args.jobs}, rounds: {args.rounds}")
    rounds = {mode: [round(t, 1) for t in runs] for mode, runs in times.items()}
    print(f"without the sandbox: {off:6.1f} s  ({per_off:.2f} s per submission)  rounds {rounds['off']}")
    print(f"with the sandbox:    {on:6.1f} s  ({per_on:.2f} s per submission)  rounds {rounds['require']}")
    overhead = (on - off) * args.jobs / args.size  # worker-seconds each submission costs more
    print(f"ratio with/without: {on / off:.2f}x; overhead per submission: {overhead * 1000:+.0f} ms of worker time")
    print(f"scores agree: {scores['off'] == scores['require']} ({len(scores['off'])} students)")


if __name__ == "__main__":
    main()
