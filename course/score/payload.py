"""The answer a test cell emits: plain JSON data under our own MIME type.

The kernel only *records* the answer; the score is computed later, outside the kernel.
"""

from __future__ import annotations

import json
from typing import Any

MIME = "application/vnd.aplus-course.answer+json"
VERSION = 1
MAX_BYTES = 64_000


def to_plain(value: Any) -> Any:
    """A JSON-safe copy of an answer: subclasses become plain str/list, unknown objects their type."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in list(value)]
    if value is None or type(value) in (bool, int, float):
        return value
    return {"unsupported type": type(value).__name__}


def make_payload(exercise: str, kind: str, answer: Any) -> dict:
    plain = to_plain(answer)
    if len(json.dumps(plain)) > MAX_BYTES:
        plain = {"too large": len(json.dumps(plain))}
    return {"v": VERSION, "exercise": exercise, "kind": kind, "answer": plain}


def find_payloads(outputs: list, exercise: str) -> list[dict]:
    """Every answer payload for `exercise` in a cell's outputs (there should be exactly one)."""
    found = []
    for out in outputs:
        data = out.get("data") if isinstance(out, dict) else None
        if not isinstance(data, dict) or MIME not in data:
            continue
        payload = data[MIME]
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except json.JSONDecodeError:
                continue
        if isinstance(payload, dict) and payload.get("exercise") == exercise:
            found.append(payload)
    return found
