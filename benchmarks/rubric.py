"""Written-answer scoring: the phrase matcher against the plain scan it replaced, same answers, same run.

    python benchmarks/rubric.py [--size 2000]

Every written answer is tried against every conduct phrase and key term (hundreds per answer), so
the matcher sets what grading a class's written answers, and scoring the calibration sets in
`make test`, cost. The plain scan tries each phrase at every word of the answer; the matcher
starts only where the phrase's first word occurs (course/score/wording.py). Prints the speed-up
of scoring whole answers (target >= 2) and checks both give the same marks and reasons.
"""

from __future__ import annotations

import argparse
import sys
from unittest import mock

from common import ROOT, timed

from course.score import conduct
from course.score.wording import Phrase

sys.path.insert(0, str(ROOT / "tests"))
import calibration_set  # noqa: E402  (the hand-marked answers and how autograde scores them)


def plain_spans(self: Phrase, toks: list[str], at: dict | None = None) -> list[tuple[int, int]]:
    """The scan before the index: try the phrase from every word."""
    found = []
    for start, token in enumerate(toks):
        if self.words and self._word_matches(0, token):
            end = self._match_from(toks, 1, start + 1)
            if end is not None:
                found.append((start, end))
    return found


def every_phrase(self: conduct._KindIndex, at: dict) -> list[int]:
    """Conduct phrases without the first-word index, so every phrase is tried on every answer."""
    return list(range(len(self.compiled)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    args = parser.parse_args()
    answers = calibration_set.load_blind("development")
    items = answers[:: max(1, len(answers) // args.size)][: args.size]
    calibration_set.grade(items[0])  # load the models and rubrics before timing
    results = {}

    def run(name: str) -> None:
        results[name] = [calibration_set.grade(item) for item in items]

    matcher = timed(lambda: run("matcher"))
    with mock.patch.object(Phrase, "spans", plain_spans), \
            mock.patch.object(conduct._KindIndex, "candidates", every_phrase):
        plain = timed(lambda: run("plain"))
    same = results["matcher"] == results["plain"]
    print(f"{len(items)} written answers: plain scan {plain:.1f} s, matcher {matcher:.1f} s, "
          f"speed-up {plain / matcher:.2f}x (target >= 2); same marks and reasons: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
