"""The objective 4.7 outline, loaded from data so exercises and scenarios can name stable ids."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from course import yaml_text
from course.errors import OutlineError


class Entry(NamedTuple):
    """One sub-objective or leaf of 4.7, with its wording in each exam version (a NamedTuple, not a frozen
    dataclass: every student kernel loads the outline, and a NamedTuple is several times quicker to make)."""

    id: str
    number: str
    wording_1102: str | None
    wording_1202: str | None
    note_1002: str | None = None
    parent: str | None = None
    transcribed_1202: str | None = None  # another transcription's 220-1202 wording, where they differ
    leaves: tuple[str, ...] = ()

    @property
    def changed_in_1202(self) -> bool:
        """True when the 220-1202 text differs from 220-1102 (reworded, added or dropped)."""
        return self.wording_1102 != self.wording_1202

    @property
    def label(self) -> str:
        """The current wording, falling back to older exams for retired bullets."""
        return self.wording_1202 or self.wording_1102 or self.note_1002 or self.id


@dataclass(frozen=True)
class Outline:
    objective: str
    title: str
    entries: dict[str, Entry]

    @property
    def subobjectives(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.parent is None]

    def __contains__(self, objective_id: object) -> bool:
        return objective_id in self.entries

    def __getitem__(self, objective_id: str) -> Entry:
        return self.entries[objective_id]


def parse_outline(data: dict) -> Outline:
    """Build an Outline from parsed YAML, rejecting duplicate or ill-formed ids."""
    entries: dict[str, Entry] = {}

    def add(entry: Entry) -> None:
        if entry.id in entries:
            raise OutlineError(f"objective id {entry.id!r} appears twice in the outline")
        entries[entry.id] = entry

    for sub in data.get("subobjectives") or []:
        sub_id = sub.get("id")
        if not sub_id or "number" not in sub:
            raise OutlineError(f"sub-objective {sub!r} needs an 'id' and a 'number'")
        number = f"{data['objective']}.{sub['number']}"
        leaves = sub.get("leaves") or []
        for i, leaf in enumerate(leaves, start=1):
            leaf_id = leaf.get("id", "")
            if not leaf_id.startswith(sub_id + "."):
                raise OutlineError(f"leaf id {leaf_id!r} must start with {sub_id + '.'!r}")
            add(
                Entry(
                    id=leaf_id,
                    number=f"{number}.{i}",
                    wording_1102=leaf.get("wording_1102"),
                    wording_1202=leaf.get("wording_1202"),
                    note_1002=leaf.get("note_1002"),
                    parent=sub_id,
                    transcribed_1202=leaf.get("transcribed_1202"),
                )
            )
        add(
            Entry(
                id=sub_id,
                number=number,
                wording_1102=sub.get("wording_1102"),
                wording_1202=sub.get("wording_1202"),
                note_1002=sub.get("note_1002"),
                leaves=tuple(leaf["id"] for leaf in leaves),
                transcribed_1202=sub.get("transcribed_1202"),
            )
        )
    if not entries:
        raise OutlineError("the outline has no sub-objectives")
    ordered = sorted(entries.values(), key=lambda e: [int(p) for p in e.number.split(".")])
    return Outline(data["objective"], data["title"], {e.id: e for e in ordered})


@lru_cache(maxsize=1)
def load_outline() -> Outline:
    """The outline shipped with the package (course/objectives.yaml)."""
    text = resources.files("course").joinpath("objectives.yaml").read_text(encoding="utf-8")
    return parse_outline(yaml_text.load(text))
