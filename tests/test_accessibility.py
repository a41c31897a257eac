"""Accessibility measured by axe-core, and screenshots, in real JupyterLab with Debian's Chromium.

Every release notebook is opened as a student has it and run (Run All); axe-core (npm, pinned in
tests/axe/package-lock.json, installed by `npm ci --prefix tests/axe`) then checks the whole page in
the light and the dark theme. The course's outputs and notes must have no serious or critical
violation; JupyterLab's own are reported apart, in one line at the end and in full (with ours) in
a11y/axe-report.json in the artifacts folder. Each widget is photographed at 1366 and 800 px wide,
before and after playing to an ending, and its text must not be clipped. The course map and the
grade dashboard (on a small gradebook built here) are run and photographed too.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, OUTPUT, artifacts, jupyter, quiet_lab_settings

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RELEASE = sorted(p.relative_to(ROOT / "release").as_posix() for p in (ROOT / "release").glob("*/*.ipynb"))
INSTRUCTOR = ["course-map.ipynb", "grades-dashboard.ipynb"]
ORDER = RELEASE + [f"notebooks/{name}" for name in INSTRUCTOR]  # the order the tests open them in
TOKEN = "course-a11y-test"
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
WIDTHS = (1366, 800)
HEIGHT = 900
BLOCKING = {"serious", "critical"}
COLOUR_RULES = ["color-contrast", "link-in-text-block"]  # the axe rules a theme can change
# Ours: the outputs of the notebook's cells (the scenario widget, check-cell feedback) and the
# rendered notes. JupyterLab's heading anchors and cell chrome around them are its own.
OURS = ".jp-Notebook .jp-OutputArea-output, .jp-Notebook .jp-MarkdownOutput"
NOT_OURS = ".jp-InternalAnchorLink"
WIDGET = "[data-a11y-scenario]"  # the output area of the scenario cell, marked once it has rendered


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip("no axe-core: run `npm ci --prefix tests/axe` (needs Node.js and npm), or `make test`")
    return AXE.read_text("utf-8")


def _lab_config(folder: Path) -> Path:
    """Quiet settings, plus no windowing (every cell is rendered, so axe sees every output) and no blank
    space after the last cell (so a window as tall as the notebook shows all of it)."""
    quiet_lab_settings(folder)
    tracker = folder / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.write_text(json.dumps({"autoStartDefaultKernel": True, "windowingMode": "none", "scrollPastEnd": False}))
    return folder


def _weak_choice_lines(scenario_id: str) -> list[dict]:
    """Path-log lines that take each weak (score 0) choice of a scenario's first situation."""
    from course.play.scenario import load_scenario

    scenario = load_scenario(scenario_id)
    choices = scenario.node(scenario.start).choices
    return [{"v": 2, "event": "choice", "scenario": scenario_id, "session": "a11y", "node": scenario.start,
             "choice": i, "score": c.score} for i, c in enumerate(choices) if c.score == 0]


def _instructor_course(work: Path, root: Path) -> None:
    """The course folder the instructor notebooks read (`..` from notebooks/): the real source/, a small
    gradebook (the exports test's) and a few logged weak choices, so the dashboard charts in seconds
    instead of grading a simulated class."""
    from test_exports import build_gradebook, course_folder

    course_folder(work, root)
    build_gradebook(work / "gradebook.db")
    plays = [("s1", "02-proper-language", "proper-language-printer"),
             ("s2", "02-proper-language", "proper-language-printer"), ("s4", "04-listening", "listening-chat")]
    for sid, assignment, scenario in plays:
        log = work / "submitted" / sid / assignment / "scenario-log.jsonl"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(json.dumps(line) + "\n" for line in _weak_choice_lines(scenario)))


@pytest.fixture(scope="module")
def lab(root, tmp_path_factory, axe_source):
    """One JupyterLab whose root holds every release assignment, as students have them, and the
    instructor notebooks over a small course folder."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`")
    home = tmp_path_factory.mktemp("a11y")
    work = home / "course"
    for assignment in (root / "release").iterdir():
        shutil.copytree(assignment, work / assignment.name)
    (work / "notebooks").mkdir()
    for name in INSTRUCTOR:
        shutil.copy(root / "notebooks" / name, work / "notebooks" / name)
    env = {"JUPYTER_CONFIG_DIR": str(_lab_config(home / "lab-config")), "COURSE_DIR": str(work)}
    with jupyter("lab", work, home, TOKEN, "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                 "--LabApp.expose_app_in_browser=True", env=env) as base:
        # The instructor's course folder is built meanwhile (nbgrader's gradebook takes seconds), read at the end.
        with ThreadPoolExecutor(1) as pool:
            yield {"base": base, "work": work, "course": pool.submit(_instructor_course, work, root)}


@pytest.fixture(scope="module")
def page(lab, axe_source):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{lab['base']}/lab?token={TOKEN}")
        page.wait_for_selector(".jp-LabShell")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
        page.add_script_tag(content=axe_source)
        # JupyterLab's <body> is 0 px tall with overflow hidden (the shell is positioned absolutely), so axe
        # takes every text in the notebook for hidden and checks no contrast there; a full-height body paints
        # the same page and lets axe see it.
        page.add_style_tag(content="body { height: 100vh; }")
        yield page
        context.close()
        browser.close()


@pytest.fixture(scope="module")
def shots(root) -> Path:
    """This file's screenshots and axe report, emptied first so a stale picture never passes for a new one."""
    folder = artifacts(root) / "a11y"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def instructor_axe() -> dict:
    return {}


@pytest.fixture(scope="module")
def measured(page, shots) -> Callable[[str], dict]:
    """Per release notebook, measured once on first use: axe results by theme, clipping by width and state."""
    cache: dict = {}

    def measure(path: str) -> dict:
        if path not in cache:
            cache[path] = _measure(page, shots, path)
        return cache[path]

    return measure


# ---------------------------------------------------------------- driving JupyterLab

_KERNEL_IDLE = """() => { const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }"""
# Run All is finished when no cell of the notebook shown waits ([*]) and its kernel is idle.
_RUN_DONE = f"""() => ![...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')]
  .some(p => p.textContent.includes('*')) && ({_KERNEL_IDLE})()"""


def _open_and_run(page, path: str) -> None:
    """Show a notebook and Run All; close every other one (and its kernel). Then open the notebook
    that comes next behind it, so its kernel starts while this one is looked at."""
    page.evaluate(_SHOW, path)
    page.wait_for_function(_KERNEL_IDLE)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(f"() => [...document.querySelectorAll('{_SHOWN} .jp-InputPrompt')]"
                           ".some(p => /\\d/.test(p.textContent))")
    page.wait_for_function(_RUN_DONE)
    following = ORDER[ORDER.index(path) + 1:]
    if following:
        page.evaluate("""p => { window.jupyterapp.commands.execute('docmanager:open',
                         {path: p, options: {mode: 'tab-after', activate: false}}); }""", following[0])


_SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden)"
_SHOW = """async path => { const shell = window.jupyterapp.shell;
  for (const w of [...shell.widgets('main')]) {
    if (w.context && w.context.path === path) continue;
    if (w.sessionContext) { w.sessionContext.shutdown(); }
    w.dispose();
  }
  const open = [...shell.widgets('main')].find(w => w.context && w.context.path === path);
  if (open) { shell.activateById(open.id); await open.context.ready; }
  else { await window.jupyterapp.commands.execute('docmanager:open', {path}); }
}"""


# The errors the open notebook's cells raised, read from its model (the page may render them lazily).
_ERRORS = """() => [...window.jupyterapp.shell.currentWidget.content.model.cells].flatMap(c => c.type !== 'code' ? []
  : c.outputs.toJSON().filter(o => o.output_type === 'error').map(o => `${o.ename}: ${o.evalue}`))"""


def _set_theme(page, theme: str) -> None:
    if page.evaluate("document.body.dataset.jpThemeName") == theme:
        return
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme)
    page.wait_for_timeout(300)  # the theme's stylesheet is in; let the page paint with it before measuring colours


# How much of the open notebook lies below the window (its scroller's hidden height).
_BELOW = """() => { const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
  return s.scrollHeight - s.clientHeight; }"""
# axe runs on the whole page; each node is sorted into ours or JupyterLab's by where its element sits.
_AXE_RUN = """async ([ours, notOurs, rules]) => {
  const options = {elementRef: true};
  if (rules) options.runOnly = {type: 'rule', values: rules};
  const result = await axe.run(document, options);
  const mine = el => !!el && !!el.closest(ours) && !el.closest(notOurs);
  const split = (v, keep) => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.filter(n => mine(n.element) === keep).map(n => ({target: n.target, impact: n.impact,
      html: n.html.slice(0, 300), summary: n.failureSummary}))});
  const side = keep => result.violations.map(v => split(v, keep)).filter(v => v.nodes.length);
  const checked = result.passes.flatMap(v => v.nodes).filter(n => mine(n.element)).length;
  const unsure = result.incomplete.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.filter(n => mine(n.element)).map(n => ({target: n.target, impact: n.impact,
      html: n.html.slice(0, 300), summary: n.failureSummary}))})).filter(v => v.nodes.length);
  return {ours: side(true), lab: side(false), checked_ours: checked, unsure_ours: unsure,
          contrast_ours: result.passes.filter(v => v.id === 'color-contrast').flatMap(v => v.nodes)
            .filter(n => mine(n.element) && n.element.closest('.course-choice')).length};
}"""


def _axe(page, rules: list[str] | None = None) -> dict:
    """axe-core's violations on the page, ours apart from JupyterLab's (`rules`: only these; None: all).
    The window is made as tall as the notebook first: axe checks contrast only where text is on screen. Cells
    drawn for the first time can grow the notebook (JupyterLab estimates the height of cells it has not drawn),
    so the window grows until nothing is left below it."""
    for _ in range(20):
        hidden = page.evaluate(_BELOW)
        if hidden <= 0:
            break
        page.set_viewport_size({"width": page.viewport_size["width"], "height": page.viewport_size["height"] + hidden})
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"the notebook kept growing below the window ({hidden} px)")
    try:
        return page.evaluate(_AXE_RUN, [OURS, NOT_OURS, rules]) | {"rules": rules or "all"}
    finally:
        page.set_viewport_size({"width": page.viewport_size["width"], "height": HEIGHT})


# Clipped text: a box with text whose content is wider than the box, text cut with an ellipsis,
# a box cut off below its text, or the widget wider than its output area.
_CLIPPED = """(widget) => {
  const found = [];
  const say = (el, why) => found.push(`${why}: <${el.tagName.toLowerCase()} class="${el.className}">`
                                      + ` ${(el.innerText || '').trim().slice(0, 60)}`);
  if (widget.scrollWidth > widget.clientWidth + 1) {
    say(widget, `the output area scrolls sideways by ${widget.scrollWidth - widget.clientWidth} px`);
  }
  const right = widget.getBoundingClientRect().right;
  for (const el of widget.querySelectorAll('*')) {
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text || !el.getClientRects().length) continue;
    let box = el;
    while (box !== widget && getComputedStyle(box).display === 'inline') box = box.parentElement;
    const style = getComputedStyle(box);
    if (box.scrollWidth > box.clientWidth + 1) {
      say(el, style.textOverflow === 'ellipsis' ? 'cut with an ellipsis' : 'wider than its box');
    } else if (/hidden|clip/.test(style.overflowY) && box.scrollHeight > box.clientHeight + 2) {
      say(el, 'cut off below');
    }
    const past = Math.round(box.getBoundingClientRect().right - right);
    if (past > 1) say(box, `sticks out ${past} px past the output area`);
  }
  return [...new Set(found)];
}"""


def _widget(page):
    widget = page.locator(WIDGET)
    widget.scroll_into_view_if_needed()
    return widget


def _look(page, shots: Path, stem: str, state: str) -> dict:
    """At each width: the widget's clipped text, and a screenshot of it."""
    clipped = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        widget = _widget(page)
        page.wait_for_timeout(100)  # Lumino lays out on resize
        clipped[width] = widget.evaluate(_CLIPPED)
        _shoot(page, widget, shots / f"{stem}-{state}-{width}.png")
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    return clipped


def _shoot(page, locator, path: Path) -> None:
    """A screenshot of an element, the window made tall enough to hold all of it."""
    height = locator.evaluate("el => el.getBoundingClientRect().height")
    width = page.viewport_size["width"]
    if height + 200 > HEIGHT:
        page.set_viewport_size({"width": width, "height": min(int(height) + 200, 12_000)})
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path), animations="disabled")
    page.set_viewport_size({"width": width, "height": HEIGHT})


def _play_to_an_ending(page) -> int:
    """Take the first response shown at every situation; returns the number of decisions."""
    widget = _widget(page)
    decisions = 0
    while widget.locator(".course-choice").count() and decisions < 25:
        before = widget.inner_text()
        widget.locator(".course-choice").first.click()
        decisions += 1
        # The view changes in several messages: wait for the first, then for the kernel to have sent them all.
        page.wait_for_function("([el, old]) => el.innerText !== old", arg=[widget.element_handle(), before])
        page.wait_for_function(_KERNEL_IDLE)
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return decisions


def _measure(page, shots: Path, path: str) -> dict:
    """Run the notebook; axe in both themes (the current one first: a switch costs a second; all rules
    there, and the colour rules in the other, as only colours change); then, in the theme it is left
    in, the widget's text at each width, before and after playing to an ending."""
    started = time.monotonic()
    _open_and_run(page, path)
    page.locator(f"{OUTPUT} .course-choice").first.wait_for()
    page.evaluate(f"() => document.querySelector('{OUTPUT}:has(.course-choice)').dataset.a11yScenario = 'yes'")
    current = page.evaluate("document.body.dataset.jpThemeName")
    axe = {}
    for i, (theme, name) in enumerate(sorted(THEMES.items(), key=lambda item: item[1] != current)):
        _set_theme(page, name)
        axe[theme] = _axe(page, None if i == 0 else COLOUR_RULES)
    stem = f"{path.split('/')[0]}-{theme}"
    clipped = {"start": _look(page, shots, stem, "start")}
    decisions = _play_to_an_ending(page)
    clipped["ending"] = _look(page, shots, stem, "ending")
    return {"axe": axe, "clipped": clipped, "decisions": decisions, "seconds": round(time.monotonic() - started, 1)}


def _describe(violations: list[dict]) -> str:
    return "\n".join(f"  {v['id']} ({n['impact'] or v['impact']}): {v['help']} at {' '.join(map(str, n['target']))}"
                     f"\n    {n['html'][:160]}" for v in violations for n in v["nodes"])


def _by_impact(violations: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in violations:
        for n in v["nodes"]:
            impact = n["impact"] or v["impact"] or "unknown"
            counts[impact] = counts.get(impact, 0) + 1
    return counts


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("path", RELEASE)
def test_no_serious_axe_violations_in_our_outputs(measured, path):
    result = measured(path)
    for theme, found in result["axe"].items():
        # axe must have looked at the widget: its choices' contrast was measured and passed.
        assert found["contrast_ours"] >= 2, f"{path} ({theme}): axe measured no choice button's contrast"
        blocking = [v | {"nodes": [n for n in v["nodes"] if (n["impact"] or v["impact"]) in BLOCKING]}
                    for v in found["ours"]]
        blocking = [v for v in blocking if v["nodes"]]
        assert not blocking, f"{path} ({theme} theme): serious or critical axe violations in our output:\n" \
                             + _describe(blocking)


@pytest.mark.parametrize("path", RELEASE)
def test_widget_text_is_not_clipped(measured, path):
    result = measured(path)
    assert result["decisions"] >= 2, f"{path}: the scenario ended after {result['decisions']} decision(s)"
    problems = [f"{state} at {width} px: {what}" for state, widths in result["clipped"].items()
                for width, found in widths.items() for what in found]
    assert not problems, f"{path}: clipped text in the widget:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", INSTRUCTOR)
def test_instructor_notebook_runs_and_is_photographed(lab, page, shots, instructor_axe, name):
    lab["course"].result()
    _open_and_run(page, f"notebooks/{name}")
    raised = page.evaluate(_ERRORS)
    assert not raised, f"{name}: a cell raised: {raised}"
    page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output img')].every(i => i.complete)")
    figures = page.locator(f"{OUTPUT} img").count()
    if name == "grades-dashboard.ipynb":
        assert figures >= 4, f"the dashboard drew {figures} of its 4 figures"
    else:
        assert page.locator(f"{OUTPUT} table").count() >= 2, "the course map shows no tables"
    _set_theme(page, THEMES["light"])
    instructor_axe[name] = _axe(page)
    for width in WIDTHS:
        shot = shots / f"{Path(name).stem}-{width}.png"
        _shoot_notebook(page, width, shot)
        assert shot.stat().st_size > 10_000


def _shoot_notebook(page, width: int, path: Path) -> None:
    """The whole notebook in one picture: the window made as tall as it (up to 16,000 px)."""
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.wait_for_timeout(100)
    page.set_viewport_size({"width": width, "height": min(HEIGHT + page.evaluate(_BELOW), 16_000)})
    page.wait_for_timeout(100)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").screenshot(
        path=str(path), animations="disabled")
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})


def _axe_version() -> str:
    return json.loads((AXE.parent / "package.json").read_text())["version"]


def test_jupyterlab_own_violations_are_reported(measured, instructor_axe, shots, summary_line):
    """JupyterLab's own violations are not ours to fix: they are written down and counted, apart from ours."""
    report = {}
    for path in RELEASE:
        result = measured(path)
        report[path] = {"seconds": result["seconds"]} | {
            theme: {"rules": found["rules"], "ours": found["ours"], "jupyterlab": found["lab"],
                    "ours, axe unsure": found["unsure_ours"], "nodes of ours that passed": found["checked_ours"]}
            for theme, found in result["axe"].items()}
    out = shots / "axe-report.json"
    instructor = {name: {"ours": found["ours"], "jupyterlab": found["lab"]} for name, found in instructor_axe.items()}
    out.write_text(json.dumps({"axe-core": _axe_version(), "notebooks": report,
                               "instructor notebooks (light theme; reported, not asserted)": instructor}, indent=1))
    totals = {f"{side} {theme}": _by_impact([v for r in report.values() for v in r[theme][key]])
              for side, key in (("ours", "ours"), ("JupyterLab", "jupyterlab")) for theme in THEMES}
    unchecked = [f"{path} ({theme})" for path, r in report.items() for theme in THEMES
                 if not r[theme]["nodes of ours that passed"]]
    assert not unchecked, f"axe checked nothing of ours in {unchecked}"
    counted = "; ".join(f"{k}: {', '.join(f'{n} {i}' for i, n in sorted(v.items())) or 'none'}"
                        for k, v in totals.items())
    teacher = "; ".join(f"{name}: {', '.join(f'{n} {i}' for i, n in sorted(_by_impact(v['ours']).items())) or 'none'}"
                        for name, v in instructor.items())
    summary_line(f"axe-core {_axe_version()}, {len(RELEASE)} release notebooks, violating nodes by impact: {counted}; "
                 f"instructor notebooks, ours: {teacher or 'not run'} (details: {out})")
