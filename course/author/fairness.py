"""Rules that keep scenarios and rankings from being won without reading them.

A student who always picks the longest (or shortest) reply, or who makes a mistake and then
apologises, should not do as well as one who judges each reply. `course check` runs these rules
on every scenario and ranking, so a new one cannot break them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from course.play.player import Player
from course.play.scenario import Scenario
from course.score.ranking import score_ranking

MAX_SHARE = 0.5  # at most half the scored decisions may have the longest (or shortest) reply top-scored
MAX_LENGTH_CREDIT = 0.5  # ordering a ranking's options by length earns at most half its points
# Where the strong reply is shown, over this many players (the widget draws each player's seed): no one
# place may hold it at more than MAX_SAME_PLACE of the scored decisions they meet. Shuffled 2- to
# 4-reply nodes give 0.25-0.5; a scenario that shows its strong reply first every time gives 1.0.
PLAYERS = range(64)
MAX_SAME_PLACE = 0.6
OPTION = re.compile(r"^- \*\*([A-Z])\.\*\*\s+(.*?)(?=^- \*\*[A-Z]\.\*\*|^\s*$|\Z)", re.MULTILINE | re.DOTALL)


def words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class Decision:
    """One node where the choices do not all score the same."""

    node: str
    longest_top: bool  # a longest choice (by words) has the top score
    shortest_top: bool


def decisions(scenario: Scenario) -> list[Decision]:
    found = []
    for node in scenario.nodes.values():
        scores = [c.score for c in node.choices]
        if len(set(scores)) < 2:
            continue
        lengths = [words(c.text) for c in node.choices]
        tops = {n for s, n in zip(scores, lengths, strict=True) if s == max(scores)}
        found.append(Decision(node.id, max(lengths) in tops, min(lengths) in tops))
    return found


def by_length_path(scenario: Scenario, longest: bool) -> list[tuple[str, int]]:
    """The path of a player who always takes the longest (or the shortest) reply."""
    path, nid = [], scenario.start
    while not scenario.nodes[nid].ending:
        choices = scenario.nodes[nid].choices
        pick = (max if longest else min)(range(len(choices)), key=lambda i: words(choices[i].text))
        path.append((nid, pick))
        nid = choices[pick].next
    return path


def best_places(scenario: Scenario, seeds: range = PLAYERS) -> Counter[int]:
    """How often the top-scored reply is shown at each place (0 = first), over players with these seeds.

    Uses the player's own order, so it measures what students see. Where two replies share the top
    score, each counts half.
    """
    places: Counter[int] = Counter()
    scored = [n for n in scenario.nodes.values() if len({c.score for c in n.choices}) > 1]
    for seed in seeds:
        player = Player(scenario, seed)
        for node in scored:
            top = max(c.score for c in node.choices)
            shown = [place for place, i in enumerate(player.order(node.id)) if node.choices[i].score == top]
            for place in shown:
                places[place] += 1 / len(shown)
    return places


def place_problems(scenario: Scenario) -> list[str]:
    """The strong reply must move around: otherwise a student learns where it sits, not what it says."""
    places = best_places(scenario)
    total = sum(places.values())
    if not total:
        return []
    place, count = places.most_common(1)[0]
    if count / total <= MAX_SAME_PLACE:
        return []
    return [f"the top-scored reply is shown in place {place + 1} at {count / total:.0%} of the scored decisions "
            f"players meet (at most {MAX_SAME_PLACE:.0%} allowed); set 'shuffle: true' or vary the order of replies"]


def share_problems(found: list[Decision], where: str) -> list[str]:
    """Longest and shortest replies may each be top-scored at no more than MAX_SHARE of decisions."""
    problems = []
    for attr, word in (("longest_top", "longest"), ("shortest_top", "shortest")):
        hits = [d.node for d in found if getattr(d, attr)]
        if found and len(hits) / len(found) > MAX_SHARE:
            named = ", ".join(hits[:10]) + (f" and {len(hits) - 10} more" if len(hits) > 10 else "")
            problems.append(
                f"{where}: the {word} reply has the top score at {len(hits)} of {len(found)} scored decisions "
                f"(at most {MAX_SHARE:.0%} allowed), so picking by length wins; make some strong replies "
                f"{'shorter' if word == 'longest' else 'longer'} or some weak ones "
                f"{'longer' if word == 'longest' else 'shorter'} (at {named})"
            )
    return problems


def scenario_problems(scenario: Scenario) -> list[str]:
    """Everything in one scenario that lets a student win without judging the replies."""
    problems = []
    if not scenario.shuffle:
        problems.append("the top level needs 'shuffle: true', or the strong reply sits in the same place every time")
    problems += place_problems(scenario)
    problems += share_problems(decisions(scenario), "the scenario")
    best = scenario.best_path_score()
    for longest in (True, False):
        path = by_length_path(scenario, longest)
        if scenario.path_score(path) >= best:
            problems.append(
                f"always taking the {'longest' if longest else 'shortest'} reply scores {best}, the best score"
            )
    weak = scenario.best_with_weak()
    if weak is not None and weak[0] >= best:
        steps = " -> ".join(f"{n} #{i + 1}" for n, i in weak[1])
        problems.append(
            f"a path with a weak choice scores {weak[0]}, as much as the best path ({best}): {steps}; "
            "score the recovery after a weak choice at most 1, so a mistake plus its repair stays below no mistake"
        )
    for node_id, kinds in sorted(scenario.path_kinds().items()):
        ending = scenario.nodes[node_id].ending
        if "weak" in kinds and kinds - {"weak"} and ending and ending.if_weak is None:
            problems.append(
                f"ending {node_id!r} is reached by paths with and without a weak choice; give it an 'if_weak' "
                "(title, text, summary) so its words match what a student who took a weak choice did"
            )
    return problems


def ranking_options(markdown: str) -> dict[str, str]:
    """The lettered options (`- **A.** text`) in a ranking prompt."""
    return {m.group(1): " ".join(m.group(2).split()) for m in OPTION.finditer(markdown)}


def ranking_length_credit(options: dict[str, str], order: list[str], ties: list[list[str]] | None = None) -> float:
    """What ordering the options longest first earns against the key (ties broken by letter)."""
    by_length = sorted(options, key=lambda k: (-words(options[k]), k))
    return score_ranking(by_length, order, ties).fraction


def ranking_share_problems(rankings: list[tuple[str, dict[str, str], list[str]]]) -> list[str]:
    """Across the course, the longest (or shortest) option may come first in at most half the keys."""
    problems = []
    for pick, word in ((max, "longest"), (min, "shortest")):
        hits = [name for name, options, order in rankings
                if words(options[order[0]]) == pick(words(t) for t in options.values())]
        if rankings and len(hits) / len(rankings) > MAX_SHARE:
            problems.append(
                f"the {word} option is ranked first in {len(hits)} of {len(rankings)} ranking exercises "
                f"(at most {MAX_SHARE:.0%} allowed): {', '.join(hits)}"
            )
    return problems
