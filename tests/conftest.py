"""Shared fixtures: the course folder, and small scenario data to break in many ways."""

from __future__ import annotations

import copy
import os
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


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on a free loopback port (helpers.postgres_server), with the databases `gradebook`
    and `empty`; the gradebook's URL, without a driver name (as people write it)."""
    try:
        with helpers.postgres_server() as url:
            yield url
    except helpers.NoPostgres as exc:
        pytest.skip(str(exc))


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
