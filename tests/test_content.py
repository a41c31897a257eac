"""The course's own words: plain notes, nothing copied from the seeds, scenarios and exercises of the
shape each sub-objective assignment promises."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from seed_shingles import copied_runs, load, shingles

from course.author.notes import READING_EASE_BAR, notes_reading_ease, notes_text
from course.author.source import assignments, exercises, notebooks, read_cells, shown_scenarios
from course.outline import load_outline
from course.play.scenario import load_scenario, scenario_ids

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = assignments(ROOT)
SUBOBJECTIVE_ASSIGNMENTS = [a for a in ASSIGNMENTS if re.match(r"\d\d-", a) and int(a[:2]) <= 10]


def source_notebook(name: str) -> Path:
    (path,) = notebooks(ROOT, name)
    return path


def touches(objectives, sub_id: str) -> bool:
    """True when the ids name the sub-objective itself or one of its leaves."""
    return any(o == sub_id or o.startswith(sub_id + ".") for o in objectives)


def shown(name: str) -> list[str]:
    return shown_scenarios(read_cells(source_notebook(name)))


def official_wording() -> list[str]:
    """The objective's own wording may be quoted; it is the exam's text, not a seed's."""
    outline = load_outline()
    return [outline.title] + [t for e in outline.entries.values()
                              for t in (e.wording_1102, e.wording_1202, getattr(e, "note_1002", None)) if t]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notes_are_plain_english(name):
    path = source_notebook(name)
    assert len(notes_text(path).split()) >= 250, f"{name}: the notes are too short to teach the sub-objective"
    ease = notes_reading_ease(path)
    assert ease >= READING_EASE_BAR, f"{name}: notes read at Flesch {ease:.0f}; simplify to {READING_EASE_BAR:.0f}+"


def content_files() -> list[Path]:
    files = [p for name in ASSIGNMENTS for p in notebooks(ROOT, name)]
    files += sorted((ROOT / "course" / "scenarios").glob("*.yaml"))
    files += sorted((ROOT / "course" / "rubrics").glob("*.yaml"))
    files += [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]  # the README and the guides it links
    return files + [ROOT / "course" / "objectives.yaml"]


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.name)
def test_no_sentence_is_copied_from_the_seeds(path):
    copied = copied_runs(path.read_text(encoding="utf-8"), load(), quotes=official_wording())
    assert not copied, f"{path.name} reuses seed wording (write it in your own words): {copied[:5]}"


def test_the_fingerprint_check_catches_a_copied_sentence():
    seeds = set(shingles("Always greet the customer by name and smile warmly before you start working."))
    assert copied_runs("Tip: always greet the customer by name and smile warmly before you start.", seeds)
    assert not copied_runs("Greet customers by name, with a smile, before starting work.", seeds)


@pytest.mark.parametrize("name", SUBOBJECTIVE_ASSIGNMENTS)
def test_each_subobjective_assignment_has_a_scenario_a_ranking_and_a_reflection(name):
    sub = next(e for e in load_outline().subobjectives if e.number.endswith(f".{int(name[:2])}"))
    keys = [ex.key for ex in exercises(source_notebook(name))]
    kinds = [k["kind"] for k in keys]
    assert kinds.count("reflection") == 1 and kinds.count("ranking") >= 1, f"{name}: exercises {kinds}"
    for key in keys:
        assert touches(key["objectives"], sub.id), (name, key["exercise"])
    for ranking in (k for k in keys if k["kind"] == "ranking"):
        assert 4 <= len(ranking["order"]) <= 6 and set(ranking["why"]) == set(ranking["order"])
    scenarios = shown(name)
    assert scenarios, f"{name} shows no scenario"
    for sid in scenarios:
        s = load_scenario(sid)
        assert touches(s.objectives, sub.id), (sid, s.objectives)


@pytest.mark.parametrize("sid", scenario_ids())
def test_scenarios_branch_and_tempt(sid):
    s = load_scenario(sid)
    decisions = [n for n in s.nodes.values() if n.choices]
    endings = [n for n in s.nodes.values() if n.ending]
    assert len(decisions) >= 3 and len(endings) >= 2, f"{sid}: {len(decisions)} decisions, {len(endings)} endings"
    assert len(s.best_path()) >= 3, f"{sid}: the best path is only {len(s.best_path())} decisions long"
    weak = [c for n in decisions for c in n.choices if c.score == 0]
    assert weak, f"{sid} has no weak choice to learn from"
    assert s.setting, f"{sid} names no setting"


def test_settings_vary_across_the_course():
    settings = [load_scenario(sid).setting for sid in scenario_ids()]
    assert len(set(settings)) >= min(len(settings), 6), f"settings repeat too soon: {sorted(settings)}"


def test_customer_names_vary_across_scenarios():
    titled = re.compile(r"\b(?:Mr|Ms|Mrs|Mx|Dr|Professor)\.? ([A-Z][\w'-]+)")
    folder = ROOT / "course" / "scenarios"
    names = {sid: set(titled.findall((folder / f"{sid}.yaml").read_text())) for sid in scenario_ids()}
    for sid, found in names.items():
        others = set().union(*(v for k, v in names.items() if k != sid))
        assert not found & others, f"{sid} reuses customer names from another scenario: {found & others}"


def test_release_notebooks_hold_no_solution_text():
    for name in ASSIGNMENTS:
        for ex in exercises(source_notebook(name)):
            release = ROOT / "release" / name / source_notebook(name).name
            text = nbformat.read(release, as_version=4)
            body = "\n".join(c.source for c in text.cells)
            if ex.key["kind"] == "ranking":
                assert str(ex.key["order"]) not in body and "course-key" not in body


SUBOBJECTIVE_IDS = [e.id for e in load_outline().subobjectives]


def test_the_course_has_ten_subobjective_assignments_and_a_capstone():
    assert [int(a[:2]) for a in SUBOBJECTIVE_ASSIGNMENTS] == list(range(1, 11))
    assert [a for a in ASSIGNMENTS if a not in SUBOBJECTIVE_ASSIGNMENTS] == ["11-capstone"]


def test_discretion_the_bullet_220_1202_rewrote_has_a_graded_item():
    keys = [ex.key for ex in exercises(source_notebook("08-difficult"))]
    assert any("difficult.discretion" in k["objectives"] for k in keys), [k["exercise"] for k in keys]


def test_difficult_customers_has_two_scenarios_one_angry_customer_blaming_the_technician():
    (name,) = [a for a in ASSIGNMENTS if a.startswith("08-")]
    scenarios = shown(name)
    assert len(set(scenarios)) >= 2, f"{name} shows {scenarios}; the largest sub-objective needs two"
    for sid in scenarios:
        assert touches(load_scenario(sid).objectives, "difficult"), sid
    choice_ids = {o for sid in scenarios for n in load_scenario(sid).nodes.values() for c in n.choices
                  for o in c.objectives}
    leaves = ("arguing", "dismissing", "judgmental", "clarify", "discretion")
    assert {f"difficult.{leaf}" for leaf in leaves} <= choice_ids


def capstone():
    (name,) = [a for a in ASSIGNMENTS if a.endswith("-capstone")]
    (sid,) = shown(name)
    return name, load_scenario(sid)


def test_the_capstone_is_a_long_call_touching_every_subobjective():
    name, s = capstone()
    assert len(s.best_path()) >= 8, f"{s.id}: the best path has {len(s.best_path())} decisions; it needs 8+"
    objectives = {o for n in s.nodes.values() for c in n.choices for o in c.objectives}
    missing = [sub for sub in SUBOBJECTIVE_IDS if not touches(objectives, sub)]
    assert not missing, f"{s.id} has no choice for {missing}"
    best = {o for nid, i in s.best_path() for o in s.nodes[nid].choices[i].objectives}
    assert len([sub for sub in SUBOBJECTIVE_IDS if touches(best, sub)]) >= 8, "the best path skips most of 4.7"


def test_the_capstone_has_a_graded_ranking_and_reflection():
    name, _s = capstone()
    keys = {ex.key["kind"]: ex.key for ex in exercises(source_notebook(name))}
    assert sorted(keys) == ["ranking", "reflection"]
    assert 4 <= len(keys["ranking"]["order"]) <= 6


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_written_exercise_shows_its_rubric_criteria_and_weights(name):
    from course.author.rubric_blocks import prompt_cells
    from course.author.rubric_text import rubric_block

    path = source_notebook(name)
    nb = nbformat.read(path, as_version=4)
    found = exercises(path)
    cells = prompt_cells(nb, found)
    assert cells, f"{name} has no written exercise"
    for index, rubric, points in cells:
        block = rubric_block(rubric, points)
        assert block in nb.cells[index].source, (
            f"{name}: the prompt above the written exercise does not show its current rubric; "
            "run `python -m course.author.rubric_blocks` and rebuild")
        assert "| Key ideas |" in block and "%" in block  # criteria and weights; built from the rubric, never a key
