"""`course review ASSIGNMENT --similar`: look-alike written answers, found among real independent answers.

The independent answers are the hand-written development calibration answers (many writers); near-copies
are planted among them. Only tests/calibration/blind/development is read: validation/ is sealed.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from course.cases import load_cases
from course.course_files import exercises, read_cells
from course.grade import similar
from course.score.payload import make_payload
from course.score.wording import sentences

ROOT = Path(__file__).resolve().parents[1]
DEVELOPMENT = ROOT / "tests" / "calibration" / "blind" / "development"
ASSIGNMENT, NOTEBOOK = "02-proper-language", "proper-language.ipynb"
SOURCE = ROOT / "source" / ASSIGNMENT / NOTEBOOK
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def written(source_nb: Path = SOURCE):
    return next(ex for ex in exercises(source_nb) if ex.key["kind"] == "reflection")


def development(exercise: str) -> list[dict]:
    """Every development answer to one exercise (files named EXERCISE.yaml and EXERCISE.roundN-....yaml)."""
    paths = sorted(p for p in DEVELOPMENT.glob("*.yaml") if p.name.split(".")[0] == exercise)
    assert paths, f"no development answers for {exercise}"
    return [item for p in paths for item in yaml.load(p.read_text("utf-8"), Loader=Loader)]


def prompt_of(exercise: str) -> str:
    for source_nb in sorted((ROOT / "source").glob("*/*.ipynb")):
        for ex in exercises(source_nb):
            if ex.key["exercise"] == exercise:
                return similar.release_prompt(ROOT, source_nb.parent.name, source_nb, ex.grade_id)
    raise AssertionError(exercise)


def prompt_cell() -> str:
    """The markdown cell that sets the written exercise and the case under it, as a student would paste them
    (without the Markdown)."""
    cells = read_cells(ROOT / "release" / ASSIGNMENT / NOTEBOOK)
    at = next(i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id") == written().grade_id)
    prompt = next(c["source"] for c in reversed(cells[:at]) if c["cell_type"] == "markdown")
    return re.sub(r"[#>*]", " ", f"{prompt}\n{load_cases(written().key['exercise'])[0].text}")


def own_words(text: str, prompt: str) -> int:
    return len(similar.strip_prompt(text, similar.prompt_runs(prompt)).keys)


def words_changed(text: str, rng: random.Random, n: int = 3) -> str:
    words = text.split()
    for i in rng.sample(range(len(words)), n):
        words[i] = rng.choice(["really", "quite", "soon", "also", "truly", "simply"])
    return " ".join(words)


def reordered(text: str) -> str:
    return " ".join(reversed(sentences(text)))


def sentence_added(text: str, donor: str) -> str:
    extra = next((s for s in sentences(donor) if 6 <= len(s.split()) <= 16), " ".join(donor.split()[:10]) + ".")
    parts = sentences(text)
    return " ".join(parts[:1] + [extra] + parts[1:])


def shares_words_in_a_row(a: str, b: str, n: int = similar.SHARED_RUN) -> bool:
    """An oracle apart from rapidfuzz: do the two texts hold the same n words in a row?"""
    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
    return bool(grams(a) & grams(b))


def pairs_of(found: list[similar.Pair]) -> set[frozenset[str]]:
    return {frozenset((p.student_a, p.student_b)) for p in found}


# The development answers hold near-variants: on all 11 exercises, 2 classes of 500 each, 0 to 4 pairs of
# independent writers per class were listed (21 in all), each pair sharing 8 or more words in a row (e.g.
# off-topic answers all written about the same printer). Classes here are 400.
MOST_INDEPENDENT = 4


@pytest.mark.parametrize("exercise", ["language-rewrite", "listening-restate", "confidential-password"])
def test_planted_copies_are_found_and_independent_writers_are_not(exercise):
    rng = random.Random(f"similar/{exercise}")
    prompt = prompt_of(exercise)
    items = rng.sample(development(exercise), 400)
    answers = {f"w{i:03d}": item["text"] for i, item in enumerate(items)}
    sources = [s for s, t in answers.items() if own_words(t, prompt) >= 30 and len(sentences(t)) >= 3]
    a, b, c, d, e, donor = rng.sample(sources, 6)
    copies = {
        "copy-words": (a, words_changed(answers[a], rng)),
        "copy-order": (b, reordered(answers[b])),
        "copy-added": (c, sentence_added(answers[c], answers[donor])),
        "copy-mixed": (d, reordered(words_changed(answers[d], rng, 2))),
        "ring-1": (e, reordered(answers[e])),  # a ring of three: e and two copies of it
        "ring-2": (e, words_changed(answers[e], rng)),
    }
    for name, (_, text) in copies.items():
        answers[name] = text
    planted = {frozenset((name, original)) for name, (original, _) in copies.items()}
    planted.add(frozenset(("ring-1", "ring-2")))

    found = similar.similar_pairs(answers, prompt, exercise)

    assert planted <= pairs_of(found), f"missed: {planted - pairs_of(found)}"
    independent = [p for p in found if frozenset((p.student_a, p.student_b)) not in planted]
    assert len(independent) <= MOST_INDEPENDENT, independent
    for p in independent:  # a listed pair of writers really does share a passage, word for word
        assert shares_words_in_a_row(answers[p.student_a], answers[p.student_b]), p
    for p in found:
        assert p.similarity >= similar.FLOOR and 0 < len(p.overlap) <= similar.OVERLAP_CHARS
        assert p.exercise == exercise


def test_answers_that_share_only_the_prompt_are_not_listed():
    exercise = "language-rewrite"
    prompt = prompt_of(exercise)
    rng = random.Random("similar/prompt")
    items = development(exercise)
    sample = rng.sample(items, 400)
    class_ = {f"w{i:03d}": item["text"] for i, item in enumerate(sample[:120])}
    task = prompt_cell()  # the exercise as the notebook sets it: the explanation to rewrite and what to do
    own = [i["text"] for i in sample[120:] if 8 <= own_words(i["text"], prompt) <= 25][:2]  # not in the class
    class_["quoter-1"] = f"{task} {own[0]}"
    class_["quoter-2"] = f"{own[1]} {task}"
    # The students whose answers copied the prompt or the notes (hand-marked "copied"), all in one class.
    class_ |= {f"copier-{i}": item["text"] for i, item in enumerate(i for i in items if i["kind"] == "copied")}

    unaware = pairs_of(similar.similar_pairs(class_, "", exercise))
    assert frozenset(("quoter-1", "quoter-2")) in unaware  # without the prompt left out, they would be listed
    assert sum(all(s.startswith("copier-") for s in pair) for pair in unaware) > 10

    listed = pairs_of(similar.similar_pairs(class_, prompt, exercise))
    assert not [pair for pair in listed if any(s.startswith(("quoter", "copier")) for s in pair)]


def test_a_class_that_all_writes_alike_lists_nobody(monkeypatch):
    """Everyone's answer is one template with a few words of their own: close to everyone, so to no one."""
    rng = random.Random("similar/alike")
    template = next(i["text"] for i in development("culture-greeting") if 40 <= len(i["text"].split()) <= 60)
    class_ = {f"s{i:02d}": words_changed(template, rng, 6) for i in range(40)}
    prompt = prompt_of("culture-greeting")
    assert similar.similar_pairs(class_, prompt) == []
    monkeypatch.setattr(similar, "MARGIN", -100.0)  # not measured against the class, hundreds of pairs would be
    assert len(similar.similar_pairs(class_, prompt)) > 100


def test_the_answer_is_read_from_the_cell_never_run(tmp_path):
    ex = written()
    cells = read_cells(ROOT / "release" / ASSIGNMENT / NOTEBOOK)
    answer = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == ex.grade_id)
    check = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == ex.check_id)
    assert similar.answer_text(cells, ex) is None  # the starter: nothing written yet
    answer["source"] = f'{ex.variable} = """\n"""\n{ex.variable} = """  My own words.  """\n'
    assert similar.answer_text(cells, ex) == "My own words."
    ran = tmp_path / "ran"
    answer["source"] = f'{ex.variable} = " ".join(["built", "by", "code"])\nopen({str(ran)!r}, "w")\n'
    assert similar.answer_text(cells, ex) is None  # not a literal, and no recorded answer
    assert not ran.exists()
    check["outputs"] = [{"output_type": "display_data", "data": {
        "application/vnd.aplus-course.answer+json": make_payload(ex.key["exercise"], "reflection", "built by code")}}]
    assert similar.answer_text(cells, ex) == "built by code"  # what its check cell recorded when the student ran it
    answer["source"] = f'{ex.variable} = """unterminated'
    check["outputs"] = []
    assert similar.answer_text(cells, ex) is None


def test_without_a_release_the_prompt_comes_from_the_source_without_its_solution(tmp_path):
    ex = written()
    (tmp_path / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(SOURCE, tmp_path / "source" / ASSIGNMENT / NOTEBOOK)
    prompt = similar.release_prompt(tmp_path, ASSIGNMENT, tmp_path / "source" / ASSIGNMENT / NOTEBOOK, ex.grade_id)
    model = re.findall(r'"""(.*?)"""', ex.solution, re.DOTALL)[-1].strip()
    assert "Ms. Chen runs a small travel agency" in prompt  # case 1's text: every case is part of the prompt
    assert sentences(model)[0] not in prompt  # copying the model answer is not the prompt's doing
    released = similar.release_prompt(ROOT, ASSIGNMENT, SOURCE, ex.grade_id)
    assert similar.prompt_runs(prompt) <= similar.prompt_runs(released)


# End to end: a course folder with a handful of submissions, read by `course review ASSIGNMENT --similar`.

HOSTILE_A = "\x1b[31mred[bold]"  # an escape sequence and rich markup in a student id (a "/" cannot be in one)
HOSTILE_B = "=HYPERLINK(\"x\")[bold]"


def _course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    shutil.copytree(ROOT / "release" / ASSIGNMENT, course / "release" / ASSIGNMENT)
    return course


def _submit(course: Path, student: str, text: str) -> Path:
    """The release notebook with the written answer filled in, as a student hands it in."""
    ex = written()
    nb = json.loads((course / "release" / ASSIGNMENT / NOTEBOOK).read_text("utf-8"))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == ex.grade_id:
            cell["source"] = f"# Write your explanation for Ms. Chen here.\n{ex.variable} = {text!r}\n"
    path = course / "submitted" / student / ASSIGNMENT / NOTEBOOK
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(nb), "utf-8")
    return path


def _review(course: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(course), "review", ASSIGNMENT,
                           "--similar", *extra], capture_output=True, text=True, timeout=120)


def test_course_review_similar_end_to_end(tmp_path):
    course = _course(tmp_path)
    prompt = prompt_of("language-rewrite")
    rng = random.Random("similar/e2e")
    pool = [i["text"] for i in development("language-rewrite")
            if i["kind"] != "copied" and own_words(i["text"], prompt) >= 30]
    texts = rng.sample(pool, 11)
    for i, text in enumerate(texts[:8]):
        _submit(course, f"student{i}", text)
    hostile = ("\x1b[2J[/]=cmd| Hello Ms. Chen, I looked at your machine this morning and found two things slowing "
               "it down. The disk that holds your files is nearly full, and a dozen programs start by themselves each "
               "time you switch it on. I will remove the programs you never use and move old photos to the external "
               "drive you already own. Afterwards it should be ready in about a minute instead of five. Call me on "
               "Friday if it still feels sluggish.")  # copied, with a screen-clearing escape, markup and a formula
    _submit(course, HOSTILE_A, hostile)
    copied = hostile.split()
    copied[-3], copied[-8] = "really", "quite"  # a couple of words changed near the end
    _submit(course, HOSTILE_B, " ".join(copied))
    _submit(course, "quoter1", f"{prompt_cell()} {texts[9]}")  # the prompt's own text, and their own words
    _submit(course, "quoter2", f"{texts[10]} {prompt_cell()}")
    broken = course / "submitted" / "broken" / ASSIGNMENT / NOTEBOOK
    broken.parent.mkdir(parents=True)
    broken.write_text("{ this is not a notebook")
    deep = course / "submitted" / "deep" / ASSIGNMENT / NOTEBOOK  # JSON nested past Python's recursion limit
    deep.parent.mkdir(parents=True)
    deep.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")

    proc = _review(course)

    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "\x1b" not in out
    assert "1 pair(s) of look-alike written answers" in out and "language-rewrite" in out
    assert "\\x1b[31mred[bold]" in out and '=HYPERLINK("x")[bold]' in out  # both students, printed as they are
    assert "\\x1b[2J[/]=cmd| Hello Ms. Chen" in out  # the shared passage, inert
    assert "quoter" not in out
    assert re.search(r"could not read 2 notebook\(s\), skipped: broken/proper-language\.ipynb, "
                     r"deep/proper-language\.ipynb", out)
    assert "12 answers read" in out

    higher = _review(course, "--min-similarity", "101")
    assert higher.returncode == 0, higher.stderr
    assert higher.stdout.splitlines()[0] == f"{ASSIGNMENT}: no look-alike written answers (12 answers read)"


def test_course_review_similar_says_so_when_nothing_stands_out(tmp_path):
    course = _course(tmp_path)
    rng = random.Random("similar/none")
    for i, item in enumerate(rng.sample(development("language-rewrite"), 6)):
        _submit(course, f"student{i}", item["text"])
    proc = _review(course)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{ASSIGNMENT}: no look-alike written answers (6 answers read)"
