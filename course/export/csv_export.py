"""Quoted CSV exports, as nbgrader ExportPlugin classes (`nbgrader export --exporter=...`).

nbgrader's own CSV joins fields with str.format (a comma in a name breaks the row) and leaves
a name like "=HYPERLINK(...)" to be run by a spreadsheet. These quote every field, defuse
formulas (course.safe_text.for_spreadsheet), and sort rows, so two exports of the same gradebook
are identical.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins import ExportPlugin

from course.export.rows import GRADE_COLUMNS, exercise_rows, grade_rows, subobjective_table
from course.safe_text import for_spreadsheet, formula_like

COLUMNS = GRADE_COLUMNS  # kept for callers of the first version


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


class QuotedCsv(CourseExport):
    """nbgrader's grades.csv columns (plus `status`), one row per student per assignment."""

    def write(self, gradebook: Gradebook, dest: str) -> None:
        write_csv(dest, GRADE_COLUMNS, grade_rows(gradebook, **self.filters(), root=self.course_root()))


class ObjectivesLong(CourseExport):
    """One row per student per exercise, with the sub-objectives it assesses."""

    default_name = "objectives-long.csv"
    columns = ["student_id", "last_name", "first_name", "assignment", "notebook", "cell", "exercise", "kind",
               "subobjectives", "score", "max_score", "status"]

    def write(self, gradebook: Gradebook, dest: str) -> None:
        write_csv(dest, self.columns, exercise_rows(gradebook, self.course_root(), **self.filters()))


class ObjectivesWide(CourseExport):
    """One row per student, one column per sub-objective: the percentage of its points earned."""

    default_name = "objectives-wide.csv"

    def write(self, gradebook: Gradebook, dest: str) -> None:
        subs, table = subobjective_table(exercise_rows(gradebook, self.course_root(), **self.filters()))
        write_csv(dest, ["student_id", "last_name", "first_name", *subs], table)


def exporters() -> dict[str, type[CourseExport]]:
    """`course export --format` names and their classes."""
    from course.export.lms import BrightspaceCsv, CanvasCsv, MoodleCsv

    return {"grades": QuotedCsv, "objectives-long": ObjectivesLong, "objectives-wide": ObjectivesWide,
            "canvas": CanvasCsv, "moodle": MoodleCsv, "brightspace": BrightspaceCsv}


def export(root: Path, fmt: str, to: str | Path | None = None, db_url: str | None = None,
           assignments: list[str] | None = None, options: dict | None = None) -> list[tuple[Path, list[str]]]:
    """Write one format (or "all", each under its default name in `to` or the course folder).

    `options` set the LMS exporters' settings that they have (roster, zero_missing, ...). Returns each
    file written with its summary lines: what was held back or left out, and why.
    """
    from course.grade.batch import course_directory
    from course.grade.gradebook import scripts_on_path

    scripts_on_path()
    coursedir = course_directory(root, db_url)
    chosen = exporters() if fmt == "all" else {fmt: exporters()[fmt]}
    written = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for cls in chosen.values():
            plugin = cls()
            plugin.course_dir = root
            plugin.assignment = assignments or []
            for name, value in (options or {}).items():
                if plugin.has_trait(name):
                    setattr(plugin, name, value)
            if fmt == "all" or to is None:
                dest = Path(to or root) / cls.default_name
            else:
                dest = Path(to)
            dest.parent.mkdir(parents=True, exist_ok=True)
            outcome = plugin.write(gb, str(dest))
            lines = outcome.lines() if outcome is not None else []
            if outcome is not None and outcome.held:
                held = dest.with_name(f"{dest.stem}-held-back.csv")
                write_csv(held, ["student", "assignment", "why"],
                          [{"student": h.student, "assignment": h.assignment or "(all)", "why": h.why}
                           for h in outcome.held])
                lines.append(f"each one is listed in {held}")
            written.append((dest, lines))
    return written
