"""Where each part of objective 4.7 is taught, played and assessed: the course map and its gaps.

Everything is read from the course's own data, never typed by hand:
- taught: the `course.teaches` ids in the metadata of each source notebook's notes cells;
- played: the `objectives` of scenario choices, in the scenarios each notebook shows;
- assessed: the `objectives` of each graded exercise's answer key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from course.course_files import assignments, exercises, is_notes, notebooks, read_cells, shown_scenarios
from course.outline import Outline, load_outline
from course.play.scenario import load_scenario, scenario_ids

if TYPE_CHECKING:
    import pandas as pd

@dataclass
class Where:
    """The places one outline entry appears in the course."""

    taught: set[str] = field(default_factory=set)  # assignments whose notes teach it
    played: set[str] = field(default_factory=set)  # "scenario (assignment)" whose choices exercise it
    assessed: set[str] = field(default_factory=set)  # "exercise (assignment)" whose key names it


def taught_ids(cell: dict) -> list[str]:
    """The objective ids a cell's metadata says it teaches (`"course": {"teaches": [...]}`)."""
    teaches = cell["metadata"].get("course", {}).get("teaches") or []
    return [str(t) for t in teaches] if isinstance(teaches, list) else []


def scenario_objectives(scenario_id: str) -> set[str]:
    return {obj for node in load_scenario(scenario_id).nodes.values() for c in node.choices for obj in c.objectives}


def locate(root: Path, outline: Outline | None = None) -> dict[str, Where]:
    """Every outline entry with where it is taught, played and assessed (an id outside the outline
    gets its own entry; `course check` reports such ids)."""
    outline = outline or load_outline()
    found: dict[str, Where] = {e.id: Where() for e in outline.entries.values()}
    shipped = set(scenario_ids())
    for name in assignments(root):
        for nb in notebooks(root, name):
            cells = read_cells(nb)
            for cell in cells:
                if is_notes(cell):
                    for obj in taught_ids(cell):
                        found.setdefault(obj, Where()).taught.add(name)
            for sid in shown_scenarios(cells):
                if sid in shipped:
                    for obj in scenario_objectives(sid):
                        found.setdefault(obj, Where()).played.add(f"{sid} ({name})")
            for ex in exercises(nb):
                for obj in ex.key.get("objectives") or []:
                    found.setdefault(obj, Where()).assessed.add(f"{ex.key['exercise']} ({name})")
    return found


def gaps(root: Path) -> list[str]:
    """One line per outline entry that is not taught, played and assessed, naming what is missing.

    Every leaf is checked, and every sub-objective by its own id too: a sub-objective says more
    than its leaves (4.7.4 is active listening; its one leaf is note-taking).
    """
    outline = load_outline()
    where = locate(root, outline)
    problems = []
    for entry in outline.entries.values():
        w = where[entry.id]
        missing = [what for what, places in (("not taught in any notes cell", w.taught),
                                             ("not exercised by any scenario choice", w.played),
                                             ("not assessed by any graded exercise", w.assessed)) if not places]
        if missing:
            problems.append(f"{entry.number} {entry.id} ({entry.label}): {'; '.join(missing)}")
    return problems


def course_map(root: Path) -> pd.DataFrame:
    """The outline as a table, one row per entry; a sub-objective's row gathers its leaves too."""
    import pandas as pd

    outline = load_outline()
    where = locate(root, outline)
    rows = []
    for entry in outline.entries.values():
        ids = [entry.id, *entry.leaves]
        rows.append({
            "number": entry.number,
            "id": entry.id,
            "220-1102": entry.wording_1102 or (f"— (220-1002: {entry.note_1002})" if entry.note_1002 else "—"),
            "220-1202": (entry.wording_1202 or "— (dropped)")
            + (f" (also transcribed: \"{entry.transcribed_1202}\")" if entry.transcribed_1202 else ""),
            "changed in 1202": "yes" if entry.changed_in_1202 else "",
            "taught": ", ".join(sorted(set().union(*(where[i].taught for i in ids)))),
            "played": ", ".join(sorted(set().union(*(where[i].played for i in ids)))),
            "assessed": ", ".join(sorted(set().union(*(where[i].assessed for i in ids)))),
        })
    return pd.DataFrame(rows)
