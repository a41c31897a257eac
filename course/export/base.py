"""What every export shares: the one CSV writer (every field quoted, formulas defused) and the
nbgrader ExportPlugin base class the course's exporters (csv_export, lms) build on.

It imports nbgrader and the bottom layer, and no other export module.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins import ExportPlugin

from course.safe_text import for_spreadsheet, formula_like


def write_csv(dest: str | Path, columns: list[str], rows: list[dict], extra_rows: list[list] = (),
              keep: set[str] = frozenset()) -> None:
    """Every field quoted and defused; `extra_rows` go right after the header (e.g. points possible).

    Every CSV file the course writes goes through here, so no cell of one starts a formula. The
    `keep` columns hold identifiers an LMS matches on: a `'` would make them match nobody, so the
    caller has left out any row whose identifier looks like a formula, and they are written as they are.
    """
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow([for_spreadsheet(c) for c in columns])
        for extra in extra_rows:
            writer.writerow([for_spreadsheet(v) for v in extra])
        for row in rows:
            for col in keep & set(columns):
                if formula_like(row.get(col, "")):
                    raise ValueError(f"identifier {row[col]!r} in {col} would run as a formula; leave its row out")
            writer.writerow([str(row.get(col, "")) if col in keep else for_spreadsheet(row.get(col, ""))
                             for col in columns])


def write_table(dest: str | Path, table) -> None:
    """A pandas DataFrame as CSV, through `write_csv` (missing values as empty cells)."""
    columns = [str(c) for c in table.columns]
    cells = table.astype(object).where(table.notna(), "")
    write_csv(dest, columns, [dict(zip(columns, values, strict=True))
                              for values in cells.itertuples(index=False, name=None)])


class CourseExport(ExportPlugin):
    """Shared plumbing: the destination, the chosen students/assignments, the course folder."""

    default_name = "grades.csv"
    course_dir: Path | None = None  # set when used outside `nbgrader export`

    def course_root(self) -> Path:
        if self.course_dir is not None:
            return Path(self.course_dir)
        coursedir = getattr(self.parent, "coursedir", None)
        return Path(coursedir.root if coursedir is not None and coursedir.root else ".").resolve()

    def filters(self) -> dict:
        return {"students": [str(s) for s in self.student] or None,
                "assignments": [str(a) for a in self.assignment] or None}

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or self.default_name
        self.log.info("Exporting grades to %s", dest)
        self.write(gradebook, dest)

    def write(self, gradebook: Gradebook, dest: str) -> None:
        raise NotImplementedError
