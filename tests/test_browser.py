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

from course.cases import case_for, load_cases, seed_for
from course.play.log import LOG_NAME, read_log

ASSIGNMENT = "02-proper-language"
NOTEBOOK = "proper-language.ipynb"
TOKEN = "course-browser-test"
COURSE, STUDENT = "aplus-4.7", "maya"
WIDE = {"width": 1280, "height": 1000}


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
    # A student on their own computer: nbgrader's settings say who they are (docs/students.md, "Your case").
    (home / "config").mkdir()
    (home / "config" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE!r}\nc.CourseDirectory.student_id = {STUDENT!r}\n")
    with jupyter("lab", work, home, TOKEN, "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                 "--LabApp.expose_app_in_browser=True") as base:
        yield {"base": base, "work": work, "home": home}


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=WIDE)
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


def test_each_case_cell_shows_the_students_own_case(page, lab):
    for exercise in ("language-ranking", "language-rewrite"):
        number = case_for(COURSE, ASSIGNMENT, exercise, STUDENT, 3)
        case = load_cases(exercise)[number - 1]
        shown = page.locator(OUTPUT).filter(has_text=case.title)
        shown.first.scroll_into_view_if_needed()
        text = " ".join(shown.first.inner_text().split())
        assert f"Your case: case {number} of 3, for student {STUDENT}: {case.title}" in text
        assert " ".join(case.text.split()[-8:]).replace("**", "") in text
        assert "No student id was found" not in text


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


def _focused(page, selector: str) -> bool:
    return page.evaluate("(sel) => !!document.activeElement && !!document.activeElement.closest(sel)", selector)


def _active_text(page) -> str:
    return page.evaluate("(document.activeElement && document.activeElement.innerText || '').trim()")


def _settled_after_choice(page, old_situation: str) -> None:
    """Wait as a keyboard user does, for the focus ring to show on the new situation (on a control
    at an ending), then for the verdict above it. No focus is set by the test."""
    page.wait_for_function(
        "([old, out]) => { const a = document.activeElement; if (!a) return false;"
        " if (a.closest('.course-situation')) return a.innerText.trim() !== '' && a.innerText !== old;"
        " return !!a.closest('.course-control') && !document.querySelector(out + ' .course-choice'); }",
        arg=[old_situation, OUTPUT],
    )


def _situation(widget) -> str:
    situation = widget.locator(".course-situation")
    return situation.inner_text() if situation.count() else ""


def test_the_documented_key_path_reaches_the_first_choice(page):
    """From the notebook after Run All: Esc, arrow keys to the scenario cell, then Tab (twice at most,
    if the cell's toolbar shows), as the widget's header and docs/students.md say."""
    widget = _scenario(page)
    assert "Keyboard: press Esc, select this cell with the arrow keys, then press Tab" in widget.inner_text()
    _key_path_to_the_first_choice(page)
    assert _focused(page, ".course-choice") and _active_text(page).startswith("1. ")


def _key_path_to_the_first_choice(page) -> None:
    page.keyboard.press("Escape")
    for _ in range(30):  # a sighted user watches the blue bar; the test reads which cell is active
        if page.evaluate("() => !!document.querySelector('.jp-Notebook-cell.jp-mod-active .course-scenario')"):
            break
        page.keyboard.press("ArrowUp")
    assert _focused(page, ".jp-Notebook-cell.jp-mod-active"), "the arrow keys did not select the scenario cell"
    for _ in range(2):
        page.keyboard.press("Tab")
        if _focused(page, ".course-choice"):
            break
        assert _focused(page, ".jp-Notebook-cell.jp-mod-active .jp-cell-toolbar"), _active_text(page)


def test_play_to_an_ending_by_clicking(page, lab, root):
    widget = _scenario(page)
    decisions = 0
    while widget.locator(".course-choice").count():
        situation = widget.locator(".course-situation").inner_text()
        chosen = widget.locator(".course-choice").first.inner_text().split(". ", 1)[1]
        widget.locator(".course-choice").first.click()
        decisions += 1
        _settled_after_choice(page, situation)
        feedback = widget.locator("[role='status']").first
        said = feedback.inner_text()
        assert said.startswith("You said: ") and chosen.strip() in said
        assert any(word in said for word in ("Strong choice", "Acceptable choice", "Weak choice", "Good recovery"))
        if widget.locator(".course-choice").count():  # the verdict sits above the new situation
            assert feedback.bounding_box()["y"] < widget.locator(".course-situation").bounding_box()["y"]
            page.keyboard.press("Tab")  # after a click, the next Tab reaches the first new response
            assert _focused(page, ".course-choice") and _active_text(page).startswith("1. "), _active_text(page)
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


def test_play_to_an_ending_by_keyboard_only(page, lab):
    widget = _scenario(page)
    assert _focused(page, ".widget-button"), "after an ending, focus should sit on a control of the scenario"
    # From the ending's controls, Shift+Tab back to Restart and press Enter.
    for _ in range(3):
        if _active_text(page) == "Restart":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("(sel) => document.activeElement.closest(sel)", arg=".course-situation")
    rows_before = len(_log_rows(lab))
    decisions = 0
    while widget.locator(".course-choice").count():
        situation = widget.locator(".course-situation").inner_text()
        page.keyboard.press("Tab")  # the first response of the new situation
        assert _focused(page, ".course-choice") and _active_text(page).startswith("1. "), _active_text(page)
        page.keyboard.press("Tab")  # the second one: keyboard users can pick any response
        chosen = _active_text(page)
        assert chosen.startswith("2. ")
        page.keyboard.press("Enter")
        decisions += 1
        _settled_after_choice(page, situation)
        assert chosen.split(". ", 1)[1] in widget.locator("[role='status']").first.inner_text()
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
        if _active_text(page) == "Undo":
            break
        page.keyboard.press("Shift+Tab")
    assert _active_text(page) == "Undo"
    page.keyboard.press("Enter")
    page.wait_for_function("(sel) => document.activeElement.closest(sel)", arg=".course-situation")
    assert "You took back" in widget.inner_text() and "Ending:" not in widget.inner_text()
    assert widget.locator(".course-choice").count() >= 2
    assert _log_rows(lab)[-1]["event"] == "undo"


# The WCAG contrast of the focus ring against the colours beside it: the element's own background
# (for a ring drawn inside it) and the one around it (outside), each the first opaque background
# up the tree, with translucent layers blended in. Returns the ring's width too.
RING_JS = r"""(el) => {
  const rgba = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const background = (node) => { const layers = [];
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]); };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const s = getComputedStyle(el);
  const width = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth);
  const inside = background(el), outside = background(el.parentElement);
  const ring = over(rgba(s.outlineColor) || [0, 0, 0, 0], parseFloat(s.outlineOffset) < 0 ? inside : outside);
  return {width, contrast: Math.min(ratio(ring, inside), ratio(ring, outside)),
          name: (el.innerText || el.className).trim().slice(0, 50)};
}"""


def _rings_along_tab_order(page, key: str) -> list[dict]:
    """Press `key` from the focused element, measuring the ring on each stop while it is in the scenario."""
    rings = []
    for _ in range(20):
        if not _focused(page, ".course-scenario"):
            break
        rings.append(page.evaluate(RING_JS, page.evaluate_handle("document.activeElement")))
        page.keyboard.press(key)
    return rings


def _theme(page, name: str, light: bool) -> None:
    page.evaluate(f"window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{name}'}})")
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{str(light).lower()}'")
    page.wait_for_timeout(300)  # the theme's stylesheet is swapped in after the flag flips


def _to_the_first_choice(page) -> None:
    """By keys, from the situation (Tab) or from a stop in or just after the widget (Shift+Tab)."""
    if _focused(page, ".course-situation"):
        page.keyboard.press("Tab")
    for _ in range(20):
        if _focused(page, ".course-choice") and _active_text(page).startswith("1. "):
            return
        page.keyboard.press("Shift+Tab")
    raise AssertionError(f"Shift+Tab never reached the first response: {_active_text(page)!r}")


def _rings_in_theme(page) -> list[dict]:
    """Every focus stop of the widget, reached by keys alone: its Tab stops, then the situation that
    takes the focus after a choice."""
    _to_the_first_choice(page)
    rings = _rings_along_tab_order(page, "Tab")
    _to_the_first_choice(page)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.closest('.course-situation, .course-control')")
    if not _focused(page, ".course-situation"):  # that choice ended the scenario: Restart
        for _ in range(3):
            if _active_text(page) == "Restart":
                break
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.closest('.course-situation')")
    return [*rings, page.evaluate(RING_JS, page.evaluate_handle("document.activeElement"))]


def test_focus_is_visible_at_3_to_1_in_light_and_dark_themes(page):
    light = _rings_in_theme(page)
    try:
        _theme(page, "JupyterLab Dark", light=False)
        dark = _rings_in_theme(page)
    finally:
        _theme(page, "JupyterLab Light", light=True)
    for theme, measured in (("light", light), ("dark", dark)):
        names = {r["name"].split(".")[0] for r in measured}
        assert {"1", "2", "Restart"} <= names and any(n.startswith("Situation") for n in names), (theme, measured)
        weak = [r for r in measured if r["width"] < 2 or r["contrast"] < 3]
        assert not weak, f"{theme} theme: focus rings under 2 px or 3:1: {weak}"


def _clipped(widget) -> list[str]:
    """Text the widget cuts short: an element whose text is wider (or, when it hides overflow, taller)
    than its box, as text-overflow: ellipsis or overflow: hidden would show it."""
    return widget.evaluate(r"""(root) => [...root.querySelectorAll('*')].filter(el => {
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own || !el.getClientRects().length) return false;
        const s = getComputedStyle(el);
        if (s.display === 'inline') return false;  // an inline box has no scroll box; its block is checked
        const hides = s.overflowX !== 'visible' || s.overflowY !== 'visible';
        return el.scrollWidth > el.clientWidth + 1 || (hides && el.scrollHeight > el.clientHeight + 1)
            || (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth);
      }).map(el => el.className + ': ' + el.innerText.trim().slice(0, 60))""")


def test_nothing_in_the_widget_is_clipped_at_800_px(page):
    page.set_viewport_size({"width": 800, "height": 900})
    try:
        widget = _scenario(page)
        page.wait_for_timeout(300)  # JupyterLab lays out again after the resize
        assert widget.locator(".course-choice").count() and widget.locator(".course-progress").is_visible()
        assert _clipped(widget) == []
        while widget.locator(".course-choice").count():  # to an ending, where "Show best path" shows
            situation = _situation(widget)
            widget.locator(".course-choice").last.click()
            _settled_after_choice(page, situation)
        widget.get_by_role("button", name="Show best path").wait_for()
        assert _clipped(widget) == []
    finally:
        page.set_viewport_size(WIDE)


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


def test_a_reopened_notebook_says_to_run_the_scenario_cell(page, lab, root):
    """After a save and a new kernel (as when the notebook is opened another day) the widget's model is
    gone; the note above it says what to do, and hides itself once the cell runs again."""
    page.keyboard.press("Escape")  # the Validate dialog
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    saved = lab["work"] / ASSIGNMENT / NOTEBOOK
    deadline = time.monotonic() + 30
    while "course-rerun-note" not in saved.read_text() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert "course-rerun-note" in saved.read_text(), "the saved notebook has no note"
    for session in _get_json(f"{lab['base']}/api/sessions?token={TOKEN}"):
        request = urllib.request.Request(f"{lab['base']}/api/sessions/{session['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()
    page.reload()
    page.wait_for_selector(".jp-NotebookPanel")
    _wait_idle(lab)
    note = page.locator(f"{OUTPUT} .course-rerun-note").first
    note.scroll_into_view_if_needed()
    note.wait_for(state="visible")
    assert "Run this cell (Shift+Enter)" in note.inner_text()
    assert page.locator(f"{OUTPUT} .course-choice").count() == 0
    page.screenshot(path=str(artifacts(root) / "scenario-reopened.png"))
    page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget.content;
        nb.activeCellIndex = nb.widgets.findIndex(c => c.node.querySelector('.course-rerun-note'));
        return window.jupyterapp.commands.execute('notebook:run-cell'); }""")
    widget = page.locator(f"{OUTPUT} .course-scenario").first
    widget.locator(".course-choice").first.wait_for()
    note.wait_for(state="hidden")
    situation = _situation(widget)
    widget.locator(".course-choice").first.click()
    _settled_after_choice(page, situation)
    assert widget.locator("[role='status']").first.inner_text().startswith("You said: ")


def test_the_scenario_is_shuffled_for_this_student(page, lab):
    """Every line of the path log, one choice made here included, has this student's own seed."""
    before = len(_log_rows(lab))
    widget = _scenario(page)
    if widget.locator(".course-choice").count() == 0:  # an earlier test left it at an ending
        widget.get_by_role("button", name="Restart").click()
    widget.locator(".course-choice").first.click()
    deadline = time.monotonic() + 20
    while len(_log_rows(lab)) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    seeds = {row["seed"] for row in _log_rows(lab)}
    assert len(_log_rows(lab)) > before and seeds == {seed_for(COURSE, ASSIGNMENT, "proper-language-printer", STUDENT)}
