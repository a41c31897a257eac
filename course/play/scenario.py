"""Branching scenarios as data: load a YAML file into a graph and check it is playable."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from course import yaml_text
from course.errors import ScenarioError
from course.outline import Outline, load_outline

MIN_SCORE, MAX_SCORE = 0, 2
RECOVERY_SCORE = 1
SCORING_MODES = ("sum", "ending")  # sum of choice scores, or the score of the ending reached
CONVENTIONS = "conventions.yaml"  # in the package: settings, the words a player sees, `course check` thresholds

# The records below are NamedTuples, immutable like frozen dataclasses: every student kernel imports this
# module at Run All, and a frozen dataclass takes about 0.5 ms to make (its methods are compiled from text).
# Scenario stays a dataclass: it is one, and callers copy it through its __dict__.


def conventions_path() -> Path:
    """Where the conventions file is (course/conventions.yaml), so a message can say which file to fix."""
    return Path(str(resources.files("course").joinpath(CONVENTIONS)))


@cache
def conventions() -> dict:
    """The conventions file parsed once per process; each part is checked where it is used."""
    path = conventions_path()
    try:
        data = yaml_text.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml_text.YAMLError) as exc:
        raise ScenarioError(str(path), [f"cannot be read as YAML ({exc}); restore it from the repository"]) from None
    if not isinstance(data, dict):
        raise ScenarioError(str(path), ["it must be a YAML mapping with 'settings', 'words' and 'check'"])
    return data


def parse_settings(data: dict, origin: str) -> tuple[str, ...]:
    """The allowed scenario settings: a non-empty list of distinct names."""
    found = data.get("settings")
    if not isinstance(found, list) or not found or not all(isinstance(s, str) and s for s in found):
        raise ScenarioError(origin, ["'settings' needs a list of setting names, such as [phone, chat, email]"])
    if len(set(found)) != len(found):
        raise ScenarioError(origin, ["'settings' names a setting twice; list each once"])
    return tuple(found)


@cache
def settings() -> tuple[str, ...]:
    """Where a scenario may happen (its `setting`), from the conventions file."""
    return parse_settings(conventions(), str(conventions_path()))


class Said(NamedTuple):
    """An icon and a word a player reads; `short` is the graph's shorter label (verdicts only)."""

    icon: str
    word: str
    short: str = ""


class Finish(NamedTuple):
    at_least: float  # share of the best score
    said: Said


class Words(NamedTuple):
    """What a player reads about scores: one set, shared by the widget and the scenario graph."""

    verdicts: dict[int, Said]  # one per choice score, MIN_SCORE to MAX_SCORE
    recovery: Said
    finishes: tuple[Finish, ...]  # highest share first; the last starts at 0
    rule: str  # the scoring rule shown above every scenario


def _said(raw: object, key: str, fields: tuple[str, ...], problems: list[str]) -> Said:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(f), str) and raw[f].strip() for f in fields):
        problems.append(f"'{key}' needs {' and '.join(repr(f) for f in fields)} (text)")
        return Said("", "")
    return Said(*(raw[f] for f in fields))


def parse_words(data: dict, origin: str) -> Words:
    """Validate the conventions file's `words`, or raise ScenarioError naming every bad key."""
    words = data.get("words")
    if not isinstance(words, dict):
        raise ScenarioError(origin, ["'words' needs 'verdicts', 'recovery', 'finishes' and 'rule'"])
    problems: list[str] = []
    raw_verdicts = words.get("verdicts")
    scores = list(range(MIN_SCORE, MAX_SCORE + 1))
    verdicts: dict[int, Said] = {}
    if not isinstance(raw_verdicts, dict) or set(raw_verdicts) != set(scores):
        problems.append(f"'words.verdicts' needs one entry per choice score: {', '.join(map(str, scores))}")
    else:
        verdicts = {s: _said(raw_verdicts[s], f"words.verdicts.{s}", ("icon", "word", "short"), problems)
                    for s in sorted(scores, reverse=True)}
    recovery = _said(words.get("recovery"), "words.recovery", ("icon", "word"), problems)
    finishes: list[Finish] = []
    raw_finishes = words.get("finishes")
    if not isinstance(raw_finishes, list) or len(raw_finishes) < 2:
        problems.append("'words.finishes' needs a list of at least two finishes, highest share first")
    else:
        for i, raw in enumerate(raw_finishes, start=1):
            share = raw.get("at_least") if isinstance(raw, dict) else None
            if type(share) not in (int, float) or not 0 <= share <= 1:
                problems.append(f"'words.finishes' entry {i} needs 'at_least': a share of the best score, 0 to 1")
                continue
            finishes.append(Finish(float(share), _said(raw, f"words.finishes entry {i}", ("icon", "word"), problems)))
        shares = [f.at_least for f in finishes]
        if len(finishes) == len(raw_finishes) and (shares != sorted(set(shares), reverse=True) or shares[-1] != 0):
            problems.append("'words.finishes' must go from the highest 'at_least' down, each lower, the last 0")
    rule = words.get("rule")
    if not isinstance(rule, str) or not rule.strip():
        problems.append("'words.rule' needs the scoring rule shown above every scenario (text)")
    if problems:
        raise ScenarioError(origin, problems)
    return Words(verdicts, recovery, tuple(finishes), str(rule).strip())


@cache
def words() -> Words:
    """The words for verdicts, recoveries, finishes and the scoring rule, from the conventions file."""
    return parse_words(conventions(), str(conventions_path()))


class Choice(NamedTuple):
    text: str
    next: str
    score: int
    feedback: str
    objectives: tuple[str, ...]
    recovery: bool = False  # the right move after a weak choice: capped at 1, so a repair never equals no mistake


class Ending(NamedTuple):
    """Where a path stops. Its words may differ with the path: an ending reached both by a path
    with a weak choice and by one without tells `if_weak` to the first, so it never praises a
    student for what they did not do (`if_mixed` likewise for a path with an acceptable choice)."""

    title: str
    text: str
    summary: str
    score: int | None = None  # used when the scenario's scoring mode is "ending"
    if_weak: Ending | None = None
    if_mixed: Ending | None = None

    def told(self, scores: list[int]) -> Ending:
        """The words for a path whose choices scored `scores`."""
        if MIN_SCORE in scores:
            return self.if_weak or self.if_mixed or self
        if any(s < MAX_SCORE for s in scores):
            return self.if_mixed or self
        return self


class Node(NamedTuple):
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
    scoring: str = "sum"
    undo: bool = True
    shuffle: bool = False
    setting: str = ""  # where it happens (one of settings()): the course varies its settings

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def path_score(self, steps: list[tuple[str, int]]) -> int:
        """Score of a path of (node, choice index) steps under this scenario's scoring mode."""
        if self.scoring == "ending":
            last = self.nodes[steps[-1][0]].choices[steps[-1][1]].next if steps else self.start
            ending = self.nodes[last].ending
            return (ending.score or 0) if ending else 0
        return sum(self.nodes[n].choices[i].score for n, i in steps)

    def best_path(self, node_id: str | None = None) -> list[tuple[str, int]]:
        """The (node, choice index) steps to the highest score from a node (the graph is acyclic).

        Ties go to the higher sum of choice scores, then to the shorter path, then to the
        first-listed choice, so the answer is the same every time.
        """
        best: dict[str, tuple[tuple[int, int, int], list[tuple[str, int]]]] = {}

        def walk(nid: str) -> tuple[tuple[int, int, int], list[tuple[str, int]]]:
            if nid not in best:
                node = self.nodes[nid]
                if node.ending:
                    end_score = (node.ending.score or 0) if self.scoring == "ending" else 0
                    best[nid] = ((end_score, 0, 0), [])
                else:
                    options = []
                    for i, c in enumerate(node.choices):
                        (end, total, neg_len), rest = walk(c.next)
                        options.append(((end, total + c.score, neg_len - 1), -i, [(nid, i), *rest]))
                    key, _, path = max(options, key=lambda o: (o[0], o[1]))
                    best[nid] = (key, path)
            return best[nid]

        return walk(node_id or self.start)[1]

    def best_with_weak(self) -> tuple[int, list[tuple[str, int]]] | None:
        """The highest score of a path that takes at least one weak choice, and that path.

        None when no path has a weak choice. The course's rule: this is below the best score,
        so a mistake and its recovery never add up to a path without the mistake.
        """
        memo: dict[tuple[str, bool], tuple[int, list[tuple[str, int]]] | None] = {}

        def walk(nid: str, weak: bool) -> tuple[int, list[tuple[str, int]]] | None:
            if (nid, weak) not in memo:
                node = self.nodes[nid]
                if node.ending:
                    end = (node.ending.score or 0) if self.scoring == "ending" else 0
                    memo[nid, weak] = (end, []) if weak else None
                else:
                    options = []
                    for i, c in enumerate(node.choices):
                        rest = walk(c.next, weak or c.score == MIN_SCORE)
                        if rest is not None:
                            gain = c.score if self.scoring == "sum" else 0
                            options.append((rest[0] + gain, -i, [(nid, i), *rest[1]]))
                    best = max(options, key=lambda o: (o[0], o[1]), default=None)
                    memo[nid, weak] = (best[0], best[2]) if best else None
            return memo[nid, weak]

        return walk(self.start, False)

    def path_kinds(self) -> dict[str, set[str]]:
        """For each ending node, the kinds of path that reach it: "strong" (every choice strong),
        "mixed" (an acceptable choice, no weak one) and "weak" (a weak choice)."""
        seen: set[tuple[str, str]] = set()
        kinds: dict[str, set[str]] = {}
        rank = {"strong": 0, "mixed": 1, "weak": 2}

        def walk(nid: str, kind: str) -> None:
            if (nid, kind) in seen:
                return
            seen.add((nid, kind))
            node = self.nodes[nid]
            if node.ending:
                kinds.setdefault(nid, set()).add(kind)
            for c in node.choices:
                step = "weak" if c.score == MIN_SCORE else "strong" if c.score == MAX_SCORE else "mixed"
                walk(c.next, max(kind, step, key=rank.__getitem__))

        walk(self.start, "strong")
        return kinds

    def best_path_score(self, node_id: str | None = None) -> int:
        """The most a player can score from a node (the start by default), under the scoring mode."""
        return self.path_score(self.best_path(node_id))

    def decision_range(self) -> tuple[int, int]:
        """Fewest and most decisions on any path from the start to an ending."""
        memo: dict[str, tuple[int, int]] = {}

        def walk(nid: str) -> tuple[int, int]:
            if nid not in memo:
                node = self.nodes[nid]
                if node.ending:
                    memo[nid] = (0, 0)
                else:
                    spans = [walk(c.next) for c in node.choices]
                    memo[nid] = (1 + min(s[0] for s in spans), 1 + max(s[1] for s in spans))
            return memo[nid]

        return walk(self.start)


def _problems(raw: dict, outline: Outline) -> list[str]:
    """Everything wrong with raw scenario data, each naming the node it is about."""
    problems: list[str] = []
    nodes = raw.get("nodes")
    if not isinstance(nodes, dict) or not nodes:
        return ["it has no 'nodes' mapping"]
    for key in ("id", "title", "start"):
        if not raw.get(key):
            problems.append(f"the top level needs '{key}'")
    scoring = raw.get("scoring", "sum")
    if scoring not in SCORING_MODES:
        problems.append(f"the top level has scoring {scoring!r}; use one of {', '.join(SCORING_MODES)}")
    if "setting" in raw and raw["setting"] not in settings():
        problems.append(f"the top level has setting {raw['setting']!r}; use one of {', '.join(settings())}")
    for flag in ("undo", "shuffle"):
        if flag in raw and not isinstance(raw[flag], bool):
            problems.append(f"the top level has {flag}: {raw[flag]!r}; use true or false")
    if raw.get("start") and (not isinstance(raw["start"], str) or raw["start"] not in nodes):
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
            for variant in ("if_weak", "if_mixed"):
                if variant in ending:
                    told = ending[variant]
                    if not isinstance(told, dict) or not all(told.get(k) for k in ("title", "text", "summary")):
                        problems.append(f"{where}: the ending's '{variant}' needs 'title', 'text' and 'summary'")
            score = ending.get("score")
            if scoring == "ending" and score is None:
                problems.append(f"{where}: the ending needs a 'score' (the scenario is scored by its ending)")
            if score is not None and (type(score) is not int or score < 0):
                problems.append(f"{where}: the ending has score {score!r}; use a whole number 0 or more")
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
            if "recovery" in choice and not isinstance(choice["recovery"], bool):
                problems.append(f"{at} has recovery: {choice['recovery']!r}; use true or false")
            elif choice.get("recovery") and score != RECOVERY_SCORE:
                problems.append(f"{at} is a recovery, so its score is {RECOVERY_SCORE} "
                                "(putting a weak choice right never earns as much as not making it)")
            objectives = choice.get("objectives") or []
            if not objectives:
                problems.append(f"{at} names no objective id")
            for obj in objectives:
                if obj not in outline:
                    problems.append(f"{at} names unknown objective id {obj!r}")
    # The walk needs every edge to land on a node; other problems do not stop it.
    links_ok = all(
        isinstance(n, dict) and all(isinstance(c, dict) and c.get("next") in nodes for c in n.get("choices") or [])
        for n in nodes.values()
    )
    if isinstance(raw.get("start"), str) and raw["start"] in nodes and links_ok:
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
        raise ScenarioError(origin, ["a scenario must be a YAML mapping"])
    problems = _problems(raw, outline or load_outline())
    if problems:
        raise ScenarioError(origin, problems)
    nodes = {}
    for node_id, node in raw["nodes"].items():
        if "ending" in node:
            e = node["ending"]
            told = {v: Ending(e[v]["title"], e[v]["text"], e[v]["summary"]) for v in ("if_weak", "if_mixed") if v in e}
            nodes[node_id] = Node(
                node_id, e["text"], ending=Ending(e["title"], e["text"], e["summary"], e.get("score"), **told)
            )
        else:
            choices = tuple(
                Choice(c["text"], c["next"], c["score"], c["feedback"].strip(), tuple(c["objectives"]),
                       c.get("recovery", False))
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
        scoring=raw.get("scoring", "sum"),
        undo=raw.get("undo", True),
        shuffle=raw.get("shuffle", False),
        setting=raw.get("setting", ""),
    )


def load_scenario_file(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        raw = yaml_text.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(str(path), ["no such scenario file"]) from None
    except (OSError, UnicodeDecodeError) as exc:  # a folder, no permission, not UTF-8 text
        raise ScenarioError(str(path), [f"cannot be read as a YAML text file ({exc}); save it as UTF-8 text"]) from None
    except yaml_text.YAMLError as exc:
        raise ScenarioError(str(path), [f"not valid YAML ({exc})"]) from None
    return parse_scenario(raw, str(path))


def shipped_folder() -> Path:
    """The folder of scenarios shipped with the package (course/scenarios/)."""
    return Path(str(resources.files("course").joinpath("scenarios")))


def scenario_ids() -> list[str]:
    """Ids of the scenarios shipped in course/scenarios/."""
    return sorted(p.stem for p in shipped_folder().glob("*.yaml"))


def load_scenario(scenario_id: str) -> Scenario:
    """Load a shipped scenario by id (its file name without .yaml)."""
    if scenario_id not in scenario_ids():
        shipped = ", ".join(scenario_ids()) or "none"
        raise ScenarioError(f"scenario {scenario_id!r}", [f"no such scenario; shipped scenarios: {shipped}"])
    return load_scenario_file(shipped_folder() / f"{scenario_id}.yaml")
