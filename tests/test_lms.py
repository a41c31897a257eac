"""LMS import files generated from a class with every awkward case, checked against each importer's rules.

The class: graded, missing, failed-to-grade, waiting-for-a-manual-grade and excused students, a roster
with gaps (a student it lacks, one it has that the gradebook lacks, one with no identifiers, one whose
identifier a spreadsheet would run), hostile names and ids with leading zeros.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lms_rules import check_brightspace, check_canvas, check_moodle, read
from test_exports import build_gradebook, course_folder

from course.cli import main

MAXIMA = {"02-proper-language": 7.0, "04-listening": 7.0}
STUDENTS = [  # id, first, last
    ("ada", "Ada", "Lovelace"),
    ("00123", "Zero", "Lead"),
    ("bob", '=HYPERLINK("http://x")', 'Smith, "Jo"'),
    ("cy", "Cy", "Failed"),
    ("dee", "Dee", "Waiting"),
    ("eve", "Eve", "Excused"),
    ("fay", "Fay", "Unrostered"),
    ("hal", "Hal", "No-Ids"),
    ("ivy", "Ivy", "Formula"),
    ("kai\x1b]0;pwned\x07", "Kai", "Escape"),  # an id that would retitle a grader's terminal; not in the roster
]
GRADED = {("ada", "02-proper-language"): {"ranking-check": 3, "rewrite-check": 3.5},
          ("ada", "04-listening"): {"ranking-check": 1.5, "restate-check": 2.25},
          ("00123", "02-proper-language"): {"ranking-check": 2, "rewrite-check": 4},
          ("bob", "02-proper-language"): {"ranking-check": 2.7, "rewrite-check": 0},
          ("cy", "02-proper-language"): {"ranking-check": None, "rewrite-check": None},  # grading failed
          ("dee", "02-proper-language"): {"ranking-check": 3, "rewrite-check": 1.0},  # rewrite waits for a person
          ("eve", "02-proper-language"): {"ranking-check": 1, "rewrite-check": 1},
          ("fay", "02-proper-language"): {"ranking-check": 3, "rewrite-check": 4},
          ("hal", "02-proper-language"): {"ranking-check": 3, "rewrite-check": 4},
          ("ivy", "02-proper-language"): {"ranking-check": 3, "rewrite-check": 4}}
ROSTER = [  # fay is missing; gus has no gradebook entry; hal has no identifiers; ivy's would run as a formula
    {"nbgrader_id": "ada", "section": "A", "canvas_user_id": "501", "sis_user_id": "S-ada", "sis_login_id": "ada",
     "moodle_username": "ada", "moodle_idnumber": "0042", "moodle_email": "ada@example.org",
     "org_defined_id": "000501", "d2l_username": "ada"},
    {"nbgrader_id": "00123", "section": "A", "canvas_user_id": "502", "sis_login_id": "00123",
     "moodle_username": "00123", "org_defined_id": "000123", "d2l_username": "00123"},
    {"nbgrader_id": "bob", "section": "=B", "sis_login_id": "bob", "moodle_username": "bob", "d2l_username": "bob"},
    {"nbgrader_id": "cy", "section": "B", "canvas_user_id": "504", "moodle_username": "cy", "org_defined_id": "504"},
    {"nbgrader_id": "dee", "section": "B", "canvas_user_id": "505", "moodle_username": "dee", "d2l_username": "dee"},
    {"nbgrader_id": "eve", "section": "B", "canvas_user_id": "506", "moodle_username": "eve", "d2l_username": "eve",
     "excused": "04-listening"},
    {"nbgrader_id": "gus", "section": "B", "canvas_user_id": "507", "moodle_username": "gus", "d2l_username": "gus"},
    {"nbgrader_id": "hal", "section": "B"},
    {"nbgrader_id": "ivy", "section": "B", "canvas_user_id": "509", "sis_login_id": "@ivy", "moodle_username": "+ivy",
     "d2l_username": "-ivy"},
]


def build(folder: Path, root: Path) -> Path:
    from course.export.roster import COLUMNS

    build_gradebook(course_folder(folder, root) / "gradebook.db", [(*s, "") for s in STUDENTS], GRADED,
                    waiting={("dee", "rewrite-check")})
    (folder / "submitted" / "cy" / "02-proper-language").mkdir(parents=True)
    with open(folder / "class-roster.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(ROSTER)
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory, root):
    return build(tmp_path_factory.mktemp("lms"), root)


def export(course: Path, fmt: str, dest: Path, *extra: str, capsys=None) -> str:
    args = ["--course-dir", str(course), "export", "--format", fmt, "--to", str(dest)]
    assert main([*args, "--roster", str(course / "class-roster.csv"), *extra]) == 0
    return capsys.readouterr().out if capsys else ""


def test_canvas_follows_its_importer_and_sends_no_grade_as_blank(course, tmp_path, capsys):
    out = export(course, "canvas", tmp_path / "c.csv", "--canvas-id", "02-proper-language=7001",
                 "--canvas-id", "99-nothing=1", capsys=capsys)
    assert "--canvas-id 99-nothing: no assignment of that name here" in out
    rows = check_canvas(tmp_path / "c.csv")
    head = read(tmp_path / "c.csv")[0]
    assert head[5:] == ["02-proper-language (7001)", "04-listening"]
    pl, ls = head[5:]
    assert set(rows) == {"501", "502", "bob", "504", "505", "506", "507"}
    assert rows["501"]["SIS User ID"] == "S-ada" and rows["501"][pl] == "6.5" and rows["501"][ls] == "3.75"
    assert rows["502"]["SIS Login ID"] == "00123" and rows["502"][pl] == "6.0"  # the leading zeros kept
    assert rows["bob"]["Student"] == 'Smith, "Jo", =HYPERLINK("http://x")'  # starts as text: safe as it is
    assert rows["bob"]["Section"] == "'=B" and rows["bob"][ls] == ""  # missing: no grade, not 0
    assert rows["504"][pl] == ""  # grading failed
    assert rows["505"][pl] == ""  # waiting for a manual grade
    assert rows["506"][ls] == "EX" and rows["506"][pl] == "2.0"
    assert rows["507"][pl] == rows["507"][ls] == ""  # in the roster, never submitted
    for sid in ("fay", "hal", "ivy", "kai\\x1b]0;pwned\\x07"):
        assert f"left out {sid}:" in out
    assert "'@ivy' would be read as a formula" in out
    assert "1 grade(s): handed in but not graded" in out
    held = {(r["student"], r["assignment"]) for r in csv.DictReader(open(tmp_path / "c-held-back.csv"))}
    assert {("cy", "02-proper-language"), ("dee", "02-proper-language"), ("eve", "04-listening"),
            ("bob", "04-listening"), ("fay", "(all)")} <= held


def test_moodle_maps_one_identifier_scores_in_percent_and_never_aborts_on_a_blank(course, tmp_path, capsys):
    out = export(course, "moodle", tmp_path / "m.csv", capsys=capsys)
    column, rows = check_moodle(tmp_path / "m.csv", MAXIMA)
    assert column == "Username" and "map 'Username' to username" in out
    assert set(rows) == {"ada", "00123", "bob", "cy", "dee", "eve", "gus"}
    assert rows["ada"]["02-proper-language (%)"] == "92.86" and rows["00123"]["02-proper-language (%)"] == "85.71"
    assert rows["bob"]["04-listening (%)"] == "-" and rows["eve"]["04-listening (%)"] == "-"
    assert rows["ada"]["02-proper-language feedback"] == ("language-ranking 3/3; language-rewrite 3.5/4. "
                                                          "Your feedback file explains each score.")
    assert rows["cy"]["02-proper-language feedback"] == ""  # nothing graded, nothing to sum up
    assert "1/4" not in rows["dee"]["02-proper-language feedback"]  # a held score is not told in a comment either
    export(course, "moodle", tmp_path / "points.csv", "--moodle-scale", "points", "--zero-missing", capsys=capsys)
    _, points = check_moodle(tmp_path / "points.csv", MAXIMA)
    assert points["ada"]["02-proper-language (out of 7)"] == "6.5"
    assert points["bob"]["04-listening (out of 7)"] == "0.0"  # --zero-missing: the instructor's choice
    assert points["cy"]["02-proper-language (out of 7)"] == "-"  # a failed grade is never 0


def test_brightspace_prefixes_ids_and_holds_provisional_scores_back(course, tmp_path, capsys):
    out = export(course, "brightspace", tmp_path / "b.csv", capsys=capsys)
    rows = check_brightspace(tmp_path / "b.csv", MAXIMA)
    assert rows["#000501"]["Username"] == "#ada" and rows["#000123"]["Username"] == "#00123"
    assert rows["#dee"]["02-proper-language Points Grade"] == "" and "waiting for a manual grade" in out
    export(course, "brightspace", tmp_path / "p.csv", "--include-provisional", "--late-column", capsys=capsys)
    provisional = check_brightspace(tmp_path / "p.csv", MAXIMA)
    assert provisional["#dee"]["02-proper-language Points Grade"] == "4.0"
    late = "02-proper-language late penalty Text Grade"
    assert provisional["#000501"][late] == "0.0" and provisional["#gus"][late] == ""  # no submission: blank


def test_without_a_roster_the_nbgrader_id_is_the_login_with_a_warning(course, tmp_path, capsys):
    assert main(["--course-dir", str(course), "export", "--format", "moodle", "--to", str(tmp_path / "m.csv")]) == 0
    out = capsys.readouterr().out
    _, rows = check_moodle(tmp_path / "m.csv", MAXIMA)
    assert "no roster: each nbgrader id is taken to be the student's Moodle login" in out
    assert set(rows) == {sid for sid, *_ in STUDENTS}


@pytest.mark.parametrize("text, says", [
    ("nbgrader_id,canvas_userid\nada,1\n", "unknown column(s) 'canvas_userid'"),
    ("canvas_user_id\n1\n", "no nbgrader_id column"),
    ("nbgrader_id,canvas_user_id\nada,1\nada,2\n", "line 3: 'ada' is listed twice"),
    ("nbgrader_id,canvas_user_id\nada,1\nbob,1\n", "line 3: canvas_user_id '1' already belongs to 'ada'"),
])
def test_a_bad_roster_names_the_problem(course, tmp_path, text, says, capsys):
    (tmp_path / "roster.csv").write_text(text)
    args = ["--course-dir", str(course), "export", "--format", "canvas", "--to", str(tmp_path / "c.csv")]
    assert main([*args, "--roster", str(tmp_path / "roster.csv")]) == 1
    assert says in capsys.readouterr().err and not (tmp_path / "c.csv").exists()


def test_a_canvas_id_must_be_canvass_number(course, tmp_path, capsys):
    args = ["--course-dir", str(course), "export", "--format", "canvas", "--to", str(tmp_path / "c.csv")]
    assert main([*args, "--canvas-id", "02-proper-language=abc"]) == 1
    assert "numeric id" in capsys.readouterr().err


def test_nbgrader_export_takes_the_same_settings_and_logs_what_it_held_back(course, tmp_path):
    import subprocess
    import sys

    dest = tmp_path / "b.csv"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--exporter=course.export.lms.BrightspaceCsv",
                           f"--to={dest}", "--LmsExport.roster=class-roster.csv"],
                          cwd=course, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "#000501" in check_brightspace(dest, MAXIMA) and "left out fay" in proc.stderr
    assert "left out kai\\x1b]0;pwned\\x07:" in proc.stderr and "\x1b" not in proc.stderr  # shown inert


def test_a_flagged_cell_waits_for_a_grader_and_a_graders_score_is_left_alone(tmp_path):
    """HoldFlagged (after nbgrader's SaveAutoGrades) marks flagged cells "needs manual grade", so the exports
    above hold them back; a cell a grader has scored is not marked again."""
    from nbgrader.api import Gradebook

    from course.grade.scoring_steps import HELD_CELLS, HoldFlagged
    from course.programs import scripts_on_path

    scripts_on_path()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_assignment("a")
        gb.add_notebook("nb", "a")
        for cell in ("flagged", "scored", "plain"):
            gb.add_grade_cell(cell, "nb", "a", max_score=4, cell_type="code")
        gb.add_student("kim")
        gb.add_submission("a", "kim")
        for cell in ("flagged", "scored", "plain"):
            grade = gb.find_grade(cell, "nb", "a", "kim")
            grade.auto_score, grade.needs_manual_grade = 3.0, False
        gb.find_grade("scored", "nb", "a", "kim").manual_score = 2.0
        gb.db.commit()
    resources = {"nbgrader": {"db_url": url, "notebook": "nb", "assignment": "a", "student": "kim"},
                 HELD_CELLS: ["flagged", "scored"]}
    HoldFlagged().preprocess(None, resources)
    with Gradebook(url) as gb:
        marks = {c: gb.find_grade(c, "nb", "a", "kim").needs_manual_grade for c in ("flagged", "scored", "plain")}
        assert gb.find_submission("a", "kim").needs_manual_grade
    assert marks == {"flagged": True, "scored": False, "plain": False}
