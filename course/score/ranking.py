"""Ranking exercises: chance-corrected credit from pairs (Kendall's tau, never below zero).

Every pair of items in the right order counts for the student and every pair in the wrong order
counts against: the fraction is (right - wrong) / pairs, floored at 0. Plain pairwise credit gave a
random order half the points; this gives the reverse order 0 and a random order of five items
about 16% on average, while one neighbouring swap still keeps 80%.

A key may tie options the notes rank equally (a `ties` list of groups of letters): their pairs are not scored.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from course.score.result import NOT_ANSWERED, Result, kind_of


def check_shape(answer: Any, choices: list[str]) -> tuple[list[str] | None, list[str]]:
    """Key-free checks: returns (normalised letters, problems). Empty problems means well formed."""
    if answer is None or answer == [] or answer == ():
        return None, [NOT_ANSWERED]
    if not isinstance(answer, (list, tuple)):
        return None, [wrong_shape(answer, choices)]
    items: list[str] = []
    problems: list[str] = []
    for item in answer:
        if not isinstance(item, str):
            problems.append(f"{item!r} is {kind_of(item)}, not a letter: put each letter in quotes, like \"A\".")
            continue
        items.append(item.strip().upper())
    unknown = [i for i in items if i not in choices]
    dupes = sorted({i for i in items if items.count(i) > 1})
    missing = [c for c in choices if c not in items]
    if unknown:
        problems.append(f"Unknown item(s): {', '.join(map(repr, unknown))}. Use only the letters "
                        f"{', '.join(choices)}.")
    if dupes:
        problems.append(f"Listed more than once: {', '.join(dupes)}. Give each letter one place.")
    if missing:
        problems.append(f"Missing: {', '.join(missing)}. Every letter needs a place in your order.")
    return (items if not problems else None), problems


def as_list(letters: list[str]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in letters) + "]"


def wrong_shape(answer: Any, choices: list[str]) -> str:
    """Why an answer that is not a list cannot be read, with the shape it needs (and, for text, what it may mean).

    The example lists the letters in alphabetical order, which says nothing about the key.
    """
    need = (f"A ranking is a list of letters in quotes, best first, like {as_list(choices)}, "
            "in your own order.")
    mine = [ch.upper() for ch in answer if ch.strip(" ,;>-")] if isinstance(answer, str) else []
    if mine and all(ch in choices for ch in mine):
        return f"Your answer is text, not a list. {need} Did you mean {as_list(mine)}?"
    return f"Your answer is {kind_of(answer)}, not a list. {need}"


def pair_credit(right: int, wrong: int) -> float:
    """The share of the points: pairs right minus pairs wrong, over all pairs, never below 0."""
    return max(0.0, (right - wrong) / (right + wrong)) if right + wrong else 0.0


def scored_pairs(key: list[str], ties: list[list[str]] | None = None) -> list[tuple[str, str]]:
    """The (better, worse) pairs the key orders; a pair inside one tie group is not scored,
    because the notes give no reason to put either of them first."""
    group = {item: n for n, tie in enumerate(ties or []) for item in tie}
    return [(a, b) for a, b in combinations(key, 2) if a not in group or group.get(b) != group[a]]


def score_ranking(answer: Any, key: list[str], ties: list[list[str]] | None = None) -> Result:
    """Chance-corrected pair credit; any malformed answer scores 0 and says why."""
    items, problems = check_shape(answer, sorted(key))
    if items is None:
        return Result(0.0, problems, answered=problems != [NOT_ANSWERED])
    position = {item: i for i, item in enumerate(items)}
    pairs = scored_pairs(key, ties)
    wrong = [(better, worse) for better, worse in pairs if position[better] > position[worse]]
    right = len(pairs) - len(wrong)
    fraction = pair_credit(right, len(wrong))
    rule = f"({right} - {len(wrong)}) / {len(pairs)}"
    lines = [f"{right} of {len(pairs)} pairs are in the right order and {len(wrong)} in the wrong order: "
             + (f"{rule} = {fraction:.0%} of the points." if right >= len(wrong) else
                f"{rule} is below zero, so 0 points (a guess earns about as much).")]
    lines += [f"You put {worse} above {better}; {better} is the stronger response." for better, worse in wrong]
    lines += [f"{' and '.join(tie)} are equally weak: either order is fine." for tie in ties or []]
    if wrong:
        lines.append("To improve: for each pair above, reread the notes on what makes one response stronger.")
    return Result(fraction, lines)
