"""Fit the second reader: how teachers marked the blind development answers, as word weights.

    python -m course.author.second_reader [--check]

It learns each development answer's hand mark (0-4) from its words, word pairs, letter runs and
length band, once for all exercises and once for the answer's own (course/score/second_reading.py),
by ridge regression with conjugate gradients in numpy: about a minute, deterministic, no library at
grading time. It reads the development split only, never the sealed validation split. Its weights
say which words earned marks in each exercise, a soft answer key, so it is written to
source/second-reader.json, which only instructors have: `generate_assignment` copies assignment
folders, never a file beside them.
`--check` fits on all but one calibration round and scores that round: how it reads words it has
not seen.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

import numpy as np

from course.author.tone_model import DEVELOPMENT, ROOT, development, round_of
from course.course_files import model_answers
from course.score.second_reading import FILE, features, reading

OUT = ROOT / FILE
POINTS = 4.0
MIN_COUNT, L2, STEPS = 2, 0.5, 400
# Rounds written and marked under the brief kept in tests/calibration/blind/BRIEFS.md (round 11 and every round
# since) count BRIEF_WEIGHT times: that brief is the standard later rounds are marked to, and its markers fail rude
# answers and serious mistakes far more often than the earlier rounds' did. If the brief changes, say so there and
# decide here which rounds the new one keeps.
KEPT_FROM, BRIEF_WEIGHT = 11, 3.0
# Each model answer counts this many times. At 10 it held while development was small; at
# 54,492 answers the reader put the clarify-restate model answer at 3.71 of 4 and moved it down a quarter point.
MODEL_WEIGHT = 100
Row = tuple[str, str, float, str]  # (exercise id, text, hand mark, calibration round)


def model_answer_rows() -> list[Row]:
    """The course's own model answers, marked 4 by the author who wrote the key, each counted MODEL_WEIGHT times:
    one answer among hundreds would barely move the fit, and the exercise's best answer must read as full marks."""
    return [(ex.key["exercise"], answer, POINTS, "model") for ex, answer in model_answers(ROOT)] * MODEL_WEIGHT


def rows() -> list[Row]:
    """The blind development answers with their hand marks, and the model answers."""
    out = model_answer_rows()
    for name, answers in development():
        out += [(a["prompt"], str(a["text"]), float(a["mark"]), round_of(name)) for a in answers]
    return out


def under_kept_brief(calibration_round: str) -> bool:
    found = re.fullmatch(r"round(\d+)", calibration_round)
    return bool(found) and int(found.group(1)) >= KEPT_FROM


def fit(data: list[Row]) -> dict:
    """Ridge regression of the hand mark on 0/1 features, each answer's scaled by 1/sqrt(how many it has):
    a long answer does not earn more for having more words. Answers from rounds under the kept brief count more."""
    sets = [features(text, exercise) for exercise, text, _, _ in data]
    counts = Counter(f for found in sets for f in found)
    index = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_COUNT))}
    at = [[index[f] for f in found if f in index] for found in sets]
    cols = np.array([i for row in at for i in row], dtype=np.int64)
    row_of = np.repeat(np.arange(len(data)), [len(row) for row in at])
    scale = np.repeat([1 / np.sqrt(max(len(found), 1)) for found in sets], [len(row) for row in at])
    y = np.array([mark for _, _, mark, _ in data])
    counted = np.array([BRIEF_WEIGHT if under_kept_brief(kept) else 1.0 for _, _, _, kept in data])
    n, d = len(data), len(index) + 1  # the last weight is the intercept

    def x(w: np.ndarray) -> np.ndarray:
        return np.bincount(row_of, weights=scale * w[cols], minlength=n) + w[-1]

    def xt(u: np.ndarray) -> np.ndarray:
        return np.append(np.bincount(cols, weights=scale * u[row_of], minlength=d - 1), u.sum())

    def normal(w: np.ndarray) -> np.ndarray:  # (X'CX + L2 I) w, C each answer's count, the intercept unpenalised
        return xt(counted * x(w)) + L2 * np.append(w[:-1], 0.0)

    w = np.zeros(d)
    residual = xt(counted * y) - normal(w)
    step, size = residual.copy(), residual @ residual
    for _ in range(STEPS):  # conjugate gradients
        moved = normal(step)
        alpha = size / (step @ moved)
        w += alpha * step
        residual -= alpha * moved
        new = residual @ residual
        if new < 1e-10:
            break
        step, size = residual + new / size * step, new
    names = sorted(index, key=index.get)
    weights = {f: round(float(v), 4) for f, v in zip(names, w[:-1], strict=True) if abs(v) >= 0.001}
    return {"bias": round(float(w[-1]), 4), "weights": weights, "points": POINTS, "trained_on": n}


def check() -> None:
    data = rows()
    for held in sorted({r[3] for r in data} - {"model"}):
        m = fit([r for r in data if r[3] != held])
        mine = [r for r in data if r[3] == held]
        read = [(POINTS * reading(m, text, ex), mark) for ex, text, mark, _ in mine]
        err = [abs(got - mark) for got, mark in read]
        fbp = sum(mark < 2 and got >= 3 for got, mark in read)
        print(f"{held:8} n={len(mine):4}  within 1 point {np.mean([e <= 1 for e in err]):.1%}  "
              f"MAE {np.mean(err):.3f}  failed-but-passed {fbp}")


def main(argv: list[str]) -> None:
    if not DEVELOPMENT.is_dir():
        sys.exit(f"no development split at {DEVELOPMENT}: run this from a clone of the course repository")
    if "--check" in argv:
        check()
        return
    m = fit(rows())
    OUT.write_text(json.dumps(m, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(m['weights'])} weights from {m['trained_on']} answers)")


if __name__ == "__main__":
    main(sys.argv[1:])
