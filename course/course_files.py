"""Read source assignments: which exist, their answer cells, solutions and keys."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError, KeyFormatError
from course.keys import MARK, split_key

SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
# A scenario cell: `show("id")`. The id is taken as written, so `course check` can report a bad one.
SHOW = re.compile(r"""\bshow\(\s*["']([^"']+)["']""")


@dataclass
class Exercise:
    """An answer cell and the test cell that records and scores it."""

    grade_id: str  # the answer cell's id
    variable: str  # the name the answer cell assigns
    solution: str  # the answer cell with its solution region revealed
    key: dict
    check_id: str = ""  # the test cell's id, under which nbgrader records the score
    case: int | None = None  # set when `key` and `solution` are one case's (course.author.cases_check.student_exercise)


def find_course(start: str | Path = ".") -> Path:
    root = Path(start).resolve()
    if not (root / "nbgrader_config.py").is_file() or not (root / "source").is_dir():
        raise CourseError(
            f"{root} is not a course folder: it needs nbgrader_config.py and source/. "
            "Run this from the folder you cloned, or pass --course-dir."
        )
    return root


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def notebooks(root: Path, assignment: str, folder: str = "source") -> list[Path]:
    return sorted((root / folder / assignment).glob("*.ipynb"))


def reveal_solution(source: str) -> str:
    """The answer cell as the instructor wrote it, without the solution markers."""
    return SOLUTION.sub("", source)


def assigned_name(code: str) -> str | None:
    """The last simple name an answer cell assigns (the answer variable)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    names = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
             if isinstance(t, ast.Name)]
    return names[-1] if names else None


def read_cells(nb_path: Path) -> list[dict]:
    """A notebook's cells as plain dicts with `source` joined into one string.

    Plain JSON on purpose: importing nbformat costs about 2 s (its schema checker loads an IRI
    grammar), which every `course` command and the course map would otherwise pay.
    """
    try:
        cells = json.loads(Path(nb_path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:  # Recursion: JSON nested too deep
        raise CourseError(f"{nb_path}: not a readable notebook ({exc}); open it in Jupyter and save it again") from None
    for cell in cells:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        cell.setdefault("metadata", {})
    return cells


def is_notes(cell: dict) -> bool:
    """A notes cell: a markdown cell whose nbgrader grade_id starts with "notes"."""
    return cell.get("cell_type") == "markdown" and str(
        cell["metadata"].get("nbgrader", {}).get("grade_id", "")).startswith("notes")


def shown_scenarios(cells: list[dict]) -> list[str]:
    """The scenario ids a notebook's code cells show, in order, each once."""
    return list(dict.fromkeys(sid for c in cells if c.get("cell_type") == "code" for sid in SHOW.findall(c["source"])))


def exercises(nb_path: Path) -> list[Exercise]:
    """Pair each keyed test cell with the answer cell whose variable it records."""
    answers: dict[str, tuple[str, str]] = {}
    found = []
    for cell in read_cells(nb_path):
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell.get("cell_type") == "code":
            code = reveal_solution(cell["source"])
            name = assigned_name(code)
            if name:
                answers[name] = (meta["grade_id"], code)
        elif meta.get("grade") and cell.get("cell_type") == "code":
            try:
                _src, key = split_key(cell["source"])
            except KeyFormatError as exc:  # say where: every command that reads keys stops on this one
                raise KeyFormatError(f"{nb_path}: test cell {meta.get('grade_id')!r}: {exc}; fix the {MARK} block in "
                                     "its hidden tests (`course check` lists every problem)") from None
            if key is None:
                continue
            used = [n for n in answers if re.search(rf"\b{re.escape(n)}\b", _src)]
            if not used:
                raise CourseError(f"{nb_path}: test cell {meta['grade_id']!r} records no answer variable")
            grade_id, code = answers[used[-1]]
            found.append(Exercise(grade_id, used[-1], code, key, meta["grade_id"]))
    return found


def model_answers(root: Path) -> list[tuple[Exercise, str]]:
    """Each written exercise of the course with the instructor's own answer to it (its answer cell, run)."""
    found = []
    for name in assignments(root):
        for path in notebooks(root, name):
            for ex in exercises(path):
                if ex.key.get("kind") == "reflection":
                    scope: dict = {}
                    exec(ex.solution, scope)  # the instructor's own answer cell
                    found.append((ex, str(scope[ex.variable])))
    return found
