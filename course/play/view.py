"""The ipywidgets view of a scenario: situation, choice buttons, feedback, endings, best path.

Accessibility: every button has a text label and a tooltip that describes it; choices are plain
buttons, so Tab reaches them and Enter takes them; after each choice the keyboard focus moves to
the new situation (a focusable, non-tabbable block), so the next Tab lands on its first choice.
Quality is told by a word and an icon, never by colour alone.
"""

from __future__ import annotations

import html
import uuid
from pathlib import Path

import ipywidgets as w

from course.play.log import log_event
from course.play.player import Player, Step
from course.play.scenario import MIN_SCORE, Scenario, load_scenario, words

_STYLE = """<style>
.course-choice { white-space: normal !important; text-align: left !important;
                 line-height: 1.35 !important; padding: 6px 10px !important; }
.course-situation { display: block !important; white-space: normal !important; height: auto !important;
                    line-height: 1.4 !important; font-size: var(--jp-content-font-size1, 14px);
                    margin: 6px 0 !important; }
.course-situation:focus { outline: 2px solid currentColor; outline-offset: 2px; }
</style>"""


def verdict(score: int, recovery: bool = False) -> str:
    """The icon and word for a choice (words from course/conventions.yaml, shared with the graph)."""
    said = words()
    told = said.recovery if recovery else said.verdicts.get(score, said.verdicts[MIN_SCORE])
    return f"{told.icon} {told.word}"


def finish_verdict(score: int, best: int, took_weak: bool = False) -> str:
    """The finish by share of the best score; a path with a weak choice is never a strong finish."""
    ratio = score / best if best else 1.0
    finishes = words().finishes
    told = next(f.said for f in (finishes[1:] if took_weak else finishes) if ratio >= f.at_least)
    return f"{told.icon} {told.word}"


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
        self.header = w.HTML(
            f"{_STYLE}<h3>{_esc(scenario.title)}</h3><p>{_esc(scenario.intro)}</p>"
            f"<p><i>This scenario takes {self.span} decisions. Click a response, or press Tab to reach "
            f"one and Enter to take it.</i></p><p><i>Scoring: {words().rule}</i></p>"
        )
        self.progress = w.Label()
        # A Label, because its view focuses its own element, and tabbable=False makes that element
        # focusable (tabindex -1) without adding a Tab stop. (In ipywidgets 8.1 an HTML widget
        # focuses an inner div that cannot take focus, and a Box ignores tabbable.)
        self.situation = w.Label(tabbable=False, tooltip="The situation you are responding to")
        self.situation.add_class("course-situation")
        self.choices = w.VBox()
        self.feedback = w.HTML()
        self.ending = w.HTML()
        self.best = w.HTML()
        self.transcript = w.HTML()
        self.status = w.Label()
        self.undo_button = w.Button(
            description="Undo", icon="undo", tooltip="Take back your last choice and decide again"
        )
        self.restart_button = w.Button(
            description="Restart", icon="refresh", tooltip="Start this scenario again from the beginning"
        )
        self.best_button = w.Button(
            description="Show best path", icon="map",
            tooltip="Show the strongest choice at each step, with why it works",
        )
        self.undo_button.on_click(lambda _b: self.undo())
        self.restart_button.on_click(lambda _b: self.restart())
        self.best_button.on_click(lambda _b: self.show_best_path())
        controls = [self.undo_button] if scenario.undo else []
        self.controls = w.HBox([*controls, self.restart_button, self.best_button])
        super().__init__(
            [self.header, self.progress, self.situation, self.choices, self.feedback,
             self.ending, self.best, self.transcript, self.status, self.controls]
        )
        self._render()

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
        self.feedback.value = f"<p>↶ You took back: <i>{_esc(step.choice.text)}</i>. Choose again.</p>"
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
            "⚠ Not saved: your choices could not be written to the log file (the folder is not writable). "
            "You can keep playing."
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
            # Label text is typeset as LaTeX in JupyterLab: "$150 or $80" would become maths.
            self.situation.value = f"Situation, step {step_no}: {node.text.strip()}".replace("$", r"\$")
            total = len(node.choices)
            self.choices.children = [
                self._button(pos, total, node.choices[index].text) for pos, index in enumerate(player.order())
            ]
            self.ending.value = ""
        self.undo_button.disabled = not player.can_undo
        self.best_button.layout.display = None if player.finished else "none"
        self.transcript.value = self._transcript_html()
        if self._shown:
            # Move keyboard focus to what changed, so the next Tab reaches the new choices.
            (self.best_button if player.finished else self.situation).focus()
        self._shown = True

    def _button(self, position: int, total: int, text: str) -> w.Button:
        button = w.Button(
            description=f"{position + 1}. {text.strip()}",
            tooltip=f"Response {position + 1} of {total}: press Enter or click to say this",
            layout=w.Layout(width="100%", height="auto"),
        )
        button.add_class("course-choice")
        button.on_click(lambda _b: self.click(position))
        return button

    def _feedback_html(self, step: Step) -> str:
        return (
            f"<div role='status'><p><b>{verdict(step.choice.score, step.choice.recovery)}</b> "
            f"(+{step.choice.score}): {_esc(step.choice.feedback)}</p></div>"
        )

    def _transcript_html(self) -> str:
        if not self.player.steps:
            return ""
        items = "".join(
            f"<li>{_esc(self.player.scenario.node(s.node).text)}<br>"
            f"<i>You:</i> {_esc(s.choice.text)} — <b>{verdict(s.choice.score, s.choice.recovery)}</b></li>"
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
            f"<li>{verdict(s.choice.score)}: you said <i>{_esc(s.choice.text)}</i>. {_esc(s.choice.feedback)} "
            f"<br>Stronger: <i>{_esc(self._strongest(s.node))}</i></li>"
            for s in practise
        ) or "<li>Every choice was a strong one. Well done.</li>"
        scored = "" if scenario.scoring == "sum" else " (this scenario is scored by the ending you reach)"
        return (
            f"<div role='group' aria-label='Ending'>"
            f"<h4>Ending: {_esc(ending.title)} — "
            f"{finish_verdict(player.score, player.best_score, player.took_weak)}</h4>"
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
            f"<li>{_esc(scenario.node(n).text)}<br><b>{verdict(scenario.node(n).choices[i].score)}:</b> "
            f"<i>{_esc(scenario.node(n).choices[i].text)}</i> — {_esc(scenario.node(n).choices[i].feedback)}</li>"
            for n, i in scenario.best_path()
        )
        return (
            f"<div role='group' aria-label='Best path'><h4>The best path (score {scenario.best_path_score()})</h4>"
            f"<ol>{rows}</ol></div>"
        )


def show(scenario_id: str, log_folder: str | Path | None = ".", seed: int | None = None) -> ScenarioView:
    """Load a shipped scenario and return its widget (the last line of a notebook cell)."""
    return ScenarioView(load_scenario(scenario_id), log_folder, seed)
