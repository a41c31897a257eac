"""Layers that point one way (issue 20): which part of `course` may import which.

    entry points   cli, demo                                      anything below
    export         base, csv_export, lms, formats, rows, ...      grade, play, the bottom layer
    author         check, shape, fairness, tone_model, ...        score, play, the bottom layer
    grade          scoring_steps, batch, sandbox, config, ...     score, the bottom layer
    record         what a student's check cell imports            score, the bottom layer
    score          ranking, reflection, tone, payload, ...        the bottom layer
    play           the scenario engine and its widget             the bottom layer
    bottom         errors, yaml_text, safe_text, outline, keys,   nothing else of course
                   settings, course_files, cases, nbgrader_files

Every module is parsed (not imported), and every import counts: at the top of the file, inside a
function, `from course import x` and relative ones alike. A module that fits no layer fails the test
until it is given one here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import course

PACKAGE = Path(course.__file__).resolve().parent

BOTTOM = {"course", "course.errors", "course.yaml_text", "course.safe_text", "course.outline", "course.keys",
          "course.settings", "course.course_files", "course.programs", "course.cases", "course.nbgrader_files"}
# What each layer may import (its own modules always, listed for clarity); the entry points may import anything.
ALLOWED = {
    "bottom": {"bottom"},
    "score": {"score", "bottom"},
    "play": {"play", "bottom"},
    "record": {"score", "bottom"},
    "exercise": {"record"},  # the recorder's former name, kept for check cells generated before it changed
    "grade": {"grade", "score", "bottom"},
    "author": {"author", "score", "play", "bottom"},
    "export": {"export", "grade", "play", "bottom"},
}
ENTRY_POINTS = {"cli", "demo"}
PACKAGES = {"score", "play", "grade", "author", "export"}


def module_name(path: Path) -> str:
    parts = ["course", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> str:
    """The layer a module of `course` belongs to ("?" for none)."""
    if name in BOTTOM:
        return "bottom"
    part = name.split(".")[1]
    if part in PACKAGES or part in ENTRY_POINTS or part in ALLOWED:
        return part
    return "?"


def _target(base: str, name: str, modules) -> str:
    """`from base import name`: the submodule base.name if there is one, else base itself."""
    return f"{base}.{name}" if f"{base}.{name}" in modules else base


def _statements(tree: ast.Module, everywhere: bool):
    """The import statements of a module: all of them, or only those run when it is imported (not in a function)."""
    if everywhere:
        yield from (node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)))
        return
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))


def imports(name: str, source: str, modules=MODULES, everywhere: bool = True) -> set[str]:
    """The modules of `course` that module `name` (whose text is `source`) imports."""
    is_package = modules.get(name, Path()).name == "__init__.py"
    found = set()
    for node in _statements(ast.parse(source), everywhere):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
            continue
        if node.level:  # relative: from the module's own package, one level up per extra dot
            here = name.split(".") if is_package else name.split(".")[:-1]
            base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        found |= {_target(base, alias.name, modules) for alias in node.names}
    return {m for m in found if m == "course" or m.startswith("course.")} - {name}


def graph(everywhere: bool = True) -> dict[str, set[str]]:
    return {name: imports(name, path.read_text(encoding="utf-8"), everywhere=everywhere)
            for name, path in MODULES.items()}


GRAPH = graph()


def layer_problems(edges: dict[str, set[str]]) -> list[str]:
    """Each import that a layer may not make, as "module -> module (layer -> layer)"."""
    problems = []
    for name, targets in sorted(edges.items()):
        mine = layer(name)
        if mine in ENTRY_POINTS:
            continue
        for target in sorted(targets):
            theirs = layer(target)
            if theirs not in ALLOWED.get(mine, set()):
                problems.append(f"{name} -> {target} ({mine} -> {theirs})")
    return problems


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle in `edges` (its nodes, the first repeated at the end), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return []


def between(edges: dict[str, set[str]], a: str, b: str) -> list[str]:
    """The imports from layer a into layer b."""
    return [f"{n} -> {t}" for n, ts in sorted(edges.items()) if layer(n) == a for t in sorted(ts) if layer(t) == b]


def test_every_module_has_a_layer():
    assert "course.score.reflection" in MODULES and "course.grade.batch" in MODULES
    assert not [name for name in MODULES if layer(name) == "?"], "add each new module to a layer in this file"


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(name):
    edges = {module: targets for module, targets in GRAPH.items() if layer(module) == name}
    assert edges, f"no modules in layer {name}"
    problems = layer_problems(edges)
    assert not problems, "imports this layer may not make:\n" + "\n".join(problems)


def test_the_bottom_layer_imports_nothing_above_it():
    bottom = {name: targets for name, targets in GRAPH.items() if name in BOTTOM}
    assert set(bottom) == BOTTOM
    above = sorted(f"{n} -> {t}" for n, targets in bottom.items() for t in targets if t not in BOTTOM)
    assert not above, above


def test_author_and_grade_never_import_each_other():
    assert between(GRAPH, "author", "grade") == []
    assert between(GRAPH, "grade", "author") == []


@pytest.mark.parametrize("above", ["grade", "author", "export", "play", "record", "cli", "demo"])
def test_scoring_imports_nothing_above_it(above):
    assert between(GRAPH, "score", above) == []


def test_csv_export_and_lms_do_not_import_each_other():
    assert "course.export.lms" not in GRAPH["course.export.csv_export"]
    assert "course.export.csv_export" not in GRAPH["course.export.lms"]


def test_no_import_cycle_between_modules():
    """What runs on import (imports inside functions are deferred, so they cannot deadlock a module's loading)."""
    cycle = find_cycle(graph(everywhere=False))
    assert not cycle, " -> ".join(cycle)


def test_no_import_cycle_between_layers():
    """Every import this time, inside functions too, counted between layers."""
    layers: dict[str, set[str]] = {}
    for name, targets in GRAPH.items():
        layers.setdefault(layer(name), set()).update(layer(t) for t in targets if layer(t) != layer(name))
    cycle = find_cycle(layers)
    assert not cycle, " -> ".join(cycle)


# The checker itself: each kind of import is seen, and a forbidden one is reported.
FAKE = {"course.score.fake": Path("fake.py"), "course.grade": Path("__init__.py"), "course.grade.batch": Path("b.py"),
        "course.yaml_text": Path("yaml_text.py"), "course.author.source": Path("s.py")}


def test_the_checker_sees_every_kind_of_import():
    source = ("import os\nimport course.grade.batch as b\nfrom course import yaml_text\n"
              "def later():\n    from ..author import source\n    from .other import thing\n")
    seen = imports("course.score.fake", source, FAKE)
    assert seen == {"course.grade.batch", "course.yaml_text", "course.author.source", "course.score.other"}
    assert imports("course.score.fake", source, FAKE, everywhere=False) == {"course.grade.batch", "course.yaml_text"}


def test_a_forbidden_import_is_reported():
    edges = {"course.score.ranking": {"course.grade.batch"}, "course.keys": {"course.author.check"},
             "course.grade.batch": {"course.score.ranking"}}
    assert layer_problems(edges) == ["course.keys -> course.author.check (bottom -> author)",
                                     "course.score.ranking -> course.grade.batch (score -> grade)"]
    assert find_cycle(edges) == ["course.grade.batch", "course.score.ranking", "course.grade.batch"]
    assert between(edges, "score", "grade") == ["course.score.ranking -> course.grade.batch"]
