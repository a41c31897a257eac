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


def gaps(root: Path, where: dict[str, Where] | None = None) -> list[str]:
    """One line per outline entry that is not taught, played and assessed, naming what is missing.

    Every leaf is checked, and every sub-objective by its own id too: a sub-objective says more
    than its leaves (4.7.4 is active listening; its one leaf is note-taking). `where` is what
    `locate(root)` found, when the caller has it already (the course map reads the course once).
    """
    outline = load_outline()
    where = where if where is not None else locate(root, outline)
    problems = []
    for entry in outline.entries.values():
        w = where[entry.id]
        missing = [what for what, places in (("not taught in any notes cell", w.taught),
                                             ("not exercised by any scenario choice", w.played),
                                             ("not assessed by any graded exercise", w.assessed)) if not places]
        if missing:
            problems.append(f"{entry.number} {entry.id} ({entry.label}): {'; '.join(missing)}")
    return problems


def course_map(root: Path, where: dict[str, Where] | None = None) -> pd.DataFrame:
    """The outline as a table, one row per entry; a sub-objective's row gathers its leaves too.

    The 220-1202 wording comes first: 220-1102 retired on 2025-09-25, and students now sit 220-1202.
    `where` is what `locate(root)` found, when the caller has it already (as for `gaps`).
    """
    import pandas as pd

    outline = load_outline()
    where = where if where is not None else locate(root, outline)
    rows = []
    for entry in outline.entries.values():
        ids = [entry.id, *entry.leaves]
        rows.append({
            "number": entry.number,
            "id": entry.id,
            "220-1202": (entry.wording_1202 or "— (dropped)")
            + (f" (also transcribed: \"{entry.transcribed_1202}\")" if entry.transcribed_1202 else ""),
            "220-1102": entry.wording_1102 or (f"— (220-1002: {entry.note_1002})" if entry.note_1002 else "—"),
            "changed in 1202": "yes" if entry.changed_in_1202 else "",
            "taught": ", ".join(sorted(set().union(*(where[i].taught for i in ids)))),
            "played": ", ".join(sorted(set().union(*(where[i].played for i in ids)))),
            "assessed": ", ".join(sorted(set().union(*(where[i].assessed for i in ids)))),
        })
    return pd.DataFrame(rows)


SHORT_LABEL = 72  # characters of an entry's wording in the compact map; the wording table has it all


def _assignment(place: str) -> str:
    """"scenario (01-appearance)" or "01-appearance" -> "01": the number the assignment's folder starts with."""
    name = place.rsplit("(", 1)[-1].rstrip(")") if place.endswith(")") else place
    return name.split("-", 1)[0]


def _current(entry) -> str:
    """The wording students are examined on now, or the older exam's, marked as such."""
    if entry.wording_1202:
        return entry.wording_1202
    return f"{entry.wording_1102} (220-1102 only)" if entry.wording_1102 else entry.label  # the note says 1002


def compact_map(table: pd.DataFrame) -> pd.DataFrame:
    """The course map with short cells: the entry's current wording cut to a line, and assignment
    numbers in place of the scenario and exercise names (the per-assignment table names them)."""
    import textwrap

    def numbers(cell: str) -> str:
        return " ".join(sorted({_assignment(p) for p in cell.split(", ") if p}))

    out = table[["number", "id"]].copy()
    entries = load_outline().entries
    out["objective (220-1202 wording)"] = [textwrap.shorten(_current(entries[i]) if i in entries else i, SHORT_LABEL,
                                                            placeholder=" …") for i in table["id"]]
    for column in ("taught", "played", "assessed"):
        out[column] = table[column].map(numbers)
    return out


def by_assignment(table: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: the scenarios it shows and the exercises it grades, and how many entries it covers."""
    import pandas as pd

    found: dict[str, dict[str, set[str]]] = {}
    for _, row in table.iterrows():
        for column in ("taught", "played", "assessed"):
            for place in filter(None, row[column].split(", ")):
                name = place.rsplit("(", 1)[-1].rstrip(")") if place.endswith(")") else place
                item = found.setdefault(name, {"taught": set(), "played": set(), "assessed": set(),
                                               "scenarios": set(), "exercises": set()})
                item[column].add(row["id"])
                if column != "taught":
                    item["scenarios" if column == "played" else "exercises"].add(place.rsplit(" (", 1)[0])
    rows = [{"assignment": name, "scenarios shown": ", ".join(sorted(f["scenarios"])),
             "graded exercises": ", ".join(sorted(f["exercises"])), "entries taught": len(f["taught"]),
             "played": len(f["played"]), "assessed": len(f["assessed"])} for name, f in sorted(found.items())]
    return pd.DataFrame(rows)


def styled(frame: pd.DataFrame, nowrap: tuple[str, ...] = ("number", "id")):
    """A table for JupyterLab: escaped, left-aligned (Lab right-aligns cells), rows top-aligned, and
    the `nowrap` columns kept on one line, so "appearance.business-casual" never breaks mid-word."""
    left = [{"selector": "th, td", "props": "text-align: left; vertical-align: top"}]
    style = frame.style.format(escape="html").hide(axis="index").set_table_styles(left)
    shown = [c for c in nowrap if c in frame.columns]
    return style.set_properties(subset=shown, **{"white-space": "nowrap"}) if shown else style
