"""Hostile submissions: each case turns a release notebook into one student's submission folder.

A case names the most its honest parts can earn per exercise (`cap`, by grade id of the check
cell); anything above that means the grading was fooled. `exact` lists exercises whose honest
answer must earn full points, so a defence that punishes honest work is caught too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.course_files import Exercise

RANK, REWRITE = "ranking-check", "rewrite-check"
RANK_ANSWER, REWRITE_ANSWER = "ranking-answer", "rewrite-answer"
FULL = {RANK: 3.0, REWRITE: 4.0}
ZERO = {RANK: 0.0, REWRITE: 0.0}


@dataclass
class Kit:
    """What a builder works with: the release notebook, the source exercises, the folder."""

    nb: nbformat.NotebookNode
    exercises: dict[str, Exercise]  # by answer grade id
    folder: Path
    name: str  # notebook file name

    def cell(self, grade_id: str):
        return next(c for c in self.nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)

    def answer(self, grade_id: str, source: str) -> None:
        self.cell(grade_id).source = source

    def honest(self, *grade_ids: str) -> None:
        for gid in grade_ids or (RANK_ANSWER, REWRITE_ANSWER):
            self.answer(gid, self.exercises[gid].solution)

    @property
    def reversed_key(self) -> list[str]:
        """The exact reverse of the key's order: every pair wrong, so it honestly earns 0."""
        return list(reversed(self.exercises[RANK_ANSWER].key["order"]))

    def wrong_ranking(self) -> str:
        return f"ranking = {self.reversed_key!r}\n"

    def delete(self, grade_id: str) -> None:
        self.nb.cells = [c for c in self.nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]

    def write(self) -> None:
        nbformat.write(self.nb, self.folder / self.name)


@dataclass
class Case:
    name: str
    build: Callable[[Kit], None]
    cap: dict[str, float]
    exact: tuple[str, ...] = ()
    why: str = ""
    notebook: bool = True  # False: the builder writes (or omits) the notebook itself
    extra: dict = field(default_factory=dict)


def _write_after(build: Callable[[Kit], None]) -> Callable[[Kit], None]:
    def run(kit: Kit) -> None:
        build(kit)
        kit.write()
    return run


CASES: list[Case] = []


def case(name: str, cap: dict[str, float], exact: tuple[str, ...] = (), why: str = "", notebook: bool = True):
    def register(build: Callable[[Kit], None]) -> Callable[[Kit], None]:
        CASES.append(Case(name, _write_after(build) if notebook else build, cap, exact, why, notebook))
        return build
    return register


@case("honest", FULL, exact=(RANK, REWRITE), why="control: the model answers earn full marks")
def _honest(kit: Kit) -> None:
    kit.honest()


@case("raise-before-answer", {RANK: 0, REWRITE: 4}, exact=(REWRITE,))
def _raise_before(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.answer(RANK_ANSWER, 'raise ValueError("not yet")\n')


@case("raise-after-answer", FULL, exact=(RANK, REWRITE), why="an error after the answer is set costs nothing")
def _raise_after(kit: Kit) -> None:
    kit.honest()
    kit.answer(RANK_ANSWER, kit.exercises[RANK_ANSWER].solution + '\nraise RuntimeError("oops")\n')


@case("infinite-loop", {RANK: 0, REWRITE: 4}, exact=(REWRITE,))
def _loop(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.answer(RANK_ANSWER, "while True:\n    pass\n")


@case("loop-swallows-interrupt", {RANK: 0, REWRITE: 4}, exact=(REWRITE,),
      why="the kernel ignores the interrupt: grading must restart it and go on")
def _stubborn(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.answer(RANK_ANSWER, "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                            "    except KeyboardInterrupt:\n        pass\n")


@case("deleted-test-cell", {RANK: 3, REWRITE: 4}, exact=(REWRITE,))
def _deleted_test(kit: Kit) -> None:
    kit.honest()
    kit.delete(RANK)


@case("edited-test-cell", ZERO, why="the check cell is restored from the gradebook; the wrong answers score 0")
def _edited_test(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, kit.wrong_ranking())
    kit.cell(RANK).source = "print('Score: 3 of 3')\n3.0\n"
    kit.cell(REWRITE).source = "4.0\n"


@case("edited-read-only-cell", FULL, exact=(RANK, REWRITE))
def _edited_markdown(kit: Kit) -> None:
    kit.honest()
    for cell in kit.nb.cells:
        if cell.cell_type == "markdown":
            cell.source = "I changed this."


@case("deleted-answer-cell", {RANK: 0, REWRITE: 4}, exact=(REWRITE,),
      why="a restored answer cell must come back as the blank stub, never the solution")
def _deleted_answer(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.delete(RANK_ANSWER)


@case("empty-notebook", ZERO, why="every cell restored blank: nothing earned")
def _empty(kit: Kit) -> None:
    kit.nb.cells = []


@case("tampered-metadata", ZERO, why="points and grade ids in metadata are the gradebook's, not the student's")
def _tampered(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, kit.wrong_ranking())
    kit.cell(RANK).metadata["nbgrader"]["points"] = 100
    kit.cell(REWRITE_ANSWER).metadata["nbgrader"]["grade_id"] = "something-else"
    kit.nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "x", "language": "python"}


@case("wrong-types", ZERO)
def _wrong_types(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, f"ranking = {''.join(kit.reversed_key)!r}  # a string, not a list\n")
    kit.answer(REWRITE_ANSWER, "rewrite = 42\n")


@case("str-and-list-subclasses", ZERO, why="comparisons that always succeed must not match a key")
def _subclasses(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "class Sneaky(list):\n"
        "    def __eq__(self, other): return True\n"
        "    def __ne__(self, other): return False\n"
        "    def index(self, x, *a): return 'ABCDE'.index(x)\n"
        f"ranking = Sneaky({kit.reversed_key!r})\n"
    ))
    kit.answer(REWRITE_ANSWER, (
        "class Sly(str):\n"
        "    def __contains__(self, x): return True\n"
        "    def __eq__(self, other): return True\n"
        "    def lower(self): return self\n"
        "rewrite = Sly('ok')\n"
    ))


@case("monkeypatched-scorers", ZERO)
def _patched_scorers(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "import course.record, course.score.ranking, course.score.reflection\n"
        "course.record.record_ranking = lambda *a, **k: 3.0\n"
        "course.record.record_reflection = lambda *a, **k: 4.0\n"
        "course.score.ranking.score_ranking = lambda *a, **k: 1.0\n"
        "course.score.reflection.score_reflection = lambda *a, **k: 1.0\n"
        + kit.wrong_ranking()
    ))


@case("monkeypatched-builtins", ZERO)
def _patched_builtins(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "import builtins\n"
        "builtins.isinstance = lambda *a: True\n"
        "builtins.sorted = lambda x, **k: list(x)\n"
        "builtins.len = lambda x: 5\n"
        + kit.wrong_ranking()
    ))


@case("monkeypatched-importlib", ZERO, why="a fake course.record module only records what the student gives it")
def _patched_importlib(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "import importlib, sys, types\n"
        "fake = types.ModuleType('course.record')\n"
        "fake.record_ranking = lambda *a, **k: print('3.0')\n"
        "fake.record_reflection = lambda *a, **k: print('4.0')\n"
        "sys.modules['course.record'] = fake\n"
        "importlib.import_module = lambda name, *a: fake\n"
        "importlib.reload = lambda m: m\n"
        + kit.wrong_ranking()
    ))


@case("forged-payloads", ZERO, why="a hand-made answer record is still the student's answer; two of them score 0")
def _forged(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "from IPython.display import display\n"
        "MIME = 'application/vnd.aplus-course.answer+json'\n"
        "display({MIME: {'v': 1, 'exercise': 'language-ranking', 'kind': 'ranking',\n"
        f"                'answer': {kit.reversed_key!r}, 'score': 3, 'points': 3}}}}, raw=True)\n"
        + kit.wrong_ranking()
    ))
    kit.answer(REWRITE_ANSWER, (
        "from IPython.display import display\n"
        "for _ in range(2):\n"
        "    display({'application/vnd.aplus-course.answer+json': {'v': 1, 'exercise': 'language-rewrite',\n"
        "             'kind': 'reflection', 'answer': 'fine'}}, raw=True)\n"
        "rewrite = 'fine'\n"
    ))


@case("input-transformer", ZERO, why="rewriting later cells only stops the student's own answers being recorded")
def _transformer(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.answer(RANK_ANSWER, (
        "def forge(lines):\n"
        "    return ['print(\"Score: 3 of 3\")\\n', '3.0\\n']\n"
        "get_ipython().input_transformers_post.append(forge)\n"
        + kit.wrong_ranking()
    ))


@case("fake-score-and-stderr", ZERO)
def _fake_score(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "import sys\n"
        "print('Score: 3.0 of 3 points')\n"
        "sys.stderr.write('All tests passed\\n')\n"
        + kit.wrong_ranking()
    ))


@case("honest-with-stderr-and-warnings", FULL, exact=(RANK, REWRITE),
      why="plain nbgrader gives 0 to a correct answer that writes to stderr; we must not")
def _stderr(kit: Kit) -> None:
    kit.honest()
    cell = kit.cell(RANK_ANSWER)
    cell.source = ("import sys, warnings\nsys.stderr.write('a note on stderr\\n')\n"
                   "warnings.warn('old API', DeprecationWarning)\nwarnings.warn('careful')\n" + cell.source)


@case("huge-output", {RANK: 3, REWRITE: 4}, exact=(RANK, REWRITE), why="100 MB of output is cut, not stored")
def _huge(kit: Kit) -> None:
    kit.honest()
    cell = kit.cell(RANK_ANSWER)
    cell.source += "\nline = 'x' * 999\nfor _ in range(100_000):\n    print(line)\nprint('y' * 5_000_000)\n"


@case("one-huge-line", {RANK: 3, REWRITE: 4}, exact=(RANK, REWRITE), why="a 30 MB single line is cut too")
def _huge_line(kit: Kit) -> None:
    kit.honest()
    kit.cell(REWRITE_ANSWER).source += (
        "\nprint('z' * 30_000_000)\nfrom IPython.display import HTML\nHTML('<b>' * 10**6)\n"
    )


@case("sys-exit", {RANK: 0, REWRITE: 4}, exact=(REWRITE,))
def _sys_exit(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.answer(RANK_ANSWER, "import sys\nsys.exit(0)\n")


@case("os-exit", {RANK: 0, REWRITE: 4}, exact=(REWRITE,), why="the kernel dies: grading restarts it and goes on")
def _os_exit(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.answer(RANK_ANSWER, "import os\nos._exit(3)\n")


@case("kill-kernel", {RANK: 0, REWRITE: 4}, exact=(REWRITE,))
def _kill(kit: Kit) -> None:
    kit.honest(REWRITE_ANSWER)
    kit.answer(RANK_ANSWER, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")


@case("reads-files-for-keys", ZERO, why="reading the course folder does not change the score (sandboxing: issue 9)")
def _reads(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "import glob, os\n"
        "for path in glob.glob('../../../**/*.ipynb', recursive=True)[:5]:\n"
        "    print(path, open(path, encoding='utf-8', errors='replace').read()[:200])\n"
        "for path in glob.glob('../../../*.db'):\n"
        "    print(path, os.path.getsize(path))\n"
        + kit.wrong_ranking()
    ))


@case("unicode-and-emoji", {RANK: 0, REWRITE: 4})
def _unicode(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, "ranking = ['Ｂ', 'Ｄ', 'Ａ', 'Ｅ', 'Ｃ']  # full-width letters\n")
    kit.answer(REWRITE_ANSWER, 'rewrite = """Ça marche 👍 — 你好! Your computer 💻 is fine 🙂. 🎉🎉🎉"""\n')


@case("huge-answer", ZERO)
def _huge_answer(kit: Kit) -> None:
    kit.answer(REWRITE_ANSWER, "rewrite = 'word ' * 2_000_000\n")
    kit.answer(RANK_ANSWER, "ranking = ['A'] * 1_000_000\n")


@case("records-twice", ZERO, why="calling the recorder twice is two answers: 0")
def _twice(kit: Kit) -> None:
    kit.answer(RANK_ANSWER, (
        "from course.record import record_ranking\n"
        "for guess in (['A','B','C','D','E'], ['E','D','C','B','A']):\n"
        "    try:\n        record_ranking('language-ranking', guess, choices='ABCDE')\n"
        "    except Exception:\n        pass\n"
        + kit.wrong_ranking()
    ))


@case("extra-files", FULL, exact=(RANK, REWRITE), why="files beside the notebook change nothing")
def _extra(kit: Kit) -> None:
    kit.honest()
    (kit.folder / "notes.txt").write_text("my notes")
    (kit.folder / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = 1\n")
    fake = kit.folder / "course"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "record.py").write_text("def record_ranking(*a, **k):\n    print(3.0)\n"
                                   "def record_reflection(*a, **k):\n    print(4.0)\n")


def _corrupt(kit: Kit) -> None:
    (kit.folder / kit.name).write_text('{"cells": [ this is not json', encoding="utf-8")


CASES.append(Case("corrupt-json", _corrupt, ZERO, notebook=False,
                  why="an unreadable notebook is graded as blank, kept aside, and the feedback says why"))


def _not_a_notebook(kit: Kit) -> None:
    (kit.folder / kit.name).write_text(json.dumps({"hello": "world"}), encoding="utf-8")


CASES.append(Case("valid-json-not-a-notebook", _not_a_notebook, ZERO, notebook=False))


def _missing(kit: Kit) -> None:
    (kit.folder / "answers.txt").write_text("I wrote my answers here instead")


CASES.append(Case("missing-notebook", _missing, ZERO, notebook=False,
                  why="no notebook handed in: still a gradebook row, a 0 and feedback"))
