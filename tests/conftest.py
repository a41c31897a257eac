"""Shared fixtures: the course folder, and small scenario data to break in many ways."""

from __future__ import annotations

import copy
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import helpers
import pytest

ROOT = Path(__file__).resolve().parent.parent

GOOD_SCENARIO = {
    "id": "tiny",
    "title": "Tiny",
    "intro": "A short test scenario.",
    "objectives": ["language"],
    "start": "a",
    "nodes": {
        "a": {
            "text": "The customer asks what is wrong.",
            "choices": [
                {"text": "Plain words", "next": "b", "score": 2, "feedback": "Clear.", "objectives": ["language"]},
                {"text": "Acronyms", "next": "bad", "score": 0, "feedback": "Confusing.", "objectives": ["language"]},
            ],
        },
        "b": {
            "text": "The customer nods.",
            "choices": [
                {"text": "Check understanding", "next": "good", "score": 2, "feedback": "Kind.",
                 "objectives": ["difficult.clarify"]},
                {"text": "Leave", "next": "ok", "score": 1, "feedback": "Abrupt.", "objectives": ["attitude"]},
            ],
        },
        "good": {"ending": {"title": "Great", "text": "All clear.", "summary": "Well done."}},
        "ok": {"ending": {"title": "Fine", "text": "Mostly clear.", "summary": "Check understanding."}},
        "bad": {"ending": {"title": "Lost", "text": "Confused.", "summary": "Use plain words."}},
    },
}


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on a free loopback port (Debian's `postgresql`: initdb + pg_ctl in a temp folder), with
    the databases `gradebook` and `empty`; the gradebook's URL, without a driver name (as people write it)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server programs (initdb, pg_ctl): apt-get install postgresql")
    # not under pytest's temp folder: that is private to this user, and the server runs as another
    tmp = Path(tempfile.mkdtemp(prefix="course-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use Debian's postgres account
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no `postgres` account to run the server as")
        os.chown(tmp, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = tmp / "data", helpers.free_port()

    def pg(*args: str) -> None:
        proc = subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{args[0]} failed: {proc.stdout}{proc.stderr}"

    pg(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "course", "-E", "UTF8", "--locale=C", "--no-sync")
    pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "server.log"), "-w", "start",
       "-o", f"-h 127.0.0.1 -p {port} -k {tmp} -F")
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=course dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gradebook")
            conn.execute("CREATE DATABASE empty")
        yield f"postgresql://course@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def scenario_data() -> dict:
    return copy.deepcopy(GOOD_SCENARIO)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skip is a failure: a missing dependency must not pass quietly."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true: {report.longrepr}"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One real run of the simulated class through nbgrader, shared by every test that needs a graded class."""
    from helpers import CELL_TIMEOUT

    from course import demo

    work = tmp_path_factory.mktemp("demo")
    csv_path = demo.run(work, ROOT, log=lambda _m: None, cell_timeout=CELL_TIMEOUT)
    # The dashboard notebook (run by nbval after the tests) reports on this class.
    os.environ["COURSE_DIR"] = str(work / "instructor")
    return work / "instructor", csv_path


# Under `pytest -n` (pytest-xdist, as `make test` runs), a file's tests run on one worker, in order, so a module's
# fixture (a graded corpus, a hub, a browser page) is built once. The files that use the graded demo class share one
# worker, so the class is graded once per run; the dashboard notebook reads that class, so it goes there as well.
# (A scheduler, not xdist_group marks: xdist 3.8 renames test ids to group them, which pytest 9 no longer reads.)
# The files that read the blind answers (80 MB of YAML, parsed once per process) share one worker too.
DEMO_USERS = {f"tests/{p.name}" for p in (ROOT / "tests").glob("test_*.py") if "demo_run" in p.read_text("utf-8")}
DEMO_USERS |= {"notebooks/grades-dashboard.ipynb"}
BLIND_READERS = {"tests/test_calibration.py", "tests/test_tone.py", "tests/test_second_reading.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "the demo class" if path in DEMO_USERS else "the blind answers" if path in BLIND_READERS else path

    return ByFile(config, log)


@pytest.fixture
def summary_line(record_property):
    """Report a figure measured on the way: printed at the end of the run (never asserted on: speed is for
    benchmarks/). It travels in the test's report, so it reaches the terminal from an xdist worker too."""
    return lambda line: record_property("summary", line)


def pytest_terminal_summary(terminalreporter):
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        for name, line in getattr(report, "user_properties", ()):
            if name == "summary":
                terminalreporter.write_line(line)
