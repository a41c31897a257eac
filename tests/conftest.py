"""Shared fixtures: the course folder, and small scenario data to break in many ways."""

from __future__ import annotations

import copy
import os
from pathlib import Path

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


# Under `pytest -n --dist loadgroup` (pytest-xdist, as `make test` runs), a file's tests run on one worker, in
# order, so a module's fixture (a graded corpus, a hub, a browser page) is built once. Every test that uses the
# graded demo class runs on one worker too, so the class is graded once per run; the dashboard notebook reads
# that class, so it goes there as well.
DEMO_NOTEBOOKS = {"grades-dashboard.ipynb"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        demo = "demo_run" in getattr(item, "fixturenames", ()) or path.name in DEMO_NOTEBOOKS
        item.add_marker(pytest.mark.xdist_group("demo-class" if demo else path.stem))


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
