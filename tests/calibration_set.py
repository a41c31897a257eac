"""The hand-marked calibration set: prompts, keys and answers, wherever they live.

A prompt comes from `tests/calibration/prompts.yaml` (exercises not shipped yet) or, for a shipped
reflection exercise, from its source notebook: the key's ideas and rubric, and the notebook's own
words as the copy-check reference, exactly as autograde sees them. Answers live in
`tests/calibration/answers*.yaml`, so each exercise can keep its own file.

Run `python tests/calibration_set.py [PROMPT]` to print hand mark against rubric mark.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

from course.author.source import assignments, exercises, notebooks
from course.grade.reflection import score_reflection

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).parent / "calibration"
POINTS = 4.0


def shipped_prompts(root: Path = ROOT) -> dict[str, dict]:
    """Every reflection exercise in source/, keyed by exercise id."""
    found = {}
    for name in assignments(root):
        for path in notebooks(root, name):
            nb = nbformat.read(path, as_version=4)
            reference = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
            for ex in exercises(path):
                if ex.key.get("kind") == "reflection":
                    found[ex.key["exercise"]] = {"rubric": ex.key.get("rubric", "plain-language"),
                                                 "ideas": ex.key["ideas"], "prompt": reference,
                                                 "notebook": str(path.relative_to(root))}
    return found


def load_prompts() -> dict[str, dict]:
    prompts = shipped_prompts()
    prompts.update(yaml.safe_load((HERE / "prompts.yaml").read_text(encoding="utf-8")))
    return prompts


def load_answers() -> list[dict]:
    answers = []
    for path in sorted(HERE.glob("answers*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            answers.append({**item, "file": path.name})
    return answers


PROMPTS = load_prompts()
ANSWERS = load_answers()


def machine_mark(item: dict) -> float:
    prompt = PROMPTS[item["prompt"]]
    return score_reflection(item["text"], prompt["ideas"], prompt["rubric"], reference=prompt["prompt"]).points(POINTS)


def main(only: str | None = None) -> None:
    close = total = 0
    for item in ANSWERS:
        if only and item["prompt"] != only:
            continue
        mark = machine_mark(item)
        total += 1
        close += abs(mark - item["mark"]) <= 1.0
        flag = "" if abs(mark - item["mark"]) <= 1.0 else "   <-- off by more than 1"
        print(f"{item['prompt']:24} {item['kind']:13} hand {item['mark']:<4} rubric {mark:.2f}{flag}")
    print(f"{close}/{total} within 1 point")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
