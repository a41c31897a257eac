"""Unprofessional tone, sentence by sentence: a small linear model over words, word pairs and marks.

The phrase lists in course/rubrics/conduct.yaml catch the moves the course names ("you should
have", "calm down"). Blind calibration rounds showed they miss the next student's own words for
the same move ("try not to panic", "I think we both know what happened there"). This model
weighs the cues those sentences share instead. It is fitted by `python -m course.author.tone_model`
on hand-labelled sentences (tests/calibration/tone/) and ships as plain weights in
course/rubrics/tone-model.json: no download and no machine-learning library at grading time.
The weights are on generic words and marks; they hold no exercise's key.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from course.score.wording import lemmas, sentence_spans, tokens

QUOTED = re.compile(r"[\"“”'‘’][a-z][^\"“”]{0,25}[\"“”'‘’]")  # scare quotes: "broken", 'break'


def plain(word: str) -> str:
    """One form for all of a word's inflections: its shortest lemma ("blamed" -> blame)."""
    return min(lemmas(word), key=lambda w: (len(w), w))


def features(sentence: str, exercise: str | None = None) -> set[str]:
    """Each word's plain form, each pair of neighbouring plain forms, and a few marks of tone.

    With `exercise` (its rubric id), each word and pair also counts once more as that exercise's own:
    "your bookings are safe" is a promise nobody can keep to a clinic whose disks failed, and
    harmless elsewhere. The shared copy carries what all exercises have in common.
    """
    words = [plain(t) for t in tokens(sentence)]
    found = {f"w:{w}" for w in words} | {f"p:{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    if "!" in sentence:
        found.add("x:exclamation")
    if QUOTED.search(sentence):
        found.add("x:quoted")
    if sentence.rstrip().endswith("?"):
        found.add("x:question")
    if re.search(r"\b[A-Z]{3,}\b", sentence):
        found.add("x:capitals")
    if exercise:
        found |= {f"{exercise}|{f}" for f in found if not f.startswith("x:")}
    return found


@cache
def model() -> dict:
    text = resources.files("course").joinpath("rubrics", "tone-model.json").read_text("utf-8")
    return json.loads(text)


def probability(sentence: str, weights: dict | None = None, exercise: str | None = None) -> float:
    """How likely a marker would call this sentence unprofessional, 0 to 1 (in `exercise`, a rubric id)."""
    m = weights or model()
    z = m["bias"] + sum(m["weights"].get(f, 0.0) for f in features(sentence, exercise))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class ToneHit:
    sentence: str
    probability: float
    start: int  # the token it starts at, in tokens(text)
    end: int


def scored_sentences(text: str, weights: dict | None = None, exercise: str | None = None) -> list[ToneHit]:
    """Every sentence of three words or more, with its probability and where it sits in the text."""
    return [ToneHit(s, probability(s, weights, exercise), start, end)
            for s, start, end in sentence_spans(text) if end - start >= 3]
