"""A pure-Python walk through a scenario: the widget is a view over this."""

from __future__ import annotations

from dataclasses import dataclass

from course.play.scenario import Choice, Node, Scenario


@dataclass(frozen=True)
class Step:
    """One decision taken: where the player was, what they chose, and the result."""

    node: str
    index: int
    choice: Choice


class Player:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.steps: list[Step] = []
        self.current: str = scenario.start

    @property
    def node(self) -> Node:
        return self.scenario.node(self.current)

    @property
    def finished(self) -> bool:
        return self.node.ending is not None

    @property
    def score(self) -> int:
        return sum(step.choice.score for step in self.steps)

    @property
    def best_score(self) -> int:
        return self.scenario.best_path_score()

    def choose(self, index: int) -> Step:
        """Take choice `index` (0-based) at the current node."""
        if self.finished:
            raise ValueError(f"scenario {self.scenario.id!r} has ended; restart to play again")
        choices = self.node.choices
        if not 0 <= index < len(choices):
            raise IndexError(f"node {self.current!r} has choices 0-{len(choices) - 1}, not {index}")
        step = Step(self.current, index, choices[index])
        self.steps.append(step)
        self.current = step.choice.next
        return step

    def restart(self) -> None:
        self.steps.clear()
        self.current = self.scenario.start
