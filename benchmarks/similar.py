"""Look-alike written answers: `course review ASSIGNMENT --similar` on a class of 500, against two baselines.

    python benchmarks/similar.py [--size 500] [--assignment 02-proper-language] [--copies 10]

A synthetic course folder: every written exercise of the assignment answered by `size` students with
independent answers drawn from the development calibration answers (tests/calibration/blind/development),
and `copies` of them handed in twice, slightly changed. Prints the check's time (target: a few seconds),
the cost of only reading the notebooks (a floor), and the same comparison done with Python's difflib
(SequenceMatcher.ratio on sorted words, the standard library's nearest to token_sort_ratio) timed on a sample
of pairs and scaled up to every pair.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import shutil
import tempfile
from pathlib import Path

import yaml
from common import ROOT, timed

from course.course_files import exercises, notebooks, read_cells
from course.grade import similar

DEVELOPMENT = ROOT / "tests" / "calibration" / "blind" / "development"  # never validation/: it is sealed


def development(exercise: str) -> list[str]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    paths = sorted(p for p in DEVELOPMENT.glob("*.yaml") if p.name.split(".")[0] == exercise)
    return [item["text"] for p in paths for item in yaml.load(p.read_text("utf-8"), Loader=loader)]


def near_copy(text: str, rng: random.Random) -> str:
    """Three words changed and the sentences in another order."""
    words = text.split()
    for i in rng.sample(range(len(words)), min(3, len(words))):
        words[i] = rng.choice(["really", "quite", "soon", "also"])
    parts = " ".join(words).split(". ")
    rng.shuffle(parts)
    return ". ".join(parts)


def synthetic_class(folder: Path, assignment: str, size: int, copies: int) -> tuple[Path, int]:
    """A course folder with `size` submissions (the last `copies` students copy the first ones); returns it and
    how many written exercises it has."""
    course = folder / "course"
    shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    shutil.copytree(ROOT / "release" / assignment, course / "release" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    rng = random.Random(f"benchmark/{assignment}")
    count = 0
    for source_nb in notebooks(course, assignment):
        written = [ex for ex in exercises(source_nb) if ex.key["kind"] == "reflection"]
        count += len(written)
        pools = {}
        for ex in written:  # the first `copies` answers, copied by the last students, are full answers (25+ words)
            drawn = rng.sample(development(ex.key["exercise"]), size - copies)
            copied = [t for t in drawn if len(t.split()) >= 25][:copies]
            pools[ex.grade_id] = copied + [t for t in drawn if t not in copied]
        release = json.loads((course / "release" / assignment / source_nb.name).read_text("utf-8"))
        for i in range(size):
            for cell in release["cells"]:
                ex = next((e for e in written if e.grade_id == cell["metadata"].get("nbgrader", {}).get("grade_id")),
                          None)
                if ex is not None:
                    pool = pools[ex.grade_id]
                    text = pool[i] if i < len(pool) else near_copy(pool[i - len(pool)], rng)
                    cell["source"] = f"{ex.variable} = {text!r}\n"
            path = course / "submitted" / f"s{i:03d}" / assignment / source_nb.name
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(release), "utf-8")
    return course, count


def read_only(course: Path, assignment: str) -> None:
    """What any check of the answers pays: read every notebook and take out its written answers."""
    for source_nb in notebooks(course, assignment):
        written = [ex for ex in exercises(source_nb) if ex.key["kind"] == "reflection"]
        for path in (course / "submitted").glob(f"*/{assignment}/{source_nb.name}"):
            cells = read_cells(path)
            for ex in written:
                similar.answer_text(cells, ex)


def difflib_per_pair(texts: list[str], sample: int = 3000) -> float:
    """Seconds per pair for difflib's ratio on sorted words (its nearest to token_sort_ratio), on random pairs."""
    rng = random.Random(0)
    words = [" ".join(sorted(t.split())) for t in texts]
    pairs = [rng.sample(range(len(words)), 2) for _ in range(sample)]

    def run() -> None:
        for i, j in pairs:
            difflib.SequenceMatcher(None, words[i], words[j], autojunk=False).ratio()
    return timed(run) / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--assignment", default="02-proper-language")
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course, count = synthetic_class(Path(tmp), args.assignment, args.size, args.copies)
        read_only(course, args.assignment)  # warm the disk cache, as a second run would find it
        reading = timed(lambda: read_only(course, args.assignment), repeat=3)
        report = similar.find_similar(course, args.assignment)
        check = timed(lambda: similar.find_similar(course, args.assignment), repeat=3)
        texts = [p.read_text("utf-8") for p in (course / "submitted").glob(f"*/{args.assignment}/*.ipynb")]
        answers = []
        for source_nb in notebooks(course, args.assignment):
            for ex in exercises(source_nb):
                if ex.key["kind"] == "reflection":
                    answers += [similar.answer_text(json.loads(t)["cells"], ex) or "" for t in texts]
        pairs = count * args.size * (args.size - 1) // 2
        per_pair = difflib_per_pair([a for a in answers if a])
    first = args.size - args.copies  # s{first + k} copies s{k}
    planted = sum(int(p.student_b[1:]) - first == int(p.student_a[1:]) for p in report.pairs)
    print(f"class: {args.size} students, {count} written exercise(s) in {args.assignment}, {args.copies} near-copies "
          f"planted; {len(report.pairs)} pair(s) listed ({planted} of them planted), "
          f"{len(report.unreadable)} unreadable")
    print(f"find_similar, as `course review --similar` runs it: {check:6.2f} s  (target: a few seconds)")
    print(f"reading the notebooks only (the floor):           {reading:6.2f} s  "
          f"-> check / floor: {check / reading:.1f}x")
    estimate = per_pair * pairs
    print(f"difflib, nearest score, {pairs} pairs (from 3000): {estimate:6.1f} s  "
          f"-> difflib / check: {estimate / check:.0f}x")


if __name__ == "__main__":
    main()
