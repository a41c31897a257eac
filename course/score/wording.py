"""Find phrases the way students write them: by lemma, across inflections and contractions.

A key or conduct phrase is written once in its plain form ("take longer", "apolog*",
"call ... back") and matches "took longer", "apologies", "I'll call you back":

- each word matches any inflection of it (lemminflect's tables, which ship with the package);
- a word ending in `*` matches any word that starts with it (British and American spellings);
- `...` between words allows up to three other words in between;
- contractions are spelled out first ("don't" is "do not", "I'll" is "I will").

lemminflect is imported on first use: it pulls in numpy (about 0.2 s), and a student's check cell
needs only sentences and words from here, never lemmas.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

GAP = "..."
MAX_GAP = 3
WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
CONTRACTIONS = [
    (re.compile(r"\bcan'?t\b|\bcannot\b"), "can not"), (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bshan't\b"), "shall not"), (re.compile(r"\bain't\b"), "is not"),
    (re.compile(r"n't\b"), " not"), (re.compile(r"'ll\b"), " will"), (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"), (re.compile(r"\bi'm\b"), "i am"), (re.compile(r"'d\b"), " would"),
    (re.compile(r"\blet's\b"), "let us"),
]


def normalise(text: str) -> str:
    """Lower case, straight quotes, contractions spelled out."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    for pattern, full in CONTRACTIONS:
        text = pattern.sub(full, text)
    return text


def tokens(text: str) -> list[str]:
    return list(_tokens(text))


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:  # an answer's sentences and clauses are tokenised by several checks
    return tuple(t.removesuffix("'s").strip("'") for t in WORD.findall(normalise(text)))


# A sentence ends at . ! ? or a line break, but not after a title ("Ms. Brennan") or "e.g.".
SENTENCE = re.compile(r"(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bProf\.)(?<!\bSt\.)"
                      r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text) if s.strip()]


def sentence_spans(text: str) -> list[tuple[str, int, int]]:
    """Each sentence with the tokens it covers in tokens(text): [start, end)."""
    spans, at = [], 0
    for sentence in sentences(text):
        n = len(tokens(sentence))
        spans.append((sentence, at, at + n))
        at += n
    return spans


@cache
def _all_lemmas() -> Callable[[str], dict[str, tuple[str, ...]]]:
    from lemminflect import getAllLemmas

    return getAllLemmas


@lru_cache(maxsize=65536)
def lemmas(word: str) -> frozenset[str]:
    """The word and every lemma it can be a form of ("took" -> take, "patients" -> patient)."""
    found = {word}
    if word.isalpha():
        for forms in _all_lemmas()(word).values():
            found.update(forms)
    return frozenset(found)


def is_word(word: str) -> bool:
    """An English word lemminflect knows ("sorry", "help"), as opposed to an acronym ("hdmi")."""
    return word.isalpha() and bool(_all_lemmas()(word))


@dataclass(frozen=True)
class Phrase:
    """One phrase compiled for matching: per word, its lemmas (or a prefix), and gaps allowed before it."""

    text: str
    words: tuple[tuple[frozenset[str], str, int], ...]  # (lemmas, prefix, gap allowed before)

    @classmethod
    def parse(cls, text: str) -> Phrase:
        words, gap = [], 0
        for part in normalise(str(text)).split():
            if part == GAP:
                gap = MAX_GAP
                continue
            if part.endswith("*"):
                words.append((frozenset(), part.rstrip("*"), gap))
            else:
                for word in tokens(part) or [part]:
                    words.append((lemmas(word), "", gap))
                    gap = 0
            gap = 0
        return cls(str(text), tuple(words))

    def _word_matches(self, index: int, token: str) -> bool:
        wanted, prefix, _gap = self.words[index]
        return token.startswith(prefix) if prefix else not wanted.isdisjoint(lemmas(token))

    def spans(self, toks: list[str], at: dict[str, list[int]] | None = None) -> list[tuple[int, int]]:
        """(start, end) of every place in `toks` this phrase matches; `at` is `lemma_positions(toks)`, when the
        caller tries many phrases on the same tokens."""
        if not self.words:
            return []
        wanted, prefix, _gap = self.words[0]
        if prefix:
            starts = [i for i, token in enumerate(toks) if token.startswith(prefix)]
        else:  # only where the first word can start: every phrase of every rubric is tried on each answer
            at = lemma_positions(toks) if at is None else at
            if wanted.isdisjoint(at):
                return []
            starts = sorted({i for lemma in wanted for i in at.get(lemma, ())})
        found = []
        for start in starts:
            end = self._match_from(toks, 1, start + 1)
            if end is not None:
                found.append((start, end))
        return found

    def find(self, toks: list[str]) -> str | None:
        """The words of `toks` this phrase matches first, or None."""
        spans = self.spans(toks)
        return " ".join(toks[spans[0][0]:spans[0][1]]) if spans else None

    def _match_from(self, toks: list[str], index: int, at: int) -> int | None:
        if index == len(self.words):
            return at
        gap = self.words[index][2]
        for skip in range(gap + 1):
            pos = at + skip
            if pos < len(toks) and self._word_matches(index, toks[pos]):
                end = self._match_from(toks, index + 1, pos + 1)
                if end is not None:
                    return end
        return None


def lemma_positions(toks: list[str]) -> dict[str, list[int]]:
    """Where each lemma occurs in one answer's tokens, built once for all the phrases tried on it."""
    return _lemma_positions(tuple(toks))


@lru_cache(maxsize=64)
def _lemma_positions(toks: tuple[str, ...]) -> dict[str, list[int]]:
    at: dict[str, list[int]] = {}
    for i, token in enumerate(toks):
        for lemma in lemmas(token):
            at.setdefault(lemma, []).append(i)
    return at


@lru_cache(maxsize=8192)
def phrase(text: str) -> Phrase:
    return Phrase.parse(text)


def find_phrases(toks: list[str], phrases: list[str]) -> list[str]:
    """The text matched by each phrase found (in the order of `phrases`)."""
    at = lemma_positions(toks)
    return [" ".join(toks[found[0][0]:found[0][1]]) for p in phrases if (found := phrase(str(p)).spans(toks, at))]
