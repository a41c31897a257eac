"""The course's own words: plain notes, nothing copied from the seeds, scenarios and exercises of the
shape each sub-objective assignment promises.

The shape rules live in course/author/shape.py, so `course check` holds a new notebook or scenario
to them too; the tests here run those same checks on the shipped course, show that each one catches
a broken input, and keep the facts about this course (ten sub-objectives and a capstone, which
assignment covers what) that are not rules for every course.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from seed_shingles import copied_runs, load, shingles

from course.author.shape import (
    CAPSTONE,
    assignment_problems,
    capstone_problems,
    customer_name_problems,
    dollar_problems,
    notes_problems,
    rules,
    scenario_shape_problems,
    settings_problems,
    subobjective_of,
    touches,
)
from course.course_files import assignments, exercises, notebooks, read_cells, shown_scenarios
from course.outline import load_outline
from course.play.scenario import load_scenario, scenario_ids, shipped_folder

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = assignments(ROOT)
SUBOBJECTIVE_ASSIGNMENTS = [a for a in ASSIGNMENTS if re.match(r"\d\d-", a) and int(a[:2]) <= 10]


def source_notebook(name: str) -> Path:
    (path,) = notebooks(ROOT, name)
    return path


def shown(name: str) -> list[str]:
    return shown_scenarios(read_cells(source_notebook(name)))


def official_wording() -> list[str]:
    """The objective's own wording may be quoted; it is the exam's text, not a seed's."""
    outline = load_outline()
    return [outline.title] + [t for e in outline.entries.values()
                              for t in (e.wording_1102, e.wording_1202, getattr(e, "note_1002", None)) if t]


def shipped_scenarios() -> dict[str, object]:
    return {sid: load_scenario(sid) for sid in scenario_ids()}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notes_are_plain_english(name):
    assert notes_problems(source_notebook(name), rules()) == []  # long enough to teach, and plain


def content_files() -> list[Path]:
    files = [p for name in ASSIGNMENTS for p in notebooks(ROOT, name)]
    files += sorted((ROOT / "course" / "scenarios").glob("*.yaml"))
    files += sorted((ROOT / "course" / "rubrics").glob("*.yaml"))
    files += [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]  # the README and the guides it links
    return files + [ROOT / "course" / "objectives.yaml", ROOT / "course" / "conventions.yaml"]


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
    # one reflection, a ranking of 4-6 options with a why each, a scenario; all touching the sub-objective
    assert assignment_problems(ROOT, name, shipped_scenarios(), load_outline(), rules()) == []


@pytest.mark.parametrize("sid", scenario_ids())
def test_scenarios_branch_and_tempt(sid):
    # 3+ decisions, 2+ endings, a best path of 3+, a weak choice and a setting
    assert scenario_shape_problems(load_scenario(sid), rules()) == []


def test_settings_vary_across_the_course():
    found = {shipped_folder() / f"{sid}.yaml": load_scenario(sid) for sid in scenario_ids()}
    assert settings_problems(found, rules(), "course/scenarios") == []


def test_customer_names_vary_across_scenarios():
    paths = sorted(shipped_folder().glob("*.yaml"))
    assert customer_name_problems({p: p.read_text(encoding="utf-8") for p in paths}, rules()) == []


def test_release_notebooks_hold_no_solution_text():
    for name in ASSIGNMENTS:
        for ex in exercises(source_notebook(name)):
            release = ROOT / "release" / name / source_notebook(name).name
            text = nbformat.read(release, as_version=4)
            body = "\n".join(c.source for c in text.cells)
            if ex.key["kind"] == "ranking":
                assert str(ex.key["order"]) not in body and "course-key" not in body


def test_the_course_has_ten_subobjective_assignments_and_a_capstone():
    assert [int(a[:2]) for a in SUBOBJECTIVE_ASSIGNMENTS] == list(range(1, 11))
    assert [a for a in ASSIGNMENTS if a not in SUBOBJECTIVE_ASSIGNMENTS] == ["11-capstone"]
    # `course check` knows them by their folder names, so its assignment rules reach every one
    outline = load_outline()
    assert [subobjective_of(a, outline).number for a in SUBOBJECTIVE_ASSIGNMENTS] == [
        f"4.7.{n}" for n in range(1, 11)]
    assert subobjective_of("11-capstone", outline) is None and "11-capstone".endswith(CAPSTONE)


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
    _name, s = capstone()
    # a best path of 8+ decisions, a choice for every sub-objective, 8+ of them on the best path
    assert capstone_problems(s, load_outline(), rules()) == []


def test_the_capstone_has_a_graded_ranking_and_reflection():
    name, _s = capstone()
    keys = {ex.key["kind"]: ex.key for ex in exercises(source_notebook(name))}
    assert sorted(keys) == ["ranking", "reflection"]
    assert assignment_problems(ROOT, name, shipped_scenarios(), load_outline(), rules()) == []  # 4-6 options


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


# -- each shape rule catches what it is for ---------------------------------------------------------
# The rules above pass on the shipped course; these break one thing each and expect it named.


def notebook_with_notes(path: Path, text: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text, metadata={"nbgrader": {"grade_id": "notes-1"}})]
    nbformat.write(nb, path)
    return path


def test_notes_of_a_hundred_words_are_too_short(tmp_path):
    plain = "Greet the customer by name and listen before you speak. " * 10  # 100 words
    problems = notes_problems(notebook_with_notes(tmp_path / "short.ipynb", plain), rules())
    assert len(problems) == 1 and "have 100 words; write at least 250" in problems[0], problems
    assert notes_problems(notebook_with_notes(tmp_path / "long.ipynb", plain * 3), rules()) == []


def test_notes_in_hard_words_are_reported_with_their_reading_ease(tmp_path):
    hard = ("Notwithstanding organisational considerations, comprehensive infrastructural documentation "
            "necessitates systematic interdepartmental communication regarding authentication procedures. ") * 30
    (problem,) = notes_problems(notebook_with_notes(tmp_path / "hard.ipynb", hard), rules())
    assert "read at Flesch reading ease" in problem and "simplify to 60+" in problem


def test_a_scenario_with_two_decisions_one_ending_and_no_setting_is_reported(scenario_data):
    from course.play.scenario import parse_scenario

    problems = scenario_shape_problems(parse_scenario(scenario_data), rules())
    assert any("2 decision points (nodes with choices); write at least 3" in p for p in problems), problems
    assert any("best path takes 2 decision(s); make it at least 3" in p for p in problems), problems
    assert any("names no 'setting'; add one of phone, chat" in p for p in problems), problems
    assert not any("ending(s)" in p or "no choice scores" in p for p in problems)  # 3 endings, a weak choice
    scenario_data["setting"] = "chat"
    scenario_data["nodes"]["a"]["choices"][1]["score"] = 1  # the only weak choice, made acceptable
    problems = scenario_shape_problems(parse_scenario(scenario_data), rules())
    assert any("no choice scores 0; add a weak" in p for p in problems), problems
    assert not any("setting" in p for p in problems)
    for choice in (*scenario_data["nodes"]["a"]["choices"], *scenario_data["nodes"]["b"]["choices"]):
        choice["next"] = "good" if choice["next"] in ("good", "ok") else "b"
    del scenario_data["nodes"]["ok"], scenario_data["nodes"]["bad"]
    problems = scenario_shape_problems(parse_scenario(scenario_data), rules())
    assert any("it has 1 ending(s); write at least 2" in p for p in problems), problems


def test_a_ranking_with_three_options_or_a_missing_why_is_reported():
    from course.author.shape import ranking_problems

    three = {"exercise": "rank-it", "order": ["A", "B", "C"], "why": {"A": "a", "B": "b", "C": "c"}}
    assert ranking_problems(three, rules()) == ["ranking 'rank-it' has 3 options; give it 4 to 6"]
    seven = dict(three, order=list("ABCDEFG"), why={k: k for k in "ABCDEFH"})
    problems = ranking_problems(seven, rules())
    assert "ranking 'rank-it' has 7 options; give it 4 to 6" in problems
    assert any("needs a 'why' for each option" in p and "add one for G" in p and "remove H" in p for p in problems)
    four = dict(three, order=list("ABCD"), why={k: k for k in "ABCD"})
    assert ranking_problems(four, rules()) == []


def test_a_customer_name_in_two_scenarios_is_reported(tmp_path):
    texts = {tmp_path / "a.yaml": "intro: Mr. Okafor calls.", tmp_path / "b.yaml": "intro: Dr Okafor writes.",
             tmp_path / "c.yaml": "intro: Ms Reyes waits. Okafor is a street name here."}
    problems = customer_name_problems(texts, rules())
    assert len(problems) == 2 and all("customer name(s) Okafor also appear in" in p for p in problems)
    assert problems[0].startswith(f"{tmp_path / 'a.yaml'}:") and problems[0].find("b.yaml") > 0
    assert not any("c.yaml:" in p for p in problems)  # "Okafor" without a title is not a customer


def test_settings_that_repeat_too_soon_are_reported(scenario_data):
    from course.play.scenario import parse_scenario

    def placed(setting):
        return parse_scenario(dict(scenario_data, setting=setting))

    found = {Path(f"s{i}.yaml"): placed(s) for i, s in enumerate(["phone", "phone", "chat", "email", "home"])}
    (problem,) = settings_problems(found, rules(), "drafts")
    assert problem.startswith("drafts: the scenarios use 4 different settings; use at least 5")
    assert "phone (s0.yaml, s1.yaml)" in problem and "office" in problem
    found[Path("s1.yaml")] = placed("school")
    assert settings_problems(found, rules(), "drafts") == []


def copy_assignment(name: str, dest: Path, as_name: str) -> Path:
    """One shipped assignment copied into a course folder under another name."""
    import shutil

    shutil.copytree(ROOT / "source" / name, dest / "source" / as_name)
    return dest


def test_an_assignment_whose_exercises_and_scenario_miss_its_subobjective_is_reported(tmp_path):
    course = copy_assignment("01-appearance", tmp_path, "04-listening")  # appearance work, filed as 4.7.4
    problems = assignment_problems(course, "04-listening", shipped_scenarios(), load_outline(), rules())
    keys = exercises(source_notebook("01-appearance"))
    assert sum("names no objective of 4.7.4 (listening)" in p for p in problems) == len(keys), problems
    assert any("shows scenario 'appearance-two-sites', whose 'objectives' do not name 'listening'" in p
               for p in problems), problems


def test_an_assignment_without_a_scenario_or_reflection_is_reported(tmp_path):
    course = copy_assignment("01-appearance", tmp_path, "01-appearance")
    (path,) = notebooks(course, "01-appearance")
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "kind: reflection" not in c.source]  # its check cell, and so its key
    for cell in nb.cells:
        cell.source = cell.source.replace("show(", "print(")
    nbformat.write(nb, path)
    problems = assignment_problems(course, "01-appearance", shipped_scenarios(), load_outline(), rules())
    assert any("shows no scenario" in p for p in problems), problems
    assert any("it has 0 reflection exercises; a sub-objective assignment has exactly one" in p for p in problems)


def test_a_capstone_with_a_short_call_is_reported(tmp_path):
    course = copy_assignment("01-appearance", tmp_path, "12-capstone")  # shows a short, one-topic scenario
    problems = assignment_problems(course, "12-capstone", shipped_scenarios(), load_outline(), rules())
    assert any("the capstone scenario 'appearance-two-sites' has a best path of" in p and "at least 8" in p
               for p in problems), problems
    assert any("has no choice for" in p and "confidential" in p for p in problems), problems
    assert any("best path touches" in p and "at least 8" in p for p in problems), problems


def test_course_check_runs_the_shape_rules_on_a_folder_of_drafts(scenario_data, tmp_path):
    import yaml

    from course.author.check import check_course

    for sid in ("first", "second"):
        data = dict(scenario_data, id=sid, setting="phone", intro="Mrs. Lindqvist calls about her printer.")
        (tmp_path / f"{sid}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    problems = check_course(None, tmp_path).problems
    for rule in ("2 decision points", "best path takes 2 decision(s)", "customer name(s) Lindqvist"):
        assert any(f"{tmp_path / 'first.yaml'}: " in p and rule in p for p in problems), (rule, problems)
    assert any(p.startswith(f"{tmp_path} (all scenarios): the scenarios use 1 different settings") for p in problems)


@pytest.mark.parametrize(
    "key, value, message",
    [("notes_min_words", None, "'check.notes_min_words' needs a whole number 0 or more (found None)"),
     ("notes_reading_ease", "sixty", "'check.notes_reading_ease' needs a number 0 or more"),
     ("scenario_min_decisions", 2.5, "'check.scenario_min_decisions' needs a whole number"),
     ("customer_titles", "Mr", "'check.customer_titles' needs a list of words"),
     ("ranking_min_options", 9, "'check.ranking_min_options' is above 'check.ranking_max_options'")],
)
def test_broken_check_settings_name_the_file_and_the_key(key, value, message):
    import copy

    from course.author.shape import parse_rules
    from course.errors import CourseError
    from course.play.scenario import conventions

    data = copy.deepcopy(conventions()["check"])
    data[key] = value
    with pytest.raises(CourseError, match=re.escape(message)) as caught:
        parse_rules(data, "course/conventions.yaml")
    assert str(caught.value).startswith("course/conventions.yaml: ")
    assert parse_rules(conventions()["check"], "course/conventions.yaml") == rules()


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_markdown_cell_would_typeset_prices_as_maths(name):
    assert dollar_problems(read_cells(source_notebook(name))) == []


def test_two_bare_dollar_signs_in_a_markdown_cell_are_reported():
    words = {"cell_type": "markdown", "source": "A repair costs 140 dollars; a new laptop costs 650 dollars."}
    prices = {"cell_type": "markdown", "source": "A repair costs $140; a new laptop costs $650."}
    escaped = {"cell_type": "markdown", "source": r"A repair costs \$140; a new laptop costs \$650."}
    code = {"cell_type": "code", "source": "price = '$140 or $650'"}
    problems = dollar_problems([words, prices, escaped, code])
    assert [p.split(" has ")[0] for p in problems] == ["markdown cell 2", "markdown cell 3"]
    assert "140 dollars" in problems[0]
    assert dollar_problems([{"cell_type": "markdown", "source": "One price: $90."}]) == []
