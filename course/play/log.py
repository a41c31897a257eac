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
LOG_VERSION = 2  # v2 added "event" (choice, undo, restart), "session" and "seed"; v1 lines are all choices
EVENTS = ("choice", "undo", "restart")


def log_event(
    folder: str | Path, scenario_id: str, event: str, session: str, seed: int, step: Step | None = None
) -> bool:
    """Append one line; return False (never raise) when the file cannot be written.

    `session` tells apart two widgets in one notebook and the plays between restarts;
    `choice` is the authored index, so shuffled screens still compare across students.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown log event {event!r}; use one of {', '.join(EVENTS)}")
    line: dict = {
        "v": LOG_VERSION,
        "event": event,
        "scenario": scenario_id,
        "session": session,
        "seed": seed,
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }
    if step is not None:
        line |= {
            "node": step.node,
            "choice": step.index,
            "shown_as": step.shown_as,
            "score": step.choice.score,
            "objectives": list(step.choice.objectives),
        }
    try:
        with open(Path(folder) / LOG_NAME, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    except (OSError, ValueError):
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
