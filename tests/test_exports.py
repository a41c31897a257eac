"""Exports: each format against a golden file written from a small gradebook with awkward names."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from course.cli import main
from course.export.formats import exporters

GOLDEN = Path(__file__).parent / "golden"
CELLS = {"02-proper-language": ("proper-language", {"ranking-check": 3, "rewrite-check": 4}),
         "04-listening": ("listening", {"ranking-check": 3, "restate-check": 4})}
STUDENTS = [  # id, first, last, email
    ("s1", "Ada", "Lovelace", "ada@example.org"),
    ("s2", '=HYPERLINK("http://x")', 'Smith, "Jo"', "jo@example.org"),
    ("s3", "Never", "Submitted", ""),
    ("s4", "Ann\nMarie", "O'Neil", "+ann@example.org"),
]
SCORES = {("s1", "02-proper-language"): {"ranking-check": 3, "rewrite-check": 3.5},
          ("s2", "02-proper-language"): {"ranking-check": 2.7, "rewrite-check": 0},
          ("s4", "02-proper-language"): {"ranking-check": 0.3, "rewrite-check": 4},
          ("s1", "04-listening"): {"ranking-check": 1.5, "restate-check": 2.25}}


STORED = STUDENTS[::-1]  # stored out of order on purpose: exports sort


def build_gradebook(db: Path, students=STORED, scores=SCORES, waiting=frozenset()) -> None:
    """The CELLS assignments, `students` (id, first, last, email; stored in this order) and their `scores`
    (None: never scored); `waiting` holds (student, cell) pairs still needing a manual grade."""
    from nbgrader.api import Gradebook

    from course.programs import scripts_on_path

    scripts_on_path()
    with Gradebook(f"sqlite:///{db}") as gb:
        for name, (nb, cells) in CELLS.items():
            gb.add_assignment(name)
            gb.add_notebook(nb, name)
            for cell, points in cells.items():
                gb.add_grade_cell(cell, nb, name, max_score=points, cell_type="code")
        for sid, first, last, email in students:
            gb.add_student(sid, first_name=first, last_name=last, email=email)
        for (sid, name), marks in scores.items():
            gb.add_submission(name, sid, timestamp=datetime(2026, 11, 20, 9, 30))
            for cell, score in marks.items():
                grade = gb.find_grade(cell, CELLS[name][0], name, sid)
                grade.auto_score, grade.needs_manual_grade = score, (sid, cell) in waiting
        gb.db.commit()


def course_folder(folder: Path, root: Path) -> Path:
    """A course folder whose source/ is the real one (for the exercises' sub-objectives) and its config."""
    (folder / "source").symlink_to(root / "source")
    (folder / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text())
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory, root):
    folder = course_folder(tmp_path_factory.mktemp("exports"), root)
    build_gradebook(folder / "gradebook.db")
    return folder


@pytest.mark.parametrize("fmt", sorted(exporters()))
def test_each_format_matches_its_golden_file(course, fmt, tmp_path):
    dest = tmp_path / f"{fmt}.csv"
    assert main(["--course-dir", str(course), "export", "--format", fmt, "--to", str(dest)]) == 0
    golden = GOLDEN / f"{fmt}.csv"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(dest.read_bytes())
    assert dest.read_bytes() == golden.read_bytes(), f"{fmt} differs from {golden} (UPDATE_GOLDEN=1 rewrites it)"


@pytest.mark.parametrize("fmt", sorted(exporters()))
def test_every_enrolled_student_appears_and_names_survive(fmt):
    with open(GOLDEN / f"{fmt}.csv", newline="", encoding="utf-8") as fh:
        text = fh.read()
    rows = list(csv.reader(text.splitlines(keepends=True)))
    assert all(len(r) == len(rows[0]) for r in rows)
    for sid, *_ in STUDENTS:
        assert any(sid in r or f"#{sid}" in r for r in rows), f"{sid} missing from {fmt}"  # Brightspace: #-prefixed
    assert '"=HYPERLINK' not in text and '"+ann' not in text  # formulas defused wherever names appear


def test_grades_csv_keeps_nbgrader_columns_and_scores_missing_work_zero():
    with open(GOLDEN / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:11] == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                                  "email", "raw_score", "late_submission_penalty", "score", "max_score"]
    missing = [r for r in rows if r["student_id"] == "s3"]
    assert len(missing) == 2 and {r["score"] for r in missing} == {"0.0"} and {r["status"] for r in missing} == {
        "missing"}
    smith = next(r for r in rows if r["student_id"] == "s2")
    assert smith["last_name"] == 'Smith, "Jo"' and smith["first_name"].startswith("'=")
    keys = [(r["assignment"], r["student_id"]) for r in rows]
    assert keys == sorted(keys)


def test_subobjective_percentages_add_up():
    with open(GOLDEN / "objectives-wide.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    # s1: language 6.5 of 7 on 02; listening 3.75 of 7 on 04
    assert float(rows["s1"]["language"]) == pytest.approx(round(100 * 6.5 / 7, 1))
    assert float(rows["s1"]["listening"]) == pytest.approx(round(100 * 3.75 / 7, 1))
    assert float(rows["s3"]["language"]) == 0.0


def test_nbgrader_export_runs_each_plugin(course, tmp_path):
    for fmt, cls in exporters().items():
        dest = tmp_path / f"nbgrader-{fmt}.csv"
        exporter = f"--exporter={cls.__module__}.{cls.__name__}"
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", exporter, f"--to={dest}"],
                              cwd=course, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert dest.read_bytes() == (GOLDEN / f"{fmt}.csv").read_bytes(), fmt


def test_export_without_a_gradebook_says_what_to_do(tmp_path, root, capsys):
    (tmp_path / "source").symlink_to(root / "source")
    (tmp_path / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text())
    assert main(["--course-dir", str(tmp_path), "export"]) == 1
    assert "no gradebook" in capsys.readouterr().err


def test_work_handed_in_but_not_graded_is_not_called_missing(tmp_path, root):
    from course.export.rows import NOT_GRADED, grade_rows

    build_gradebook(tmp_path / "gradebook.db")
    (tmp_path / "submitted" / "s3" / "04-listening").mkdir(parents=True)  # collected, never graded
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        rows = {(r["student_id"], r["assignment"]): r["status"] for r in grade_rows(gb, root=tmp_path)}
        without_folder = {(r["student_id"], r["assignment"]): r["status"] for r in grade_rows(gb)}
    assert rows[("s3", "04-listening")] == NOT_GRADED and rows[("s3", "02-proper-language")] == "missing"
    assert without_folder[("s3", "04-listening")] == "missing"
    assert rows[("s1", "04-listening")] == "graded"


def test_the_cli_lists_every_export_format_without_importing_nbgrader():
    import subprocess
    import sys

    from course.export import FORMATS

    assert FORMATS == tuple(exporters())
    code = ("import sys; from course.cli import main\n"
            "try:\n    main(['export', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('nbgrader' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert all(f in out for f in FORMATS) and out.strip().endswith("False")
