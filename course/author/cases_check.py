"""`course check` for cases: every case of every exercise is as sound as the one everybody used to get.

For each keyed exercise of a source notebook: a case file with at least three cases and a key for each
(course.cases, course.keys); a cell that shows the student their case; and per case, the checks a
single exercise had: a ranking's letters, its `why`s and the length trap, and a written answer's
shared rubric, the same key ideas, and a model answer that earns full marks. The example in the
answer cell must earn no more than a blank answer against any case.

`python -m course.author.cases_check NOTEBOOK...` checks just those notebooks.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import replace
from pathlib import Path

from course.author.fairness import MAX_LENGTH_CREDIT, ranking_length_credit, ranking_options
from course.author.shape import ranking_problems, rules
from course.cases import MIN_CASES, has_cases, load_cases, shown_in, student_case, with_cases
from course.course_files import Exercise, exercises, read_cells
from course.errors import CourseError
from course.keys import case_key, case_numbers
from course.score.ranking import score_ranking
from course.score.reflection import DEFAULT_RUBRIC, score_reflection

CHOICES = re.compile(r"""choices\s*=\s*["']([A-Z]+)["']""")
REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION.*?### END SOLUTION[ \t]*\n?", re.MULTILINE | re.DOTALL)


def model_answer(ex: Exercise, number: int) -> str:
    """A written exercise's model answer for one case: the key's `answer`, or (the first case) the answer cell's."""
    answer = case_key(ex.key, number).get("answer")
    if answer is None and number == min(case_numbers(ex.key) or [number]):
        scope: dict = {}
        exec(ex.solution, scope)  # the instructor's own answer cell
        answer = scope.get(ex.variable)
    return str(answer or "")


def solution_source(ex: Exercise, number: int) -> str:
    """The answer cell's source that answers one case perfectly."""
    key = case_key(ex.key, number)
    if key["kind"] == "ranking":
        return f"{ex.variable} = {key['order']!r}\n"
    text = model_answer(ex, number).replace("\\", "\\\\").replace('"', '\\"')
    return f'{ex.variable} = """{text}"""\n'


def student_exercise(ex: Exercise, course: str, assignment: str, student: str) -> Exercise:
    """The exercise as one student meets it: their case's key, and the answer cell that answers it perfectly."""
    number = student_case(ex.key, course, assignment, student)
    if number is None:
        return ex
    return replace(ex, key=case_key(ex.key, number), solution=solution_source(ex, number), case=number)


def _score(key: dict, answer, reference: str = "") -> float:
    if key["kind"] == "ranking":
        return score_ranking(answer, key["order"], key.get("ties")).fraction
    rubric = key.get("rubric", DEFAULT_RUBRIC)
    return score_reflection(answer, key["ideas"], rubric, reference=reference, topic=key.get("topic")).fraction


def examples(stub_source: str, variable: str) -> list:
    """What the released answer cell assigns, and any `name = value` example written in its comments."""
    found = []
    scope: dict = {}
    try:
        exec(REGION.sub("", stub_source), scope)
        found.append(scope.get(variable))
    except Exception:  # noqa: BLE001 - a stub that raises assigns nothing
        pass
    for line in stub_source.splitlines():
        match = re.search(rf"\b{re.escape(variable)}\s*=\s*(.+)$", line) if line.lstrip().startswith("#") else None
        if match:
            try:
                found.append(ast.literal_eval(match.group(1).strip()))
            except (ValueError, SyntaxError):
                continue
    return found


def option_problems(at: str, options: dict[str, str], key: dict) -> list[str]:
    """A ranking's listed options against its key: the same letters, and no prize for picking the longest."""
    if sorted(options) != sorted(key["order"]):
        return [f"{at} lists options {''.join(sorted(options)) or 'none'}, but its key orders "
                f"{''.join(sorted(key['order']))}; list each as '- **A.** text'"]
    credit = ranking_length_credit(options, key["order"], key.get("ties"))
    if credit > MAX_LENGTH_CREDIT:
        return [f"{at}: ordering its options longest first earns {credit:.0%} (at most {MAX_LENGTH_CREDIT:.0%}); "
                "shorten strong options or lengthen weak ones"]
    return []


def ranked_options(ex: Exercise) -> list[tuple[str, dict[str, str], dict]]:
    """(name, options, key) for each case of a ranking exercise with cases (the course-wide length check)."""
    if ex.key["kind"] != "ranking" or not has_cases(ex.key["exercise"]) or not case_numbers(ex.key):
        return []
    try:
        cases = load_cases(ex.key["exercise"])
    except CourseError:
        return []  # exercise_problems reports it
    return [(f"{ex.key['exercise']} case {case.number}", ranking_options(case.text), case_key(ex.key, case.number))
            for case in cases if case.number in case_numbers(ex.key)]


def exercise_problems(ex: Exercise, cells: list[dict]) -> list[str]:
    name = ex.key["exercise"]
    where = f"exercise {name!r}"
    if not has_cases(name):
        return [f"{where} has no cases: write course/cases/{name}.yaml with at least {MIN_CASES} (docs/authoring.md, "
                "'Cases')"]
    try:
        cases = load_cases(name)
    except CourseError as exc:
        return [str(exc)]
    numbers = case_numbers(ex.key)
    problems = []
    if [c.number for c in cases] != numbers:
        problems.append(f"{where}: course/cases/{name}.yaml has cases {[c.number for c in cases]} but the key has "
                        f"{numbers or 'no cases:'}; key every case under 'cases:' in the hidden tests")
        return problems
    if len(cases) < MIN_CASES:
        problems.append(f"{where} has {len(cases)} case(s); give it at least {MIN_CASES}")
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells]
    shown_at = [i for i, c in enumerate(cells) if c.get("cell_type") == "code" and name in shown_in([c["source"]])]
    if not shown_at or shown_at[0] > ids.index(ex.grade_id):
        problems.append(f"{where}: no cell above its answer cell shows the student their case; add a locked code "
                        f'cell with `show_case("{name}")` under the prompt')
    check = cells[ids.index(ex.check_id)]["source"]
    choices = CHOICES.search(check)
    keys = {n: case_key(ex.key, n) for n in numbers}
    blank = 0.0 if ex.key["kind"] == "ranking" else None
    for example in examples(cells[ids.index(ex.grade_id)]["source"], ex.variable):
        for number, key in keys.items():
            if _score(key, example) > _score(key, blank if blank is not None else ""):
                problems.append(f"{where}, case {number}: the example in the answer cell earns more than a blank "
                                "answer; make it a placeholder")
    if ex.key["kind"] == "ranking":
        orders = [tuple(k["order"]) for k in keys.values()]
        if len(set(orders)) < len(orders):
            problems.append(f"{where}: two cases share the same key order; shuffle the options of one")
        for case in cases:
            key, at = keys[case.number], f"{where}, case {case.number}"
            options = ranking_options(case.text)
            problems += option_problems(at, options, key)
            if choices and sorted(options) == sorted(key["order"]) != sorted(choices.group(1)):
                problems.append(f"{at} has options {''.join(sorted(options))}, but the check cell records "
                                f"choices={choices.group(1)!r}")
            problems += [f"{at}: {p}" for p in ranking_problems(key, rules())]
        return problems
    first = keys[numbers[0]]
    reference = with_cases("\n".join(c["source"] for c in cells if c.get("cell_type") == "markdown"), [name])
    shape = [(i["label"], i.get("weight", 1)) for i in first["ideas"]]
    for case in cases:
        key, at = keys[case.number], f"{where}, case {case.number}"
        if [(i["label"], i.get("weight", 1)) for i in key["ideas"]] != shape:
            problems.append(f"{at}: its key ideas differ from case {numbers[0]}'s (labels and weights must match, in "
                            "order: every case practises the same skill and is marked the same way)")
        answer = model_answer(ex, case.number)
        if not answer:
            problems.append(f"{at} has no model answer; add `answer: >-` to its key")
            continue
        fraction = _score(key, answer, reference)
        if fraction < 1:
            problems.append(f"{at}: its model answer earns {fraction:.0%}, not full marks; adjust the answer or "
                            "the key's terms")
    return problems


def case_problems(nb_path: Path) -> list[str]:
    """Every problem with the cases of one source notebook's exercises."""
    try:
        found = exercises(nb_path)
    except CourseError as exc:
        return [str(exc)]
    cells = read_cells(nb_path)
    return [f"{nb_path}: {p}" for ex in found for p in exercise_problems(ex, cells)]


def main(argv: list[str]) -> int:
    problems = [p for path in argv for p in case_problems(Path(path))]
    print("\n".join(problems) if problems else f"{len(argv)} notebook(s): the cases are sound")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
