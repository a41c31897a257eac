"""The instructor's roster: the LMS identifiers of each nbgrader student, from a CSV file.

nbgrader knows a student by one id; each LMS matches a grade row on its own identifiers (Canvas
user id or SIS ids, Moodle username, idnumber or email, Brightspace OrgDefinedId or username).
A roster maps one to the others, so an import file can carry the identifier its LMS matches on
first. A typo in a column name would silently leave every student unmatched, so unknown columns
are an error, as are duplicate students and two students sharing one LMS identifier.
"""

from __future__ import annotations

import csv
from pathlib import Path

from course.errors import CourseError

ID = "nbgrader_id"
IDENTIFIERS = ("canvas_user_id", "sis_user_id", "sis_login_id", "moodle_username", "moodle_idnumber",
               "moodle_email", "org_defined_id", "d2l_username")
COLUMNS = (ID, "section", *IDENTIFIERS, "excused")
DEFAULT_NAME = "roster.csv"

Roster = dict[str, dict[str, str]]  # nbgrader id -> column -> value ("" when not given)


def excused(entry: dict[str, str]) -> set[str]:
    """The assignments a student is excused from (the `excused` column, names separated by `;`)."""
    return {name.strip() for name in entry.get("excused", "").split(";") if name.strip()}


def read_roster(path: Path) -> Roster:
    """Read and check a roster; every problem names the file, the line and how to fix it."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"roster {path} not found: give the file with --roster PATH (columns: {', '.join(COLUMNS)})")
    try:
        return _read(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CourseError(f"roster {path} cannot be read as CSV ({exc}); save it from your spreadsheet as "
                          "'CSV UTF-8' and give it with --roster PATH") from None


def _read(path: Path) -> Roster:
    with open(path, newline="", encoding="utf-8-sig") as fh:  # -sig: a spreadsheet's byte-order mark
        reader = csv.DictReader(fh)
        header = [(h or "").strip() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in COLUMNS]
        if ID not in header or unknown:
            raise CourseError(f"roster {path}: " + (f"unknown column(s) {', '.join(map(repr, unknown))}; "
                                                    if unknown else f"no {ID} column; ")
                              + f"the columns are {', '.join(COLUMNS)} ({ID} required, the rest optional)")
        roster: Roster = {}
        owner: dict[tuple[str, str], str] = {}
        for line, raw in enumerate(reader, start=2):
            entry = {col: (raw.get(name) or "").strip() for name, col in zip(reader.fieldnames, header, strict=True)}
            sid = entry.get(ID, "")
            if not sid:
                raise CourseError(f"roster {path}, line {line}: no {ID}; every row needs one")
            if sid in roster:
                raise CourseError(f"roster {path}, line {line}: {sid!r} is listed twice; keep one row per student")
            for col in IDENTIFIERS:
                value = entry.get(col, "")
                if value and (col, value) in owner:
                    raise CourseError(f"roster {path}, line {line}: {col} {value!r} already belongs to "
                                      f"{owner[col, value]!r}; two students cannot share one LMS identifier")
                owner[col, value] = sid
            roster[sid] = {col: entry.get(col, "") for col in COLUMNS}
    return roster


def find_roster(root: Path, given: str | Path | None) -> Roster | None:
    """The roster named with --roster, else roster.csv in the course folder, else None."""
    if given:
        return read_roster(Path(given))
    default = Path(root) / DEFAULT_NAME
    return read_roster(default) if default.is_file() else None
