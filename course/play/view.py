"""The ipywidgets view of a scenario: situation, choice buttons, feedback, endings, best path.

Accessibility: every button has a text label and a tooltip that describes it; choices are plain
buttons, so Tab reaches them and Enter takes them. After each choice the verdict (a live region)
appears above the new situation, and the keyboard focus moves to the situation (a focusable,
non-tabbable block), so the next Tab lands on its first choice. The choice buttons are reused from
step to step, so the clicked button is not removed while the focus is on it (a removed element drops
the focus to the page, and JupyterLab then gives it to the cell, whose next Tab stop is its toolbar).
Focus rings are 2 px in the theme's main text colour. Quality is told by a word and an icon, never
by colour alone, and the icon is hidden from screen readers, which read the word.
"""

from __future__ import annotations

import html
import uuid
from pathlib import Path

import ipywidgets as w

from course.play.log import log_event
from course.play.player import Player, Step
from course.play.scenario import MIN_SCORE, Said, Scenario, load_scenario, words

# The icons the view adds itself (the verdict icons come from course/conventions.yaml).
UNDO_ICON = "↶"
WARNING_ICON = "⚠"

# How a keyboard user reaches the first response after Run All (also in docs/students.md).
KEY_PATH = (
    "Keyboard: press Esc, select this cell with the arrow keys, then press Tab to reach the first response "
    "(press it once more if the cell's toolbar shows) and Enter to take it."
)

RERUN_NOTE = "Run this cell (Shift+Enter) to play the scenario: a saved notebook does not keep it running."

# The focus ring is the theme's main text colour (black on light, white on dark: far above 3:1 on
# either), 2 px wide, drawn inside the button so no output area can clip it.
_RING = "outline: 2px solid var(--jp-ui-font-color0, #000) !important; outline-offset: -4px !important;"
_STYLE = f"""<style>
.course-scenario .widget-html-content {{ line-height: 1.45 !important; white-space: normal !important; }}
.course-scenario .widget-html-content p {{ margin: 0.35em 0 !important; }}
.course-scenario .widget-html-content h3 {{ margin: 0.2em 0 0.4em !important; }}
.course-choice {{ white-space: normal !important; text-align: left !important; line-height: 1.35 !important;
                 padding: 6px 10px !important; margin-left: 0 !important; margin-right: 0 !important; }}
.course-situation {{ display: block !important; white-space: normal !important; height: auto !important;
                    line-height: 1.4 !important; font-size: var(--jp-content-font-size1, 14px);
                    margin: 6px 0 !important; overflow: visible !important; padding: 4px 6px !important; }}
.course-control {{ width: auto !important; max-width: 100% !important; white-space: normal !important;
                  height: auto !important; min-height: var(--jp-widgets-inline-height, 28px); }}
.course-scenario .widget-button:focus, .course-scenario .widget-button:focus-visible,
.course-situation:focus, .course-scenario summary:focus-visible {{ {_RING} }}
.jp-OutputArea:has(.course-scenario) > .jp-OutputArea-child:has(.course-rerun-note) {{ display: none; }}
</style>"""


def _told(score: int, recovery: bool = False) -> Said:
    said = words()
    return said.recovery if recovery else said.verdicts.get(score, said.verdicts[MIN_SCORE])


def _finish(score: int, best: int, took_weak: bool = False) -> Said:
    ratio = score / best if best else 1.0
    finishes = words().finishes
    return next(f.said for f in (finishes[1:] if took_weak else finishes) if ratio >= f.at_least)


def verdict(score: int, recovery: bool = False) -> str:
    """The icon and word for a choice (words from course/conventions.yaml, shared with the graph)."""
    told = _told(score, recovery)
    return f"{told.icon} {told.word}"


def finish_verdict(score: int, best: int, took_weak: bool = False) -> str:
    """The finish by share of the best score; a path with a weak choice is never a strong finish."""
    told = _finish(score, best, took_weak)
    return f"{told.icon} {told.word}"


def icon_html(icon: str, word: str) -> str:
    """An icon a screen reader skips, then the word it reads: the word is always on screen too."""
    return f"<span class='course-icon' aria-hidden='true'>{html.escape(icon)}</span> {html.escape(word)}"


def _said_html(said: Said) -> str:
    return icon_html(said.icon, said.word)


def _esc(text: str) -> str:
    return html.escape(text.strip())


class ScenarioView(w.VBox):
    """A thin view over Player; each choice, undo and restart also appends a line to the path log."""

    def __init__(self, scenario: Scenario, log_folder: str | Path | None = ".", seed: int | None = None) -> None:
        self.player = Player(scenario, seed)
        self._shown = False  # no focus move on first display: the student has not acted yet
        self.log_folder = log_folder
        self.session = uuid.uuid4().hex[:8]
        low, high = scenario.decision_range()
        self.span = f"{low}" if low == high else f"{low}–{high}"
        # Each widget made is one more message from the kernel at Run All, its layout and style too. The text
        # blocks and boxes share one layout, the text blocks one style, the choice buttons one layout, every
        # button one style: none of these is ever changed, so sharing changes nothing on screen. (Each control
        # keeps its own layout: the best-path button's is hidden and shown.)
        self._button_style = w.ButtonStyle()
        self._choice_layout = w.Layout(width="100%", height="auto")
        self.header = w.HTML(
            f"{_STYLE}<h3>{_esc(scenario.title)}</h3><p>{_esc(scenario.intro)}</p>"
            f"<p><i>This scenario takes {self.span} decisions. Click a response to say it. "
            f"{KEY_PATH}</i></p><p><i>Scoring: {_esc(words().rule)}</i></p>"
        )
        text = {"layout": self.header.layout, "style": self.header.style}
        self.progress = w.HTML(**text)  # an HTML line wraps; a Label would cut it short with an ellipsis
        self.progress.add_class("course-progress")
        self.feedback = w.HTML(**text)  # the verdict on the last choice, above the situation it led to
        # A Label, because its view focuses its own element, and tabbable=False makes that element
        # focusable (tabindex -1) without adding a Tab stop. (In ipywidgets 8.1 an HTML widget
        # focuses an inner div that cannot take focus, and a Box ignores tabbable.)
        self.situation = w.Label(tabbable=False, tooltip="The situation you are responding to", layout=text["layout"])
        self.situation.add_class("course-situation")
        self.choices = w.VBox(layout=text["layout"])
        self._pool: list[w.Button] = []  # choice buttons, reused from step to step (see the module docstring)
        self.ending = w.HTML(**text)
        self.best = w.HTML(**text)
        self.transcript = w.HTML(**text)
        self.status = w.HTML(**text)
        self.undo_button = self._control("Undo", "undo", "Take back your last choice and decide again", self.undo)
        self.restart_button = self._control(
            "Restart", "refresh", "Start this scenario again from the beginning", self.restart
        )
        self.best_button = self._control(
            "Show best path", "map", "Show the strongest choice at each step, with why it works", self.show_best_path
        )
        controls = [self.undo_button] if scenario.undo else []
        self.controls = w.HBox([*controls, self.restart_button, self.best_button],
                               layout=w.Layout(flex_flow="row wrap"))
        super().__init__(
            [self.header, self.progress, self.feedback, self.situation, self.choices,
             self.ending, self.best, self.transcript, self.status, self.controls], layout=text["layout"]
        )
        self.add_class("course-scenario")
        self._render()

    def _control(self, description: str, icon: str, tooltip: str, action) -> w.Button:
        """A control button as wide as its words, so none is cut short on a narrow screen."""
        button = w.Button(description=description, icon=icon, tooltip=tooltip, layout=w.Layout(width="auto"),
                          style=self._button_style)
        button.add_class("course-control")
        button.on_click(lambda _b: action())
        return button

    # -- actions ---------------------------------------------------------
    def click(self, position: int) -> None:
        """Take the choice shown at `position` (0-based), as clicking its button does."""
        step = self.player.choose_shown(position)
        self._log("choice", step)
        self.feedback.value = self._feedback_html(step)
        self._render()

    def undo(self) -> None:
        if not self.player.can_undo:
            return
        step = self.player.undo()
        self._log("undo", step)
        self.feedback.value = (
            f"<div role='status'><p>{icon_html(UNDO_ICON, 'You took back:')} <i>{_esc(step.choice.text)}</i>. "
            f"Choose again.</p></div>"
        )
        self._render()

    def restart(self) -> None:
        self.player.restart()
        self._log("restart")
        self.feedback.value = ""
        self._render()

    def show_best_path(self) -> None:
        self.best.value = self._best_path_html()

    def _log(self, event: str, step: Step | None = None) -> None:
        if self.log_folder is None:
            return
        saved = log_event(self.log_folder, self.player.scenario.id, event, self.session, self.player.seed, step)
        self.status.value = "" if saved else (
            f"<p role='status'>{icon_html(WARNING_ICON, 'Not saved:')} your choices could not be written to the "
            "log file (the folder is not writable). You can keep playing.</p>"
        )

    # -- rendering -------------------------------------------------------
    @property
    def buttons(self) -> list[w.Button]:
        return list(self.choices.children)

    def _render(self) -> None:
        player, node = self.player, self.player.node
        step_no = len(player.steps) + 1
        self.best.value = ""
        if player.finished:
            self.progress.value = (
                f"Finished after {len(player.steps)} decisions · score {player.score} of {player.best_score}"
            )
            self.situation.value = ""
            self.choices.children = []
            self.ending.value = self._ending_html()
        else:
            so_far = (
                f"score so far {player.score}" if player.scenario.scoring == "sum" else "scored by the ending you reach"
            )
            self.progress.value = f"Step {step_no} (this scenario takes {self.span} decisions) · {so_far}"
            # The buttons first, then the situation, then the focus: when the new situation has the
            # focus, its choices are in place for the next Tab.
            self._show_choices([node.choices[index].text for index in player.order()])
            # Label text is typeset as LaTeX in JupyterLab: "$150 or $80" would become maths.
            self.situation.value = f"Situation, step {step_no}: {node.text.strip()}".replace("$", r"\$")
            self.ending.value = ""
        self.undo_button.disabled = not player.can_undo
        self.best_button.layout.display = None if player.finished else "none"
        if self._shown:
            # Move keyboard focus to what changed, so the next Tab reaches the new choices.
            (self.best_button if player.finished else self.situation).focus()
        self._shown = True
        self.transcript.value = self._transcript_html()

    def _show_choices(self, texts: list[str]) -> None:
        """Relabel the pooled buttons, numbered as shown; a button the node needs beyond the pool is made
        with its label (each change to a made widget is one more message from the kernel at Run All)."""
        total = len(texts)
        for position, text in enumerate(texts):
            description = f"{position + 1}. {text.strip()}"
            tooltip = f"Response {position + 1} of {total}: press Enter or click to say this"
            if position < len(self._pool):
                self._pool[position].description, self._pool[position].tooltip = description, tooltip
            else:
                self._pool.append(self._button(position, description, tooltip))
        self.choices.children = tuple(self._pool[:total])

    def _button(self, position: int, description: str, tooltip: str) -> w.Button:
        button = w.Button(description=description, tooltip=tooltip, layout=self._choice_layout,
                          style=self._button_style)
        button.add_class("course-choice")
        button.on_click(lambda _b: self.click(position))
        return button

    def _feedback_html(self, step: Step) -> str:
        """The verdict on a choice, repeating what the student said; role=status so a screen reader reads it."""
        choice = step.choice
        return (
            f"<div role='status'><p>You said: <i>{_esc(choice.text)}</i> — "
            f"<b>{_said_html(_told(choice.score, choice.recovery))}</b> (+{choice.score}): "
            f"{_esc(choice.feedback)}</p></div>"
        )

    def _transcript_html(self) -> str:
        if not self.player.steps:
            return ""
        items = "".join(
            f"<li>{_esc(self.player.scenario.node(s.node).text)}<br>"
            f"<i>You:</i> {_esc(s.choice.text)} — <b>{_said_html(_told(s.choice.score, s.choice.recovery))}</b></li>"
            for s in self.player.steps
        )
        return f"<details><summary>Transcript of your choices</summary><ol>{items}</ol></details>"

    def _ending_html(self) -> str:
        player = self.player
        ending = player.ending
        assert ending is not None
        scenario = player.scenario
        well = [s for s in player.steps if s.choice.score == 2 or s.choice.recovery]
        practise = [s for s in player.steps if s.choice.score < 2 and not s.choice.recovery]
        went_well = "".join(f"<li>{_esc(s.choice.feedback)}</li>" for s in well) or "<li>Nothing yet: try again!</li>"
        to_practise = "".join(
            f"<li>{_said_html(_told(s.choice.score))}: you said <i>{_esc(s.choice.text)}</i> — "
            f"{_esc(s.choice.feedback)} <br>Stronger: <i>{_esc(self._strongest(s.node))}</i></li>"
            for s in practise
        ) or "<li>Every choice was a strong one. Well done.</li>"
        scored = "" if scenario.scoring == "sum" else " (this scenario is scored by the ending you reach)"
        return (
            f"<div role='group' aria-label='Ending'>"
            f"<h4>Ending: {_esc(ending.title)} — "
            f"{_said_html(_finish(player.score, player.best_score, player.took_weak))}</h4>"
            f"<p>{_esc(ending.text)}</p><p><b>Summary:</b> {_esc(ending.summary)}</p>"
            f"<p><b>Your score:</b> {player.score} of a possible {player.best_score}{scored}</p>"
            f"<p><b>What went well</b></p><ul>{went_well}</ul>"
            f"<p><b>What to practise</b></p><ul>{to_practise}</ul></div>"
        )

    def _strongest(self, node_id: str) -> str:
        node = self.player.scenario.node(node_id)
        return max(node.choices, key=lambda c: c.score).text

    def _best_path_html(self) -> str:
        scenario = self.player.scenario
        rows = "".join(
            f"<li>{_esc(scenario.node(n).text)}<br><b>{_said_html(_told(scenario.node(n).choices[i].score))}:</b> "
            f"<i>{_esc(scenario.node(n).choices[i].text)}</i> — {_esc(scenario.node(n).choices[i].feedback)}</li>"
            for n, i in scenario.best_path()
        )
        return (
            f"<div role='group' aria-label='Best path'><h4>The best path (score {scenario.best_path_score()})</h4>"
            f"<ol>{rows}</ol></div>"
        )


def rerun_note() -> dict[str, str]:
    """The output shown above the widget: hidden by the live widget's style, so only a reopened
    notebook (whose widget is gone: "model not found") shows it."""
    return {"text/html": f"<p class='course-rerun-note'><b>{html.escape(RERUN_NOTE)}</b></p>",
            "text/plain": RERUN_NOTE}


def show(scenario_id: str, log_folder: str | Path | None = ".", seed: int | None = None) -> ScenarioView:
    """Load a shipped scenario and return its widget (the last line of a notebook cell)."""
    view = ScenarioView(load_scenario(scenario_id), log_folder, seed)
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is not None:  # in a kernel: the note goes into the saved notebook with the widget
        display(rerun_note(), raw=True)
    return view
