"""Scenarios and rankings cannot be won by length or by a mistake plus its repair, and endings
tell the truth about the path. Each rule is shown catching a scenario built to break it."""

from __future__ import annotations

import re

import pytest

from course.author.check import check_course
from course.author.fairness import (
    MAX_SAME_PLACE,
    best_places,
    by_length_path,
    decisions,
    place_problems,
    ranking_length_credit,
    ranking_options,
    ranking_share_problems,
    scenario_problems,
)
from course.errors import KeyFormatError, ScenarioError
from course.keys import split_key
from course.play.player import Player
from course.play.scenario import MAX_SCORE, MIN_SCORE, Scenario, load_scenario, parse_scenario, scenario_ids, words
from course.play.view import ScenarioView, finish_verdict
from course.score.ranking import score_ranking, scored_pairs


def _choice(text: str, nxt: str, score: int, **extra) -> dict:
    return {"text": text, "next": nxt, "score": score, "feedback": "Why.", "objectives": ["language"], **extra}


def _ending(title: str, **extra) -> dict:
    return {"ending": {"title": title, "text": f"{title} text.", "summary": f"{title} summary.", **extra}}


def recovery_scenario(recovery_score: int = 2, **flags) -> dict:
    """a: strong (short) to b, or weak (long) to fix; fix: the repair leads back to b."""
    return {
        "id": "rec", "title": "Recovery", "start": "a", "shuffle": True,
        "nodes": {
            "a": {"text": "Start.", "choices": [
                _choice("Short and right.", "b", 2),
                _choice("A long, polite answer that sounds thorough but misses the point.", "fix", 0),
            ]},
            "fix": {"text": "The customer frowns.", "choices": [
                _choice("Sorry, let me put that right.", "b", recovery_score, **flags),
                _choice("Carry on regardless.", "b", 0),
            ]},
            "b": {"text": "Next.", "choices": [
                _choice("A fairly long reply that is the right one here.", "good", 2),
                _choice("Brief.", "good", 1),
            ]},
            "good": _ending("Great"),
        },
    }


def test_a_mistake_plus_a_repair_scoring_2_is_caught_and_the_path_is_named():
    problems = scenario_problems(parse_scenario(recovery_scenario()))
    weak = [p for p in problems if "weak choice scores" in p]
    assert weak and "a #2 -> fix #1 -> b #1" in weak[0] and "at most 1" in weak[0]


def test_a_repair_capped_at_1_passes_and_a_flagged_repair_must_score_1():
    scenario = parse_scenario(recovery_scenario(1, recovery=True))
    assert scenario.best_with_weak()[0] == 3 < scenario.best_path_score() == 4
    assert not [p for p in scenario_problems(scenario) if "weak choice scores" in p]
    with pytest.raises(ScenarioError, match="is a recovery, so its score is 1"):
        parse_scenario(recovery_scenario(2, recovery=True))


def test_an_ending_shared_by_weak_and_clean_paths_needs_words_for_the_weak_path():
    data = recovery_scenario(1, recovery=True)
    assert any("ending 'good'" in p and "if_weak" in p for p in scenario_problems(parse_scenario(data)))
    data["nodes"]["good"] = _ending("Great", if_weak={"title": "Fixed after a slip", "text": "T.", "summary": "S."})
    scenario = parse_scenario(data)
    assert not [p for p in scenario_problems(scenario) if "if_weak" in p]
    assert scenario.path_kinds() == {"good": {"strong", "mixed", "weak"}}


def test_an_incomplete_if_weak_is_a_format_error():
    data = recovery_scenario(1, recovery=True)
    data["nodes"]["good"] = _ending("Great", if_weak={"title": "Only a title"})
    with pytest.raises(ScenarioError, match="'if_weak' needs 'title', 'text' and 'summary'"):
        parse_scenario(data)


def test_the_player_tells_the_ending_that_matches_the_path(tmp_path):
    data = recovery_scenario(1, recovery=True)
    data["nodes"]["good"] = _ending(
        "Great", if_weak={"title": "Fixed after a slip", "text": "Slip.", "summary": "Say it plainly first."},
        if_mixed={"title": "Fixed", "text": "Fine.", "summary": "Almost."},
    )
    scenario = parse_scenario(data)
    told = {}
    for first, second in ((0, 0), (0, 1), (1, 0)):
        player = Player(scenario, seed=1)
        player.choose(first)
        if first == 1:
            player.choose(0)  # the repair
        player.choose(second)
        told[(first, second)] = player.ending.title
    assert told == {(0, 0): "Great", (0, 1): "Fixed", (1, 0): "Fixed after a slip"}
    view = ScenarioView(scenario, tmp_path, seed=1)
    view.player.choose(1)
    view.click(view.player.order().index(0))  # the repair, wherever it is shown
    assert f"{words().recovery.icon} Good recovery" in re.sub(r"<[^>]+>", "", view.feedback.value)  # icon, markup aside
    view.click(view.player.order().index(0))
    assert "Fixed after a slip" in view.ending.value and "Strong finish" not in view.ending.value
    assert "Mixed finish" in view.ending.value  # 3 of 4 is 75%: a weak choice caps it below strong
    assert "never reaches the best score" in view.header.value


def test_a_weak_choice_keeps_a_high_score_from_a_strong_finish():
    strong, mixed, low = (f"{f.said.icon} {f.said.word}" for f in words().finishes)  # icons: conventions.yaml's
    assert strong.endswith("Strong finish") and mixed.endswith("Mixed finish")
    assert finish_verdict(9, 10) == strong
    assert finish_verdict(9, 10, took_weak=True) == mixed
    assert finish_verdict(2, 10, took_weak=True) == low


def test_longest_reply_wins_is_caught_and_counted():
    scenario = parse_scenario(recovery_scenario(1, recovery=True))
    found = {d.node: d for d in decisions(scenario)}
    assert found["a"].shortest_top and not found["a"].longest_top
    assert found["b"].longest_top and not found["b"].shortest_top
    assert found["fix"].longest_top  # "Sorry, let me put that right." is longer than "Carry on regardless."
    problems = scenario_problems(scenario)
    assert any("the longest reply has the top score at 2 of 3" in p for p in problems)
    assert not any("shortest reply has the top score" in p for p in problems)


def test_always_taking_the_longest_reply_must_not_reach_the_best_score():
    data = recovery_scenario(1, recovery=True)
    data["nodes"]["a"]["choices"][0]["text"] = "Right, and said at enough length to be the longest reply of all here."
    scenario = parse_scenario(data)
    assert by_length_path(scenario, longest=True) == [("a", 0), ("b", 0)]
    assert any("always taking the longest reply scores 4, the best score" in p for p in scenario_problems(scenario))


def test_a_scenario_that_does_not_shuffle_is_refused():
    data = recovery_scenario(1, recovery=True)
    data["shuffle"] = False
    assert any("shuffle: true" in p for p in scenario_problems(parse_scenario(data)))


# -- where the strong reply is shown (issue 21, point 1) -------------------------------------------


@pytest.mark.parametrize("sid", scenario_ids())
def test_the_strong_reply_is_shown_in_varying_places(sid):
    """Measured with the player's own shuffle, over many players: no place holds the strong reply."""
    places = best_places(load_scenario(sid))
    total = sum(places.values())
    assert len(places) >= 2 and max(places.values()) / total <= MAX_SAME_PLACE, places


def test_a_scenario_that_shows_its_strong_reply_first_every_time_is_caught():
    data = recovery_scenario(1, recovery=True)
    assert place_problems(parse_scenario(data)) == []  # shuffled: the strong reply moves
    data["shuffle"] = False  # as 02's scenario was: the strong reply first at every decision
    (problem,) = place_problems(parse_scenario(data))
    assert "shown in place 1 at 100% of the scored decisions" in problem
    assert best_places(parse_scenario(data), range(5)) == {0: 15}


# -- each ending matches the path's verdicts (issue 21, point 5) ------------------------------------

STRONG_FINISH = f"{words().finishes[0].said.icon} {words().finishes[0].said.word}"


def path_kind(scores: list[int]) -> str:
    return "weak" if MIN_SCORE in scores else "mixed" if any(s < MAX_SCORE for s in scores) else "strong"


def every_kind_of_path(scenario: Scenario) -> dict[tuple[str, str, int], list[int]]:
    """One path (authored choice indices) for each (ending, kind of path, score) a player can reach.

    Every path leads to one of these states, and what a player is told at the end depends only on
    them, so walking them covers every path without listing millions of them (the capstone's).
    """
    reached: dict[tuple[str, str, int], list[int]] = {}
    seen: set[tuple[str, str, int]] = set()

    def walk(nid: str, picks: list[int], scores: list[int]) -> None:
        state = (nid, path_kind(scores), sum(scores))
        if state in seen:
            return
        seen.add(state)
        node = scenario.nodes[nid]
        if node.ending:
            reached[state] = picks
        for i, choice in enumerate(node.choices):
            walk(choice.next, [*picks, i], [*scores, choice.score])

    walk(scenario.start, [], [])
    return reached


def play(scenario: Scenario, picks: list[int]) -> Player:
    player = Player(scenario, seed=7)
    for index in picks:
        player.choose(index)
    return player


@pytest.mark.parametrize("sid", scenario_ids())
def test_each_ending_matches_the_paths_verdicts(sid):
    """A path with a weak choice is never told a strong finish, nor the words a flawless path gets there."""
    scenario = load_scenario(sid)
    told = {}
    for (end, kind, _score), picks in every_kind_of_path(scenario).items():
        player = play(scenario, picks)
        told[end, kind] = player.ending
        finish = finish_verdict(player.score, player.best_score, player.took_weak)
        if kind == "weak":
            assert player.took_weak and finish != STRONG_FINISH, (end, picks, finish)
    for (end, kind), ending in told.items():
        if kind == "weak" and (end, "strong") in told:
            flawless = told[end, "strong"]
            assert (ending.title, ending.text) != (flawless.title, flawless.text), f"{sid}: ending {end!r}"


def test_the_walk_finds_the_weak_path_a_shared_ending_would_praise():
    """Without 'if_weak', a repaired slip reaches the flawless ending's words: the test above would fail."""
    data = recovery_scenario(1, recovery=True)
    reached = every_kind_of_path(parse_scenario(data))
    assert {(end, kind) for end, kind, _ in reached} == {("good", "strong"), ("good", "mixed"), ("good", "weak")}
    weak = play(parse_scenario(data), reached["good", "weak", 2])
    assert weak.ending.title == "Great" == play(parse_scenario(data), reached["good", "strong", 4]).ending.title


def test_course_check_passes_the_shipped_course_and_catches_a_longest_wins_folder(tmp_path, root):
    report = check_course(root)
    assert report.problems == [], "\n".join(report.problems)
    import yaml

    data = recovery_scenario(1, recovery=True)
    data["nodes"]["a"]["choices"][0]["text"] = "Right, and said at enough length to be the longest reply of all here."
    (tmp_path / "rec.yaml").write_text(yaml.safe_dump(data))
    bad = check_course(None, tmp_path)
    assert any("rec.yaml" in p and "longest reply" in p for p in bad.problems)
    assert any("(all scenarios)" in p for p in bad.problems)


# -- rankings -----------------------------------------------------------------------------------

PROMPT = """Here are four replies:

- **A.** "Short and right."
- **B.** "A long reply that sounds careful and thorough, but it argues
  with the customer about whose fault it was."
- **C.** "Medium, a bit vague."
- **D.** "No."

List the letters best first.
"""


def test_options_are_read_from_the_prompt_with_their_continuation_lines():
    options = ranking_options(PROMPT)
    assert list(options) == ["A", "B", "C", "D"]
    assert options["B"].endswith("about whose fault it was.\"") and "\n" not in options["B"]


def test_ordering_by_length_is_scored_against_the_key():
    options = ranking_options(PROMPT)
    assert ranking_length_credit(options, ["B", "C", "A", "D"]) == 1.0  # length order is the key
    assert ranking_length_credit(options, ["A", "C", "D", "B"]) == 0.0


def test_the_longest_option_first_in_most_rankings_is_caught():
    options = ranking_options(PROMPT)
    fair = [("one", options, ["A", "C", "B", "D"]), ("two", options, ["C", "A", "D", "B"])]
    assert ranking_share_problems(fair) == []
    rigged = [("one", options, ["B", "A", "C", "D"]), ("two", options, ["B", "C", "A", "D"]), *fair[:1]]
    assert ranking_share_problems(rigged) == [
        "the longest option is ranked first in 2 of 3 ranking exercises (at most 50% allowed): one, two"
    ]


def test_tied_options_are_not_scored_against_each_other():
    key = ["C", "A", "B", "E", "D"]
    assert len(scored_pairs(key, [["B", "E", "D"]])) == 7
    either = [score_ranking(order, key, [["B", "E", "D"]]).fraction
              for order in (["C", "A", "B", "E", "D"], ["C", "A", "D", "E", "B"], ["C", "A", "E", "D", "B"])]
    assert either == [1.0, 1.0, 1.0]
    result = score_ranking(["A", "C", "D", "B", "E"], key, [["B", "E", "D"]])
    assert result.fraction == pytest.approx(5 / 7)  # one real pair wrong: (6 - 1) / 7
    assert any("equally weak" in line for line in result.lines)
    assert score_ranking(["A", "C", "D", "B", "E"], key).fraction < result.fraction  # untied, the weak order counts


def _key(extra: str) -> str:
    return ("x = 1\n### BEGIN HIDDEN TESTS\n# course-key:\n#   exercise: ex\n#   kind: ranking\n"
            f"#   objectives: [language]\n#   order: [C, A, B, E, D]\n{extra}### END HIDDEN TESTS\n")


def test_a_tie_is_read_from_the_key():
    assert split_key(_key("#   ties: [[E, D]]\n"))[1]["ties"] == [["E", "D"]]


@pytest.mark.parametrize("ties, says", [
    ("[[C, E]]", "must sit together"),
    ("[[C]]", "two or more distinct options"),
    ("[[A, Z]]", "two or more distinct options"),
    ("[[A, B], [B, E]]", "shares an option"),
    ("[C, A]", "list of groups"),
])
def test_a_malformed_tie_says_what_to_fix(ties, says):
    with pytest.raises(KeyFormatError, match=says):
        split_key(_key(f"#   ties: {ties}\n"))
