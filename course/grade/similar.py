"""`course review ASSIGNMENT --similar`: pairs of written answers far closer to each other than to the class.

A collusion check for graders. It reads what students handed in (submitted/, before or after grading;
autograded/ holds the same answer cells, so reading it would only make the check wait for a grading run),
leaves out the words the notebook itself supplies, scores every pair of answers to an exercise with
rapidfuzz and lists the pairs that stand out. A listed pair is a reason to read both answers, not proof.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq
from rapidfuzz.utils import default_process

from course.cases import shown_in, with_cases
from course.course_files import Exercise, exercises, notebooks, read_cells
from course.errors import CourseError
from course.score.payload import find_payloads
from course.score.reflection import clean_text

# The rule: see similar_pairs. Scores are rapidfuzz's token_sort_ratio (0-100) on the words outside the prompt.
FLOOR = 80.0  # the least score a listed pair has
MARGIN = 25.0  # how far above each student's typical score against the class
SHARED_RUN = 8  # words in a row a listed pair shares outside the prompt; shorter answers are not compared
PROMPT_RUN = 4  # a run of this many words that also appears in the notebook's own text is the prompt's
OVERLAP_CHARS = 120  # the shared passage shown in the table
MAX_BYTES = 50_000_000  # a bigger "notebook" is not read (nbgrader's exchange takes up to 100 MB)
MAX_CELL = 1_000_000  # an answer cell longer than this is not parsed (an answer may have 20,000 characters)
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION.*?(### END SOLUTION|\Z)", re.DOTALL)  # not in the release


@dataclass(frozen=True)
class Pair:
    exercise: str
    student_a: str
    student_b: str
    similarity: float
    overlap: str  # the longest passages they share, in A's words


@dataclass
class Report:
    pairs: list[Pair] = field(default_factory=list)
    answers: int = 0  # written answers read (blank ones not counted), over all written exercises
    unreadable: list[str] = field(default_factory=list)  # "student/notebook.ipynb" skipped


@dataclass(frozen=True)
class Words:
    """An answer's words outside the prompt, normalised to compare, and where each stands in the answer as written
    (to show a shared passage as the student wrote it, and to tell where prompt words were taken out)."""

    written: list[str]
    at: list[int]  # each kept word's index in `written`
    keys: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.keys)

    def passage(self, start: int, end: int) -> str:
        return " ".join(self.written[self.at[start]:self.at[end - 1] + 1])


def prompt_runs(prompt: str) -> set[tuple[str, ...]]:
    """Every run of PROMPT_RUN words in the notebook's own text."""
    keys = [k for k in map(default_process, prompt.split()) if k]
    return {tuple(keys[i:i + PROMPT_RUN]) for i in range(len(keys) - PROMPT_RUN + 1)}


def strip_prompt(text: str, runs: set[tuple[str, ...]]) -> Words:
    """The answer without any run of PROMPT_RUN or more words that the prompt also has: two students who
    both quote the task, the notes' examples or the starter text must not look alike for that."""
    written = [w for w in text.split() if default_process(w)]
    keys = [default_process(w) for w in written]
    drop = [False] * len(keys)
    for i in range(len(keys) - PROMPT_RUN + 1):
        if tuple(keys[i:i + PROMPT_RUN]) in runs:
            drop[i:i + PROMPT_RUN] = [True] * PROMPT_RUN
    at = [i for i, gone in enumerate(drop) if not gone]
    return Words(written, at, [keys[i] for i in at])


def _literal(source: str, variable: str) -> object:
    """The value the cell last assigns to `variable`, if it is a literal (a string in quotes); else None.
    Read, never run: this is student code."""
    if len(source) > MAX_CELL:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    value = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                value = None
    return value


def answer_text(cells: list[dict], exercise: Exercise) -> str | None:
    """A student's written answer, as grading would read it: the answer cell's string, else the answer its
    check cell recorded when the student ran it (an answer built by code), through the rubric's clean_text."""
    by_id = {str(c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")): c for c in cells}
    answer = _literal(str(by_id.get(exercise.grade_id, {}).get("source", "")), exercise.variable)
    if not isinstance(answer, str):
        recorded = find_payloads(by_id.get(exercise.check_id, {}).get("outputs") or [], exercise.key["exercise"])
        answer = recorded[0].get("answer") if len(recorded) == 1 else answer
    return clean_text(answer)[0]


def _notebook_prompt(cells: list[dict], grade_id: str) -> str:
    """The notebook's own text: every markdown cell (the task, the notes and their examples), the answer
    cell as released (comment lines, any template), solution region cut if this is the source notebook, and
    every case it shows."""
    markdown = "\n".join(c["source"] for c in cells if c.get("cell_type") == "markdown")
    text = [with_cases(markdown, shown_in(c["source"] for c in cells if c.get("cell_type") == "code"))]
    text += [SOLUTION_REGION.sub("", c["source"]) for c in cells
             if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    return "\n".join(text)


def release_prompt(root: Path, assignment: str, source_nb: Path, grade_id: str) -> str:
    """The prompt from the release notebook students started from; the source notebook if none was built."""
    try:
        return _notebook_prompt(read_cells(root / "release" / assignment / source_nb.name), grade_id)
    except CourseError:
        return _notebook_prompt(read_cells(source_nb), grade_id)


def _longest_runs(a: Words, b: Words) -> list[tuple[int, int]]:
    """The passages A and B share word for word ([start, end) in A), longest first: rapidfuzz's alignment of
    their words, cut wherever prompt words were taken out between two of them in either answer (the words
    around a quotation of the prompt are not a passage)."""
    runs = []
    for op in LCSseq.opcodes(a.keys, b.keys):
        if op.tag != "equal":
            continue
        start, shift = op.src_start, op.dest_start - op.src_start
        for k in range(op.src_start + 1, op.src_end + 1):
            if k == op.src_end or a.at[k] != a.at[k - 1] + 1 or b.at[k + shift] != b.at[k + shift - 1] + 1:
                runs.append((start, k))
                start = k
    return sorted(runs, key=lambda r: r[0] - r[1])


def overlap(a: Words, runs: list[tuple[int, int]], limit: int = OVERLAP_CHARS) -> str:
    """The longest shared passages in A's own words and order, joined by " … ", cut to about `limit` chars."""
    chosen, size = [], 0
    for start, end in runs:
        if end - start < 3 or (chosen and size >= limit):
            break
        chosen.append((start, end))
        size += len(a.passage(start, end)) + 3
    text = " … ".join(a.passage(s, e) for s, e in sorted(chosen))
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def similar_pairs(answers: dict[str, str], prompt: str, exercise: str = "", floor: float = FLOOR) -> list[Pair]:
    """The pairs of `answers` (student -> text) that stand out, most alike first. A pair is listed when

    1. its score is at least `floor` (FLOOR): most of the two answers' words are the same words, in any order;
    2. that score is at least MARGIN above EACH student's typical score, the median of their scores against
       everyone else leaving out their single closest match (the partner in question). A class that all
       writes alike has high typical scores, so nobody stands out for it; a ring of several copies does not
       hide itself, since a median barely moves;
    3. the two share SHARED_RUN words in a row, none of them the prompt's. Terse notes of the same facts
       ("printer - cable loose - test page ok") and answers quoting the prompt score high on 1 and 2, but share
       only runs of two to five words of their own; copying shares sentences.

    Chosen on the development calibration answers (many writers; 11 exercises, 500 to a class, near-copies
    planted): 259 of 264 planted copies listed (of the 5 missed, 3 copied answers that were mostly the prompt
    copied out, 2 had a sentence added half as long as the original), and about one other pair per class (21 in
    22 classes), each sharing 8 or more words in a row: writers whose answers really are near-alike.
    """
    runs = prompt_runs(prompt)
    stripped = {s: w for s, t in answers.items() if len((w := strip_prompt(t, runs)).keys) >= SHARED_RUN}
    students = sorted(stripped)
    if len(students) < 2:
        return []
    texts = [stripped[s].text for s in students]
    # token_sort_ratio, computed as ratio on each answer's words sorted once: the same scores (fuzz.token_sort_ratio
    # sorts both strings for every pair, which cdist cannot run in parallel), four times faster.
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, processor=_sorted_words, workers=-1, dtype=np.float32)
    np.fill_diagonal(scores, -1.0)
    ranked = np.sort(scores, axis=1)[:, 1:-1]  # each row without itself and its closest match
    typical = np.median(ranked, axis=1) if ranked.shape[1] else np.zeros(len(students))
    first, second = np.nonzero(np.triu(scores >= floor, 1))
    found = []
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        score = float(scores[i, j])
        if score < typical[i] + MARGIN or score < typical[j] + MARGIN:
            continue
        a, b = stripped[students[i]], stripped[students[j]]
        shared = _longest_runs(a, b)
        if shared and shared[0][1] - shared[0][0] >= SHARED_RUN:
            found.append(Pair(exercise, students[i], students[j], round(score, 1), overlap(a, shared)))
    return sorted(found, key=lambda p: (-p.similarity, p.student_a, p.student_b))


def find_similar(root: Path, assignment: str, floor: float = FLOOR) -> Report:
    """Every written exercise of `assignment`, compared across submitted/*/ASSIGNMENT/ notebooks."""
    report = Report()
    sources = notebooks(root, assignment)
    if not sources:
        raise CourseError(f"source/{assignment} has no notebooks; check the assignment name")
    for source_nb in sources:
        written = [ex for ex in exercises(source_nb) if ex.key.get("kind") == "reflection"]
        if not written:
            continue
        answers: dict[str, dict[str, str]] = {ex.key["exercise"]: {} for ex in written}
        for path in sorted((root / "submitted").glob(f"*/{assignment}/{source_nb.name}")):
            student = path.parent.parent.name
            try:
                if any(q.is_symlink() for q in (path, path.parent, path.parent.parent)) or not path.is_file() \
                        or path.stat().st_size > MAX_BYTES:
                    raise CourseError(f"{path}: a link, not a file, or too large")  # never followed or read
                cells = read_cells(path)
                texts = {ex.key["exercise"]: answer_text(cells, ex) for ex in written}
            except (CourseError, OSError, AttributeError, TypeError, ValueError, KeyError):
                report.unreadable.append(f"{student}/{path.name}")
                continue
            for name, text in texts.items():
                if text:
                    answers[name][student] = text
        for ex in written:
            name = ex.key["exercise"]
            report.answers += len(answers[name])
            prompt = release_prompt(root, assignment, source_nb, ex.grade_id)
            report.pairs += similar_pairs(answers[name], prompt, name, floor)
    return report
