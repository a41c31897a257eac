"""A properly quoted CSV export for `nbgrader export --exporter=course.export.csv_export.QuotedCsv`.

nbgrader's own CSV joins fields with str.format (a comma in a name breaks the row) and leaves
a name like "=HYPERLINK(...)" to be run by a spreadsheet. This one quotes every field, guards
formulas, and sorts rows so two exports of the same gradebook are identical.
"""

from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

COLUMNS = ["student_id", "last_name", "first_name", "assignment", "score", "max_score", "status"]


def safe_cell(value: object) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ tab or CR is escaped with a quote."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def gradebook_rows(gb: Gradebook) -> list[dict]:
    """One row per student per assignment; a student who did not submit scores 0, 'missing'."""
    rows = []
    for assignment in sorted(gb.assignments, key=lambda a: a.name):
        for student in sorted(gb.students, key=lambda s: s.id):
            row = {
                "student_id": student.id,
                "last_name": student.last_name or "",
                "first_name": student.first_name or "",
                "assignment": assignment.name,
                "max_score": round(assignment.max_score, 2),
            }
            try:
                sub = gb.find_submission(assignment.name, student.id)
            except MissingEntry:
                row.update(score=0.0, status="missing")
            else:
                status = "needs manual grade" if sub.needs_manual_grade else "graded"
                row.update(score=round(sub.score, 2), status=status)
            rows.append(row)
    return rows


class QuotedCsv(ExportPlugin):
    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "grades.csv"
        self.log.info("Exporting grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
            writer.writerow(COLUMNS)
            for row in gradebook_rows(gradebook):
                writer.writerow([safe_cell(row[col]) for col in COLUMNS])
