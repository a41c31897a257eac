import pytest
import yaml

from course.play.player import Player
from course.play.scenario import (
    ScenarioError,
    load_scenario,
    load_scenario_file,
    parse_scenario,
    scenario_ids,
)


def test_good_scenario_parses(scenario_data):
    s = parse_scenario(scenario_data)
    assert s.start == "a" and len(s.nodes) == 5
    assert s.best_path_score() == 4


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda d: d["nodes"].update(orphan={"ending": {"title": "t", "text": "t", "summary": "s"}}),
         "node 'orphan' is unreachable"),
        (lambda d: d["nodes"]["b"]["choices"][0].update(next="a"), "node 'b' loops back"),
        (lambda d: d["nodes"]["b"].update(choices=[]), "node 'b' has no choices and is not an ending"),
        (lambda d: d["nodes"]["a"]["choices"][1].pop("feedback"), "node 'a', choice 2 has no feedback"),
        (lambda d: d["nodes"]["a"]["choices"][1].update(feedback="  "), "node 'a', choice 2 has no feedback"),
        (lambda d: d["nodes"]["b"]["choices"][1].update(objectives=["4.7.99"]),
         "node 'b', choice 2 names unknown objective id '4.7.99'"),
        (lambda d: d["nodes"]["a"]["choices"][0].update(next="nowhere"), "leads to unknown node 'nowhere'"),
        (lambda d: d["nodes"]["a"]["choices"][0].update(score=7), "has score 7"),
        (lambda d: d["nodes"]["a"]["choices"][0].update(objectives=[]), "names no objective id"),
        (lambda d: d.update(start="zzz"), "start node 'zzz' does not exist"),
        (lambda d: d["nodes"]["good"]["ending"].pop("summary"), "node 'good': the ending needs 'summary'"),
    ],
)
def test_broken_scenarios_are_rejected_naming_the_node(scenario_data, breakage, message):
    breakage(scenario_data)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(scenario_data, "tiny.yaml")
    assert message in str(err.value)
    assert str(err.value).startswith("tiny.yaml: ")


def test_not_a_mapping_is_rejected():
    with pytest.raises(ScenarioError, match="must be a YAML mapping"):
        parse_scenario(["a", "b"], "list.yaml")


def test_files_name_their_path(tmp_path, scenario_data):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nodes: [unclosed")
    with pytest.raises(ScenarioError, match="bad.yaml: not valid YAML"):
        load_scenario_file(bad)
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario_file(tmp_path / "missing.yaml")
    scenario_data["nodes"]["a"]["choices"][0]["feedback"] = ""
    bad.write_text(yaml.safe_dump(scenario_data))
    with pytest.raises(ScenarioError, match="node 'a', choice 1 has no feedback"):
        load_scenario_file(bad)


def test_unknown_shipped_scenario_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="shipped scenarios: "):
        load_scenario("no-such-scenario")


@pytest.mark.parametrize("sid", scenario_ids())
def test_shipped_scenarios_are_valid_and_deep_enough(sid):
    s = load_scenario(sid)
    endings = [n for n in s.nodes.values() if n.ending]
    assert len(endings) >= 2

    def depths(node_id, depth=0):
        node = s.node(node_id)
        if node.ending:
            yield depth
        for c in node.choices:
            yield from depths(c.next, depth + 1)

    assert min(depths(s.start)) >= 3, "every path should pass at least three decision points"


def test_player_walks_and_restarts(scenario_data):
    p = Player(parse_scenario(scenario_data))
    assert p.node.id == "a" and not p.finished
    p.choose(0)
    p.choose(1)
    assert p.finished and p.node.ending.title == "Fine"
    assert p.score == 3 and p.best_score == 4
    with pytest.raises(ValueError, match="has ended"):
        p.choose(0)
    p.restart()
    assert p.current == "a" and p.steps == [] and p.score == 0
    with pytest.raises(IndexError, match="choices 0-1, not 5"):
        p.choose(5)
