"""Fingerprints of the seed documents, so a test can prove no sentence was copied from them.

The seeds (../shared/seeds/) are reference material outside this repository: facts carry over,
sentences do not. This file keeps only short hashes of every run of N words in them, which
reveal no seed text, and `copied_runs` finds any such run reused in the course's own words.
Rebuild with `python tests/seed_shingles.py ../shared/seeds` when the seeds change.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

N = 8
STORE = Path(__file__).parent / "content" / "seed-shingles.txt"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


def shingles(text: str) -> dict[str, str]:
    """hash -> the run of N words it came from."""
    w = words(text)
    runs = (" ".join(w[i:i + N]) for i in range(len(w) - N + 1))
    return {hashlib.sha1(r.encode()).hexdigest()[:12]: r for r in runs}


def load() -> set[str]:
    return set(STORE.read_text(encoding="utf-8").split())


def cut(text: str, quotes: list[str]) -> str:
    """The text's words with each allowed quotation cut out (a cut ends a run of words)."""
    joined = " " + " ".join(words(text)) + " "
    for quote in sorted(quotes, key=len, reverse=True):
        q = " ".join(words(quote))
        if q:
            joined = joined.replace(f" {q} ", " | ")
    return joined


def copied_runs(text: str, seeds: set[str] | None = None, quotes: list[str] = ()) -> list[str]:
    """Runs of N words the text shares with the seeds, outside the allowed quotations."""
    seeds = load() if seeds is None else seeds
    found = []
    for piece in cut(text, list(quotes)).split("|"):
        found += [run for h, run in shingles(piece).items() if h in seeds]
    return sorted(set(found))


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    found: set[str] = set()
    for path in sorted(folder.glob("*.txt")):
        found |= set(shingles(path.read_text(encoding="utf-8")))
    STORE.parent.mkdir(exist_ok=True)
    STORE.write_text("\n".join(sorted(found)) + "\n", encoding="utf-8")
    print(f"{len(found)} fingerprints of {N}-word runs written to {STORE}")
