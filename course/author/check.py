"""`course check`: everything an author can break, found before a student does.

Each problem is one line that names the file (and the node or cell) and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.author.cases_check import case_problems, option_problems, ranked_options
from course.author.coverage import gaps, taught_ids
from course.author.fairness import (
    decisions,
    ranking_options,
    ranking_share_problems,
    scenario_problems,
    share_problems,
)
from course.author.rubric_blocks import prompt_cells, reflection_problems
from course.author.rubric_text import rubric_block
from course.author.shape import (
    assignment_problems,
    customer_name_problems,
    dollar_problems,
    exam_order_problems,
    header_wordings,
    notes_problems,
    rules,
    scenario_shape_problems,
    settings_problems,
)
from course.course_files import SHOW, Exercise, assignments, exercises, notebooks, read_cells
from course.errors import CourseError, OutlineError, ScenarioError
from course.outline import load_outline
from course.play.scenario import Scenario, load_scenario_file, settings, shipped_folder, words


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # outline entries not taught, played and assessed
    scenarios: int = 0
    notebooks: int = 0


def check_scenarios(folder: Path, report: Report) -> dict[str, Scenario]:
    """Validate every *.yaml in a folder; return the scenarios that loaded, by file name."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        report.problems.append(f"{folder}: no scenario files (*.yaml) found")
    ok: dict[str, Scenario] = {}
    loaded: dict[Path, Scenario] = {}
    scored = []
    for path in files:
        report.scenarios += 1
        try:
            scenario = load_scenario_file(path)
        except ScenarioError as exc:
            report.problems += [f"{path}: {p}" for p in exc.problems]
            continue
        if scenario.id != path.stem:
            report.problems.append(
                f"{path}: id {scenario.id!r} differs from the file name; rename the file or the id "
                f"(notebooks load scenarios by file name, logs record the id)"
            )
        report.problems += [f"{path}: {p}" for p in scenario_problems(scenario)]
        report.problems += [f"{path}: {p}" for p in scenario_shape_problems(scenario, rules())]
        scored += decisions(scenario)
        ok[path.stem] = loaded[path] = scenario
    report.problems += share_problems(scored, f"{folder} (all scenarios)")
    report.problems += settings_problems(loaded, rules(), f"{folder} (all scenarios)")
    report.problems += customer_name_problems({p: p.read_text(encoding="utf-8") for p in loaded}, rules())
    return ok


def rankings_in(nb_path: Path, found: list[Exercise]) -> list[tuple[str, dict[str, str], dict, bool]]:
    """Each ranking's name, its options, its key, and whether they are a case's (which case_problems
    checks): per case where it has cases, else the options listed in the markdown above its answer cell."""
    options_above: dict[str, dict[str, str]] = {}
    latest: dict[str, str] = {}
    for cell in read_cells(nb_path):
        if cell.get("cell_type") == "markdown":
            latest = ranking_options("".join(cell.get("source") or "")) or latest
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            options_above[grade_id] = latest
    found_rankings = []
    for ex in found:
        per_case = ranked_options(ex)
        if per_case:
            found_rankings += [(name, options, key, True) for name, options, key in per_case]
        elif ex.key["kind"] == "ranking":
            found_rankings.append((ex.key["exercise"], options_above.get(ex.grade_id, {}), ex.key, False))
    return found_rankings


def check_notebooks(root: Path, known_scenarios: dict[str, Scenario], report: Report) -> None:
    """Source notebooks must be valid, keys well formed, every show(...) a real scenario, and each
    assignment of the shape course/author/shape.py describes."""
    outline = load_outline()
    rankings: list[tuple[str, dict[str, str], list[str]]] = []
    for name in assignments(root):
        for nb_path in notebooks(root, name):
            report.notebooks += 1
            try:
                nb = nbformat.read(nb_path, as_version=4)
                nbformat.validate(nb)
            except Exception as exc:  # any parse failure is the author's to fix
                report.problems.append(f"{nb_path}: not a valid notebook ({type(exc).__name__}: {exc})")
                continue
            report.problems += [f"{nb_path}: {p}" for p in notes_problems(nb_path, rules())]
            report.problems += [f"{nb_path}: {p}" for p in exam_order_problems(
                read_cells(nb_path), header_wordings(name, outline))]
            report.problems += [f"{nb_path}: {p}" for p in dollar_problems(read_cells(nb_path))]
            for index, cell in enumerate(nb.cells, start=1):
                for obj in taught_ids(cell):
                    if obj not in outline:
                        report.problems.append(
                            f"{nb_path}: cell {index} teaches unknown objective id {obj!r}; "
                            "use an id from course/objectives.yaml"
                        )
                if cell.cell_type != "code":
                    continue
                if "# course-key:" in cell.source and "raises-exception" not in cell.metadata.get("tags", []):
                    report.problems.append(
                        f"{nb_path}: cell {index} ({cell.metadata.get('nbgrader', {}).get('grade_id')}) needs the "
                        "'raises-exception' tag: it raises while unanswered, and without the tag Run All stops there"
                    )
                for sid in SHOW.findall(cell.source):
                    if sid not in known_scenarios:
                        report.problems.append(
                            f"{nb_path}: cell {index} shows scenario {sid!r}, which is missing or broken"
                        )
            try:
                found = exercises(nb_path)
            except CourseError as exc:  # a bad key or an unpaired test cell; the message names the notebook
                report.problems.append(str(exc))
                continue
            for index, rubric, points in prompt_cells(nb, found):
                if rubric_block(rubric, points) not in nb.cells[index].source:
                    report.problems.append(
                        f"{nb_path}: cell {index + 1} does not show how its written exercise is scored now; run "
                        "`python -m course.author.rubric_blocks` to write the rubric's criteria and weights into it"
                    )
            report.problems += [f"{nb_path}: {p}" for p in reflection_problems(nb, found)]
            report.problems += case_problems(nb_path)
            for name, options, key, of_case in rankings_in(nb_path, found):
                if not of_case:
                    report.problems += [f"{nb_path}: {p}" for p in option_problems(f"ranking {name!r}", options, key)]
                if sorted(options) == sorted(key["order"]):
                    rankings.append((f"{nb_path.parent.name}/{name}", options, key["order"]))
        report.problems += assignment_problems(root, name, known_scenarios, outline, rules())
    report.problems += ranking_share_problems(rankings)


def check_course(root: Path | None, scenario_folder: Path | None = None) -> Report:
    """Check the outline, then a scenario folder (default: shipped) and, given a root, its notebooks."""
    report = Report()
    try:
        load_outline()
    except OutlineError as exc:
        report.problems.append(f"course/objectives.yaml: {exc}")
        return report  # scenarios and keys are checked against the outline
    try:
        settings(), words(), rules()
    except CourseError as exc:
        report.problems.append(str(exc))
        return report  # scenarios and notebooks are checked against these
    known = check_scenarios(scenario_folder or shipped_folder(), report)
    if root is not None:
        check_notebooks(root, known, report)
        if not report.problems:
            report.gaps = gaps(root)
    return report
