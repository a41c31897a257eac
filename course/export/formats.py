"""The `course export --format` names and their exporter classes, and `export`, which writes them
from the course's gradebook. Here, above csv_export and lms, so that neither imports the other.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook

from course.export.base import CourseExport, write_csv
from course.export.csv_export import ObjectivesLong, ObjectivesWide, QuotedCsv
from course.export.lms import BrightspaceCsv, CanvasCsv, MoodleCsv


def exporters() -> dict[str, type[CourseExport]]:
    """`course export --format` names and their classes."""
    return {"grades": QuotedCsv, "objectives-long": ObjectivesLong, "objectives-wide": ObjectivesWide,
            "canvas": CanvasCsv, "moodle": MoodleCsv, "brightspace": BrightspaceCsv}


def export(root: Path, fmt: str, to: str | Path | None = None, db_url: str | None = None,
           assignments: list[str] | None = None, options: dict | None = None) -> list[tuple[Path, list[str]]]:
    """Write one format (or "all", each under its default name in `to` or the course folder).

    `options` set the LMS exporters' settings that they have (roster, zero_missing, ...). Returns each
    file written with its summary lines: what was held back or left out, and why.
    """
    from course.grade.batch import course_directory
    from course.programs import scripts_on_path

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
