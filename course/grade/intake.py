"""Make every submission gradable before autograde reads it, losing nothing the student handed in.

nbgrader stops a student's autograde when a notebook is not valid JSON or not a notebook, and
never sees a submission folder with no notebook at all, so those students get no grade and no
feedback. Intake moves an unreadable notebook aside (kept as NAME.ipynb.unreadable) and puts a
blank notebook in its place whose first cell says what happened; RestoreCells then rebuilds the
assignment's cells in it, so the student is graded (0 for what is missing) and gets feedback.

Intake also clears what stops nbgrader before any hook runs: a symbolic link in the folder
(nbgrader copies through it, and a dangling one aborts the copy) becomes a note naming its
target; a folder where the notebook should be is set aside; a `timestamp.txt` nbgrader cannot
parse is set aside, so the work is graded with lateness left to the grader.

It runs as nbgrader's pre-convert hook for every notebook nbgrader found, and as
`course intake ASSIGNMENT` (and inside `course grade`) for what nbgrader cannot see or open.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from course.safe_text import for_markdown

UNREADABLE = ".unreadable"


def readable(path: Path) -> str | None:
    """None when the notebook can be graded, else the reason it cannot."""
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # JSON, schema and conversion errors all mean "cannot be graded as is"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
    return None


def placeholder(name: str, reason: str) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["course"] = {"placeholder": reason}
    nb.cells = [new_markdown_cell(
        f"**Your submission could not be graded as handed in: {for_markdown(reason)}**\n\n"
        f"This copy of `{name}` was rebuilt blank so that it could be graded, and it scores 0 for the "
        "answers that are missing. Nothing you handed in was deleted: ask your instructor to look at it."
    )]
    return nb


def set_aside(path: Path, why: str) -> Path:
    """Keep what is at `path` as NAME.unreadable and put a blank placeholder notebook in its place."""
    kept = path.with_name(path.name + UNREADABLE)
    path.replace(kept)
    nbformat.write(placeholder(path.name, f"{why}; what was handed in is kept as {kept.name}"), path)
    return kept


def repair_notebook(path: Path) -> str | None:
    """Set an unreadable notebook aside and put a placeholder in its place; return the reason."""
    reason = readable(path)
    if reason is not None:
        set_aside(path, f"the notebook could not be read ({reason})")
    return reason


def replace_links(folder: Path) -> list[str]:
    """Swap every symbolic link under `folder` for a small note that names its target."""
    notes = []
    for dirpath, dirnames, filenames in os.walk(folder):  # does not follow links to folders
        for name in sorted(dirnames + filenames):
            link = Path(dirpath) / name
            if not link.is_symlink():
                continue
            target = os.readlink(link)
            link.unlink()
            note = link.with_name(name + ".symlink.txt")
            note.write_text(f"This was a symbolic link to {target}; links are not followed when grading.\n")
            notes.append(f"{link.relative_to(folder)}: a symbolic link to {target}, replaced by {note.name}")
        dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
    return notes


def unreadable_timestamp(folder: Path) -> str | None:
    """Set aside a timestamp.txt that nbgrader cannot parse (it would abort this student's autograde)."""
    from nbgrader.utils import parse_utc

    path = folder / "timestamp.txt"
    if not path.is_file():
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8").strip()
        if text:  # nbgrader reads an empty file as "no time" and carries on
            parse_utc(text)
        return None
    except Exception:  # undecodable bytes or dateutil's errors: nbgrader would stop here
        path.replace(path.with_name("timestamp.txt" + UNREADABLE))
        return (f"timestamp.txt: unreadable ({raw[:60]!r}), kept as timestamp.txt{UNREADABLE}; "
                "graded without a submission time, so check lateness by hand")


def prepare(submitted: Path, assignment: str, expected: list[str]) -> dict[str, list[str]]:
    """Check every student's folder for an assignment; returns {student: [what was done]}."""
    done: dict[str, list[str]] = {}
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        if folder.is_symlink() or not folder.is_dir():
            continue
        notes = replace_links(folder)
        stamp = unreadable_timestamp(folder)
        if stamp:
            notes.append(stamp)
        for name in expected:
            path = folder / name
            if path.exists() and not path.is_file():  # a folder (or a device) where the notebook should be
                kept = set_aside(path, f"{name} was not a file")
                notes.append(f"{name}: not a file, kept as {kept.name}, blank placeholder added")
            elif path.is_file():
                reason = repair_notebook(path)
                if reason:
                    notes.append(f"{name}: unreadable ({reason}), kept as {name}{UNREADABLE}")
            elif not path.exists():
                files = sorted(p.name for p in folder.iterdir() if p.name != "timestamp.txt")
                found = f"the folder held: {', '.join(files)}" if files else "the folder was empty"
                nbformat.write(placeholder(name, f"no {name} was handed in ({found})"), path)
                notes.append(f"{name}: missing, blank placeholder added")
        if notes:
            done[folder.parent.name] = notes
    return done


def pre_convert_hook(assignment=None, student=None, notebooks=(), **_kw) -> None:
    """nbgrader's BaseConverter.pre_convert_hook: repair the notebooks it is about to read."""
    for name in notebooks or ():
        path = Path(name)
        if path.is_file() and path.suffix == ".ipynb":
            repair_notebook(path)
