"""A pure-Python walk through a scenario: the widget is a view over this."""

from __future__ import annotations

import random
from dataclasses import dataclass

from course.play.scenario import MIN_SCORE, Choice, Ending, Node, Scenario


@dataclass(frozen=True)
class Step:
    """One decision taken: where the player was, which choice (authored index), and where it sat."""

    node: str
    index: int
    choice: Choice
    shown_as: int = 0  # 0-based position on screen (differs from index when choices are shuffled)


class Player:
    """Plays one scenario: choose, undo, restart; scores under the scenario's scoring mode.

    With `shuffle`, each node's choices appear in an order drawn from `seed`, the scenario id
    and the node id, so the same seed gives the same screen every time (and in every test).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = seed if seed is not None else random.randrange(10**6)
        self.steps: list[Step] = []
        self.current: str = scenario.start

    @property
    def node(self) -> Node:
        return self.scenario.node(self.current)

    @property
    def finished(self) -> bool:
        return self.node.ending is not None

    @property
    def can_undo(self) -> bool:
        return self.scenario.undo and bool(self.steps)

    @property
    def score(self) -> int:
        """Sum of choice scores so far, or (ending mode) the ending's score once reached."""
        if self.scenario.scoring == "ending" and not self.finished:
            return 0
        return self.scenario.path_score([(s.node, s.index) for s in self.steps])

    @property
    def ending(self) -> Ending | None:
        """The ending reached, in the words that match this path's choices (None before the end)."""
        ending = self.node.ending
        return ending.told([s.choice.score for s in self.steps]) if ending else None

    @property
    def took_weak(self) -> bool:
        return any(s.choice.score == MIN_SCORE for s in self.steps)

    @property
    def best_score(self) -> int:
        return self.scenario.best_path_score()

    def order(self, node_id: str | None = None) -> list[int]:
        """Authored choice indices in the order they are shown at a node."""
        node_id = node_id or self.current
        indices = list(range(len(self.scenario.node(node_id).choices)))
        if self.scenario.shuffle:
            random.Random(f"{self.seed}/{self.scenario.id}/{node_id}").shuffle(indices)
        return indices

    def choose(self, index: int) -> Step:
        """Take authored choice `index` (0-based) at the current node."""
        if self.finished:
            raise ValueError(f"scenario {self.scenario.id!r} has ended; restart to play again")
        choices = self.node.choices
        if not 0 <= index < len(choices):
            raise IndexError(f"node {self.current!r} has choices 0-{len(choices) - 1}, not {index}")
        step = Step(self.current, index, choices[index], self.order().index(index))
        self.steps.append(step)
        self.current = step.choice.next
        return step

    def choose_shown(self, position: int) -> Step:
        """Take the choice at screen position `position` (0-based), as a click does."""
        return self.choose(self.order()[position])

    def undo(self) -> Step:
        """Take back the last choice; refused when the scenario switches undo off."""
        if not self.scenario.undo:
            raise ValueError(f"scenario {self.scenario.id!r} does not allow undo")
        if not self.steps:
            raise ValueError("there is no choice to undo")
        step = self.steps.pop()
        self.current = step.node
        return step

    def restart(self) -> None:
        self.steps.clear()
        self.current = self.scenario.start
