"""The `course` command: build the release, check the content, run the demo class."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.author.nbgrader_run import StepFailed
from course.author.source import CourseError, find_course


def cmd_build(args: argparse.Namespace) -> int:
    from course.author.release import build

    root = find_course(args.course_dir)
    for name in build(root):
        print(f"generated release/{name}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate every shipped scenario and every key in the source notebooks."""
    from course.author.source import assignments, exercises, notebooks
    from course.grade.keys import KeyFormatError
    from course.play.scenario import ScenarioError, load_scenario, scenario_ids

    problems = []
    for sid in scenario_ids():
        try:
            load_scenario(sid)
        except ScenarioError as exc:
            problems.append(str(exc))
    root = find_course(args.course_dir)
    for name in assignments(root):
        for nb in notebooks(root, name):
            try:
                exercises(nb)
            except (KeyFormatError, CourseError) as exc:
                problems.append(f"{nb}: {exc}")
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    print(f"checked {len(scenario_ids())} scenario(s): {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from course import demo

    console = Console(width=None if sys.stdout.isatty() else 140)
    csv_path = demo.run(Path(args.workdir), args.course_dir, log=lambda m: console.print(f"[dim]· {m}[/dim]"))
    rows = demo.score_table(csv_path.parent)
    table = Table(title="Simulated class: scores from the gradebook")
    columns = list(dict.fromkeys(k for row in rows for k in row))
    for col in columns:
        table.add_column(col, no_wrap=True)
    for row in rows:
        table.add_row(*(f"{row[c]:g}" if isinstance(row.get(c), float) else str(row.get(c, "")) for c in columns))
    console.print(table)
    console.print(f"CSV for your gradebook: {csv_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    parser.add_argument("--course-dir", default=".", help="the course folder (holds nbgrader_config.py)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="regenerate release/ from source/ with nbgrader").set_defaults(func=cmd_build)
    sub.add_parser("check", help="validate scenarios and answer keys").set_defaults(func=cmd_check)
    demo = sub.add_parser("demo", help="run a simulated class through nbgrader and export CSV")
    demo.add_argument("--workdir", default=".demo", help="scratch folder (wiped first; not committed)")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CourseError, StepFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
