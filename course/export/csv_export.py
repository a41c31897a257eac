"""Quoted CSV exports, as nbgrader ExportPlugin classes (`nbgrader export --exporter=...`).

nbgrader's own CSV joins fields with str.format (a comma in a name breaks the row) and leaves
a name like "=HYPERLINK(...)" to be run by a spreadsheet. These quote every field, defuse
formulas (course.safe_text.for_spreadsheet), and sort rows, so two exports of the same gradebook
are identical.
"""

from __future__ import annotations

from nbgrader.api import Gradebook

from course.export.base import CourseExport, write_csv
from course.export.rows import GRADE_COLUMNS, LONG_COLUMNS, exercise_rows, grade_rows, subobjective_table

COLUMNS = GRADE_COLUMNS  # kept for callers of the first version


class QuotedCsv(CourseExport):
    """nbgrader's grades.csv columns (plus `status`), one row per student per assignment."""

    def write(self, gradebook: Gradebook, dest: str) -> None:
        write_csv(dest, GRADE_COLUMNS, grade_rows(gradebook, **self.filters(), root=self.course_root()))


class ObjectivesLong(CourseExport):
    """One row per student per exercise, with the sub-objectives it assesses."""

    default_name = "objectives-long.csv"
    columns = LONG_COLUMNS

    def write(self, gradebook: Gradebook, dest: str) -> None:
        write_csv(dest, self.columns, exercise_rows(gradebook, self.course_root(), **self.filters()))


class ObjectivesWide(CourseExport):
    """One row per student, one column per sub-objective: the percentage of its points earned."""

    default_name = "objectives-wide.csv"

    def write(self, gradebook: Gradebook, dest: str) -> None:
        subs, table = subobjective_table(exercise_rows(gradebook, self.course_root(), **self.filters()))
        write_csv(dest, ["student_id", "last_name", "first_name", *subs], table)
