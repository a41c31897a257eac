import pytest
import yaml

from course.author.fairness import scenario_problems
from course.errors import ScenarioError
from course.play.player import Player
from course.play.scenario import (
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
        (lambda d: d.update(scoring="average"), "scoring 'average'; use one of sum, ending"),
        (lambda d: d.update(scoring="ending"), "node 'good': the ending needs a 'score'"),
        (lambda d: d["nodes"]["ok"]["ending"].update(score=-1), "node 'ok': the ending has score -1"),
        (lambda d: d.update(undo="yes"), "undo: 'yes'; use true or false"),
        (lambda d: d.update(shuffle=1), "shuffle: 1; use true or false"),
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

    assert s.decision_range()[0] >= 3, "every path should pass at least three decision points"


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


def test_best_path_and_decision_range(scenario_data):
    s = parse_scenario(scenario_data)
    assert s.best_path() == [("a", 0), ("b", 0)]
    assert s.decision_range() == (1, 2)
    scenario_data["scoring"] = "ending"
    for node, score in (("good", 1), ("ok", 5), ("bad", 3)):
        scenario_data["nodes"][node]["ending"]["score"] = score
    s = parse_scenario(scenario_data)
    assert s.best_path() == [("a", 0), ("b", 1)] and s.best_path_score() == 5


def test_player_undo_and_seeded_shuffle(scenario_data):
    scenario_data["shuffle"] = True
    s = parse_scenario(scenario_data)
    assert Player(s, seed=1).order() == Player(s, seed=1).order()
    assert {tuple(Player(s, seed=n).order()) for n in range(20)} == {(0, 1), (1, 0)}
    p = Player(s, seed=1)
    step = p.choose_shown(0)
    assert step.index == p.order("a")[0] and step.shown_as == 0
    assert p.can_undo and p.undo() == step and p.current == "a" and not p.can_undo
    with pytest.raises(ValueError, match="no choice to undo"):
        p.undo()


def test_the_authoring_guide_worked_example_is_a_valid_scenario(root):
    guide = (root / "docs" / "authoring.md").read_text()
    block = guide.split("## Writing a scenario", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    s = parse_scenario(yaml.safe_load(block), "docs/authoring.md")
    assert s.id == "chat-password-reset" and s.decision_range() == (2, 3)
    assert s.best_path() == [("greet", 0), ("verify", 0), ("confirm", 0)]
    assert scenario_problems(s) == []  # the example keeps every fairness rule it describes
    from course.author.shape import rules, scenario_shape_problems

    assert scenario_shape_problems(s, rules()) == []  # and the shape `course check` asks for


# -- the conventions file: settings and the words a player sees -----------------------------------


def test_the_shipped_conventions_give_settings_and_one_set_of_words():
    from course.play.scenario import settings, words

    assert "library" in settings() and len(set(settings())) == len(settings())
    said = words()
    assert sorted(said.verdicts) == [0, 1, 2] and said.verdicts[2].word == "Strong choice"
    assert [f.at_least for f in said.finishes] == [0.8, 0.5, 0.0]
    assert said.rule.startswith("Strong replies score 2") and "\n" not in said.rule


def conventions_data() -> dict:
    import copy

    from course.play.scenario import conventions

    return copy.deepcopy(conventions())


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda d: d["words"]["verdicts"].pop(1), "'words.verdicts' needs one entry per choice score: 0, 1, 2"),
        (lambda d: d["words"]["verdicts"][2].pop("short"), "'words.verdicts.2' needs 'icon' and 'word' and 'short'"),
        (lambda d: d["words"].update(recovery="Good recovery"), "'words.recovery' needs 'icon' and 'word'"),
        (lambda d: d["words"]["finishes"].reverse(), "'words.finishes' must go from the highest 'at_least' down"),
        (lambda d: d["words"]["finishes"][1].update(at_least="half"), "'words.finishes' entry 2 needs 'at_least'"),
        (lambda d: d["words"].update(finishes=d["words"]["finishes"][:1]),
         "'words.finishes' needs a list of at least two finishes"),
        (lambda d: d["words"].pop("rule"), "'words.rule' needs the scoring rule"),
        (lambda d: d.pop("words"), "'words' needs 'verdicts', 'recovery', 'finishes' and 'rule'"),
    ],
)
def test_broken_words_name_the_file_and_the_key(breakage, message):
    from course.play.scenario import parse_words

    data = conventions_data()
    breakage(data)
    with pytest.raises(ScenarioError) as caught:
        parse_words(data, "course/conventions.yaml")
    assert caught.value.origin == "course/conventions.yaml"
    assert any(message in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    "settings, message",
    [(None, "'settings' needs a list of setting names"), ([], "'settings' needs a list"),
     (["phone", 3], "'settings' needs a list"), (["phone", "chat", "phone"], "names a setting twice")],
)
def test_broken_settings_name_the_file_and_the_key(settings, message):
    from course.play.scenario import parse_settings

    with pytest.raises(ScenarioError, match=message) as caught:
        parse_settings({"settings": settings}, "course/conventions.yaml")
    assert str(caught.value).startswith("course/conventions.yaml: ")


def test_a_setting_outside_the_list_is_refused_with_the_list(scenario_data):
    scenario_data["setting"] = "submarine"
    with pytest.raises(ScenarioError, match="setting 'submarine'; use one of phone, chat, email"):
        parse_scenario(scenario_data)
