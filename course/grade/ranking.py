"""Ranking exercises: partial credit from pairwise agreement with the key (Kendall distance)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from course.grade.result import NOT_ANSWERED, Result, type_name


def check_shape(answer: Any, choices: list[str]) -> tuple[list[str] | None, list[str]]:
    """Key-free checks: returns (normalised letters, problems). Empty problems means well formed."""
    if answer is None or answer == [] or answer == ():
        return None, [NOT_ANSWERED]
    if not isinstance(answer, (list, tuple)):
        return None, [
            f"Your answer is a {type_name(answer)}; it must be a list of letters, "
            f"for example {choices[:2]!r} (with all {len(choices)} letters)."
        ]
    items: list[str] = []
    problems: list[str] = []
    for item in answer:
        if not isinstance(item, str):
            problems.append(f"{item!r} is not a letter in quotes.")
            continue
        items.append(item.strip().upper())
    unknown = [i for i in items if i not in choices]
    dupes = sorted({i for i in items if items.count(i) > 1})
    missing = [c for c in choices if c not in items]
    if unknown:
        problems.append(f"Unknown item(s): {', '.join(map(repr, unknown))}; use only {', '.join(choices)}.")
    if dupes:
        problems.append(f"Listed more than once: {', '.join(dupes)}.")
    if missing:
        problems.append(f"Missing: {', '.join(missing)}.")
    return (items if not problems else None), problems


def score_ranking(answer: Any, key: list[str]) -> Result:
    """1 - discordant pairs / all pairs; any malformed answer scores 0 and says why."""
    items, problems = check_shape(answer, sorted(key))
    if items is None:
        return Result(0.0, problems, answered=problems != [NOT_ANSWERED])
    position = {item: i for i, item in enumerate(items)}
    pairs = list(combinations(key, 2))  # (better, worse) by the key
    wrong = [(better, worse) for better, worse in pairs if position[better] > position[worse]]
    fraction = 1 - len(wrong) / len(pairs)
    lines = [f"{len(pairs) - len(wrong)} of {len(pairs)} pairs are in the right order."]
    lines += [f"You put {worse} above {better}; {better} is the stronger response." for better, worse in wrong]
    return Result(fraction, lines)
