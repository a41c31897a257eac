"""Reflection exercises: a transparent rubric where every criterion says what it found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from course.grade.readability import flesch_reading_ease
from course.grade.result import NOT_ANSWERED, Result, type_name

MAX_CHARS = 20_000


@dataclass(frozen=True)
class Criterion:
    name: str
    fraction: float  # 0..1 of this criterion
    found: str
    count: int = 0  # how many things it flagged (jargon terms)


@cache
def load_rubric(rubric_id: str = "plain-language") -> dict:
    text = resources.files("course").joinpath("rubrics", f"{rubric_id}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def jargon_terms() -> dict[str, list[str]]:
    """Acronyms, jargon and slang to flag, by kind (course/rubrics/jargon.yaml)."""
    text = resources.files("course").joinpath("rubrics", "jargon.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {kind: [str(t).lower() for t in data.get(kind) or []] for kind in ("acronyms", "jargon", "slang")}


def _pattern(term: str) -> re.Pattern:
    words = r"\s+".join(re.escape(part) for part in term.split())
    return re.compile(rf"(?<![\w-]){words}(?:s|es|ed|ing)?(?![\w-])", re.IGNORECASE)


def find_terms(text: str, terms: list[str]) -> list[str]:
    return [t for t in terms if _pattern(t).search(text)]


def words_and_sentences(text: str) -> tuple[int, int]:
    words = len(re.findall(r"[A-Za-z0-9']+", text))
    sentences = len([s for s in re.split(r"[.!?]+(?:\s|$)", text.strip()) if s.strip()])
    return words, sentences


def clean_text(answer: Any) -> tuple[str | None, list[str]]:
    """The answer as text, or None with the reason it cannot be marked."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return None, [NOT_ANSWERED]
    if not isinstance(answer, str):
        return None, [f"Your answer is a {type_name(answer)}; it must be text in quotes."]
    if len(answer) > MAX_CHARS:
        return None, [f"Your answer has {len(answer)} characters; keep it under {MAX_CHARS}."]
    return answer.strip(), []


def open_criteria(text: str, rubric: dict) -> list[Criterion]:
    """The criteria that need no key: students see these before grading too."""
    crit = rubric["criteria"]
    found = {kind: find_terms(text, terms) for kind, terms in jargon_terms().items()}
    flagged = [t for terms in found.values() for t in terms]
    extra = max(0, len(flagged) - crit["jargon"]["allowed"])
    jargon = Criterion(
        "jargon",
        max(0.0, 1 - extra * crit["jargon"]["cost_per_term"]),
        "no jargon, acronyms or slang found" if not flagged else
        "; ".join(f"{kind}: {', '.join(terms)}" for kind, terms in found.items() if terms),
        count=len(flagged),
    )
    ease = flesch_reading_ease(text)
    lo, hi = crit["readability"]["zero_at"], crit["readability"]["full_at"]
    readability = Criterion(
        "readability", min(1.0, max(0.0, (ease - lo) / (hi - lo))),
        f"Flesch reading ease {ease:.0f} (full credit at {hi} or more)",
    )
    words, sentences = words_and_sentences(text)
    spec = crit["length"]
    if words < spec["min_words"]:
        length_fraction = words / spec["min_words"]
    elif words > spec["max_words"]:
        length_fraction = max(0.0, 1 - (words - spec["max_words"]) / spec["max_words"])
    else:
        length_fraction = 1.0
    if sentences < spec["min_sentences"]:
        length_fraction *= 0.5
    length = Criterion(
        "length", length_fraction,
        f"{words} words in {sentences} sentence(s) (aim for {spec['min_words']}-{spec['max_words']} "
        f"words, at least {spec['min_sentences']} sentences)",
    )
    return [jargon, readability, length]


def ideas_criterion(text: str, ideas: list[dict]) -> Criterion:
    covered = [idea["label"] for idea in ideas if find_terms(text, [str(t) for t in idea["terms"]])]
    missed = [idea["label"] for idea in ideas if idea["label"] not in covered]
    found = f"covered {len(covered)} of {len(ideas)} key ideas"
    if covered:
        found += f" ({'; '.join(covered)})"
    if missed:
        found += f"; still missing: {'; '.join(missed)}"
    return Criterion("ideas", len(covered) / len(ideas) if ideas else 1.0, found)


def describe(criteria: list[Criterion], rubric: dict) -> list[str]:
    weights = rubric["criteria"]
    return [
        f"{c.name} ({c.fraction * 100:.0f}% of its {weights[c.name]['weight'] * 100:.0f}% share): {c.found}"
        for c in criteria
    ]


def score_reflection(answer: Any, ideas: list[dict], rubric_id: str = "plain-language") -> Result:
    rubric = load_rubric(rubric_id)
    text, problems = clean_text(answer)
    if text is None:
        return Result(0.0, problems, answered=problems != [NOT_ANSWERED])
    criteria = [ideas_criterion(text, ideas), *open_criteria(text, rubric)]
    lines = describe(criteria, rubric)
    if rubric.get("gate_on_ideas") and ideas and criteria[0].fraction == 0:
        return Result(0.0, ["Your text covers none of the key ideas, so it scores 0.", *lines])
    limit = rubric.get("max_flagged_terms")
    if limit is not None and criteria[1].count > limit:
        why = f"Your text uses {criteria[1].count} jargon terms, acronyms or slang (more than {limit}), so it scores 0."
        return Result(0.0, [why, *lines])
    total = sum(rubric["criteria"][c.name]["weight"] * c.fraction for c in criteria)
    return Result(total, lines)
