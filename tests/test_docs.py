"""The README and the guides in docs/ point at real things: every relative link leads to a file (and a
heading, when it names one), every `course` command shown in a shell block parses with the real CLI, every
`make` target exists, and every repository path they name in backticks is there."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import re
import shlex
from glob import glob
from pathlib import Path
from unittest import mock

import pytest

from course import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^[ \t]*```([\w-]*)[ \t]*\n(.*?)^[ \t]*```[ \t]*$", re.M | re.S)
INLINE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
TOP_FOLDERS = ("course/", "source/", "release/", "notebooks/", "deploy/", "tests/", "benchmarks/", "docs/")
PLACEHOLDER = re.compile(r"<|>|\bNAME\b|\bID\b|roundN|\.\.\.")


class _Captured(Exception):
    def __init__(self, parser: argparse.ArgumentParser):
        self.parser = parser


def course_parser() -> argparse.ArgumentParser:
    """The `course` command's own argparse parser, as `course.cli.main` builds it (stopped before it runs)."""
    def capture(self, args=None, namespace=None):
        raise _Captured(self)

    with mock.patch.object(argparse.ArgumentParser, "parse_args", capture):
        try:
            cli.main([])
        except _Captured as caught:
            return caught.parser
    raise AssertionError("course.cli.main did not parse its arguments")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def without_code(text: str) -> str:
    """The page with fenced blocks and inline code blanked out (so a YAML list is not read as a link)."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return INLINE.sub("``", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: dict[str, int] = {}
    out = set()
    for _level, title in HEADING.findall(FENCE.sub("", text)):
        base = slug(title)
        n = found.get(base, 0)
        found[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(page: Path, text: str | None = None) -> list[str]:
    text = page.read_text(encoding="utf-8") if text is None else text
    problems = []
    for target in LINK.findall(without_code(text)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            problems.append(f"{page.name}: link to {target}: no such file")
        elif anchor and dest.suffix == ".md":
            if anchor not in anchors(text if dest == page else dest.read_text(encoding="utf-8")):
                problems.append(f"{page.name}: link to {target}: no such heading in {dest.name}")
    return problems


def shell_lines(text: str) -> list[str]:
    return [line for lang, body in FENCE.findall(text) if lang in SHELL for line in body.splitlines()]


def commands(line: str) -> list[list[str]]:
    """The simple commands on one shell line (split at &&, ;, |), comments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    out: list[list[str]] = [[]]
    for token in lexer:
        if token and set(token) <= set("&|;()"):
            out.append([])
        else:
            out[-1].append(token)
    return [c for c in out if c]


def program(command: list[str]) -> tuple[str, list[str]]:
    """(program name, its arguments), past `sudo`, `env` and VAR=value prefixes."""
    words = list(command)
    while words and (words[0] in ("sudo", "env") or re.fullmatch(r"\w+=\S*", words[0])):
        words.pop(0)
    return (Path(words[0]).name, words[1:]) if words else ("", [])


def make_targets() -> set[str]:
    return set(re.findall(r"^([\w.-]+):(?!=)", (ROOT / "Makefile").read_text(), re.M))


def bad_shell_commands(text: str, parser: argparse.ArgumentParser) -> list[str]:
    problems = []
    targets = make_targets()
    for line in shell_lines(text):
        for command in commands(line):
            name, args = program(command)
            if name == "course":
                err = io.StringIO()
                try:
                    with contextlib.redirect_stderr(err):
                        parser.parse_args(args)
                except SystemExit:
                    problems.append(f"`{' '.join(command)}`: {err.getvalue().strip().splitlines()[-1]}")
            elif name == "make":
                missing = [a for a in args if not a.startswith("-") and "=" not in a and a not in targets]
                problems += [f"`{' '.join(command)}`: no make target {m!r}" for m in missing]
            elif name.startswith("python") and args[:1] == ["-m"] and len(args) > 1:
                if importlib.util.find_spec(args[1]) is None:
                    problems.append(f"`{' '.join(command)}`: no module {args[1]}")
    return problems


def bad_inline_commands(text: str, parser: argparse.ArgumentParser) -> list[str]:
    """`course SUB --option` in running text: the subcommand exists and has each option named."""
    subs = subcommands(parser)
    problems = []
    for span in INLINE.findall(FENCE.sub("", text)):
        words = span.split()
        if words[:1] != ["course"]:
            continue
        words = words[1:]
        while words and words[0].startswith("-"):
            words = words[2:] if words[0] == "--course-dir" else words[1:]
        if not words or words[0] == "...":
            continue
        sub = subs.get(words[0])
        if sub is None:
            problems.append(f"`{span}`: no subcommand {words[0]!r}")
            continue
        known = {s for a in sub._actions for s in a.option_strings}
        for word in words[1:]:
            option = word.strip("[]").split("=")[0]
            if option.startswith("--") and option not in known:
                problems.append(f"`{span}`: `course {words[0]}` has no option {option}")
    return problems


def missing_paths(text: str) -> list[str]:
    """Repository paths named in backticks (`tests/test_hub.py`, `course/rubrics/*.yaml`) that are not there."""
    problems = []
    for span in INLINE.findall(text):
        if not span.startswith(TOP_FOLDERS) or " " in span or PLACEHOLDER.search(span):
            continue
        if not glob(str(ROOT / span.rstrip("/"))):
            problems.append(f"`{span}`: no such path")
    return problems


@pytest.fixture(scope="module")
def parser() -> argparse.ArgumentParser:
    return course_parser()


def test_the_course_parser_is_the_real_one(parser):
    assert {"grade", "review", "export", "check", "scenario"} <= set(subcommands(parser))
    assert parser.prog == "course"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_somewhere(page):
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_shown_is_one_the_course_has(page, parser):
    text = page.read_text(encoding="utf-8")
    assert bad_shell_commands(text, parser) + bad_inline_commands(text, parser) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_repository_path_named_exists(page):
    assert missing_paths(page.read_text(encoding="utf-8")) == []


def test_the_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in LINK.findall(without_code(readme))}
    assert set(PAGES[1:]) <= linked, "a guide in docs/ that the README does not link is a guide nobody finds"


def test_the_checks_catch_a_broken_link_a_made_up_command_and_a_missing_file(parser):
    page = ROOT / "docs" / "graders.md"
    text = ("# Title\n\nSee [the guide](deploying.md), [nowhere](no-such-guide.md), [a heading](#title), "
            "[no heading](#no-such-heading) and [no heading there](deploying.md#nothing-here).\n\n"
            "```sh\ncourse grade 01-appearance --jobs 2\ncourse regrade 01-appearance\n"
            "course export --format pdf\ncd somewhere && course grade\nmake demo\nmake deploy\n```\n\n"
            "Run `course review --similarity 3` or `course mark`, then read `tests/test_nothing.py`.\n")
    assert broken_links(page, text) == [
        "graders.md: link to no-such-guide.md: no such file",
        "graders.md: link to #no-such-heading: no such heading in graders.md",
        "graders.md: link to deploying.md#nothing-here: no such heading in deploying.md",
    ]
    shell = bad_shell_commands(text, parser)
    assert [p.split("`")[1] for p in shell] == [
        "course regrade 01-appearance", "course export --format pdf", "course grade", "make deploy"]
    assert "invalid choice: 'regrade'" in shell[0] and "invalid choice: 'pdf'" in shell[1]
    assert bad_inline_commands(text, parser) == [
        "`course review --similarity 3`: `course review` has no option --similarity",
        "`course mark`: no subcommand 'mark'",
    ]
    assert missing_paths(text) == ["`tests/test_nothing.py`: no such path"]


def test_heading_anchors_follow_github():
    assert slug("What a grader's browser, terminal and spreadsheet are protected from") == (
        "what-a-graders-browser-terminal-and-spreadsheet-are-protected-from")
    assert slug("`course grade`") == "course-grade"
    assert anchors("# A\n\n## A\n\n```sh\n# not a heading\n```\n") == {"a", "a-1"}
