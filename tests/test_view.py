"""The widget, driven headlessly by clicking its buttons."""

import json
import re

import ipywidgets
import pytest

from course.play.log import LOG_NAME, LOG_VERSION, read_log
from course.play.scenario import load_scenario, parse_scenario
from course.play.view import UNDO_ICON, WARNING_ICON, ScenarioView, show


def plain(markup: str) -> str:
    """What a reader sees of some HTML: the text without tags."""
    return re.sub(r"<[^>]+>", "", markup)


@pytest.fixture
def view(scenario_data, tmp_path):
    return ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)


def labels(view):
    return [b.description for b in view.buttons]


def test_shows_situation_and_labelled_described_choice_buttons(view):
    assert "The customer asks what is wrong." in view.situation.value
    assert labels(view) == ["1. Plain words", "2. Acronyms"]
    assert [b.tooltip for b in view.buttons] == [
        "Response 1 of 2: press Enter or click to say this",
        "Response 2 of 2: press Enter or click to say this",
    ]
    assert view.progress.value.startswith("Step 1 (this scenario takes 1–2 decisions)")
    assert "Tab" in view.header.value and "Enter" in view.header.value


def test_every_control_has_a_text_label_and_a_description(view):
    view.buttons[0].click()
    view.buttons[0].click()  # at an ending every control is on screen
    for button in [view.undo_button, view.restart_button, view.best_button]:
        assert button.description.strip() and button.tooltip.strip()
    assert view.situation.tabbable is False  # focusable by the view, not a Tab stop


def test_click_gives_feedback_in_words_and_icon_and_grows_transcript(view):
    view.buttons[0].click()
    assert "You said: Plain words — ✔ Strong choice (+2): Clear." in plain(view.feedback.value)
    assert "The customer nods." in view.situation.value
    assert "Plain words" in view.transcript.value
    assert view.progress.value.startswith("Step 2") and "score so far 2" in view.progress.value
    view.buttons[1].click()
    assert "You said: Leave — ◐ Acceptable choice (+1): Abrupt." in plain(view.feedback.value)


def test_each_ending_has_its_own_screen_score_and_summary(scenario_data, tmp_path):
    screens = {}
    for path in ([0, 0], [0, 1], [1]):
        v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
        for position in path:
            v.buttons[position].click()
        assert v.buttons == [] and v.situation.value == ""
        screens[tuple(path)] = plain(v.ending.value)
    assert "Ending: Great — ✔ Strong finish" in screens[(0, 0)]
    assert "4 of a possible 4" in screens[(0, 0)]
    assert "Ending: Fine — ◐ Mixed finish" in screens[(0, 1)] and "3 of a possible 4" in screens[(0, 1)]
    assert "Ending: Lost — ✖ A finish to learn from" in screens[(1,)]
    assert "Use plain words." in screens[(1,)] and "0 of a possible 4" in screens[(1,)]


def test_ending_says_what_went_well_and_what_to_practise(view):
    view.buttons[0].click()
    view.buttons[1].click()
    ending = view.ending.value
    well = ending.split("What went well")[1].split("What to practise")[0]
    practise = ending.split("What to practise")[1]
    assert "Clear." in well and "Abrupt." not in well
    assert "Abrupt." in practise and "Stronger: <i>Check understanding</i>" in practise


def test_undo_takes_back_the_last_choice(view, tmp_path):
    assert view.undo_button.disabled
    view.buttons[1].click()
    assert "Ending: Lost" in view.ending.value
    view.undo_button.click()
    assert view.ending.value == ""
    assert "The customer asks what is wrong." in view.situation.value
    assert "took back" in view.feedback.value and "Acronyms" in view.feedback.value
    assert view.player.steps == [] and view.undo_button.disabled
    view.buttons[0].click()
    assert view.player.score == 2
    events = [r["event"] for r in read_log(tmp_path / LOG_NAME)]
    assert events == ["choice", "undo", "choice"]


def test_undo_can_be_switched_off_per_scenario(scenario_data, tmp_path):
    scenario_data["undo"] = False
    v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    assert v.undo_button not in v.controls.children
    v.buttons[0].click()
    v.undo()  # ignored
    assert len(v.player.steps) == 1
    with pytest.raises(ValueError, match="does not allow undo"):
        v.player.undo()


def test_restart_clears_the_screen_and_is_logged(view, tmp_path):
    view.buttons[1].click()
    view.restart_button.click()
    assert view.ending.value == "" and view.transcript.value == "" and view.feedback.value == ""
    assert "The customer asks what is wrong." in view.situation.value
    assert [r["event"] for r in read_log(tmp_path / LOG_NAME)] == ["choice", "restart"]


def test_best_path_is_offered_after_an_ending(view):
    assert view.best_button.layout.display == "none"
    view.buttons[1].click()
    assert view.best_button.layout.display is None
    view.best_button.click()
    assert "The best path (score 4)" in view.best.value
    assert view.best.value.index("Plain words") < view.best.value.index("Check understanding")
    view.restart_button.click()
    assert view.best.value == "" and view.best_button.layout.display == "none"


def test_ending_scoring_mode_scores_the_ending_reached(scenario_data, tmp_path):
    scenario_data["scoring"] = "ending"
    for node, score in (("good", 10), ("ok", 6), ("bad", 1)):
        scenario_data["nodes"][node]["ending"]["score"] = score
    v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    assert "scored by the ending" in v.progress.value
    v.buttons[0].click()
    assert v.player.score == 0
    v.buttons[1].click()
    assert v.player.score == 6 and "6 of a possible 10" in v.ending.value


def test_shuffled_order_is_reproducible_with_a_seed(tmp_path):
    scenario = load_scenario("proper-language-printer")
    scenario = type(scenario)(**{**scenario.__dict__, "shuffle": True})
    orders = {seed: labels(ScenarioView(scenario, tmp_path, seed=seed)) for seed in range(8)}
    assert labels(ScenarioView(scenario, tmp_path, seed=3)) == orders[3]
    assert len({tuple(o) for o in orders.values()}) > 1, "eight seeds all gave the same order"
    assert all(o[0].startswith("1. ") and o[1].startswith("2. ") for o in orders.values())  # numbered as shown
    # A click takes the choice on that button, and the log records its authored index.
    v = ScenarioView(scenario, tmp_path, seed=5)
    shown = v.buttons[0].description.split(". ", 1)[1]
    v.buttons[0].click()
    authored = [c.text.strip() for c in scenario.node(scenario.start).choices]
    row = read_log(tmp_path / LOG_NAME)[-1]
    assert authored[row["choice"]] == shown and row["shown_as"] == 0 and row["seed"] == 5


def test_every_log_line_carries_version_scenario_node_choice_and_time(view, tmp_path):
    view.buttons[0].click()
    view.buttons[0].click()
    rows = read_log(tmp_path / LOG_NAME)
    assert [(r["node"], r["choice"]) for r in rows] == [("a", 0), ("b", 0)]
    assert all(r["v"] == LOG_VERSION and r["scenario"] == "tiny" and r["time"] and r["session"] for r in rows)
    for line in (tmp_path / LOG_NAME).read_text().splitlines():
        json.loads(line)


def test_two_widgets_in_one_notebook_keep_separate_sessions(scenario_data, tmp_path):
    first = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    second = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    first.buttons[0].click()
    second.buttons[1].click()
    first.buttons[0].click()
    assert "Ending: Lost" in second.ending.value and "Ending: Great" in first.ending.value
    rows = read_log(tmp_path / LOG_NAME)
    by_session = {}
    for r in rows:
        by_session.setdefault(r["session"], []).append(r["node"])
    assert sorted(by_session.values()) == [["a"], ["a", "b"]]


def test_unwritable_log_does_not_break_play(scenario_data, tmp_path):
    (tmp_path / LOG_NAME).mkdir()  # opening the log for append fails, even as root
    v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    v.buttons[0].click()
    assert "Not saved" in v.status.value
    assert "The customer nods." in v.situation.value
    v.restart_button.click()
    v.buttons[1].click()
    assert "Ending: Lost" in v.ending.value and "Not saved" in v.status.value


def test_missing_log_folder_does_not_break_play(scenario_data, tmp_path):
    v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path / "no" / "such" / "dir")
    v.buttons[0].click()
    assert "Not saved" in v.status.value
    assert "The customer nods." in v.situation.value


def test_focus_moves_to_the_new_situation_after_a_choice(view, monkeypatch):
    sent = []
    monkeypatch.setattr(ipywidgets.Widget, "send", lambda self, msg, buffers=None: sent.append((self, msg)))
    view.buttons[0].click()
    assert (view.situation, {"do": "focus"}) in sent
    view.buttons[0].click()
    assert sent[-1] == (view.best_button, {"do": "focus"})


def test_dollar_signs_in_a_situation_are_not_typeset_as_maths(scenario_data, tmp_path):
    scenario_data["nodes"]["a"]["text"] = "A new drive costs $150; a repair costs $80."
    v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    assert r"costs \$150; a repair costs \$80." in v.situation.value  # JupyterLab shows \$ as $


@pytest.fixture
def reworded(monkeypatch):
    """The conventions file with the strong verdict reworded, read afresh (and the real one restored)."""
    import copy

    from course.play import scenario

    data = copy.deepcopy(scenario.conventions())
    data["words"]["verdicts"][2].update(word="Spot-on choice", short="spot-on")
    monkeypatch.setattr(scenario, "conventions", lambda: data)
    scenario.words.cache_clear()
    yield
    scenario.words.cache_clear()


def test_the_widget_and_the_graph_read_one_set_of_verdict_words(reworded, scenario_data, tmp_path):
    from course.author.graph import _verdict

    view = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path)
    view.buttons[0].click()
    assert "Spot-on choice" in view.feedback.value and "Strong choice" not in view.feedback.value
    assert _verdict(2).endswith("spot-on") and _verdict(0).endswith("weak")


def _icons() -> dict[str, set[str]]:
    """Every icon the widget can show, with the words it may stand beside."""
    from course.play.scenario import words

    said = words()
    shown = [*said.verdicts.values(), said.recovery, *(f.said for f in said.finishes)]
    icons: dict[str, set[str]] = {UNDO_ICON: {"You took back:"}, WARNING_ICON: {"Not saved:"}}
    for s in shown:
        icons.setdefault(s.icon, set()).add(s.word)
    return icons


def test_every_icon_is_in_dejavu_sans():
    """Debian's default fonts are DejaVu: an icon outside them is an empty box where no emoji font is installed."""
    from pathlib import Path

    import matplotlib
    from fontTools.ttLib import TTFont

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    glyphs = TTFont(font).getBestCmap()
    missing = [f"{icon} U+{ord(ch):04X}" for icon in _icons() for ch in icon if ord(ch) not in glyphs]
    assert missing == []


def _every_screen(scenario_data, tmp_path) -> list[str]:
    """The HTML of every screen of the tiny scenario: each path to an ending, an undo, a best path, a failed log."""
    scenario_data["nodes"]["b"]["choices"][1]["recovery"] = True  # "Leave" puts things right, for the ↺ icon
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / LOG_NAME).mkdir()  # the log cannot be written: the warning shows
    screens = []
    for path in ([0, 0], [0, 1], [1]):
        v = ScenarioView(parse_scenario(scenario_data), log_folder=tmp_path / "log")
        for position in path:
            v.buttons[position].click()
            screens += [v.feedback.value, v.transcript.value, v.ending.value, v.status.value]
        v.best_button.click()
        v.undo_button.click()
        screens += [v.best.value, v.feedback.value]
    return screens


def test_every_icon_shown_has_its_word_beside_it_and_is_hidden_from_screen_readers(scenario_data, tmp_path):
    icons = _icons()
    screens = _every_screen(scenario_data, tmp_path)
    found = set()
    for screen in screens:
        for icon, words_for_it in icons.items():
            span = f"<span class='course-icon' aria-hidden='true'>{re.escape(icon)}</span>"
            marked = re.findall(rf"{span} ([^<]+)", screen)
            assert screen.count(icon) == len(marked), f"{icon} shown outside its aria-hidden span: {screen}"
            for after in marked:
                assert any(after.startswith(word) for word in words_for_it), (icon, after)
            found |= {icon} if marked else set()
    assert found == set(icons), f"never shown: {set(icons) - found}"


def test_the_verdict_sits_above_the_new_situation_and_repeats_the_choice(view):
    parts = list(view.children)
    assert parts.index(view.feedback) < parts.index(view.situation) < parts.index(view.choices)
    view.buttons[1].click()  # an ending: the verdict sits above it too
    assert parts.index(view.feedback) < parts.index(view.ending)
    assert "<div role='status'><p>You said: <i>Acronyms</i>" in view.feedback.value


def test_choice_buttons_are_kept_so_the_focused_one_is_not_removed(view):
    """JupyterLab gives the focus to the cell (whose next Tab stop is its toolbar) when the focused
    element leaves the page: the clicked button stays, relabelled, until the focus moves on."""
    first = view.buttons
    view.buttons[0].click()
    assert view.buttons == first and labels(view) == ["1. Check understanding", "2. Leave"]


def test_the_step_line_and_controls_can_wrap_on_a_narrow_screen(view):
    assert isinstance(view.progress, ipywidgets.HTML)  # a Label ends in an ellipsis instead
    assert all(b.layout.width == "auto" for b in view.controls.children)


def test_show_leaves_a_note_that_a_reopened_notebook_shows(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    show("proper-language-printer", log_folder=None)
    assert shown == []  # outside a kernel there is no notebook to save
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    view = show("proper-language-printer", log_folder=None)
    [(note, raw)] = shown
    assert raw and "Run this cell (Shift+Enter)" in note["text/plain"]
    assert "class='course-rerun-note'" in note["text/html"] and "Run this cell (Shift+Enter)" in note["text/html"]
    # The live widget's own style hides the note, so only an output without a live widget shows it.
    assert ".jp-OutputArea:has(.course-scenario) > .jp-OutputArea-child:has(.course-rerun-note)" in view.header.value
    assert "course-scenario" in view._dom_classes
