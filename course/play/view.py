"""The ipywidgets view of a scenario: situation, choice buttons, feedback, transcript, ending."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from course.play.log import log_step
from course.play.player import Player, Step
from course.play.scenario import Scenario, load_scenario

# Quality is told by a word and an icon, never by colour alone.
VERDICTS = {2: ("✔", "Strong choice"), 1: ("➖", "Acceptable choice"), 0: ("✖", "Weak choice")}

_STYLE = """<style>
.course-choice { white-space: normal !important; text-align: left !important;
                 line-height: 1.35 !important; padding: 6px 10px !important; }
</style>"""


def verdict(score: int) -> str:
    icon, word = VERDICTS.get(score, VERDICTS[0])
    return f"{icon} {word}"


class ScenarioView(w.VBox):
    """A thin view over Player; every click also appends a line to the path log."""

    def __init__(self, scenario: Scenario, log_folder: str | Path | None = ".") -> None:
        self.player = Player(scenario)
        self.log_folder = log_folder
        self.header = w.HTML(
            f"{_STYLE}<h3>{html.escape(scenario.title)}</h3><p>{html.escape(scenario.intro)}</p>"
        )
        self.progress = w.Label()
        self.situation = w.HTML()
        self.choices = w.VBox()
        self.feedback = w.HTML()
        self.transcript = w.HTML()
        self.ending = w.HTML()
        self.status = w.Label()
        self.restart_button = w.Button(
            description="Restart", icon="refresh", tooltip="Start this scenario again from the top"
        )
        self.restart_button.on_click(lambda _b: self.restart())
        super().__init__(
            [self.header, self.progress, self.situation, self.choices, self.feedback,
             self.ending, self.transcript, self.status, self.restart_button]
        )
        self._render()

    # -- actions ---------------------------------------------------------
    def choose(self, index: int) -> None:
        step = self.player.choose(index)
        saved = self.log_folder is None or log_step(self.player.scenario.id, step, self.log_folder)
        self.status.value = "" if saved else "Your choice was not saved to the log file (folder not writable)."
        self.feedback.value = self._feedback_html(step)
        self._render()

    def restart(self) -> None:
        self.player.restart()
        self.feedback.value = ""
        self.status.value = ""
        self._render()

    # -- rendering -------------------------------------------------------
    @property
    def buttons(self) -> list[w.Button]:
        return list(self.choices.children)

    def _render(self) -> None:
        node = self.player.node
        decisions = len(self.player.steps)
        if self.player.finished:
            self.progress.value = f"Finished after {decisions} decisions"
            self.situation.value = ""
            self.choices.children = []
            self.ending.value = self._ending_html()
        else:
            self.progress.value = f"Decision {decisions + 1} · score so far {self.player.score}"
            self.situation.value = f"<p><b>Situation:</b> {html.escape(node.text)}</p>"
            self.choices.children = [self._button(i, c.text) for i, c in enumerate(node.choices)]
            self.ending.value = ""
        self.transcript.value = self._transcript_html()

    def _button(self, index: int, text: str) -> w.Button:
        button = w.Button(
            description=f"{index + 1}. {text}",
            tooltip=text,
            layout=w.Layout(width="100%", height="auto"),
        )
        button.add_class("course-choice")
        button.on_click(lambda _b: self.choose(index))
        return button

    def _feedback_html(self, step: Step) -> str:
        return (
            f"<p><b>{verdict(step.choice.score)}</b> "
            f"(+{step.choice.score}): {html.escape(step.choice.feedback)}</p>"
        )

    def _transcript_html(self) -> str:
        if not self.player.steps:
            return ""
        items = "".join(
            f"<li>{html.escape(self.player.scenario.node(s.node).text)}<br>"
            f"<i>You:</i> {html.escape(s.choice.text)} — <b>{verdict(s.choice.score)}</b></li>"
            for s in self.player.steps
        )
        return f"<details open><summary>Transcript</summary><ol>{items}</ol></details>"

    def _ending_html(self) -> str:
        ending = self.player.node.ending
        assert ending is not None
        return (
            f"<h4>Ending: {html.escape(ending.title)}</h4><p>{html.escape(ending.text)}</p>"
            f"<p><b>Summary:</b> {html.escape(ending.summary)}</p>"
            f"<p><b>Your score:</b> {self.player.score} of a possible {self.player.best_score}</p>"
        )


def show(scenario_id: str, log_folder: str | Path | None = ".") -> ScenarioView:
    """Load a shipped scenario and return its widget (the last line of a notebook cell)."""
    return ScenarioView(load_scenario(scenario_id), log_folder)
