"""The instructor's scenario graph: structure checked on the DiGraph, the PNG checked only for being a PNG."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from course.author.graph import NODE_H, NODE_W, choice_names, draw_scenario, scenario_figure, scenario_graph
from course.play.scenario import Scenario, load_scenario, parse_scenario, scenario_ids

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _texts(fig) -> str:
    """Every string drawn on a figure (node and edge labels, title, legend), for searching."""
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def _big_scenario() -> Scenario:
    """About 20 nodes with edges that skip layers: the size the layout has to stay readable at."""
    decisions = [f"step_{i:02d}" for i in range(15)]
    endings = [f"end_{i}" for i in range(5)]
    nodes: dict = {}
    for i, node_id in enumerate(decisions):
        later = [*decisions[i + 1 : i + 4], endings[i % 5]]
        nodes[node_id] = {
            "text": f"Decision {i}: the customer says something that needs a careful, plain answer.",
            "choices": [
                {"text": f"Option {j}", "next": nxt, "score": (i + j) % 3, "feedback": "Why.",
                 "objectives": ["language"]}
                for j, nxt in enumerate(later)
            ],
        }
    for i, node_id in enumerate(endings):
        nodes[node_id] = {"ending": {"title": f"Outcome {i}", "text": "Then.", "summary": "So.", "score": i}}
    return parse_scenario({"id": "big", "title": "Big", "start": decisions[0], "scoring": "ending", "nodes": nodes})


@pytest.fixture(params=["tiny", "shipped"])
def scenario(request, scenario_data) -> Scenario:
    if request.param == "tiny":
        return parse_scenario(scenario_data)
    return load_scenario("proper-language-printer")


@pytest.mark.parametrize("scenario_id", scenario_ids())
def test_every_shipped_scenario_draws_a_png(scenario_id, tmp_path):
    out = draw_scenario(load_scenario(scenario_id), tmp_path / "maps" / f"{scenario_id}.png")
    assert out == tmp_path / "maps" / f"{scenario_id}.png"
    data = out.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_SIGNATURE)


def test_one_node_per_scenario_node_with_its_kind_and_label(scenario):
    g = scenario_graph(scenario)
    assert set(g.nodes) == set(scenario.nodes)
    for node_id, node in scenario.nodes.items():
        data = g.nodes[node_id]
        if node.ending:
            assert data["kind"] == "ending"
            assert data["label"].startswith("Ending:")
            assert node.ending.title.split()[0] in data["label"]
        else:
            assert data["kind"] == "decision"
            assert data["label"].startswith(node_id)


def test_best_path_edges_are_exactly_the_best_path(scenario):
    g = scenario_graph(scenario)
    best = scenario.best_path()
    expected = {(n, scenario.nodes[n].choices[i].next) for n, i in best}
    assert {(u, v) for u, v, on in g.edges(data="on_best_path") if on} == expected

    walked, here = [], scenario.start
    while g.nodes[here]["kind"] == "decision":
        (nxt,) = [v for v in g.successors(here) if g.edges[here, v]["on_best_path"]]
        walked.append((here, g.edges[here, nxt]["best_choice"]))
        here = nxt
    assert walked == best
    assert {n for n, on in g.nodes(data="on_best_path") if on} == {n for n, _ in best} | {here}


def test_every_choice_is_on_some_edge(scenario):
    g = scenario_graph(scenario)
    names = choice_names(scenario)
    for node_id, node in scenario.nodes.items():
        for index, choice in enumerate(node.choices):
            edge = g.edges[node_id, choice.next]
            assert (index, choice.score, choice.text) in edge["choices"]
            assert f"{names[node_id, index]} " in edge["label"].replace("\n", " ") + " "
    assert sum(len(c) for _u, _v, c in g.edges(data="choices")) == sum(len(n.choices) for n in scenario.nodes.values())


def test_parallel_choices_share_one_labelled_edge(scenario_data):
    scenario_data["nodes"]["a"]["choices"].append(
        {"text": "Jargon, kindly", "next": "b", "score": 1, "feedback": "Hmm.", "objectives": ["language"]}
    )
    g = scenario_graph(parse_scenario(scenario_data))
    edge = g.edges["a", "b"]
    assert [i for i, _s, _t in edge["choices"]] == [0, 2]
    first, third = edge["label"].split("\n")
    assert first.startswith("#1 ") and "strong" in first and "+2" in first
    assert third.startswith("#3 ") and "ok" in third and "+1" in third
    assert ("★" in first or "(best)" in first) and "★" not in third and "(best)" not in third


def test_layers_run_top_to_bottom_and_boxes_never_overlap():
    g = scenario_graph(_big_scenario())
    assert g.number_of_nodes() == 20
    for u, v in g.edges:
        assert g.nodes[v]["layer"] > g.nodes[u]["layer"]
        assert g.nodes[v]["pos"][1] < g.nodes[u]["pos"][1]
    boxes = list(g.nodes(data="pos"))
    for i, (a, (ax, ay)) in enumerate(boxes):
        for b, (bx, by) in boxes[i + 1 :]:
            assert abs(ax - bx) >= NODE_W or abs(ay - by) >= NODE_H, f"{a} and {b} overlap"


def test_figure_grows_with_the_scenario_and_uses_agg(scenario_data):
    small = scenario_figure(parse_scenario(scenario_data))
    big = scenario_figure(_big_scenario())
    assert isinstance(small.canvas, FigureCanvasAgg)
    (sw, sh), (bw, bh) = small.get_size_inches(), big.get_size_inches()
    assert bh > sh and bw >= sw


def test_caption_title_and_edge_labels_are_drawn(scenario_data):
    fig = scenario_figure(parse_scenario(scenario_data))
    text = _texts(fig)
    assert "bold = best path (score 4 of 4)" in text
    assert "Tiny  (tiny)" in text
    assert "strong +2" in text and "weak +0" in text and "ok +1" in text
    assert "Ending:" in text and "Great" in text


def test_ending_scoring_shows_ending_scores(scenario_data, tmp_path):
    for node_id, score in {"good": 3, "ok": 2, "bad": 0}.items():
        scenario_data["nodes"][node_id]["ending"]["score"] = score
    summed = scenario_graph(parse_scenario(scenario_data))
    assert all("score" not in label for n, label in summed.nodes(data="label") if n in ("good", "ok", "bad"))

    scenario_data["scoring"] = "ending"
    scenario = parse_scenario(scenario_data)
    g = scenario_graph(scenario)
    assert g.nodes["good"]["label"].endswith("score 3")
    assert g.nodes["bad"]["label"].endswith("score 0")
    text = _texts(scenario_figure(scenario))
    assert "score 3" in text and "score 2" in text and "bold = best path (score 3 of 3)" in text
    assert draw_scenario(scenario, tmp_path / "ending.png").read_bytes().startswith(PNG_SIGNATURE)


# ------------------------------------------------------------------ choices named as a student meets them


def _screen(scenario: Scenario, seed: int) -> list[str]:
    """The buttons the widget shows a student with this seed at the first decision."""
    from course.play.view import ScenarioView

    return [b.description for b in ScenarioView(scenario, log_folder=None, seed=seed).buttons]


@pytest.mark.parametrize("seed", [3, 42, 2024])
def test_with_a_seed_choices_are_numbered_as_that_student_saw_them(seed):
    from course.play.player import Player

    scenario = load_scenario("proper-language-printer")
    assert scenario.shuffle
    names = choice_names(scenario, seed)
    start = scenario.node(scenario.start)
    for button in _screen(scenario, seed):  # "2. <text>": the same number in the picture, for the same words
        number, _, text = button.partition(". ")
        (index,) = [i for i, c in enumerate(start.choices) if c.text.strip() == text]
        assert names[scenario.start, index] == f"#{number}"
    player = Player(scenario, seed)
    for node_id, node in scenario.nodes.items():
        for shown, index in enumerate(player.order(node_id) if node.choices else []):
            assert names[node_id, index] == f"#{shown + 1}"


def test_without_a_seed_a_shuffled_scenario_gets_letters_not_screen_numbers():
    scenario = load_scenario("proper-language-printer")
    g = scenario_graph(scenario)
    labels = "\n".join(label for _u, _v, label in g.edges(data="label"))
    assert "#" not in labels
    for node_id, node in scenario.nodes.items():
        for index, choice in enumerate(node.choices):
            assert f"{'ABCDEFGH'[index]} " in g.edges[node_id, choice.next]["label"]
    assert "students see them shuffled" in _texts(scenario_figure(scenario))


def test_scenario_show_prints_the_key_in_the_order_the_student_saw(tmp_path, capsys):
    from course.cli import main

    scenario = load_scenario("listening-chat")
    assert main(["scenario", "show", scenario.id, "--seed", "7", "--out", str(tmp_path / "g.png")]) == 0
    out = capsys.readouterr().out.splitlines()
    first = out[out.index(f"{scenario.start}:") + 1:][:len(scenario.node(scenario.start).choices)]
    for line, button in zip(first, _screen(scenario, 7), strict=True):
        number, _, text = button.partition(". ")
        name, words = line.split()[0], line.split("  ")[-1]  # "   #2  ok +1  <the choice's words>"
        assert name == f"#{number}" and text.startswith(words.rstrip("…")), (line, button)
