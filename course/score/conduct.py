"""Professional conduct, checked in every written answer: the moves the course teaches against.

The kinds live in course/rubrics/conduct.yaml (course-level data, no key); an exercise's rubric
may add its own under `avoid`. A kind is found when one of its phrases matches by lemma and is
not negated just before ("I won't guess", "I'd never ask for your password"), or a pattern matches.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from course.score.wording import Phrase, lemma_positions, phrase, sentence_spans, tokens
from course.settings import CONDUCT, conduct_settings, raw


@dataclass(frozen=True)
class Breach:
    kind: str  # the conduct kind's id: a reason code for graders and reports
    label: str
    found: str  # the student's words that show it
    tip: str
    serious: bool
    at: int = -1  # the token it starts at: kinds found in one sentence are one remark


def conduct_rules() -> dict:
    """conduct.yaml as written, once it has passed its checks (course/settings.py)."""
    conduct_settings()
    return raw(CONDUCT)


def clauses(text: str) -> list[int]:
    """The clause (between commas and stops) each token of `tokens(text)` sits in."""
    ids: list[int] = []
    for i, clause in enumerate(re.split(r"[,.;:!?()\n]+|\s[-–—]\s", text)):
        ids += [i] * len(tokens(clause))
    return ids


def remarks(breaches: list[Breach], text: str) -> int:
    """How many separate remarks the breaches make. Moves of tone found in one sentence are one remark
    ("In future, you really should..." is one lecture, not two breaches); a mistake of substance
    (a password, a promise, private data, jargon) is a remark of its own wherever it sits: conduct.yaml's
    `tone_moves` say which kinds are moves of tone."""
    bounds = [end for _, _, end in sentence_spans(text)]
    tone_moves = conduct_settings().tone_moves
    return len({(bisect_right(bounds, b.at) if b.at >= 0 else -1, "tone" if b.kind in tone_moves else b.kind)
                for b in breaches})


def _negated(toks: list[str], where: list[int], start: int) -> bool:
    """A negation just before `start`, in the same clause ("Don't worry, I promise" is a promise): one of
    conduct.yaml's `negation.words`, at most `negation.reach` tokens before it."""
    negation = conduct_settings().negation
    clause = where[start] if start < len(where) else None
    return any(t in negation.words and where[i] == clause for i, t in enumerate(toks[:start])
               if i >= start - negation.reach)


@dataclass(frozen=True)
class _KindIndex:
    """A kind's phrases compiled once, indexed by the lemmas their first word may be: an answer is tried only on
    the phrases whose first word it has (one set operation), not on every phrase of every kind."""

    compiled: tuple[tuple[str, Phrase], ...]
    by_first: dict[str, tuple[int, ...]]  # lemma -> the phrases (positions) that may start with it
    prefixed: tuple[int, ...]  # phrases whose first word is a prefix ("apolog*"): always tried
    patterns: tuple[re.Pattern, ...] = ()

    def candidates(self, at: dict[str, list[int]]) -> list[int]:
        found = set(self.prefixed)
        for lemma in self.by_first.keys() & at.keys():
            found.update(self.by_first[lemma])
        return sorted(found)  # in the kind's order: the first phrase that matches is the one shown


@lru_cache(maxsize=256)
def _compiled(phrases: tuple[str, ...], patterns: tuple[str, ...] = ()) -> _KindIndex:
    compiled, by_first, prefixed = [], {}, []
    for i, text in enumerate(phrases):
        parsed = phrase(text)
        compiled.append((text, parsed))
        if not parsed.words:
            continue
        lemmas, prefix, _gap = parsed.words[0]
        if prefix:
            prefixed.append(i)
        for lemma in lemmas:
            by_first.setdefault(lemma, []).append(i)
    return _KindIndex(tuple(compiled), {k: tuple(v) for k, v in by_first.items()}, tuple(prefixed),
                    tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns))


_KINDS: dict[int, tuple[dict, _KindIndex]] = {}  # id of a kind -> (that kind, its _KindIndex)


def _phrases_of(kind: dict) -> _KindIndex:
    """The kind's _KindIndex, found by the kind's identity (the settings' kinds live for the process), so its
    phrases are not joined into a cache key for every answer and kind."""
    hit = _KINDS.get(id(kind))
    if hit is None or hit[0] is not kind:
        if len(_KINDS) > 1024:  # rubrics read afresh each time: keep this small
            _KINDS.clear()
        hit = _KINDS[id(kind)] = (kind, _compiled(tuple(str(p) for p in kind.get("phrases") or []),
                                                  tuple(kind.get("patterns") or [])))
    return hit[1]


def _first_hit(text: str, toks: list[str], where: list[int], kind: dict,
               allow: frozenset[str] = frozenset(), at: dict[str, list[int]] | None = None) -> tuple[str, int] | None:
    """The first words that show `kind`, and the token they start at; phrases in `allow` do not count here."""
    at = lemma_positions(toks) if at is None else at
    phrases = _phrases_of(kind)
    for i in phrases.candidates(at):
        text_p, compiled = phrases.compiled[i]
        if text_p in allow:
            continue
        for start, end in compiled.spans(toks, at):
            if not _negated(toks, where, start):
                return " ".join(toks[start:end]), start
    for pattern in phrases.patterns:
        for m in pattern.finditer(text):
            start = len(tokens(text[:m.start()]))
            if not _negated(toks, where, start):
                return m.group(0).strip(" .!"), start
    return None


def find_breaches(text: str, extra: list[dict] | None = None, skip: list[str] | None = None,
                  allow: list[str] | None = None) -> list[Breach]:
    """Every conduct kind the text shows: course-wide ones except `skip`, then the exercise's own `extra`.
    Course-wide phrases in `allow` are fair in this exercise ("your files are safe" where the technician
    chooses what is deleted)."""
    toks, where, allowed = tokens(text), clauses(text), frozenset(allow or ())
    at = lemma_positions(toks)
    found = []
    for kind in [*(k for k in conduct_settings().kinds if k["id"] not in (skip or [])), *(extra or [])]:
        hit = _first_hit(text, toks, where, kind, allowed, at)
        if hit:
            words, start = hit
            found.append(Breach(kind.get("id", "avoid"), kind["label"], words, kind.get("tip", ""),
                                kind.get("severity", "serious") == "serious", start))
    return found
