"""The second reader: a mark learned from how teachers marked answers to the same exercise.

The rubric explains itself criterion by criterion, but it only knows the words its key and phrase
lists name: blind calibration rounds kept finding the next student's own way to be rude, to make a
serious mistake, or to be excellent in unusual words. The second reader weighs every word and word
pair of an answer, once for all exercises and once for its own, by how they went with the hand marks
of the blind development answers (a ridge regression: `python -m course.author.second_reader`).

Its weights say which words earned marks in each exercise, so they are a soft answer key: they live
in source/second-reader.json, beside the keys and never in the package a student imports, and are
read only when grading.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from course.errors import SecondReaderError
from course.score.tone import plain
from course.score.wording import tokens

FILE = Path("source") / "second-reader.json"  # in the course folder, beside the assignments' sources


LENGTHS = (25, 45, 70, 110)  # word counts where an answer's length band changes: very short, short, usual, long


def features(text: str, exercise: str) -> set[str]:
    """Each word's plain form, each pair of neighbours, each run of four letters in a word, and the answer's length
    band, shared and as this exercise's own ("mark:<id>|...").

    The letter runs let a misspelt or unusual form of a word ("recieve", "rebooting") count with the word; the
    length band lets a very short answer that still says everything be read as such (blind round 11: adding both
    took the reader from 74% to 78% within 1 point on exercises it had not seen)."""
    words = [plain(t) for t in tokens(text)]
    found = {f"w:{w}" for w in words} | {f"p:{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    found |= {f"c:{w[i:i + 4]}" for w in (f"<{w}>" for w in words) for i in range(len(w) - 3)}
    found.add(f"len:{sum(len(words) >= n for n in LENGTHS)}")
    return found | {f"mark:{exercise}|{f}" for f in found}


def reading(model: dict, text: str, exercise: str) -> float:
    """The share of full marks (0 to 1) the second reader expects a teacher to give this answer.

    Each feature's weight is scaled by 1/sqrt(how many the answer has), as in the fit: a long answer does
    not earn more for having more words."""
    found = features(text, exercise)
    mark = model["bias"] + sum(model["weights"].get(f, 0.0) for f in found) / math.sqrt(max(len(found), 1))
    return min(1.0, max(0.0, mark / model["points"]))


@cache
def load(path: str) -> dict | None:
    """The second reader at `path`, or None when the course has none (the rubric then marks alone)."""
    file = Path(path)
    if not file.is_file():
        return None
    try:
        model = json.loads(file.read_text("utf-8"))
        if not isinstance(model.get("weights"), dict) or not {"bias", "points"} <= set(model):
            raise ValueError("it has no weights, bias or points")
    except (ValueError, AttributeError) as error:
        raise SecondReaderError(f"{file} is not a second reader ({error}); rebuild it from a clone of the course "
                                "with `python -m course.author.second_reader`, or delete it to grade by the "
                                "rubric alone") from None
    return model
