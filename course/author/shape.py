"""The shape of the course's content: notes long and plain enough to teach, exercises and scenarios
built the way each assignment promises, settings and customers that vary across scenarios.

These rules used to live only in the test suite, where an instructor writing a new notebook or
scenario never met them; `course check` runs them now. Each function returns problems, each one
line saying what to change; the thresholds are the `check:` part of course/conventions.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from course.author.notes import notes_reading_ease, notes_text
from course.course_files import exercises, notebooks, read_cells, shown_scenarios
from course.errors import CourseError
from course.outline import Entry, Outline
from course.play.scenario import MIN_SCORE, Scenario, conventions, conventions_path, settings

CAPSTONE = "-capstone"  # an assignment folder named so (e.g. 11-capstone) is the course's capstone
NUMBERED = re.compile(r"^(\d+)-")  # an assignment folder NN-... teaches sub-objective NN (01-appearance: 4.7.1)


@dataclass(frozen=True)
class Rules:
    """The thresholds `course check` holds content to (course/conventions.yaml, `check:`)."""

    notes_min_words: int
    notes_reading_ease: float
    ranking_min_options: int
    ranking_max_options: int
    scenario_min_decisions: int
    scenario_min_endings: int
    scenario_min_best_path: int
    distinct_settings: int
    customer_titles: tuple[str, ...]
    capstone_min_best_path: int
    capstone_best_path_subobjectives: int


def parse_rules(data: object, origin: str) -> Rules:
    """Validate the `check:` mapping, or raise CourseError naming the file and every bad key."""
    if not isinstance(data, dict):
        raise CourseError(f"{origin}: 'check' needs a mapping of the thresholds `course check` uses")
    problems, values = [], {}
    for f in fields(Rules):
        value = data.get(f.name)
        if f.type == "tuple[str, ...]":
            ok = isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)
            value = tuple(value) if ok else value
            want = "a list of words"
        else:
            number = (int, float) if f.type == "float" else (int,)
            ok = type(value) in number and value >= 0
            want = "a number 0 or more" if f.type == "float" else "a whole number 0 or more"
        if ok:
            values[f.name] = value
        else:
            problems.append(f"'check.{f.name}' needs {want} (found {value!r})")
    if not problems and values["ranking_min_options"] > values["ranking_max_options"]:
        problems.append("'check.ranking_min_options' is above 'check.ranking_max_options'")
    if problems:
        raise CourseError(f"{origin}: " + "; ".join(problems))
    return Rules(**values)


@cache
def rules() -> Rules:
    """The shipped thresholds, read once."""
    return parse_rules(conventions().get("check"), str(conventions_path()))


def touches(objectives: Iterable[str], sub_id: str) -> bool:
    """True when the ids name the sub-objective itself or one of its leaves."""
    return any(o == sub_id or o.startswith(sub_id + ".") for o in objectives)


def subobjective_of(assignment: str, outline: Outline) -> Entry | None:
    """The sub-objective a numbered assignment folder teaches (01-appearance: 4.7.1), if any."""
    match = NUMBERED.match(assignment)
    if not match:
        return None
    number = f"{outline.objective}.{int(match.group(1))}"
    return next((e for e in outline.subobjectives if e.number == number), None)


# ------------------------------------------------------------------------------------ notes


def notes_problems(nb_path: Path, rules: Rules) -> list[str]:
    """Notes long enough to teach a sub-objective, in plain English (Flesch reading ease)."""
    problems = []
    count = len(notes_text(nb_path).split())
    if count < rules.notes_min_words:
        problems.append(
            f"its notes (markdown cells whose grade_id starts with 'notes') have {count} words; write at least "
            f"{rules.notes_min_words}, enough to teach the sub-objective"
        )
    if count:
        ease = notes_reading_ease(nb_path)
        if ease < rules.notes_reading_ease:
            problems.append(
                f"its notes read at Flesch reading ease {ease:.0f}; simplify to {rules.notes_reading_ease:.0f}+ "
                "(shorter sentences, everyday words)"
            )
    return problems


# ------------------------------------------------------------------------------------ exam wording

CURRENT, RETIRED = "220-1202", "220-1102"
RETIRED_ON = "(retired 2025-09-25)"  # as course/objectives.yaml's `exams` says; shown at the first mention


def _plain(text: str) -> str:
    """Text with markdown emphasis and line breaks taken out, for finding a quoted wording."""
    return re.sub(r"\s+", " ", text.replace("*", "")).casefold()


def exam_order_problems(cells: list[dict], wordings: tuple[str, str] | None) -> list[str]:
    """Students sit 220-1202 now: each notebook leads with its wording and notes the retired 220-1102 after.

    `wordings` (220-1202, 220-1102) is what the header (first cell) must quote; None checks only the order.
    """
    problems = []
    for index, cell in enumerate(cells, start=1):
        text = cell.get("source", "")
        if cell.get("cell_type") == "markdown" and RETIRED in text and text.find(CURRENT) not in range(
                text.find(RETIRED)):
            problems.append(f"cell {index} names {RETIRED} before {CURRENT}; lead with the current exam, {CURRENT}, "
                            f"and note the retired {RETIRED} after it")
    if wordings is None or not cells:
        return problems
    header = _plain(cells[0].get("source", ""))
    current, retired = (_plain(w).rstrip(".") for w in wordings)
    first_retired = header.find(RETIRED)
    if current not in header or first_retired != -1 and header.find(current) > first_retired:
        problems.append(f"cell 1 does not quote the {CURRENT} wording first: \"{wordings[0]}\"")
    if first_retired == -1 or not header[first_retired:].startswith(f"{RETIRED} {RETIRED_ON}"):
        problems.append(f"cell 1 needs a note on the retired exam after the current wording, as "
                        f"\"{RETIRED} {RETIRED_ON}\"")
    elif retired != current and retired not in header[first_retired:]:
        problems.append(f"cell 1 does not note the {RETIRED} wording after the {CURRENT} one: \"{wordings[1]}\"")
    return problems


# JupyterLab typesets the text between two `$` in a markdown cell as maths: "$140 ... $650" becomes one long
# italic formula that scrolls sideways. A backslash does not help there (its markdown parser drops it before
# MathJax runs: jupyterlab/jupyterlab#8645), so amounts are written in words ("140 dollars").


def dollar_problems(cells: list[dict]) -> list[str]:
    """Markdown cells with more than one `$`, which students would see as a run of maths."""
    return [
        f"markdown cell {index} has {count} '$' signs, and JupyterLab typesets the text between two of them as "
        "maths; write amounts in words (140 dollars)"
        for index, cell in enumerate(cells, start=1)
        if cell.get("cell_type") == "markdown" and (count := "".join(cell.get("source", "")).count("$")) > 1
    ]


def header_wordings(assignment: str, outline: Outline) -> tuple[str, str] | None:
    """The (220-1202, 220-1102) wording a notebook's header quotes: its sub-objective's, or the objective's."""
    sub = subobjective_of(assignment, outline)
    if sub is not None:
        return sub.wording_1202 or "", sub.wording_1102 or ""
    return (outline.title, outline.title) if assignment.endswith(CAPSTONE) else None


# ------------------------------------------------------------------------------------ scenarios


def scenario_shape_problems(scenario: Scenario, rules: Rules) -> list[str]:
    """A scenario that branches, tempts and says where it happens."""
    problems = []
    decisions = [n for n in scenario.nodes.values() if n.choices]
    endings = [n for n in scenario.nodes.values() if n.ending]
    if len(decisions) < rules.scenario_min_decisions:
        problems.append(
            f"it has {len(decisions)} decision points (nodes with choices); write at least "
            f"{rules.scenario_min_decisions}"
        )
    if len(endings) < rules.scenario_min_endings:
        problems.append(
            f"it has {len(endings)} ending(s); write at least {rules.scenario_min_endings}, so choices change "
            "how the call ends"
        )
    best = len(scenario.best_path())
    if best < rules.scenario_min_best_path:
        problems.append(
            f"its best path takes {best} decision(s); make it at least {rules.scenario_min_best_path} "
            "(add a decision on the way to the best ending)"
        )
    if not any(c.score == MIN_SCORE for n in decisions for c in n.choices):
        problems.append(f"no choice scores {MIN_SCORE}; add a weak but tempting reply for the player to learn from")
    if not scenario.setting:
        problems.append(f"the top level names no 'setting'; add one of {', '.join(settings())}")
    return problems


def settings_problems(found: Mapping[Path, Scenario], rules: Rules, where: str) -> list[str]:
    """Across a folder, the scenarios happen in at least `distinct_settings` places (all different if fewer)."""
    by_setting: dict[str, list[str]] = {}
    for path, scenario in found.items():
        if scenario.setting:
            by_setting.setdefault(scenario.setting, []).append(path.name)
    placed = sum(len(v) for v in by_setting.values())
    wanted = min(placed, rules.distinct_settings)
    if len(by_setting) >= wanted:
        return []
    repeats = "; ".join(f"{s} ({', '.join(files)})" for s, files in sorted(by_setting.items()) if len(files) > 1)
    unused = ", ".join(s for s in settings() if s not in by_setting)
    return [
        f"{where}: the scenarios use {len(by_setting)} different settings; use at least {wanted}. "
        f"Repeated: {repeats}; move one to another setting" + (f" ({unused})" if unused else "")
    ]


def customer_names(text: str, rules: Rules) -> set[str]:
    """The titled names in a scenario's text (Mr Okafor, Dr. Reyes): its customers."""
    titles = "|".join(re.escape(t) for t in rules.customer_titles)
    return set(re.findall(rf"\b(?:{titles})\.? ([A-Z][\w'-]+)", text))


def customer_name_problems(texts: Mapping[Path, str], rules: Rules) -> list[str]:
    """No customer name appears in two scenarios, so each call feels like a different person."""
    names = {path: customer_names(text, rules) for path, text in texts.items()}
    problems = []
    for path, found in names.items():
        for other, theirs in names.items():
            shared = found & theirs
            if other != path and shared:
                problems.append(
                    f"{path}: customer name(s) {', '.join(sorted(shared))} also appear in {other.name}; "
                    "give each scenario its own customers"
                )
    return problems


# ------------------------------------------------------------------------------------ assignments


def ranking_problems(key: dict, rules: Rules) -> list[str]:
    """A ranking has a few options, each with a `why` the student sees after grading."""
    problems = []
    order, name = key.get("order") or [], key.get("exercise")
    low, high = rules.ranking_min_options, rules.ranking_max_options
    if not low <= len(order) <= high:
        problems.append(f"ranking {name!r} has {len(order)} options; give it {low} to {high}")
    why = set(key.get("why") or {})
    if why != set(order):
        missing, extra = sorted(set(order) - why), sorted(why - set(order))
        problems.append(
            f"ranking {name!r} needs a 'why' for each option and no other"
            + (f"; add one for {', '.join(missing)}" if missing else "")
            + (f"; remove {', '.join(extra)}" if extra else "")
        )
    return problems


def capstone_problems(scenario: Scenario, outline: Outline, rules: Rules) -> list[str]:
    """The capstone is a long call that touches every sub-objective, most of them on its best path."""
    problems = []
    best = scenario.best_path()
    if len(best) < rules.capstone_min_best_path:
        problems.append(
            f"the capstone scenario {scenario.id!r} has a best path of {len(best)} decisions; make it at least "
            f"{rules.capstone_min_best_path}"
        )
    subs = [e.id for e in outline.subobjectives]
    played = {o for n in scenario.nodes.values() for c in n.choices for o in c.objectives}
    missing = [s for s in subs if not touches(played, s)]
    if missing:
        problems.append(
            f"the capstone scenario {scenario.id!r} has no choice for {', '.join(missing)}; "
            "add a choice naming each in its 'objectives'"
        )
    on_best = {o for nid, i in best for o in scenario.nodes[nid].choices[i].objectives}
    touched = [s for s in subs if touches(on_best, s)]
    wanted = min(rules.capstone_best_path_subobjectives, len(subs))
    if len(touched) < wanted:
        problems.append(
            f"the capstone scenario {scenario.id!r}'s best path touches {len(touched)} sub-objectives; "
            f"make it touch at least {wanted}"
        )
    return problems


def assignment_problems(
    root: Path, name: str, scenarios: Mapping[str, Scenario], outline: Outline, rules: Rules
) -> list[str]:
    """What a sub-objective assignment (NN-...) or the capstone (...-capstone) promises.

    A sub-objective assignment has one reflection, at least one ranking, and shows at least one
    scenario, and each of them touches its sub-objective; the capstone has a ranking and a
    reflection and shows a scenario that passes capstone_problems. Every ranking passes
    ranking_problems. An assignment with a notebook whose keys do not parse is not counted, and
    scenarios that do not load are skipped: `course check` reports those already.
    """
    sub = subobjective_of(name, outline)
    capstone = name.endswith(CAPSTONE)
    paths = notebooks(root, name)
    if not paths:
        return []
    problems: list[str] = []
    keys: list[dict] = []
    shown: list[str] = []
    for path in paths:
        try:
            found = exercises(path)
            shown += shown_scenarios(read_cells(path))
        except CourseError:  # reported by `course check`; counting its exercises would only add noise
            return problems
        for ex in found:
            keys.append(ex.key)
            where = f"{path}: exercise {ex.key.get('exercise')!r}"
            if ex.key.get("kind") == "ranking":
                problems += [f"{path}: {p}" for p in ranking_problems(ex.key, rules)]
            if sub and not touches(ex.key.get("objectives") or [], sub.id):
                problems.append(f"{where} names no objective of {sub.number} ({sub.id}); add {sub.id!r} or a leaf")
    if not (sub or capstone):
        return problems
    where = paths[0] if len(paths) == 1 else paths[0].parent
    kinds = [k.get("kind") for k in keys]
    if sub and kinds.count("reflection") != 1:
        problems.append(f"{where}: it has {kinds.count('reflection')} reflection exercises; a sub-objective "
                        "assignment has exactly one")
    if capstone and "reflection" not in kinds:
        problems.append(f"{where}: the capstone has no reflection exercise; add one")
    if "ranking" not in kinds:
        problems.append(f"{where}: it has no ranking exercise; add one")
    if not shown:
        problems.append(f"{where}: it shows no scenario; add a cell with `show(\"<scenario id>\")`")
    for sid in dict.fromkeys(shown):
        scenario = scenarios.get(sid)
        if scenario is None:
            continue  # missing or broken: reported with the scenarios
        if sub and not touches(scenario.objectives, sub.id):
            problems.append(f"{where}: it shows scenario {sid!r}, whose 'objectives' do not name {sub.id!r}; "
                            "show a scenario about this sub-objective or add it to the scenario's objectives")
        if capstone:
            problems += [f"{where}: {p}" for p in capstone_problems(scenario, outline, rules)]
    return problems
