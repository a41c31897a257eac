"""The widget, driven headlessly by clicking its buttons."""

import json

import pytest

from course.play.log import LOG_NAME, read_log
from course.play.scenario import parse_scenario
from course.play.view import ScenarioView


@pytest.fixture
def view(scenario_data, tmp_path):
    return ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)


def test_shows_situation_and_labelled_choice_buttons(view):
    assert "The customer asks what is wrong." in view.situation.value
    labels = [b.description for b in view.buttons]
    assert labels == ["1. Plain words", "2. Acronyms"]
    assert all(b.tooltip for b in view.buttons)
    assert view.progress.value.startswith("Decision 1")


def test_click_gives_feedback_in_words_and_icon_and_grows_transcript(view):
    view.buttons[0].click()
    assert "✔ Strong choice" in view.feedback.value and "Clear." in view.feedback.value
    assert "The customer nods." in view.situation.value
    assert "Plain words" in view.transcript.value
    assert view.progress.value.startswith("Decision 2")
    view.buttons[1].click()
    assert "➖ Acceptable choice" in view.feedback.value


def test_ending_screen_summary_and_restart(view):
    view.buttons[1].click()
    assert view.buttons == []
    assert "Ending: Lost" in view.ending.value
    assert "Use plain words." in view.ending.value
    assert "0 of a possible 4" in view.ending.value
    view.restart_button.click()
    assert view.ending.value == "" and view.transcript.value == ""
    assert "The customer asks what is wrong." in view.situation.value


def test_every_choice_is_logged_as_json_lines(view, tmp_path):
    view.buttons[0].click()
    view.buttons[0].click()
    rows = read_log(tmp_path / LOG_NAME)
    assert [(r["node"], r["choice"]) for r in rows] == [("a", 0), ("b", 0)]
    assert all(r["scenario"] == "tiny" and r["v"] == 1 and r["time"] for r in rows)
    for line in (tmp_path / LOG_NAME).read_text().splitlines():
        json.loads(line)


def test_unwritable_log_does_not_break_play(scenario_data, tmp_path):
    (tmp_path / LOG_NAME).mkdir()  # opening the log for append fails, even as root
    v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    v.buttons[0].click()
    assert "not saved" in v.status.value
    assert "The customer nods." in v.situation.value


def test_missing_log_folder_does_not_break_play(scenario_data, tmp_path):
    v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path / "no" / "such" / "dir")
    v.buttons[0].click()
    assert "not saved" in v.status.value
    assert "The customer nods." in v.situation.value
