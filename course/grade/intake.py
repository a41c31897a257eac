"""Make every submission gradable before autograde reads it, losing nothing the student handed in.

nbgrader stops a student's autograde when a notebook is not valid JSON or not a notebook, and
never sees a submission folder with no notebook at all, so those students get no grade and no
feedback. Intake moves an unreadable notebook aside (kept as NAME.ipynb.unreadable) and puts a
blank notebook in its place whose first cell says what happened; RestoreCells then rebuilds the
assignment's cells in it, so the student is graded (0 for what is missing) and gets feedback.

It runs as nbgrader's pre-convert hook for every notebook nbgrader found, and as
`course intake ASSIGNMENT` for folders nbgrader cannot see (no notebook at all).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

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
        f"**Your submission could not be graded as handed in: {reason}**\n\n"
        f"This copy of `{name}` was rebuilt blank so that it could be graded, and it scores 0 for the "
        "answers that are missing. Nothing you handed in was deleted: ask your instructor to look at it."
    )]
    return nb


def repair_notebook(path: Path) -> str | None:
    """Set an unreadable notebook aside and put a placeholder in its place; return the reason."""
    reason = readable(path)
    if reason is None:
        return None
    kept = path.with_name(path.name + UNREADABLE)
    path.replace(kept)
    nbformat.write(placeholder(path.name, f"the notebook could not be read ({reason}); "
                                          f"the file is kept as {kept.name}"), path)
    return reason


def prepare(submitted: Path, assignment: str, expected: list[str]) -> dict[str, list[str]]:
    """Check every student's folder for an assignment; returns {student: [what was done]}."""
    done: dict[str, list[str]] = {}
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        if not folder.is_dir():
            continue
        notes = []
        for name in expected:
            path = folder / name
            if path.is_file():
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
