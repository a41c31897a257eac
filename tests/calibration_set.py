"""The hand-marked calibration set: prompts, keys and answers, wherever they live.

Every prompt's key (ideas, rubric, topic) and its copy-check reference come from the exercise's
source notebook, exactly as autograde sees them. `tests/calibration/prompts.yaml` keeps only the
older wording three prompts had when the older answers were written: those answers are checked for
copying against it. Answers live in `tests/calibration/answers*.yaml` (older) and
`tests/calibration/blind/` (written blind, in a development and a sealed validation split).

Run `python tests/calibration_set.py [PROMPT]` to print hand mark against rubric mark.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from functools import cache
from pathlib import Path

import nbformat

from course import yaml_text
from course.author import second_reader, tone_model
from course.author.tone_model import round_of
from course.cases import with_cases
from course.course_files import assignments, exercises, notebooks
from course.score import second_reading, tone
from course.score.reflection import score_reflection

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).parent / "calibration"
POINTS = 4.0
# The second reader autograde uses, from the course's source/ folder; `graded_by_unseen_models` swaps in its own.
READER = {"model": second_reading.load(str(ROOT / second_reading.FILE))}


def shipped_prompts(root: Path = ROOT) -> dict[str, dict]:
    """Every reflection exercise in source/, keyed by exercise id."""
    found = {}
    for name in assignments(root):
        for path in notebooks(root, name):
            nb = nbformat.read(path, as_version=4)
            found_here = exercises(path)
            reference = with_cases("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"),
                                   [ex.key["exercise"] for ex in found_here])
            for ex in found_here:
                if ex.key.get("kind") == "reflection":
                    found[ex.key["exercise"]] = {"rubric": ex.key.get("rubric", "plain-language"),
                                                 "ideas": ex.key["ideas"], "prompt": reference,
                                                 "topic": ex.key.get("topic"),
                                                 "notebook": str(path.relative_to(root))}
    return found


def load_prompts() -> dict[str, dict]:
    prompts = shipped_prompts()
    for name, entry in yaml_text.load((HERE / "prompts.yaml").read_text(encoding="utf-8")).items():
        prompts[name] = {**prompts[name], "prompt": entry["prompt"]}  # the older wording, the shipped key
    return prompts


def load_answers() -> list[dict]:
    answers = []
    for path in sorted(HERE.glob("answers*.yaml")):
        for item in yaml_text.load(path.read_text(encoding="utf-8")) or []:
            answers.append({**item, "file": path.name})
    return answers


PROMPTS = load_prompts()
SHIPPED = shipped_prompts()
ANSWERS = load_answers()


BLIND = HERE / "blind"
SPLITS = ("development", "validation")


def load_blind(split: str) -> list[dict]:
    """The blind set's answers in one split (see tests/calibration/blind/*/): read once per run, 80 MB of YAML."""
    return list(_blind(split))


@cache
def _blind(split: str) -> tuple[dict, ...]:
    files = tone_model.development() if split == "development" else [  # read once, shared with the models' rows
        (path.name, yaml_text.load(path.read_text("utf-8"))) for path in sorted((BLIND / split).glob("*.yaml"))]
    return tuple({**item, "file": f"blind/{split}/{name}"} for name, items in files for item in items)


def grade(item: dict):
    """(rubric mark out of POINTS, the grader-review reason or None) for one calibration answer."""
    from course.grade.scoring_steps import review_reason

    prompt = PROMPTS[item["prompt"]]
    # Blind answers were written from the release notebook: copying is measured against its text, as
    # autograde does; the older answers, against the older wording they were written from.
    reference = SHIPPED[item["prompt"]]["prompt"] if item.get("file", "").startswith("blind/") else prompt["prompt"]
    key = {"kind": "reflection", "ideas": prompt["ideas"], "topic": prompt.get("topic")}
    model = READER["model"]
    second = (lambda text: second_reading.reading(model, text, item["prompt"])) if model else None
    result = score_reflection(item["text"], prompt["ideas"], prompt["rubric"], reference=reference,
                              topic=prompt.get("topic"), second=second)
    return result.points(POINTS), review_reason(key, result, [])


def machine_mark(item: dict) -> float:
    return grade(item)[0]


def _grade_chunk(chunk: list[dict]) -> list[tuple[float, str | None]]:
    return [grade(item) for item in chunk]


def graded(items: list[dict]) -> list[tuple[dict, float, str | None]]:
    """(item, rubric mark, review reason) for each item: thousands of answers are graded on every core."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(items) < 400:
        return [(item, *grade(item)) for item in items]
    chunks = [items[i::workers] for i in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        done = pool.map(_grade_chunk, chunks)
    marks = {}
    for chunk, results in zip(chunks, done, strict=True):
        marks.update({id(item): result for item, result in zip(chunk, results, strict=True)})
    return [(item, *marks[id(item)]) for item in items]


Graded = list[tuple[dict, float, str | None]]


def figures(rows: Graded) -> dict:
    """The agreement figures issue 18 sets bars for, over graded answers (see `graded`)."""
    n = len(rows) or 1
    off = [(item, mark) for item, mark, _ in rows if abs(mark - item["mark"]) > 1.0]
    return {
        "n": len(rows),
        "within_1": sum(abs(mark - item["mark"]) <= 1.0 for item, mark, _ in rows) / n,
        "mae": sum(abs(mark - item["mark"]) for item, mark, _ in rows) / n,
        "bias": sum(mark - item["mark"] for item, mark, _ in rows) / n,
        "failed_but_passed": [item for item, mark, _ in rows if item["mark"] < 2 and mark >= 3],
        "off_unflagged": sum(abs(mark - item["mark"]) > 1.0 and not flag for item, mark, flag in rows) / n,
        "flagged": sum(bool(flag) for _item, _mark, flag in rows) / n,
        "off": off,
    }


def summary(name: str, f: dict) -> str:
    return (f"{name:12} n={f['n']:3}  within 1 point {f['within_1']:.0%}  MAE {f['mae']:.2f}  bias {f['bias']:+.2f}  "
            f"failed-but-passed {len(f['failed_but_passed'])}  off>1 unflagged {f['off_unflagged']:.0%}  "
            f"flagged {f['flagged']:.0%}")


def by_kind(rows: Graded) -> dict[str, dict]:
    kinds = sorted({item["kind"] for item, _, _ in rows})
    return {kind: figures([r for r in rows if r[0]["kind"] == kind]) for kind in kinds}


def graded_by_unseen_models(items: list[dict]) -> Graded:
    """Each calibration round graded by a tone model and a second reader fitted without it: how the rubric
    does on words it never saw."""
    rows, written, shipped = tone_model.answer_rows(), tone_model.written_rows(), tone.model
    marked, reader = second_reader.rows(), READER["model"]
    out: Graded = []
    try:
        for held in sorted({round_of(item["file"]) for item in items}):
            fitted = tone_model.fit(written + [row for row, _, _ in rows if row[2] != held])
            tone.model = lambda fitted=fitted: fitted
            READER["model"] = second_reader.fit([row for row in marked if row[3] != held])
            out += graded([item for item in items if round_of(item["file"]) == held])
    finally:
        tone.model, READER["model"] = shipped, reader
    return out


def main(args: list[str]) -> None:
    """`calibration_set.py [PROMPT]`: the older set; `--blind [PROMPT]`: the blind DEVELOPMENT split only;
    `--blind --unseen`: figures only, each development round graded by a tone model that never saw it.

    The validation split is never printed here: tune on development, and let the test report validation.
    """
    blind = "--blind" in args
    only = next((a for a in args if not a.startswith("--")), None)
    items = [i for i in (load_blind("development") if blind else ANSWERS) if not only or i["prompt"] == only]
    if blind and "--unseen" in args:
        rows = graded_by_unseen_models(items)
        for name in sorted({round_of(item["file"]) for item in items}):
            print(summary(name, figures([r for r in rows if round_of(r[0]["file"]) == name])))
        print(summary("all", figures(rows)))
        return
    rows = graded(items)
    for item, mark, flag in rows:
        off = "   <-- off by more than 1" if abs(mark - item["mark"]) > 1.0 else ""
        print(f"{item['prompt']:22} {item['kind']:18} hand {item['mark']:<4} rubric {mark:.2f} "
              f"{'[flag: ' + flag + ']' if flag else ''}{off}")
        if off:
            print(f"    hand: {item['reason']}\n    text: {item['text'][:300]!r}")
    for kind, f in by_kind(rows).items():
        print(summary(kind, f))
    print(summary("all", figures(rows)))



if __name__ == "__main__":
    main(sys.argv[1:])
