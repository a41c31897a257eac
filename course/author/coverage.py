"""Which sub-objectives each scenario and assignment covers: the instructor's course map."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from course.author.source import assignments, notebooks
from course.outline import load_outline
from course.play.scenario import load_scenario, scenario_ids

SHOW = re.compile(r"""show\(\s*["']([\w.-]+)["']""")


def scenarios_by_objective() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for sid in scenario_ids():
        s = load_scenario(sid)
        for node in s.nodes.values():
            for choice in node.choices:
                for obj in choice.objectives:
                    found.setdefault(obj, set()).add(sid)
    return found


def assignment_scenarios(root: Path) -> dict[str, set[str]]:
    """Scenario ids each assignment shows, read from its source notebooks."""
    used: dict[str, set[str]] = {}
    for name in assignments(root):
        for nb in notebooks(root, name):
            used.setdefault(name, set()).update(SHOW.findall(nb.read_text(encoding="utf-8")))
    return used


def course_map(root: Path) -> pd.DataFrame:
    outline = load_outline()
    by_obj = scenarios_by_objective()
    by_assignment = assignment_scenarios(root)
    rows = []
    for entry in outline.entries.values():
        scen = sorted(by_obj.get(entry.id, set()))
        rows.append({
            "number": entry.number,
            "id": entry.id,
            "220-1102": entry.wording_1102 or "—",
            "220-1202": entry.wording_1202 or "— (dropped)",
            "changed in 1202": "yes" if entry.changed_in_1202 else "",
            "scenarios": ", ".join(scen),
            "assignments": ", ".join(sorted(a for a, used in by_assignment.items() if used & set(scen))),
        })
    return pd.DataFrame(rows)
