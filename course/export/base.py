"""What every export shares: the one CSV writer (every field quoted, formulas defused; it lives in
course.export.tables, which needs no nbgrader) and the nbgrader ExportPlugin base class the course's
exporters (csv_export, lms) build on.

It imports nbgrader, the bottom layer and course.export.tables.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins import ExportPlugin

from course.export.tables import write_csv, write_table  # noqa: F401 (the exporters' writer, kept importable here)


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
