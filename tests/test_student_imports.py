"""What a student's Run All and an instructor's course map load and do, kept to what they need.

Their speed is measured in benchmarks/notebooks.py; these tests hold the work that speed rests on:
modules a check cell with nothing written yet never uses stay unloaded, the widget labels a choice
button as it makes it, and the course map reads the course once.
"""

from __future__ import annotations

import subprocess
import sys

import ipywidgets
import nbformat

from course.author import coverage
from course.play.scenario import parse_scenario
from course.play.view import ScenarioView


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    script = f"{code}\nimport sys\nprint()\nprint(' '.join(sys.modules))"
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(found.stdout.splitlines()[-1].split())


def test_a_check_cell_with_nothing_written_loads_no_scoring_settings():
    """The settings files' checks and the conduct kinds load on the first written answer, not at Run All."""
    code = ("from course.record import AnswerNotReady, record_ranking, record_reflection\n"
            "for call in (lambda: record_ranking('r', [], 'ABCDE'), lambda: record_reflection('w', '')):\n"
            "    try:\n        call()\n    except AnswerNotReady:\n        pass")
    loaded = loaded_after(code)
    assert "course.record" in loaded
    assert not loaded & {"course.settings", "course.score.conduct", "pandas", "nbformat", "nbgrader"}


def test_a_new_choice_button_is_labelled_as_it_is_made(scenario_data, tmp_path, monkeypatch):
    """Each change to a widget already made is one more message from the kernel at Run All."""
    updated = []
    original = ipywidgets.Widget.send_state

    def send_state(self, key=None):
        updated.append((self, key))
        return original(self, key)

    monkeypatch.setattr(ipywidgets.Widget, "send_state", send_state)
    view = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    assert view.buttons and all(b.description and b.tooltip for b in view.buttons)
    assert [key for widget, key in updated if widget in view.buttons and key in ("description", "tooltip")] == []
    view.buttons[0].click()  # the pooled buttons are relabelled from then on
    assert "The customer nods." in view.situation.value
    assert view.buttons[0].description.startswith("1. ")


def test_the_course_map_reads_the_course_once(root, monkeypatch):
    """Its map and its gaps come from one `locate`: every source notebook and scenario read once."""
    calls = []
    locate = coverage.locate

    def counted(*args, **kwargs):
        calls.append(args)
        return locate(*args, **kwargs)

    monkeypatch.setattr(coverage, "locate", counted)
    monkeypatch.chdir(root / "notebooks")  # where an instructor runs it: it reads the course from ..
    nb = nbformat.read(root / "notebooks" / "course-map.ipynb", as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "course-map.ipynb", "exec"), namespace)
    assert len(calls) == 1
    assert namespace["missing"] == coverage.gaps(root)  # what a fresh read of the course finds


def test_gaps_reports_from_the_places_it_is_given(root):
    where = coverage.locate(root)
    first = next(iter(where))
    where[first] = coverage.Where()  # as if nothing taught, played or assessed it
    assert [line.split(" ")[1] for line in coverage.gaps(root, where)] == [first]
