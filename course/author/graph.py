"""Draw a branching scenario as a layered graph (PNG) so an instructor can review it at a glance.

A scenario's YAML is hard to check by eye: which choice leads where, whether every path ends,
and whether the best path really is the one the author meant. The picture shows every decision
point (a rectangle) and ending (a rounded "terminator"), every choice as a labelled arrow
(the choice's name, verdict, +score), and the best path in bold.

Choices are named as a student can match them: a scenario that shuffles its choices shows them in
another order to each student (drawn from a seed the log records), so its choices get letters in
file order, or, given that seed, the numbers that student saw on the buttons. A scenario that does
not shuffle shows every student the file's order, and its choices are numbered so.

Only matplotlib's Agg canvas is used (no window, no display, no graphviz binary), so this runs on
a headless server, in CI, and inside `course scenario show`. The layout is a small Sugiyama-style
layering done here: a node's layer is its longest distance from the start, edges that skip layers
pass through invisible waypoints, and node order within a layer is chosen to reduce crossings.
"""

from __future__ import annotations

import textwrap
from collections.abc import Hashable, Iterable
from functools import cache
from itertools import pairwise
from pathlib import Path

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path as MplPath

from course.play.scenario import MAX_SCORE, Scenario, words

# Geometry, in inches: the axes span the whole figure at one data unit per inch, so boxes and
# fonts keep their proportions however large the figure grows.
NODE_W, NODE_H = 2.3, 1.0  # every node box has the same size, so the layout knows it up front
WAYPOINT_W = 0.45  # room an edge needs where it passes through a layer without a node
H_GAP = 0.45  # space between neighbouring boxes in a layer
LAYER_GAP = 2.15  # centre to centre; leaves about 1.1 in between rows for edge labels
MARGIN, TOP, BOTTOM = 0.5, 1.05, 1.0  # TOP holds the title, BOTTOM the legend
MIN_WIDTH = 8.5  # the title and legend need this much even for a tiny scenario
DPI = 100

TEXT_CHARS = 50  # how much of a decision's text to show; the id says which node it is
WRAP, ENDING_WRAP = 26, 23  # characters per line; endings have rounded ends, so less room
NODE_FONT, EDGE_FONT = 8.0, 7.5  # points
LINE_H = NODE_FONT * 1.3 / 72  # inches per text line in a node
EDGE_CHAR_W, EDGE_LINE_H = EDGE_FONT * 0.62 / 72, EDGE_FONT * 1.35 / 72  # rough label extents

BEST_MARK = "★"  # marks the best choice on an edge that carries several choices

DECISION_FILL, ENDING_FILL, BEST_FILL = "#f4f4f4", "#dde8f5", "#ffe680"
BEST_EDGE, OTHER_EDGE = "#1a1a1a", "#8a8a8a"
BEST_WIDTH, OTHER_WIDTH = 3.2, 1.1  # line width, not only colour, shows the best path


# ---------------------------------------------------------------- graph and labels


@cache
def _has_glyphs(chars: str) -> bool:
    """Whether matplotlib's default font can draw these characters (else labels fall back to words)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(font_manager.findfont(font_manager.FontProperties())).get_charmap()
    return all(ord(c) in charmap for c in chars)


def _verdict(score: int) -> str:
    """Verdict word for a choice score, with its icon when every icon renders in the default font.

    All icons or none: a mix would make the words look inconsistent, and the words alone are clear.
    """
    verdicts = words().verdicts  # the widget's verdicts, in their short form (course/conventions.yaml)
    told = verdicts.get(score)
    if told is None:
        return f"score {score}"
    return f"{told.icon} {told.short}" if _has_glyphs("".join(v.icon for v in verdicts.values())) else told.short


def choice_names(scenario: Scenario, seed: int | None = None) -> dict[tuple[str, int], str]:
    """(node, authored index) -> how a reader can match that choice to a student's screen.

    "#2": the second button on screen (every student's, when the scenario does not shuffle; the
    student with this `seed`, when it does). "B": the second choice in the file, for a shuffled
    scenario drawn without a seed, where a screen position would mean nothing.
    """
    from course.play.player import Player

    player = Player(scenario, seed if seed is not None else 0)
    names = {}
    for node_id, node in scenario.nodes.items():
        if not node.choices:
            continue
        if scenario.shuffle and seed is None:
            names |= {(node_id, i): chr(ord("A") + i) for i in range(len(node.choices))}
        else:
            names |= {(node_id, i): f"#{shown + 1}" for shown, i in enumerate(player.order(node_id))}
    return names


def naming(scenario: Scenario, seed: int | None = None) -> str:
    """One line saying what the choice names mean, for the picture's key and the terminal."""
    if not scenario.shuffle:
        return "#n = the n-th button, as every student sees it (this scenario does not shuffle)"
    if seed is None:
        return "A, B, C = the choices in file order; students see them shuffled (--seed N: as one student saw them)"
    return f"#n = the n-th button as the student with seed {seed} saw it (the log records each play's seed)"


def _choice_line(name: str, score: int, best: bool) -> str:
    """One line of an edge label: the choice's name (see choice_names), verdict, +score."""
    mark = f" {BEST_MARK}" if best and _has_glyphs(BEST_MARK) else " (best)" if best else ""
    return f"{name} {_verdict(score)} +{score}{mark}"


def _node_label(scenario: Scenario, node_id: str) -> str:
    """Header line, then wrapped body: the id and start of the text, or "Ending:" and the title."""
    node = scenario.nodes[node_id]
    if node.ending:
        body = textwrap.fill(textwrap.shorten(node.ending.title, 3 * ENDING_WRAP, placeholder="…"), ENDING_WRAP)
        if scenario.scoring == "ending":
            body += f"\nscore {node.ending.score}"
        return f"Ending:\n{body}"
    header = textwrap.fill(node_id, WRAP, break_on_hyphens=False)
    return f"{header}\n{textwrap.fill(textwrap.shorten(node.text, TEXT_CHARS, placeholder='…'), WRAP)}"


def _score_of(scenario: Scenario) -> tuple[int, int]:
    """(best path score, the most that path could score), for the caption.

    Sum mode: the second number is MAX_SCORE for every decision on the best path, so "8 of 10"
    tells the author the best path still has a weaker choice on it. Ending mode: the highest
    ending score.
    """
    best = scenario.best_path_score()
    if scenario.scoring == "ending":
        return best, max((n.ending.score or 0) for n in scenario.nodes.values() if n.ending)
    return best, MAX_SCORE * len(scenario.best_path())


def scenario_graph(scenario: Scenario, seed: int | None = None) -> nx.DiGraph:
    """The scenario as a DiGraph with everything the drawing needs, so tests can check it without pixels.

    Node attributes: ``kind`` ("decision" or "ending"), ``label``, ``layer`` (longest distance from
    the start), ``on_best_path``, ``pos`` (x, y centre in inches). Edge attributes: ``choices``, a list
    of (index, score, text) in authored order with the 0-based index used by ``Node.choices`` and
    ``best_path()``; ``on_best_path``; ``best_choice`` (that index, or None); ``label`` (one line per
    choice, named by choice_names, in the order a reader meets them); ``points`` (the route in
    inches, through waypoints for edges that skip layers).
    Several choices that lead to the same node share one edge, so none of them is hidden.
    """
    best_steps = scenario.best_path()
    best_choice = dict(best_steps)
    best_nodes = {n for n, _ in best_steps} | {scenario.start}
    if best_steps:
        last, i = best_steps[-1]
        best_nodes.add(scenario.nodes[last].choices[i].next)

    graph = nx.DiGraph(title=scenario.title, scenario_id=scenario.id, scoring=scenario.scoring)
    for node_id, node in scenario.nodes.items():
        graph.add_node(
            node_id,
            kind="ending" if node.ending else "decision",
            label=_node_label(scenario, node_id),
            on_best_path=node_id in best_nodes,
        )
    for node_id, node in scenario.nodes.items():
        for index, choice in enumerate(node.choices):
            if not graph.has_edge(node_id, choice.next):
                graph.add_edge(node_id, choice.next, choices=[], on_best_path=False, best_choice=None)
            edge = graph.edges[node_id, choice.next]
            edge["choices"].append((index, choice.score, choice.text))
            if best_choice.get(node_id) == index:
                edge["on_best_path"], edge["best_choice"] = True, index
    names = choice_names(scenario, seed)
    for u, _v, edge in graph.edges(data=True):
        several = len(edge["choices"]) > 1
        shown = sorted(edge["choices"], key=lambda c, u=u: (len(names[u, c[0]]), names[u, c[0]]))  # #2 before #10
        edge["label"] = "\n".join(
            _choice_line(names[u, i], s, several and i == edge["best_choice"]) for i, s, _t in shown
        )

    best, most = _score_of(scenario)
    graph.graph.update(best_score=best, max_score=most, naming=naming(scenario, seed))
    _layout(graph, scenario.start)
    return graph


# ---------------------------------------------------------------- layout


def _crossings(layers: list[list[Hashable]], succ: dict[Hashable, list[Hashable]]) -> int:
    """Edge crossings between adjacent layers for one ordering (small graphs: pairwise is fine)."""
    total = 0
    for upper, lower in pairwise(layers):
        where = {n: i for i, n in enumerate(lower)}
        ends = [(i, where[s]) for i, n in enumerate(upper) for s in succ[n] if s in where]
        total += sum(1 for a, b in ends for c, d in ends if a < c and b > d)
    return total


def _isotonic(values: list[float], weights: list[float]) -> list[float]:
    """Closest non-decreasing sequence (pool adjacent violators); keeps boxes in order and apart."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for v, w in zip(values, weights, strict=True):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return [m for m, _w, c in blocks for _ in range(int(c))]


def _layout(graph: nx.DiGraph, start: str) -> None:
    """Give every node a ``layer`` and ``pos`` and every edge its ``points``.

    Layer = longest distance from the start, so every arrow points down. Edges that skip layers get
    a waypoint per skipped layer; node order in each layer comes from a depth-first walk in authored
    choice order (choice 1 to the left), improved by barycentre sweeps while crossings go down; x
    positions then pull each node towards its neighbours without letting boxes overlap.
    """
    for node_id in nx.topological_sort(graph):
        above = [graph.nodes[p]["layer"] + 1 for p in graph.predecessors(node_id)]
        graph.nodes[node_id]["layer"] = max(above, default=0)

    # Expanded graph: real nodes plus one waypoint per skipped layer on long edges.
    layer_of: dict[Hashable, int] = {n: d["layer"] for n, d in graph.nodes(data=True)}
    succ: dict[Hashable, list[Hashable]] = {n: [] for n in graph}
    pred: dict[Hashable, list[Hashable]] = {n: [] for n in graph}
    routes: dict[tuple[str, str], list[Hashable]] = {}
    for u, v in graph.edges:
        chain: list[Hashable] = [u]
        for layer in range(layer_of[u] + 1, layer_of[v]):
            waypoint = ("waypoint", u, v, layer)
            layer_of[waypoint] = layer
            succ[waypoint], pred[waypoint] = [], []
            chain.append(waypoint)
        chain.append(v)
        for a, b in pairwise(chain):
            succ[a].append(b)
            pred[b].append(a)
        routes[(u, v)] = chain

    seen: dict[Hashable, int] = {}

    def visit(n: Hashable) -> None:
        seen[n] = len(seen)
        for s in succ[n]:
            if s not in seen:
                visit(s)

    visit(start)
    depth = max(layer_of.values())
    layers: list[list[Hashable]] = [[] for _ in range(depth + 1)]
    for n in sorted(layer_of, key=seen.__getitem__):
        layers[layer_of[n]].append(n)

    best, best_count = [list(layer) for layer in layers], _crossings(layers, succ)
    sweeps = [(idx, idx - 1, pred) for idx in range(1, depth + 1)]  # down: follow the parents
    sweeps += [(idx, idx + 1, succ) for idx in range(depth - 1, -1, -1)]  # up: follow the children
    for _round in range(4):
        for idx, ref, nbrs in sweeps:
            where = {n: i for i, n in enumerate(layers[ref])}
            current = {n: i for i, n in enumerate(layers[idx])}

            def key(n: Hashable, where: dict = where, current: dict = current, nbrs: dict = nbrs) -> float:
                near = [where[m] for m in nbrs[n] if m in where]
                return sum(near) / len(near) if near else current[n]

            layers[idx].sort(key=key)
        count = _crossings(layers, succ)
        if count < best_count:
            best, best_count = [list(layer) for layer in layers], count
    layers = best

    def width(n: Hashable) -> float:
        return NODE_W if n in graph else WAYPOINT_W

    x: dict[Hashable, float] = {}
    for layer in layers:
        left = 0.0
        for i, n in enumerate(layer):
            if i:
                left += (width(layer[i - 1]) + width(n)) / 2 + H_GAP
            x[n] = left
        for n in layer:
            x[n] -= left / 2
    for _round in range(8):
        order = range(1, depth + 1) if _round % 2 == 0 else range(depth - 1, -1, -1)
        for idx in order:
            layer = layers[idx]
            nbrs = pred if _round % 2 == 0 else succ
            wanted = [sum(x[m] for m in nbrs[n]) / len(nbrs[n]) if nbrs[n] else x[n] for n in layer]
            offsets = [0.0]
            for a, b in pairwise(layer):
                offsets.append(offsets[-1] + (width(a) + width(b)) / 2 + H_GAP)
            weights = [2.0 if n in graph else 1.0 for n in layer]  # real boxes matter more than waypoints
            fitted = _isotonic([w - o for w, o in zip(wanted, offsets, strict=True)], weights)
            for n, f, o in zip(layer, fitted, offsets, strict=True):
                x[n] = f + o

    shift = MARGIN - min(x[n] - width(n) / 2 for n in x)
    for n in graph:
        graph.nodes[n]["pos"] = (x[n] + shift, -graph.nodes[n]["layer"] * LAYER_GAP)
    for (u, v), chain in routes.items():
        graph.edges[u, v]["points"] = [(x[n] + shift, -layer_of[n] * LAYER_GAP) for n in chain]


# ---------------------------------------------------------------- drawing


def _clip(centre: tuple[float, float], toward: tuple[float, float], pad: float = 0.04) -> tuple[float, float]:
    """Where the line from a box centre toward a point leaves the box (plus a little air)."""
    (cx, cy), (tx, ty) = centre, toward
    dx, dy = tx - cx, ty - cy
    inf = float("inf")
    scale = min((NODE_W / 2 + pad) / abs(dx) if dx else inf, (NODE_H / 2 + pad) / abs(dy) if dy else inf)
    return cx + dx * scale, cy + dy * scale


def _overlaps(box: tuple[float, float, float, float], others: Iterable[tuple[float, float, float, float]]) -> float:
    """Total overlapping area of one label box (x0, y0, x1, y1) with the others."""
    x0, y0, x1, y1 = box
    return sum(
        max(0.0, min(x1, a1) - max(x0, a0)) * max(0.0, min(y1, b1) - max(y0, b0)) for a0, b0, a1, b1 in others
    )


def _label_spots(graph: nx.DiGraph) -> dict[tuple[str, str], tuple[float, float]]:
    """A spot on each edge's first segment for its label, chosen so labels overlap as little as possible.

    Labels sit in the gap below their source's row; among a few positions along the edge, each label
    takes the one that overlaps the labels already placed (and the node boxes) least.
    """
    placed: list[tuple[float, float, float, float]] = [
        (x - NODE_W / 2, y - NODE_H / 2, x + NODE_W / 2, y + NODE_H / 2)
        for x, y in nx.get_node_attributes(graph, "pos").values()
    ]
    spots: dict[tuple[str, str], tuple[float, float]] = {}
    # Best-path labels first (they get the best spots), then row by row from the top, left to right.
    edges = sorted(
        graph.edges(data=True), key=lambda e: (not e[2]["on_best_path"], -e[2]["points"][0][1], e[2]["points"][0][0])
    )
    for u, v, data in edges:
        (x0, y0), (x1, y1) = data["points"][0], data["points"][1]
        top = y0 - NODE_H / 2
        bottom = y1 + NODE_H / 2  # top of the next row, whether the edge ends there or passes through
        lines = data["label"].split("\n")
        half_w = max(len(line) for line in lines) * EDGE_CHAR_W / 2 + 0.05
        half_h = len(lines) * EDGE_LINE_H / 2 + 0.03
        best_spot, best_cost = (0.0, 0.0), float("inf")
        for t in (0.5, 0.35, 0.65, 0.25, 0.75):
            y = top + (bottom - top) * t
            x = x0 + (x1 - x0) * (y - y0) / (y1 - y0)
            box = (x - half_w, y - half_h, x + half_w, y + half_h)
            cost = _overlaps(box, placed) + 0.001 * abs(t - 0.5)
            if cost < best_cost:
                best_spot, best_cost = (x, y), cost
        x, y = best_spot
        placed.append((x - half_w, y - half_h, x + half_w, y + half_h))
        spots[(u, v)] = best_spot
    return spots


def _draw_node(ax, pos: tuple[float, float], kind: str, label: str, best: bool) -> None:
    """A fixed-size box: sharp rectangle for a decision, rounded terminator for an ending; bold header line."""
    x, y = pos
    style = f"round,pad=0,rounding_size={NODE_H / 2}" if kind == "ending" else "square,pad=0"
    fill = BEST_FILL if best else ENDING_FILL if kind == "ending" else DECISION_FILL
    ax.add_patch(
        FancyBboxPatch(
            (x - NODE_W / 2, y - NODE_H / 2), NODE_W, NODE_H, boxstyle=style, facecolor=fill,
            edgecolor=BEST_EDGE if best else "#444444", linewidth=2.8 if best else 1.0, zorder=3,
        )
    )
    header, _, body = label.partition("\n")
    lines = header.count("\n") + 1 + (body.count("\n") + 1 if body else 0)
    top = y + lines * LINE_H / 2
    common = dict(ha="center", va="top", fontsize=NODE_FONT, linespacing=1.15, zorder=4, parse_math=False)
    ax.text(x, top, header, fontweight="bold", **common)
    if body:
        ax.text(x, top - (header.count("\n") + 1) * LINE_H, body, **common)


def _draw_edge(ax, points: list[tuple[float, float]], best: bool) -> None:
    """An arrow along the route, clipped to the boxes at both ends; the best path is thick and solid."""
    start = _clip(points[0], points[1])
    end = _clip(points[-1], points[-2], pad=0.06)
    knots = [start, *points[1:-1], end]
    # Catmull-Rom through the waypoints, written as cubic Bezier pieces: a smooth bend instead of a kink.
    vertices, codes = [knots[0]], [MplPath.MOVETO]
    for i in range(len(knots) - 1):
        before, a, b, after = knots[max(i - 1, 0)], knots[i], knots[i + 1], knots[min(i + 2, len(knots) - 1)]
        c1 = (a[0] + (b[0] - before[0]) / 6, a[1] + (b[1] - before[1]) / 6)
        c2 = (b[0] - (after[0] - a[0]) / 6, b[1] - (after[1] - a[1]) / 6)
        vertices += [c1, c2, b]
        codes += [MplPath.CURVE4] * 3
    ax.add_patch(
        FancyArrowPatch(
            path=MplPath(vertices, codes), arrowstyle="-|>", mutation_scale=16 if best else 11,
            color=BEST_EDGE if best else OTHER_EDGE, linewidth=BEST_WIDTH if best else OTHER_WIDTH,
            linestyle="solid", zorder=2 if best else 1,
        )
    )


def scenario_figure(scenario: Scenario, seed: int | None = None) -> Figure:
    """The drawing as a matplotlib Figure on an Agg canvas (a notebook can display it without a file)."""
    graph = scenario_graph(scenario, seed)
    positions = nx.get_node_attributes(graph, "pos")
    depth = max(nx.get_node_attributes(graph, "layer").values())
    route_xs = [x for _u, _v, points in graph.edges(data="points") for x, _y in points]
    right = max(max(x for x, _ in positions.values()) + NODE_W / 2, max(route_xs, default=0) + WAYPOINT_W / 2) + MARGIN
    width = max(right, MIN_WIDTH)
    height = TOP + depth * LAYER_GAP + NODE_H + BOTTOM

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-(width - right) / 2, right + (width - right) / 2)
    ax.set_ylim(-depth * LAYER_GAP - NODE_H / 2 - BOTTOM, NODE_H / 2 + TOP)
    ax.set_axis_off()

    for _u, _v, data in graph.edges(data=True):
        _draw_edge(ax, data["points"], data["on_best_path"])
    for (u, v), (x, y) in _label_spots(graph).items():
        best = graph.edges[u, v]["on_best_path"]
        ax.text(
            x, y, graph.edges[u, v]["label"], ha="center", va="center", fontsize=EDGE_FONT, zorder=5,
            fontweight="bold" if best else "normal", parse_math=False, linespacing=1.1,
            bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor=BEST_EDGE if best else "none",
                      linewidth=0.6, alpha=0.92),
        )
    for _node_id, data in graph.nodes(data=True):
        _draw_node(ax, data["pos"], data["kind"], data["label"], data["on_best_path"])

    low, high = scenario.decision_range()
    decisions = sum(1 for _n, k in graph.nodes(data="kind") if k == "decision")
    fig.text(0.5, 1 - 0.3 / height, f"{scenario.title}  ({scenario.id})", ha="center", va="top",
             fontsize=14, fontweight="bold", parse_math=False)
    fig.text(
        0.5, 1 - 0.68 / height,
        f"scoring: {scenario.scoring} · {decisions} decision points, {graph.number_of_nodes() - decisions} endings"
        f" · {low}–{high} decisions per play",
        ha="center", va="top", fontsize=9, parse_math=False,
    )
    best, most = graph.graph["best_score"], graph.graph["max_score"]
    verdicts = " / ".join(f"{_verdict(s)} = {s}" for s in sorted(words().verdicts, reverse=True))
    handles = [
        Line2D([], [], color=BEST_EDGE, linewidth=BEST_WIDTH, label=f"bold = best path (score {best} of {most})"),
        Line2D([], [], color=OTHER_EDGE, linewidth=OTHER_WIDTH,
               label=f"other choice; labels: choice, verdict ({verdicts}), +score"),
        Line2D([], [], marker="s", linestyle="none", markersize=10, markerfacecolor=DECISION_FILL,
               markeredgecolor="#444444", label="decision point: id, start of its text"),
        Line2D([], [], marker="o", linestyle="none", markersize=10, markerfacecolor=ENDING_FILL,
               markeredgecolor="#444444",
               label="Ending: title" + (" and score" if scenario.scoring == "ending" else "")),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=8,
               bbox_to_anchor=(0.5, 0.3 / height))
    fig.text(0.5, 0.12 / height, f"choices: {graph.graph['naming']}", ha="center", va="bottom", fontsize=8,
             parse_math=False)
    return fig


def draw_scenario(scenario: Scenario, out: str | Path, seed: int | None = None) -> Path:
    """Write the scenario's graph as a PNG (making folders as needed) and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scenario_figure(scenario, seed).savefig(out, format="png", dpi=DPI)
    return out


def choice_key(scenario: Scenario, seed: int | None = None) -> list[str]:
    """The picture's choice names spelled out, node by node in file order, for the terminal."""
    names = choice_names(scenario, seed)
    lines = [f"choices: {naming(scenario, seed)}"]
    for node_id, node in scenario.nodes.items():
        if not node.choices:
            continue
        lines.append(f"{node_id}:")
        order = sorted(range(len(node.choices)), key=lambda i: (len(names[node_id, i]), names[node_id, i]))
        for i in order:
            choice = node.choices[i]
            text = textwrap.shorten(" ".join(choice.text.split()), 90, placeholder="…")
            lines.append(f"  {names[node_id, i]:>3}  {_verdict(choice.score)} +{choice.score}  {text}")
    return lines
