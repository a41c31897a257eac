"""Rebuild course/rubrics/tone-model.json from hand-labelled sentences.

    python -m course.author.tone_model [--check]

Run from a clone of the course: it reads tests/calibration/tone/ (sentences written for the model,
and which sentences of the blind development answers a marker called unprofessional) and the
development split itself, never the sealed validation split. The fit is L2-regularised logistic
regression by full-batch gradient descent in numpy, on sparse 0/1 features (seconds, not minutes):
small, deterministic and dependency-free at grading time. `--check` fits on all but one calibration
round and reports how many of that round's rude answers, and of its strong answers (hand mark 3 or
more), have a sentence over each threshold: the honest view of how it does on wording it has not seen.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np

from course import yaml_text
from course.course_files import assignments, exercises, model_answers, notebooks
from course.score.reflection import DEFAULT_RUBRIC
from course.score.tone import features, probability
from course.score.wording import sentences

ROOT = Path(__file__).resolve().parents[2]
TONE = ROOT / "tests" / "calibration" / "tone"
DEVELOPMENT = ROOT / "tests" / "calibration" / "blind" / "development"
OUT = ROOT / "course" / "rubrics" / "tone-model.json"
# 2,400 gradient steps, not 800: at 800 the fit had not settled on 84,000 sentences (an unseen insult read 0.67,
# 0.78 at 2,400), and with round 12 leaving each of rounds 11 and 12 out in turn, 2,400 steps gave fewer failed
# answers scoring 3+ (16 and 32, from 17 and 37) and fewer flagged (23.8% and 21.0%, from 25.7% and 23.0%).
MIN_COUNT, L2, STEPS, RATE = 2, 1.0, 2400, 0.5
# An unprofessional sentence is rare (about 1 in 16): each counts this many times, so the model does not learn
# to call everything professional.
POSITIVE_WEIGHT = 2.0
# Each model-answer sentence counts this many times. At 10 it held until round 16 joined development, whose
# labelled mistakes are full of "just in case" (copying client files to a USB stick, just in case): the 03-attitude
# model answer's "keep a paper list of this afternoon's patients, just in case" then read 0.47, over review.
# At 100 none reads over review, and in-sample the labelled mistakes read below review went 9,672 to 9,747 of 28,164.
MODEL_WEIGHT = 100
Row = tuple[str, int, str, str | None]  # (sentence, label, where it came from, its exercise's rubric id)


def written_rows() -> list[Row]:
    """The sentences written for the model (tone/corpus-*.yaml), and the course's model answers."""
    rows = model_answer_rows()
    for path in sorted(TONE.glob("corpus-*.yaml")):
        data = yaml_text.load(path.read_text("utf-8"))
        rows += [(str(item["text"]), 1, "written", None) for item in data["unprofessional"]]
        rows += [(str(item["text"]), 0, "written", None) for item in data["professional"]]
    return rows


def model_answer_rows() -> list[Row]:
    """Every sentence of the course's own model answers, professional by the author's word, each counted
    MODEL_WEIGHT times: the best answer to an exercise must never read as a breach (the second reader
    learns them as full marks, counted by its own MODEL_WEIGHT)."""
    return [(s, 0, "model", ex.key.get("rubric", DEFAULT_RUBRIC))
            for ex, answer in model_answers(ROOT) for s in sentences(answer)] * MODEL_WEIGHT


@cache
def development() -> tuple[tuple[str, tuple[dict, ...]], ...]:
    """Each blind development file's name and answers: 54 MB of YAML that the tone model, the second reader and
    the calibration tests all read, parsed once per process."""
    return tuple((path.name, tuple(yaml_text.load(path.read_text("utf-8"))))
                 for path in sorted(DEVELOPMENT.glob("*.yaml")))


def round_of(name: str) -> str:
    found = re.search(r"\.(round\d+)-validation\.yaml$", name)
    return found.group(1) if found else "round0"


def rubric_ids() -> dict[str, str]:
    """Each written exercise's rubric id, from the keys in source/: the tone model's name for the exercise."""
    return {ex.key["exercise"]: ex.key.get("rubric", DEFAULT_RUBRIC)
            for name in assignments(ROOT) for path in notebooks(ROOT, name) for ex in exercises(path)
            if ex.key.get("kind") == "reflection"}


def answer_rows() -> list[tuple[Row, str, dict]]:
    """Every sentence of the development answers, labelled. A serious-mistake answer counts only where its
    mistake is labelled in its words (a password, a promise, blame); one of jargon is left to the jargon check."""
    labelled = {(item["file"], item["answer"]): set(item["unprofessional"])
                for item in yaml_text.load((TONE / "development-labels.yaml").read_text("utf-8"))}
    rows, used, rubric = [], set(), rubric_ids()
    for name, answers in development():
        for n, answer in enumerate(answers):
            bad = labelled.get((name, n), set())
            parts = sentences(answer["text"])
            if missing := bad - set(parts):
                raise SystemExit(f"{name} answer {n}: labelled sentence not found: {sorted(missing)[0]!r}")
            used.add((name, n))
            if answer["kind"] != "serious-mistake" or bad:
                where = round_of(name)
                rows += [((s, int(s in bad), where, rubric[answer["prompt"]]), name, answer) for s in parts]
    if stale := set(labelled) - used:
        raise SystemExit(f"labels for answers that are not in the development split: {sorted(stale)[:3]}")
    return rows


def fit(rows: list[Row]) -> dict:
    sets = [features(text, exercise) for text, _, _, exercise in rows]
    counts = Counter(f for found in sets for f in found)
    vocab = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocab)}
    # The sentence-by-feature matrix is all 0/1 and almost all 0: keep only where the 1s are (which feature,
    # in which row), so a fit takes seconds and little memory, and leave-one-round-out checks are cheap.
    found_at = [[index[f] for f in found if f in index] for found in sets]
    cols = np.array([i for at in found_at for i in at], dtype=np.int64)
    row_of = np.repeat(np.arange(len(rows)), [len(at) for at in found_at])
    y = np.array([label for _, label, _, _ in rows], dtype=float)
    weight = np.where(y == 1, POSITIVE_WEIGHT, 1.0)
    w, b = np.zeros(len(vocab)), 0.0
    for _ in range(STEPS):
        z = np.bincount(row_of, weights=w[cols], minlength=len(rows)) + b  # x @ w + b
        error = weight * (1 / (1 + np.exp(-z)) - y)
        gradient = np.bincount(cols, weights=error[row_of], minlength=len(vocab))  # x.T @ error
        w -= RATE * (gradient / len(rows) + L2 * w / len(rows))
        b -= RATE * float(np.mean(error))
    weights = {f: round(float(v), 3) for f, v in zip(vocab, w, strict=True) if abs(v) >= 0.01}
    return {"bias": round(b, 3), "weights": weights, "trained_on": len(rows)}


def build() -> dict:
    return fit(written_rows() + [row for row, _, _ in answer_rows()])


def check() -> None:
    """Leave one calibration round out: its answers are scored by a model that never saw them."""
    rows, written = answer_rows(), written_rows()
    for held in sorted({row[2] for row, _, _ in rows}):
        m = fit(written + [row for row, _, _ in rows if row[2] != held])
        worst: dict[int, tuple[float, dict]] = {}
        for (text, _, where, exercise), _name, answer in rows:
            if where == held:
                key = id(answer)
                worst[key] = (max(worst.get(key, (0.0, answer))[0], probability(text, m, exercise)), answer)
        rude = [p for p, a in worst.values() if a["kind"] == "rude"]
        strong = [p for p, a in worst.values() if a["kind"] != "rude" and a["mark"] >= 3]
        cells = [f"{t}: {sum(p >= t for p in rude)}/{len(rude)} rude, "
                 f"{sum(p >= t for p in strong)}/{len(strong)} strong" for t in (0.5, 0.6, 0.7, 0.8)]
        print(f"{held} held out  " + "  |  ".join(cells))


def main(argv: list[str]) -> None:
    if not TONE.is_dir():
        sys.exit(f"no tone corpus at {TONE}: run this from a clone of the course repository")
    if "--check" in argv:
        check()
        return
    m = build()
    OUT.write_text(json.dumps(m, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(m['weights'])} weights from {m['trained_on']} sentences)")


if __name__ == "__main__":
    main(sys.argv[1:])
