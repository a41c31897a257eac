"""The notes of a source notebook as plain text, so their length and reading ease can be measured
(`course check` holds them to the `check:` thresholds in course/conventions.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

from course.course_files import is_notes, read_cells
from course.score.readability import flesch_reading_ease

_MARKUP = [
    (re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE), ""),  # table rule lines
    (re.compile(r"`[^`]*`"), ""),  # inline code
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"^\s*(#+|>|[-*]|\d+\.)\s*", re.MULTILINE), ""),  # headings, quotes, list markers
    (re.compile(r"[*_|]"), " "),  # emphasis and table pipes
]


def plain(markdown: str) -> str:
    """Markdown reduced to the words a student reads, one paragraph or item per sentence."""
    text = markdown
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # A heading, list item or table row without a full stop still ends a thought.
    return " ".join(line if line[-1] in ".!?:\"'”" else line + "." for line in lines)


def notes_text(nb_path: Path) -> str:
    """The text of the notes cells (grade_id starting with "notes")."""
    return plain("\n\n".join(c["source"] for c in read_cells(nb_path) if is_notes(c)))


def notes_reading_ease(nb_path: Path) -> float:
    return flesch_reading_ease(notes_text(nb_path))
