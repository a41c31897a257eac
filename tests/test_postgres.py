"""The gradebook on a real PostgreSQL server, and how a gradebook URL is chosen and checked.

The server is a throw-away cluster on 127.0.0.1 (the `postgres` fixture in conftest.py). Two of the demo
class's assignments are graded into it with `course grade --jobs 4`, and every grade must equal the one the
demo's SQLite run recorded: the whole class is graded once per run, by the demo.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CELL_TIMEOUT, all_grades, free_port

from course.course_files import assignments, exercises, notebooks
from course.errors import CourseError
from course.grade import batch, gradebook
from course.score import second_reading

COURSE_BIN = Path(sys.executable).parent / "course"
# Two assignments, 12 submissions for four workers: 08 has three exercises and a ranking with ties, 11 is the capstone.
GRADED_HERE = ["08-difficult", "11-capstone"]


def test_demo_class_graded_with_four_workers_on_postgres_equals_sqlite(demo_run, postgres, tmp_path):
    instructor, _csv = demo_run
    course = tmp_path / "course"
    names = GRADED_HERE
    assert set(names) <= set(assignments(instructor))
    (course / "source").mkdir(parents=True)
    shutil.copy(instructor / second_reading.FILE, course / second_reading.FILE)  # written answers' second reader
    for name in names:
        shutil.copytree(instructor / "source" / name, course / "source" / name)
        for student in (instructor / "submitted").iterdir():
            shutil.copytree(student / name, course / "submitted" / student.name / name)
    (course / "nbgrader_config.py").write_text(
        "from course.grade.config import configure\nc = get_config()  # noqa\nconfigure(c)\n"
        f"c.CourseDirectory.course_id = 'aplus-4.7-demo'\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    env = {**os.environ, gradebook.ENV_VAR: postgres}
    # nbgrader puts an assignment in the gradebook when it generates it: do that against PostgreSQL.
    generate = ("import sys; from pathlib import Path; from course.grade import batch\n"
                "api = batch.make_api(Path(sys.argv[1]))\n"
                "for name in sys.argv[2:]:\n"
                "    result = api.generate_assignment(name, force=True, create=True)\n"
                "    assert result['success'], result['log'][-2000:]\n")
    proc = subprocess.run([sys.executable, "-c", generate, str(course), *names], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([str(COURSE_BIN), "grade", *names, "--jobs", "4", "--no-collect"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in names:
        assert f"{name}: 6 graded, 0 failed" in proc.stdout, proc.stdout
    sqlite = {k: v for k, v in all_grades(f"sqlite:///{instructor / 'gradebook.db'}").items() if k[0] in names}
    pg = all_grades(postgres)
    cells = sum(len(exercises(nb)) for name in names for nb in notebooks(course, name))
    assert len(sqlite) == cells * 6, "the demo class: 6 students, every graded cell of every assignment"
    assert pg == sqlite  # same cells, same scores: no grade lost or changed by four workers at once
    assert not (course / "gradebook.db").exists(), "nothing went to a SQLite file"
    # the export reads the same gradebook through the same URL
    proc = subprocess.run([str(COURSE_BIN), "export", "--to", str(tmp_path / "pg.csv")], cwd=course, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(tmp_path / "pg.csv", newline="") as f, open(_csv, newline="") as g:
        def scores(rows):
            return sorted((r["assignment"], r["student_id"], float(r["score"])) for r in rows)
        exported = scores(csv.DictReader(f))
        assert len(exported) == 6 * len(names)
        assert exported == [row for row in scores(csv.DictReader(g)) if row[0] in names]


def test_grading_into_a_new_database_says_to_generate_first(demo_run, postgres, tmp_path):
    # As a person types it, without the environment's scripts on PATH: nbgrader runs `alembic`
    # by name when it creates the tables, and that must not end in a traceback.
    instructor, _csv = demo_run
    course = tmp_path / "course"
    shutil.copytree(instructor / "source" / "01-appearance", course / "source" / "01-appearance")
    shutil.copytree(instructor / "submitted" / "ada", course / "submitted" / "ada")
    (course / "nbgrader_config.py").write_text("c = get_config()  # noqa\n")
    env = {**os.environ, gradebook.ENV_VAR: postgres.replace("/gradebook", "/empty"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([str(COURSE_BIN), "grade", "01-appearance", "--no-collect"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "has no assignment 01-appearance: nbgrader adds an assignment to the gradebook when it is generated" \
        in proc.stderr, proc.stderr


def test_a_server_that_is_not_there_is_named_without_its_password(tmp_path):
    url = f"postgresql://grader:s3cret@127.0.0.1:{free_port()}/gradebook"
    with pytest.raises(CourseError) as info:
        gradebook.prepare(gradebook.normalize(url), "aplus-4.7", ["01-appearance"])
    assert "cannot open the gradebook at postgresql+psycopg://grader:***@127.0.0.1" in str(info.value)
    assert "s3cret" not in str(info.value)


def test_driver_names_and_their_errors():
    assert gradebook.normalize(" postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert gradebook.normalize("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert gradebook.normalize("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"
    gradebook.check("postgresql+psycopg://u@h/db")  # psycopg 3 is a dependency
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        with pytest.raises(CourseError, match="pip install psycopg2-binary, or write postgresql[+]psycopg://"):
            gradebook.check("postgresql+psycopg2://u:pw@h/db")
    with pytest.raises(CourseError, match="needs the Python module 'pg8000': pip install the Python driver"):
        gradebook.check("postgresql+pg8000://u@h/db")
    with pytest.raises(CourseError, match="knows no database kind 'postgresq'"):
        gradebook.check("postgresq://u@h/db")
    with pytest.raises(CourseError, match="is not a database URL"):
        gradebook.check("gradebook.db")


def test_url_comes_from_flag_then_environment_then_config(tmp_path, monkeypatch):
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "from course.grade.config import configure\nc = get_config()  # noqa\nconfigure(c)\n")
    monkeypatch.delenv(gradebook.ENV_VAR, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "user-config"))
    assert batch.gradebook_url(course) == f"sqlite:///{course / 'gradebook.db'}"
    monkeypatch.setenv(gradebook.ENV_VAR, "postgresql://env@h/db")
    assert batch.gradebook_url(course) == "postgresql+psycopg://env@h/db"
    assert batch.gradebook_url(course, "postgresql://flag@h/db") == "postgresql+psycopg://flag@h/db"
    # settings a hub writes into the user's ~/.jupyter are read too, and the course folder's win
    (tmp_path / "user-config").mkdir()
    (tmp_path / "user-config" / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\nc.Exchange.root = '/srv/exchange'\nc.CourseDirectory.course_id = 'user'\n")
    (course / "nbgrader_config.py").write_text(
        (course / "nbgrader_config.py").read_text() + "c.CourseDirectory.course_id = 'course'\n")
    config = batch.load_config(course)
    assert config.Exchange.root == "/srv/exchange" and config.CourseDirectory.course_id == "course"
