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
    """One real run of the simulated class through nbgrader (about two minutes)."""
    from course import demo

    work = tmp_path_factory.mktemp("demo")
    csv_path = demo.run(work, ROOT, log=lambda _m: None)
    # The dashboard notebook (run by nbval after the tests) reports on this class.
    os.environ["COURSE_DIR"] = str(work / "instructor")
    return work / "instructor", csv_path


def pytest_terminal_summary(terminalreporter):
    """Print what tests measured on the way (never asserted on: speed is for benchmarks/)."""
    from helpers import SUMMARY

    for line in SUMMARY:
        terminalreporter.write_line(line)
