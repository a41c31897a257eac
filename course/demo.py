"""`course demo`: a simulated class through the real nbgrader workflow on a local exchange.

generate_assignment -> release_assignment -> fetch_assignment -> submit (per student) ->
collect -> intake -> autograde -> generate_feedback -> export, on the default SQLite gradebook.
The simulated answers are built from the source notebooks at run time, so no answer key is
stored in the package.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.author.cases_check import student_exercise
from course.course_files import (
    Exercise,
    assignments,
    exercises,
    find_course,
    notebooks,
    read_cells,
    shown_scenarios,
)
from course.errors import CourseError, StepFailed
from course.grade import batch

MARKER = ".course-demo"
COURSE_ID = "aplus-4.7-demo"  # with the assignment, exercise and student id, it picks each student's case

Answers = Callable[[Exercise], str | None]  # the answer cell's new source; None leaves it blank


def _swap_first_two(ex: Exercise) -> str:
    order = list(ex.key["order"])
    order[0], order[1] = order[1], order[0]
    return f"{ex.variable} = {order!r}\n"


# a sentence ends at . ! or ?, but not after a title such as "Mrs." before a name
SENTENCE_END = re.compile(r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bMx\.)(?<!\bDr\.)(?<=[.!?])\s+")


def _first_sentences(ex: Exercise, n: int = 2) -> str:
    texts = re.findall(r'"""(.*?)"""', ex.solution, re.DOTALL)
    text = texts[-1] if texts else ""  # the last string is the model answer, not the stub
    sentences = SENTENCE_END.split(text.strip())
    return f'{ex.variable} = """{" ".join(sentences[:n])}"""\n'


def _partial(ex: Exercise) -> str:
    return _swap_first_two(ex) if ex.key["kind"] == "ranking" else _first_sentences(ex)


def _monkeypatch(ex: Exercise) -> str:
    if ex.key["kind"] != "ranking":
        return _first_sentences(ex)
    wrong = list(reversed(ex.key["order"]))
    return (
        "import course.record, course.score.ranking, builtins\n"
        "course.record.record_ranking = lambda *a, **k: 3.0\n"
        "course.score.ranking.score_ranking = lambda *a, **k: 1.0\n"
        "print('Score: 3.0 of 3 points')\n"
        f"{ex.variable} = {wrong!r}\n"
    )


@dataclass(frozen=True)
class Student:
    id: str
    first: str
    last: str
    answer: Answers
    expect: str  # what a reader of the table should see


CLASS = [
    Student("ada", "Ada", "Perfect", lambda ex: ex.solution, "full marks"),
    Student("ben", "Ben", "Partial", _partial, "partial credit"),
    Student("cy", "Cy", "Blank", lambda ex: None, "0: nothing answered"),
    Student("dee", "Dee", "Raises", lambda ex: 'raise RuntimeError("I will answer later")\n', "0: answer cells raise"),
    Student(
        "eli", "Eli", "Loops",
        lambda ex: "while True:\n    pass\n" if ex.key["kind"] == "ranking" else ex.solution,
        "ranking 0 (timed out), reflection full",
    ),
    Student("fay", "Fay", "Monkeypatch", _monkeypatch, "ranking 0 (forged helper), reflection partial"),
]


def _write_config(folder: Path, lines: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = "c = get_config()  # noqa: F821\n" + "\n".join(lines) + "\n"
    (folder / "nbgrader_config.py").write_text(text, encoding="utf-8")


def _answer(nb_path: Path, student: Student, exercise_list: list[Exercise], course_id: str, student_id: str) -> None:
    """Answer in `student`'s style as `student_id`, each exercise on that id's own case (as their kernel shows it)."""
    nb = nbformat.read(nb_path, as_version=4)
    by_id = {ex.grade_id: student_exercise(ex, course_id, nb_path.parent.name, student_id) for ex in exercise_list}
    for cell in nb.cells:
        ex = by_id.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if ex is not None:
            new = student.answer(ex)
            if new is not None:
                cell.source = new
    nbformat.write(nb, nb_path)


def _add_students(instructor: Path) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{instructor / 'gradebook.db'}") as gb:
        for s in CLASS:
            gb.update_or_create_student(s.id, first_name=s.first, last_name=s.last)


# How each simulated student plays the scenarios (the log is collected with the submission).
PLAY_STYLE = {"ada": "best", "ben": "slip-then-best", "cy": None, "dee": "random", "eli": "first", "fay": "worst"}


def _play(student: Student, folder: Path, source_nb: Path) -> None:
    """Play every scenario the notebook shows, as this student would, writing the path log."""
    import random

    from course.play.log import log_event
    from course.play.player import Player
    from course.play.scenario import load_scenario

    style = PLAY_STYLE.get(student.id)
    if style is None:
        return
    for sid in shown_scenarios(read_cells(source_nb)):
        player = Player(load_scenario(sid), seed=7)
        rng = random.Random(f"{student.id}/{sid}")
        session = f"demo-{student.id}"
        while not player.finished:
            scores = [c.score for c in player.node.choices]
            if style == "best" or (style == "slip-then-best" and player.steps):
                index = scores.index(max(scores))
            elif style in ("worst", "slip-then-best"):
                index = scores.index(min(scores))
            elif style == "first":
                index = 0
            else:
                index = rng.randrange(len(scores))
            log_event(folder, sid, "choice", session, player.seed, player.choose(index))


def _exchange(action: str, config, assignment: str) -> None:
    """One exchange step (FetchAssignment, Submit...) through nbgrader's own exchange classes."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeError, ExchangeFactory

    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    app = getattr(ExchangeFactory(config=config), action)(
        coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
    try:
        app.start()
    except ExchangeError as exc:
        raise StepFailed(f"nbgrader {action} {assignment} for {config.CourseDirectory.student_id}: {exc}") from None


def _student_turn(student: Student, names: list[str], instructor: Path, work: Path, course_id: str,
                  log: Callable[[str], None]) -> None:
    from traitlets.config import Config

    home = work / "students" / student.id
    settings = {
        "CourseDirectory.course_id": course_id,
        "CourseDirectory.student_id": student.id,
        "Exchange.root": str(work / "exchange"),
        "Exchange.cache": str(work / "cache" / student.id),
        "Exchange.assignment_dir": str(home),
    }
    _write_config(home, [f"c.{k} = {v!r}" for k, v in settings.items()])  # the same, for a person to try
    config = Config()
    for key, value in settings.items():
        section, name = key.split(".")
        config[section][name] = value
    for name in names:
        log(f"{student.id}: fetch, answer ({student.expect}), submit {name}")
        _exchange("FetchAssignment", config, name)
        for nb_path in notebooks(home, name, folder="."):
            _answer(nb_path, student, exercises(instructor / "source" / name / nb_path.name), course_id,
                    student.id)
            _play(student, nb_path.parent, instructor / "source" / name / nb_path.name)
        _exchange("Submit", config, name)


def _api_step(result: dict | None, what: str) -> None:
    if result is not None and not result["success"]:
        detail = "\n".join((result.get("log") or "").strip().splitlines()[-12:]) or result.get("error") or ""
        raise StepFailed(f"nbgrader {what} failed:\n{detail}")


def run(work: Path, course_dir: Path | None = None, log: Callable[[str], None] = print, jobs: int = 2,
        cell_timeout: float | None = None) -> Path:
    """Run the whole class; returns the CSV path. Raises StepFailed naming a failed step.

    `cell_timeout` overrides the course's per-cell limit: Eli's endless loop waits it out once per notebook."""
    root = find_course(course_dir or ".")
    work = work.resolve()
    if work.exists() and any(work.iterdir()):
        if not (work / MARKER).is_file():
            raise CourseError(f"{work} is not empty and was not made by `course demo`; "
                              "pass --workdir with a new or empty folder (nothing was deleted)")
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    (work / MARKER).write_text("scratch folder of `course demo`: deleted and remade on each run\n")
    course_id = COURSE_ID
    exchange, instructor = work / "exchange", work / "instructor"
    exchange.mkdir()
    shutil.copytree(root / "source", instructor / "source")
    _write_config(instructor, [
        "from course.grade.config import configure",
        "configure(c)",
        f"c.CourseDirectory.course_id = {course_id!r}",
        f"c.Exchange.root = {str(exchange)!r}",
        "c.ExchangeCollect.check_owner = False",
        "c.CollectApp.check_owner = False",
        # the demo is the embedded SQLite gradebook beside this file, even where NBGRADER_DB_URL points elsewhere
        "import os",
        "c.CourseDirectory.db_url = 'sqlite:///' + os.path.join(os.path.dirname(os.path.abspath(__file__)), "
        "'gradebook.db')",
        *([f"c.Execute.timeout = {cell_timeout!r}"] if cell_timeout else []),
    ])
    names = assignments(instructor)
    api = batch.make_api(instructor)
    for name in names:
        log(f"generate and release {name}")
        _api_step(api.generate_assignment(name, force=True, create=True), f"generate_assignment {name}")
        _api_step(api.release_assignment(name), f"release_assignment {name}")
    for student in CLASS:
        _student_turn(student, names, instructor, work, course_id, log)
    csv_path = instructor / "grades.csv"
    _add_students(instructor)
    for name in names:
        log(f"collect {name}")
        _api_step(api.collect(name), f"collect {name}")
    log(f"`course grade`: intake, autograde and feedback for {len(names)} assignment(s) in {jobs} workers")
    on, why = batch.sandbox_settings(instructor).status()
    log(f"  student code runs in the bubblewrap sandbox ({why})" if on
        else f"  sandbox OFF ({why}): student code runs unsandboxed")
    summaries = batch.grade_many(instructor, {name: None for name in names}, jobs=jobs)
    for summary in summaries.values():
        for outcome in summary.failed:
            log(f"{summary.assignment}: {outcome.student} could not be graded: {outcome.error}")
    from course.export.formats import export

    export(instructor, "grades", csv_path)  # as `course export` writes it
    return csv_path


def score_table(instructor: Path) -> list[dict]:
    """Per-student, per-exercise scores read back from the gradebook.

    Each row has a column per check cell, and the same scores under `ranking` and `reflection`.
    """
    from nbgrader.api import Gradebook

    kinds = {(name, ex.check_id): ex.key["kind"] for name in assignments(instructor)
             for nb in notebooks(instructor, name) for ex in exercises(nb)}
    rows = []
    with Gradebook(f"sqlite:///{instructor / 'gradebook.db'}") as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            for student in CLASS:
                sub = gb.find_submission(assignment.name, student.id)
                row = {"student": f"{student.first} {student.last}", "assignment": assignment.name,
                       "simulates": student.expect}
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        row[grade.name] = grade.score
                        row[kinds.get((assignment.name, grade.name), grade.name)] = grade.score
                row["total"] = sub.score
                row["max"] = assignment.max_score
                rows.append(row)
    return rows
