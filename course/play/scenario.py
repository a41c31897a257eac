"""Branching scenarios as data: load a YAML file into a graph and check it is playable."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from course.outline import Outline, load_outline

MIN_SCORE, MAX_SCORE = 0, 2


class ScenarioError(ValueError):
    """A scenario that cannot be played; the message names the file and node."""


@dataclass(frozen=True)
class Choice:
    text: str
    next: str
    score: int
    feedback: str
    objectives: tuple[str, ...]


@dataclass(frozen=True)
class Ending:
    title: str
    text: str
    summary: str


@dataclass(frozen=True)
class Node:
    id: str
    text: str
    choices: tuple[Choice, ...] = ()
    ending: Ending | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    intro: str
    objectives: tuple[str, ...]
    start: str
    nodes: dict[str, Node]

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def best_path_score(self, node_id: str | None = None) -> int:
        """Highest total of choice scores from a node to any ending (the graph is acyclic)."""
        node = self.nodes[node_id or self.start]
        if node.ending:
            return 0
        return max(c.score + self.best_path_score(c.next) for c in node.choices)


def _problems(raw: dict, outline: Outline) -> list[str]:
    """Everything wrong with raw scenario data, each naming the node it is about."""
    problems: list[str] = []
    nodes = raw.get("nodes")
    if not isinstance(nodes, dict) or not nodes:
        return ["it has no 'nodes' mapping"]
    for key in ("id", "title", "start"):
        if not raw.get(key):
            problems.append(f"the top level needs '{key}'")
    if raw.get("start") and raw["start"] not in nodes:
        problems.append(f"start node {raw['start']!r} does not exist")
    for obj in raw.get("objectives") or []:
        if obj not in outline:
            problems.append(f"the top level names unknown objective id {obj!r}")
    for node_id, node in nodes.items():
        where = f"node {node_id!r}"
        if not isinstance(node, dict):
            problems.append(f"{where} is not a mapping")
            continue
        if "ending" in node:
            ending = node["ending"] or {}
            for key in ("title", "text", "summary"):
                if not ending.get(key):
                    problems.append(f"{where}: the ending needs '{key}'")
            if node.get("choices"):
                problems.append(f"{where} is an ending but also has choices")
            continue
        if not node.get("text"):
            problems.append(f"{where} has no 'text'")
        choices = node.get("choices") or []
        if not choices:
            problems.append(f"{where} has no choices and is not an ending: the path never ends")
        for i, choice in enumerate(choices, start=1):
            at = f"{where}, choice {i}"
            if not isinstance(choice, dict):
                problems.append(f"{at} is not a mapping")
                continue
            if not choice.get("text"):
                problems.append(f"{at} has no 'text'")
            if not str(choice.get("feedback") or "").strip():
                problems.append(f"{at} has no feedback")
            if choice.get("next") not in nodes:
                problems.append(f"{at} leads to unknown node {choice.get('next')!r}")
            score = choice.get("score")
            if type(score) is not int or not MIN_SCORE <= score <= MAX_SCORE:
                problems.append(f"{at} has score {score!r}; use a whole number {MIN_SCORE}-{MAX_SCORE}")
            objectives = choice.get("objectives") or []
            if not objectives:
                problems.append(f"{at} names no objective id")
            for obj in objectives:
                if obj not in outline:
                    problems.append(f"{at} names unknown objective id {obj!r}")
    if problems or raw["start"] not in nodes:
        return problems
    problems += _graph_problems(raw["start"], nodes)
    return problems


def _graph_problems(start: str, nodes: dict) -> list[str]:
    """Unreachable nodes and loops (a loop is a path that can go on for ever)."""
    problems: list[str] = []
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(node_id: str, path: list[str]) -> None:
        state[node_id] = "open"
        for choice in nodes[node_id].get("choices") or []:
            nxt = choice["next"]
            if state.get(nxt) == "open":
                loop = " -> ".join([*path[path.index(nxt):], nxt])
                problems.append(f"node {node_id!r} loops back ({loop}): the path never ends")
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node_id] = "done"

    visit(start, [start])
    for node_id in nodes:
        if node_id not in state:
            problems.append(f"node {node_id!r} is unreachable from the start node {start!r}")
    return problems


def parse_scenario(raw: object, origin: str = "<scenario>", outline: Outline | None = None) -> Scenario:
    """Validate raw data and build a Scenario, or raise ScenarioError listing every problem."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{origin}: a scenario must be a YAML mapping")
    problems = _problems(raw, outline or load_outline())
    if problems:
        raise ScenarioError(f"{origin}: " + "; ".join(problems))
    nodes = {}
    for node_id, node in raw["nodes"].items():
        if "ending" in node:
            e = node["ending"]
            nodes[node_id] = Node(node_id, e["text"], ending=Ending(e["title"], e["text"], e["summary"]))
        else:
            choices = tuple(
                Choice(c["text"], c["next"], c["score"], c["feedback"].strip(), tuple(c["objectives"]))
                for c in node["choices"]
            )
            nodes[node_id] = Node(node_id, node["text"], choices)
    return Scenario(
        id=raw["id"],
        title=raw["title"],
        intro=raw.get("intro", ""),
        objectives=tuple(raw.get("objectives") or ()),
        start=raw["start"],
        nodes=nodes,
    )


def load_scenario_file(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML ({exc})") from None
    return parse_scenario(raw, str(path))


def scenario_ids() -> list[str]:
    """Ids of the scenarios shipped in course/scenarios/."""
    folder = resources.files("course").joinpath("scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_scenario(scenario_id: str) -> Scenario:
    """Load a shipped scenario by id (its file name without .yaml)."""
    folder = resources.files("course").joinpath("scenarios")
    if scenario_id not in scenario_ids():
        raise ScenarioError(
            f"no scenario {scenario_id!r}; shipped scenarios: {', '.join(scenario_ids()) or 'none'}"
        )
    return load_scenario_file(Path(str(folder.joinpath(scenario_id + ".yaml"))))
