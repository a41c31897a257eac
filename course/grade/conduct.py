"""Professional conduct, checked in every written answer: the moves the course teaches against.

The kinds live in course/rubrics/conduct.yaml (course-level data, no key); an exercise's rubric
may add its own under `avoid`. A kind is found when one of its phrases matches by lemma and is
not negated just before ("I won't guess", "I'd never ask for your password"), or a pattern matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from course import yaml_text
from course.grade.wording import phrase, tokens

NEGATIONS = frozenset({"not", "never", "no", "without", "nor"})
NEGATION_REACH = 3


@dataclass(frozen=True)
class Breach:
    kind: str  # the conduct kind's id: a reason code for graders and reports
    label: str
    found: str  # the student's words that show it
    tip: str
    serious: bool


@cache
def conduct_rules() -> dict:
    text = resources.files("course").joinpath("rubrics", "conduct.yaml").read_text("utf-8")
    return yaml_text.load(text)


def _negated(toks: list[str], start: int) -> bool:
    return any(t in NEGATIONS for t in toks[max(0, start - NEGATION_REACH):start])


def _first_hit(text: str, toks: list[str], kind: dict) -> str | None:
    for p in kind.get("phrases") or []:
        for start, end in phrase(str(p)).spans(toks):
            if not _negated(toks, start):
                return " ".join(toks[start:end])
    for pattern in kind.get("patterns") or []:
        for m in re.finditer(pattern, text, re.IGNORECASE | re.MULTILINE):
            before = tokens(text[:m.start()])
            if not _negated(before, len(before)):
                return m.group(0).strip(" .!")
    return None


def find_breaches(text: str, extra: list[dict] | None = None) -> list[Breach]:
    """Every conduct kind the text shows (course-wide ones, then the exercise's own `extra`)."""
    toks = tokens(text)
    found = []
    for kind in [*conduct_rules()["kinds"], *(extra or [])]:
        hit = _first_hit(text, toks, kind)
        if hit:
            found.append(Breach(kind.get("id", "avoid"), kind["label"], hit, kind.get("tip", ""),
                                kind.get("severity", "serious") == "serious"))
    return found
