"""The course's CSV files without nbgrader: the one CSV writer, and the three grade tables the
graders' dashboard reads, written from a gradebook read with plain SQL (course.export.rows.read_book).

Every CSV file the course writes goes through `write_csv`; `course export` writes the same three
tables through nbgrader's API (csv_export), byte for byte the same (tests/test_report.py).
"""

from __future__ import annotations

import csv
from pathlib import Path

from course.export.rows import (
    GRADE_COLUMNS,
    LONG_COLUMNS,
    exercise_rows,
    grade_rows,
    read_book,
    subobjective_table,
)
from course.safe_text import for_spreadsheet, formula_like

GRADE_TABLES = ("grades.csv", "objectives-long.csv", "objectives-wide.csv")


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


def write_grade_tables(root: Path, out: Path, db_url: str | None = None) -> list[Path]:
    """grades.csv, objectives-long.csv and objectives-wide.csv for the whole class into `out`, as
    `course export --format all` writes them, from the course's gradebook (or the one at `db_url`),
    read once with plain SQL."""
    from course.grade.batch import gradebook_url  # the one `course export` and `course grade` use

    book = read_book(db_url or gradebook_url(root))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    long = exercise_rows(book, root)
    subs, wide = subobjective_table(long)
    grades, long_path, wide_path = (out / name for name in GRADE_TABLES)
    write_csv(grades, GRADE_COLUMNS, grade_rows(book, root=root))
    write_csv(long_path, LONG_COLUMNS, long)
    write_csv(wide_path, ["student_id", "last_name", "first_name", *subs], wide)
    return [grades, long_path, wide_path]
