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


# ------------------------------------------------------------------ the dashboard's reader: plain SQL, no nbgrader


def _hand_graded(db: Path) -> None:
    """The awkward class, then what only a grader's hand leaves: a manual score over an automatic one, extra
    credit, a late penalty, a cell with no score at all and a grade still waiting for a person."""
    from nbgrader.api import Gradebook

    build_gradebook(db, scores={**SCORES, ("s3", "04-listening"): {"ranking-check": None, "restate-check": None}},
                    waiting={("s4", "rewrite-check")})
    with Gradebook(f"sqlite:///{db}") as gb:
        grade = gb.find_grade("rewrite-check", "proper-language", "02-proper-language", "s1")
        grade.manual_score, grade.extra_credit = 2.25, 0.5
        gb.find_grade("restate-check", "listening", "04-listening", "s1").extra_credit = 1
        gb.find_submission_notebook("proper-language", "02-proper-language", "s2").late_submission_penalty = 1.2
        gb.db.commit()


def test_the_plain_sql_reader_gives_the_rows_of_nbgrader_api(tmp_path, root):
    from nbgrader.api import Gradebook

    from course.export.rows import exercise_rows, grade_rows, read_book

    folder = course_folder(tmp_path, root)
    _hand_graded(folder / "gradebook.db")
    (folder / "submitted" / "s3" / "02-proper-language").mkdir(parents=True)  # collected, never graded
    url = f"sqlite:///{folder / 'gradebook.db'}"
    book = read_book(url)
    with Gradebook(url) as gb:
        api_grades, api_exercises = grade_rows(gb, root=folder), exercise_rows(gb, folder)
    assert grade_rows(book, root=folder) == api_grades
    assert exercise_rows(book, folder) == api_exercises
    statuses = {(r["student_id"], r["assignment"]): r["status"] for r in api_grades}
    assert {"graded", "missing", "needs manual grade", "submitted, not graded"} <= set(statuses.values())
    smith = next(r for r in api_grades if (r["student_id"], r["assignment"]) == ("s2", "02-proper-language"))
    assert smith["late_submission_penalty"] == 1.2 and smith["score"] == 1.5  # 2.7 less the penalty


def test_the_dashboard_tables_are_the_exports_and_need_no_nbgrader(course, tmp_path):
    out = tmp_path / "tables"
    code = ("import sys; from pathlib import Path; from course.export import report\n"
            f"report.load_gradebook(Path({str(course)!r}), Path({str(out)!r}))\n"
            "print(sorted(m for m in ('nbgrader', 'nbformat', 'nbconvert') if m in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_DB_URL"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"  # seconds of imports the dashboard does not wait for
    for name in ("grades", "objectives-long", "objectives-wide"):
        assert (out / f"{name}.csv").read_bytes() == (GOLDEN / f"{name}.csv").read_bytes(), name


@pytest.mark.parametrize("where", ["default", "config", "environment", "both"])
def test_the_dashboard_finds_the_gradebook_course_export_uses(where, tmp_path, root, monkeypatch):
    from course.grade import batch  # the one lookup: `course export`, `course grade` and the dashboard use it

    folder = course_folder(tmp_path, root)
    monkeypatch.delenv("NBGRADER_DB_URL", raising=False)
    if where in ("config", "both"):  # after configure(c), as the demo's file names its SQLite gradebook
        with open(folder / "nbgrader_config.py", "a", encoding="utf-8") as fh:
            fh.write("c.CourseDirectory.db_url = 'postgresql://teacher@db.example:5432/grades'\n")
    if where in ("environment", "both"):
        monkeypatch.setenv("NBGRADER_DB_URL", "postgres://hub@db.example/grades")
    expected = {"default": f"sqlite:///{folder / 'gradebook.db'}",
                "config": "postgresql://teacher@db.example:5432/grades",
                "environment": "postgresql+psycopg://hub@db.example/grades",
                "both": "postgresql+psycopg://hub@db.example/grades"}[where]  # the environment first, as documented
    assert batch.gradebook_url(folder) == expected


def test_the_plain_sql_reader_leaves_no_empty_gradebook_behind(tmp_path):
    from course.errors import GradebookError
    from course.export.rows import read_book

    with pytest.raises(GradebookError, match="no gradebook"):
        read_book(f"sqlite:///{tmp_path / 'gradebook.db'}")
    assert not (tmp_path / "gradebook.db").exists()
