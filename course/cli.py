"""The `course` command: build the release, check the content, run the demo class."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from course.course_files import find_course
from course.errors import CourseError, GradebookError
from course.safe_text import for_terminal


def cannot_write(option: str, exc: OSError) -> CourseError:
    """A file or folder the user named could not be written, as an error that says which and what to give."""
    return CourseError(f"cannot write {exc.filename or 'there'} ({exc.strerror or exc}); give {option} "
                       "a path in a folder you can write")


def cmd_build(args: argparse.Namespace) -> int:
    from course.author.release import build

    root = find_course(args.course_dir)
    for name in build(root):
        print(f"generated release/{name}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the outline, every scenario and every source notebook; non-zero exit on any problem."""
    from course.author.check import check_course

    if args.scenarios:
        report = check_course(None, Path(args.scenarios))
    else:
        report = check_course(find_course(args.course_dir))
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    for gap in report.gaps:
        print(f"coverage gap: {gap}", file=sys.stderr)
    print(
        f"checked the outline, {report.scenarios} scenario(s) and {report.notebooks} notebook(s): "
        f"{len(report.problems)} problem(s), {len(report.gaps)} coverage gap(s)"
    )
    return 1 if report.problems else 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """List the shipped scenarios, or draw one's graph to a PNG."""
    from course.play.scenario import load_scenario, load_scenario_file, scenario_ids

    if args.action == "list":
        for sid in scenario_ids():
            s = load_scenario(sid)
            low, high = s.decision_range()
            endings = sum(1 for n in s.nodes.values() if n.ending)
            print(f"{sid}: {s.title} [{s.setting or 'no setting'}] ({len(s.nodes)} nodes: "
                  f"{len(s.nodes) - endings} decision points, {endings} endings; each path takes {low}-{high} "
                  f"decisions; best score {s.best_path_score()})")
        return 0
    from course.author.graph import choice_key, draw_scenario

    if not args.id:
        raise CourseError("name a scenario: `course scenario show ID` (see `course scenario list`)")
    path = Path(args.id)
    scenario = load_scenario_file(path) if path.suffix in (".yaml", ".yml") else load_scenario(args.id)
    try:
        out = draw_scenario(scenario, Path(args.out or f"{scenario.id}.png"), args.seed)
    except OSError as exc:
        raise cannot_write("--out", exc) from None
    print(f"wrote {out}")
    for line in choice_key(scenario, args.seed):  # the picture's choice names, spelled out
        print(for_terminal(line))
    return 0


def cmd_intake(args: argparse.Namespace) -> int:
    """Make every submitted folder of an assignment gradable (run before `nbgrader autograde`)."""
    from course.course_files import notebooks
    from course.grade.intake import prepare

    root = find_course(args.course_dir)
    expected = [p.name for p in notebooks(root, args.assignment)]
    if not expected:
        raise CourseError(f"source/{args.assignment} has no notebooks; check the assignment name")
    done = prepare(root / "submitted", args.assignment, expected)
    for student, notes in done.items():
        for note in notes:
            print(for_terminal(f"{student}: {note}"))
    print(f"intake {args.assignment}: {len(done)} submission(s) needed repair")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """List the autograded cells a grader should look at; with --similar, look-alike written answers."""
    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 160)
    root = find_course(args.course_dir)
    if args.similar:
        from course.grade.similar import FLOOR, find_similar

        floor = FLOOR if args.min_similarity is None else args.min_similarity
        report = find_similar(root, args.assignment, floor=floor)
        if report.pairs:
            console.print(text_table(
                f"{args.assignment}: {len(report.pairs)} pair(s) of look-alike written answers "
                f"({report.answers} answers read; a reason to read both, not proof)",
                ["exercise", "student A", "student B", "similarity", "shared passage (prompt text left out)"],
                [[p.exercise, p.student_a, p.student_b, f"{p.similarity:.0f}", p.overlap] for p in report.pairs]))
        else:
            print(for_terminal(f"{args.assignment}: no look-alike written answers ({report.answers} answers read)"))
        if report.unreadable:  # student ids can hold anything: printed as text, like every cell above
            print(for_terminal(f"could not read {len(report.unreadable)} notebook(s), skipped: "
                               + ", ".join(report.unreadable)))
        return 0
    from course.grade.review import flags

    found = flags(root, args.assignment)
    table = text_table(f"{args.assignment}: {len(found)} cell(s) to review",
                       ["student", "notebook", "cell", "score", "why"],
                       [[f.student, f.notebook, f.cell, f.score, f.reason] for f in found])
    console.print(table)
    return 0


def text_table(title: str, columns: list[str], rows: list[list[object]], no_wrap: bool = False):
    """A rich table whose every cell is plain text: student ids, cell ids and reasons can hold
    rich markup (`[/]`) or terminal escape sequences, and must print as what they are."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(for_terminal(title)))
    for col in columns:
        table.add_column(Text(col), no_wrap=no_wrap)
    for row in rows:
        table.add_row(*(Text(for_terminal(cell)) for cell in row))
    return table


def _gradebook(root: Path, db_url: str | None) -> str:
    """The course's gradebook URL, checked: a usable driver, and for SQLite a file that exists."""
    from course.grade import batch, gradebook

    url = batch.gradebook_url(root, db_url)
    gradebook.check(url)
    if not gradebook.exists(url):
        raise GradebookError(f"no gradebook at {gradebook.shown(url)}; grade first (`course grade ASSIGNMENT`), "
                             f"or name it with --db-url or {gradebook.ENV_VAR}")
    gradebook.reachable(url)
    return url


def cmd_grade(args: argparse.Namespace) -> int:
    """Collect, autograde in parallel, write feedback and export, with a progress bar and a summary."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.text import Text

    from course.grade import batch, gradebook

    root = find_course(args.course_dir)
    url = batch.gradebook_url(root, args.db_url)
    gradebook.check(url)
    gradebook.reachable(url)
    console = Console(stderr=True)
    client = None
    if args.engine:  # each worker decides its own sandbox (`course worker --sandbox`, default require)
        from course.grade.engine import check_gradebook, connect

        check_gradebook(url)
        client = connect(args.engine)  # waits for a worker and checks their code: before the progress bar
        console.print("sandbox: as each engine worker requires (`course worker --sandbox`, default: require)")
        sandbox = None
    else:
        sandbox = _sandbox_mode(console, batch.sandbox_settings(root, args.sandbox))
    if not args.no_collect:
        for name in args.assignment:
            problem = batch.collect(root, name, url)
            if problem:
                console.print(Text(for_terminal(f"collect {name}: {problem}; grading what is already collected"),
                                   style="yellow"))
    # Redrawn on each graded submission, not by a refresh thread: workers start by fork only when
    # this process has no other thread (batch.start_method), which is the quick way.
    with Progress(TextColumn("grading {task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False, auto_refresh=False) as progress:
        task = progress.add_task(for_terminal(", ".join(args.assignment)), total=None)
        progress.refresh()

        def done(outcome: batch.Outcome, finished: int, total: int) -> None:
            progress.update(task, completed=finished, total=total, refresh=True)

        todo = {name: None for name in args.assignment}
        if args.engine:
            from course.grade.engine import grade_on_engine

            summaries = grade_on_engine(root, todo, args.engine, db_url=url, on_done=done, tries=args.tries,
                                        limit=args.submission_timeout, regrade=args.regrade, client=client)
        else:
            summaries = batch.grade_many(root, todo, jobs=args.jobs, db_url=url, on_done=done, sandbox=sandbox,
                                         limit=args.submission_timeout)
    workers = f"the engine at {args.engine}" if args.engine else f"{args.jobs} worker(s)"
    for summary in summaries.values():
        _print_summary(root, summary, workers)
    left = sum(summary.left for summary in summaries.values())
    if left:
        print(for_terminal(f"stopped (Ctrl-C) with {left} submission(s) not graded; run the same command again to "
                           "grade them (what is done is kept)"))
        return 130
    if not args.no_export:
        from course.export.formats import export

        ((dest, _lines),) = export(root, "grades", root / "grades.csv", url)  # as `course export` writes it
        print(for_terminal(f"  grades exported to {dest}"))
    return 1 if any(summary.failed for summary in summaries.values()) else 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Start Dask workers that grade for `course grade --engine` (course.grade.engine_worker)."""
    from course.grade.engine_worker import run

    return run(args.scheduler, args.nworkers, args.sandbox, args.dir, args.name)


def _sandbox_mode(console, settings) -> str:
    """Say once whether student code runs sandboxed; the workers then use what was decided here."""
    on, why = settings.status()  # `require` without bubblewrap raises here, before anything is graded
    if on:
        console.print(f"sandbox: on ({why})", soft_wrap=True)
        return "require"
    console.print(f"[yellow]sandbox: OFF, {why}. Student code runs unsandboxed: as you, with your files, "
                  "the gradebook and the network in reach (see docs/deploying.md, \"Grading in a sandbox\")[/yellow]",
                  soft_wrap=True)
    return "off"


def _print_summary(root: Path, summary, workers: str) -> None:
    """Plain lines; student ids, repair notes and errors can hold anything, so each passes for_terminal."""
    print(for_terminal(f"{summary.assignment}: {len(summary.graded)} graded, {len(summary.failed)} failed, "
                       f"{summary.review} cell(s) to review, in {summary.seconds:.0f} s with {workers}"))
    if summary.skipped:
        print(for_terminal(f"  {summary.skipped} unchanged since an earlier run on the engine: not graded again "
                           "(--regrade grades them again)"))
    for student, notes in summary.repaired.items():
        for note in notes:
            print(for_terminal(f"  repaired {student}: {note}"))
    for outcome in summary.failed:
        print(for_terminal(f"  failed {outcome.student}: {outcome.error}"))
    for outcome in summary.graded:
        if outcome.error:
            print(for_terminal(f"  {outcome.student}: {outcome.error}"))
    if summary.review:
        where = "" if root == Path.cwd().resolve() else f"--course-dir {root} "
        print(for_terminal(f"  see the flagged cells with `course {where}review {summary.assignment}`; their scores "
                           "wait for a grader in Formgrader (needs manual grade), and LMS exports hold them back"))
    if not summary.outcomes and not summary.skipped and not summary.left:
        print(for_terminal(f"  nothing to grade: no folder submitted/*/{summary.assignment} (collect first, or check "
                           "the name)"))


def cmd_export(args: argparse.Namespace) -> int:
    """Write grade files: nbgrader's columns, per sub-objective, or an LMS import file."""
    from course.export.formats import export

    root = find_course(args.course_dir)
    url = _gradebook(root, args.db_url)
    canvas_ids = {}
    for pair in args.canvas_id or []:
        name, sep, number = pair.partition("=")
        if not sep or not name.strip() or not number.strip().isdigit():
            raise CourseError(f"--canvas-id {pair!r}: give ASSIGNMENT=ID with Canvas's numeric id, e.g. "
                              "--canvas-id 02-proper-language=4321")
        canvas_ids[name.strip()] = number.strip()
    options = {"roster": args.roster or "", "zero_missing": args.zero_missing, "canvas_ids": canvas_ids,
               "include_provisional": args.include_provisional, "moodle_scale": args.moodle_scale,
               "comments": not args.no_comments, "late_column": args.late_column}
    try:
        written = export(root, args.format, args.to, url, args.assignment or None, options)
    except OSError as exc:
        raise cannot_write("--to", exc) from None
    for path, lines in written:
        print(for_terminal(f"wrote {path}"))
        for line in lines:
            print(for_terminal(f"  {line}"))
    return 0


def cmd_answers(args: argparse.Namespace) -> int:
    """Model answers into every student's feedback, then release it: refused before the due date."""
    from nbgrader.api import Gradebook, MissingEntry

    from course.author.nbgrader_run import nbgrader
    from course.grade.model_answers import not_yet

    root = find_course(args.course_dir)
    url = _gradebook(root, args.db_url)
    with Gradebook(url) as gb:
        try:
            why = not_yet(gb.find_assignment(args.assignment).duedate)
        except MissingEntry:
            raise GradebookError(f"the gradebook has no assignment {args.assignment!r}; grade it first") from None
    if why:
        raise CourseError(f"no model answers for {args.assignment} yet: {why}")
    env = {"NBGRADER_DB_URL": url}
    steps = [("generate_feedback", args.assignment, "--force", "--ModelAnswers.enabled=True")]
    if not args.no_release:
        steps.append(("release_feedback", args.assignment))
    for step in steps:
        proc = nbgrader(*step, cwd=root, check=False, env=env)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            raise CourseError(f"`nbgrader {' '.join(step)}` failed (exit {proc.returncode}); the feedback files "
                              f"are in {root / 'feedback'}:\n{tail}")
        print(for_terminal(f"nbgrader {step[0]} {args.assignment}: done"))
    print(for_terminal(f"model answers for {args.assignment} are in each student's feedback"
                       + ("" if args.no_release else ", released")))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Figures (PNG) and tables (CSV) for graders without Jupyter: the dashboard's content."""
    from course.export.report import case_statistics, case_warnings, load_exports, summary_table, write_report

    root = find_course(args.course_dir)
    _gradebook(root, None)
    out = Path(args.out) if args.out else root / "report"
    try:
        written = write_report(root, out)
    except OSError as exc:
        raise cannot_write("--out", exc) from None
    for path in written:
        print(for_terminal(f"wrote {path}"))
    data = load_exports(out)
    print(for_terminal(summary_table(data["grades"]).to_string(index=False), newlines=True))
    for line in case_warnings(case_statistics(data["objectives-long"])):
        print(for_terminal(f"case flagged: {line}"))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.text import Text

    from course import demo

    work = Path(args.workdir)
    if work.exists() and not work.is_dir():
        raise CourseError(f"--workdir {work} is a file; name a folder for the demo class")
    console = Console(width=None if sys.stdout.isatty() else 140)
    csv_path = demo.run(work, args.course_dir,
                        log=lambda m: console.print(Text(f"· {for_terminal(m)}", style="dim")))
    rows = demo.score_table(csv_path.parent)
    columns = ["student", "assignment", "simulates", "ranking", "reflection", "total", "max"]
    console.print(text_table("Simulated class: scores from the gradebook", columns, no_wrap=True, rows=[
        [f"{row[c]:g}" if isinstance(row.get(c), float) else row.get(c, "") for c in columns] for row in rows]))
    from course.grade.review import flags

    for name in sorted({row["assignment"] for row in rows}):
        found = flags(csv_path.parent, name)
        console.print(Text(for_terminal(f"{name}: {len(found)} cell(s) flagged for a grader; see them with "
                                        f"`course --course-dir {csv_path.parent} review {name}`")))
    console.print(Text(for_terminal(f"CSV for your gradebook: {csv_path}")))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    parser.add_argument("--course-dir", default=".", help="the course folder (holds nbgrader_config.py)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="regenerate release/ from source/ with nbgrader").set_defaults(func=cmd_build)
    check = sub.add_parser("check", help="validate the outline, scenarios, notebooks and answer keys")
    check.add_argument("--scenarios", help="check the scenario files in this folder instead of the course")
    check.set_defaults(func=cmd_check)
    scenario = sub.add_parser("scenario", help="list scenarios, or draw one as a graph (PNG)")
    scenario.add_argument("action", choices=["list", "show"])
    scenario.add_argument("id", nargs="?", help="a shipped scenario id, or the path of a .yaml file")
    scenario.add_argument("--out", help="where to write the PNG (default: ID.png here)")
    scenario.add_argument("--seed", type=int, default=None,
                          help="number the choices as the student with this seed saw them (each line of their "
                               "scenario-log.jsonl has it); without it, a shuffled scenario's choices get letters")
    scenario.set_defaults(func=cmd_scenario)
    intake = sub.add_parser("intake", help="make submitted folders gradable: unreadable or missing notebooks")
    intake.add_argument("assignment")
    intake.set_defaults(func=cmd_intake)
    review = sub.add_parser("review", help="list autograded cells a grader should look at, and why")
    review.add_argument("assignment")
    review.add_argument("--similar", action="store_true",
                        help="instead, list pairs of students whose written answers are far closer to each other "
                             "than to the rest of the class (read from submitted/; prompt text left out)")
    review.add_argument("--min-similarity", type=float, default=None, metavar="SCORE",
                        help="with --similar: the lowest similarity (0-100) a pair may have (default: 80)")
    review.set_defaults(func=cmd_review)
    from course.grade.batch import SUBMISSION_LIMIT

    grade = sub.add_parser("grade", help="collect, autograde in parallel, feedback and export, with a summary")
    grade.add_argument("assignment", nargs="+", help="one or more assignments (graded in one pool of workers)")
    grade.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                       help="worker processes (default: cores, up to 4)")
    grade.add_argument("--db-url", default=None, help="gradebook URL, e.g. postgresql+psycopg://user@host/db "
                       "(default: $NBGRADER_DB_URL, else the course's config, else SQLite gradebook.db)")
    grade.add_argument("--no-collect", action="store_true", help="grade only what is already in submitted/")
    grade.add_argument("--no-export", action="store_true", help="skip writing grades.csv")
    grade.add_argument("--submission-timeout", type=float, default=SUBMISSION_LIMIT, metavar="SECONDS",
                       help="stop grading a submission after this long and try it once more alone; twice: "
                            "reported, not graded (default: %(default).0f)")
    grade.add_argument("--sandbox", choices=["auto", "require", "off"], default=None,
                       help="run student code in the bubblewrap sandbox: auto (when the host can; the default, "
                            "or c.Sandbox.mode), require (refuse to grade without it) or off")
    engine = grade.add_argument_group("many machines (docs/deploying.md, \"Grading on many machines\")")
    engine.add_argument("--engine", default=None, metavar="URL",
                        help="grade on a Dask distributed scheduler, e.g. tcp://grading.example:8786, whose workers "
                             "run `course worker URL`; needs a PostgreSQL gradebook (default: this machine's pool)")
    engine.add_argument("--tries", type=int, default=2,
                        help="with --engine: times a submission may stop or hang a worker before it is reported as "
                             "failed (default: %(default)s)")
    engine.add_argument("--regrade", action="store_true",
                        help="with --engine: grade again what an earlier run finished and nothing has changed since")
    grade.set_defaults(func=cmd_grade)
    worker = sub.add_parser("worker", help="start grading workers for `course grade --engine` (Dask distributed)")
    worker.add_argument("scheduler", help="the engine's scheduler, e.g. tcp://grading.example:8786")
    worker.add_argument("--nworkers", type=int, default=1, help="worker processes (each grades one at a time)")
    worker.add_argument("--sandbox", choices=["require", "auto", "off"], default="require",
                        help="require (default): refuse to start without bubblewrap; auto: sandbox when it can; off")
    worker.add_argument("--dir", default=None, help="scratch folder for course files (default: a temp folder)")
    worker.add_argument("--name", default=None, help="a name for this worker in the engine's logs")
    worker.set_defaults(func=cmd_worker)
    answers = sub.add_parser("answers", help="after the due date: model answers into each student's feedback, "
                             "released through nbgrader")
    answers.add_argument("assignment")
    answers.add_argument("--db-url", default=None, help="gradebook URL (default: $NBGRADER_DB_URL, else the course's)")
    answers.add_argument("--no-release", action="store_true",
                         help="write the feedback files but do not run `nbgrader release_feedback`")
    answers.set_defaults(func=cmd_answers)
    from course.export import FORMATS

    export = sub.add_parser("export", help="write grades.csv, per-sub-objective scores or LMS import files")
    export.add_argument("--format", default="grades", choices=[*FORMATS, "all"],
                        help="grades (nbgrader's columns), objectives-wide, objectives-long, canvas, moodle, "
                             "brightspace, or all")
    export.add_argument("--to", default=None, help="file to write (a folder with --format all)")
    export.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    export.add_argument("--db-url", default=None, help="gradebook URL (default: $NBGRADER_DB_URL, else the course's)")
    lms = export.add_argument_group("LMS files (canvas, moodle, brightspace)")
    lms.add_argument("--roster", default=None, help="CSV mapping nbgrader ids to LMS identifiers "
                                                   "(default: roster.csv in the course folder, if there is one)")
    lms.add_argument("--zero-missing", action="store_true", help="score missing work 0 (default: no grade)")
    lms.add_argument("--include-provisional", action="store_true",
                     help="send autograder scores still waiting for a manual grade (default: held back)")
    lms.add_argument("--canvas-id", action="append", metavar="ASSIGNMENT=ID",
                     help="the Canvas assignment id, so Canvas matches the column by 'Title (id)' (repeatable)")
    lms.add_argument("--moodle-scale", choices=["percent", "points"], default="percent",
                     help="percent (right for a new Moodle grade item, which is out of 100) or points")
    lms.add_argument("--no-comments", action="store_true", help="leave out Moodle's feedback columns")
    lms.add_argument("--late-column", action="store_true", help="add a late-penalty column (Moodle, Brightspace)")
    export.set_defaults(func=cmd_export)
    report = sub.add_parser("report", help="write the grade dashboard's figures (PNG) and tables (CSV)")
    report.add_argument("--out", default=None, help="folder to write (default: report/ in the course folder)")
    report.set_defaults(func=cmd_report)
    demo = sub.add_parser("demo", help="run a simulated class through nbgrader and export CSV")
    demo.add_argument("--workdir", default=".demo", help="scratch folder (wiped first; not committed)")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CourseError as exc:  # every error a user can fix (course.errors); anything else is a bug
        print(for_terminal(f"error: {exc}", newlines=True), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
