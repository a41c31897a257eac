"""A student's view, for real: JupyterLab on 127.0.0.1 driven by Debian's Chromium through Playwright.

The release notebook is run, its scenario played to an ending by mouse and again by keyboard
alone, the path log read back, and nbgrader's Validate button pressed. A screenshot of the ending
screen is kept in build/test-artifacts/ (or $COURSE_ARTIFACTS).
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, OUTPUT, artifacts, jupyter

from course.play.log import LOG_NAME, read_log

ASSIGNMENT = "02-proper-language"
NOTEBOOK = "proper-language.ipynb"
TOKEN = "course-browser-test"


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def lab(root, tmp_path_factory):
    """A JupyterLab server whose root holds a copy of the release assignment, as a student has it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`")
    home = tmp_path_factory.mktemp("lab")
    work = home / "student"
    shutil.copytree(root / "release" / ASSIGNMENT, work / ASSIGNMENT)
    with jupyter("lab", work, home, TOKEN, "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                 "--LabApp.expose_app_in_browser=True") as base:
        yield {"base": base, "work": work, "home": home}


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{lab['base']}/lab/tree/{ASSIGNMENT}/{NOTEBOOK}?token={TOKEN}")
        page.wait_for_selector(".jp-NotebookPanel")
        _wait_idle(lab)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.locator(f"{OUTPUT} .course-choice").first.wait_for()
        yield page
        context.close()
        browser.close()


def _wait_idle(lab, timeout: float = 60) -> None:
    """The toolbar's idle dot can lie; the sessions API does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = _get_json(f"{lab['base']}/api/sessions?token={TOKEN}")
        if sessions and all(s["kernel"]["execution_state"] == "idle" for s in sessions):
            return
        time.sleep(0.3)
    raise AssertionError("the kernel never became idle")


def _scenario(page):
    widget = page.locator(f"{OUTPUT}:has(.course-choice), {OUTPUT}:has(.course-situation)").first
    # JupyterLab skips laying out cells off screen (content-visibility), and their text reads as empty.
    widget.scroll_into_view_if_needed()
    page.wait_for_function("el => el.innerText.trim().length > 0", arg=widget.element_handle(), timeout=10_000)
    return widget


def _log_rows(lab):
    path = lab["work"] / ASSIGNMENT / LOG_NAME
    return read_log(path) if path.exists() else []


def test_scenario_renders_with_labelled_choices(page):
    widget = _scenario(page)
    assert widget.locator(".jupyter-widgets-error-widget").count() == 0, "a part of the widget failed to render"
    assert "This scenario takes" in widget.inner_text()
    choices = widget.locator(".course-choice")
    assert choices.count() >= 2
    for i in range(choices.count()):
        assert choices.nth(i).inner_text().startswith(f"{i + 1}. ")
        assert choices.nth(i).get_attribute("title").startswith(f"Response {i + 1} of")
    for name in ("Undo", "Restart"):
        assert widget.get_by_role("button", name=name).get_attribute("title")


def test_play_to_an_ending_by_clicking(page, lab, root):
    widget = _scenario(page)
    decisions = 0
    while widget.locator(".course-choice").count():
        situation = widget.locator(".course-situation").inner_text()
        widget.locator(".course-choice").first.click()
        decisions += 1
        page.wait_for_function(
            "([sel, old]) => { const el = document.querySelector(sel);"
            " return !el || el.innerText !== old; }",
            arg=[f"{OUTPUT} .course-situation", situation],
        )
        assert any(word in widget.inner_text()
                   for word in ("Strong choice", "Acceptable choice", "Weak choice", "Good recovery"))
        assert decisions < 20
    text = widget.inner_text()
    assert "Ending:" in text and "Your score:" in text
    assert "What went well" in text and "What to practise" in text
    ending = widget.locator("[aria-label='Ending']").first
    shot = artifacts(root) / "scenario-ending.png"
    ending.scroll_into_view_if_needed()
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    widget.get_by_role("button", name="Show best path").click()
    widget.get_by_text("The best path").wait_for()
    rows = [r for r in _log_rows(lab) if r["event"] == "choice"]
    assert len(rows) == decisions and {r["scenario"] for r in rows} == {"proper-language-printer"}
    assert ending.is_visible()


def _focused(page, selector: str) -> bool:
    return page.evaluate("(sel) => !!document.activeElement && !!document.activeElement.closest(sel)", selector)


def test_play_to_an_ending_by_keyboard_only(page, lab):
    widget = _scenario(page)
    assert _focused(page, ".widget-button"), "after an ending, focus should sit on a control of the scenario"
    # From the ending's controls, Shift+Tab back to Restart and press Enter.
    for _ in range(3):
        if page.evaluate("document.activeElement.innerText.trim()") == "Restart":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("(sel) => document.activeElement.closest(sel)", arg=".course-situation")
    rows_before = len(_log_rows(lab))
    decisions = 0
    while widget.locator(".course-choice").count():
        situation = widget.locator(".course-situation").inner_text()
        page.keyboard.press("Tab")  # the first response of the new situation
        assert _focused(page, ".course-choice"), "Tab from the situation should reach a response"
        page.keyboard.press("Tab")  # the second one: keyboard users can pick any response
        chosen = page.evaluate("document.activeElement.innerText")
        assert chosen.startswith("2. ")
        page.keyboard.press("Enter")
        decisions += 1
        page.wait_for_function(
            "([sel, old]) => { const el = document.querySelector(sel);"
            " return !el || !el.innerText.trim() || el.innerText !== old; }",
            arg=[f"{OUTPUT} .course-situation", situation],
        )
        if widget.locator(".course-choice").count():
            page.wait_for_function("(sel) => document.activeElement.closest(sel)", arg=".course-situation")
        assert decisions < 20
    assert "Ending:" in widget.inner_text()
    page.wait_for_function("() => document.activeElement.innerText.trim() === 'Show best path'")
    rows = _log_rows(lab)[rows_before:]
    assert [r["event"] for r in rows] == ["choice"] * decisions
    assert all(r["shown_as"] == 1 for r in rows), "every keyboard choice was the second response"
    restart = [r for r in _log_rows(lab) if r["event"] == "restart"]
    assert len(restart) == 1


def test_undo_by_keyboard_takes_back_the_last_choice(page, lab):
    widget = _scenario(page)
    for _ in range(4):  # from "Show best path", back through Restart to Undo
        if page.evaluate("document.activeElement.innerText.trim()") == "Undo":
            break
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.innerText.trim()") == "Undo"
    page.keyboard.press("Enter")
    page.wait_for_function("(sel) => document.activeElement.closest(sel)", arg=".course-situation")
    assert "You took back" in widget.inner_text() and "Ending:" not in widget.inner_text()
    assert widget.locator(".course-choice").count() >= 2
    assert _log_rows(lab)[-1]["event"] == "undo"


def test_log_lines_are_versioned_json(lab):
    rows = _log_rows(lab)
    assert rows and all({"v", "event", "scenario", "session", "time"} <= r.keys() for r in rows)
    assert all({"node", "choice", "score"} <= r.keys() for r in rows if r["event"] == "choice")
    assert len({r["session"] for r in rows}) == 1  # one widget, one session across restart and undo


def test_nbgrader_validate_button_opens_its_dialog(page):
    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    page.get_by_text("Validation Results").wait_for(timeout=180_000)
    body = dialog.inner_text()
    # The release notebook is unanswered: validation must say so, naming the exercise, not "Success!".
    assert "Success" not in body, body[:800]
    assert "is not finished yet" in body and "language-ranking" in body, body[:800]
