"""The path log: every choice is appended as a JSON line beside the notebook.

Widget state is not saved in a notebook and autograde re-runs it from scratch, so this file,
collected with the submission, is the record of how a student played.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from course.play.player import Step

LOG_NAME = "scenario-log.jsonl"
LOG_VERSION = 1


def log_step(scenario_id: str, step: Step, folder: str | Path = ".") -> bool:
    """Append one choice; return False (never raise) when the file cannot be written."""
    line = {
        "v": LOG_VERSION,
        "scenario": scenario_id,
        "node": step.node,
        "choice": step.index,
        "score": step.choice.score,
        "objectives": list(step.choice.objectives),
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        with open(Path(folder) / LOG_NAME, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
    except OSError:
        return False
    return True


def read_log(path: str | Path) -> list[dict]:
    """Lines of a path log; lines that are not valid JSON objects are skipped."""
    rows = []
    for text in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows
