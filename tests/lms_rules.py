"""Each LMS importer's documented rules, as checks a generated import file must pass.

From Canvas's gradebook_importer.rb, Moodle's grade/import/csv load_data.php and the Brightspace
"Importing grades" pages (docs/graders.md, "Grades into an LMS"). Each check returns the file's rows keyed
by the identifier the LMS matches on, so a test can then say what each student should have got.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from course.safe_text import formula_like

NUMBER = re.compile(r"\d+(\.\d+)?")


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows and all(len(r) == len(rows[0]) for r in rows), f"{path}: ragged rows"
    return rows


def _identifier(value: str, where: str) -> None:
    assert not formula_like(value) and not value.startswith("'"), f"{where}: identifier {value!r} changed or unsafe"


def _grade(value: str, top: float, no_grade: set[str], where: str) -> None:
    assert value in no_grade or (NUMBER.fullmatch(value) and 0 <= float(value) <= top), \
        f"{where}: {value!r} is neither a score in 0..{top:g} nor one of {sorted(no_grade)}"


def check_canvas(path: Path) -> dict[str, dict[str, str]]:
    """Student, ID, SIS User ID, SIS Login ID, Section, then assignments; a Points Possible row; every student
    row carries an id (else Canvas matches by name); blank is no grade, EX excused."""
    rows = read(path)
    head, points, *people = rows
    assert head[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"], head
    assert points[0] == "Points Possible" and all(NUMBER.fullmatch(p) and float(p) > 0 for p in points[5:])
    for title in head[5:]:
        assert not title.endswith(")") or re.search(r" \(\d+\)$", title), f"{title!r}: Title (id) needs a numeric id"
    found = {}
    for row in people:
        ids = [v for v in row[1:4] if v]
        assert ids, f"{row[0]!r}: no ID, SIS User ID or SIS Login ID, so Canvas would match by name"
        for value in ids:
            _identifier(value, row[0])
        for title, value, top in zip(head[5:], row[5:], points[5:], strict=True):
            _grade(value, float(top), {"", "EX"}, f"{row[0]!r} {title}")
        key = row[1] or row[2] or row[3]
        assert key not in found, f"{key} twice"
        found[key] = dict(zip(head, row, strict=True))
    return found


def check_moodle(path: Path, maxima: dict[str, float]) -> tuple[str, dict[str, dict[str, str]]]:
    """One identifier column, first, filled and unique on every row (a blank or unknown one aborts the whole
    import); scores '-' or within the column's scale; feedback columns are text."""
    head, *people = read(path)
    assert head[0] in ("Username", "ID number", "Email address"), head
    found = {}
    for row in people:
        assert row[0], f"blank {head[0]}: Moodle would abort the whole import"
        _identifier(row[0], head[0])
        assert row[0] not in found, f"{row[0]} twice"
        found[row[0]] = dict(zip(head, row, strict=True))
        for title, value in zip(head, row, strict=True):
            scale = re.fullmatch(r"(.+) \((%|out of ([\d.]+))\)", title)
            if scale:
                top = 100.0 if scale.group(2) == "%" else float(scale.group(3))
                assert scale.group(3) is None or float(scale.group(3)) == maxima[scale.group(1)]
                _grade(value, top, {"-"}, f"{row[0]} {title}")
    return head[0], found


def check_brightspace(path: Path, maxima: dict[str, float]) -> dict[str, dict[str, str]]:
    """OrgDefinedId and Username first, `#`-prefixed, at least one per row; `<item> Points Grade` columns;
    the End-of-Line Indicator `#` last; no names or emails; blank is no grade."""
    head, *people = read(path)
    assert head[:2] == ["OrgDefinedId", "Username"] and head[-1] == "End-of-Line Indicator", head
    assert not {"First name", "Last name", "Email", "Email address"} & set(head), "names and emails must not go"
    found = {}
    for row in people:
        ids = [v for v in row[:2] if v]
        assert ids and all(v.startswith("#") for v in ids), f"{row[:2]}: ids must be given and #-prefixed"
        for value in ids:
            _identifier(value[1:], "Brightspace id")
        assert row[-1] == "#"
        for title, value in zip(head[2:-1], row[2:-1], strict=True):
            if title.endswith(" Points Grade"):
                _grade(value, maxima[title.removesuffix(" Points Grade")], {""}, f"{ids[0]} {title}")
        found[row[0] or row[1]] = dict(zip(head, row, strict=True))
    return found
