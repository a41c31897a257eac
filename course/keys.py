"""Answer keys live in the hidden-test block of a source test cell, as commented YAML:

    ### BEGIN HIDDEN TESTS
    # course-key:
    #   exercise: language-ranking
    #   kind: ranking
    #   objectives: [language]
    #   order: [C, A, B]
    ### END HIDDEN TESTS

An exercise with cases (course/cases/<exercise>.yaml: each student gets one) keys each case under
`cases:`, by number; a case's fields replace the shared ones above it:

    #   cases:
    #     1: {order: [C, A, B]}
    #     2: {order: [A, B, C]}

The parsed key then holds the first case's fields at the top (what a caller that knows no cases
reads), and `case_key` gives any case's.

nbgrader strips the block from the release; at autograde time `StripKeys` removes it again
before the kernel starts, and `ScoreAnswers` reads it from the gradebook's copy of the source.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache

from course import yaml_text
from course.errors import KeyFormatError
from course.outline import load_outline

MARK = "course-key"
BLOCK = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(?P<body>.*?)^[ \t]*### END HIDDEN TESTS[ \t]*(?:\n|\Z)",
    re.MULTILINE | re.DOTALL,
)
KINDS = {"ranking": ("order",), "reflection": ("ideas",)}


def _check_ties(key: dict) -> None:
    """`ties` groups options the notes rank equally: each group is two or more options that sit
    next to each other in `order`, and no option is in two groups."""
    ties = key.get("ties")
    if ties is None:
        return
    order = key["order"]
    if not isinstance(ties, list) or not all(isinstance(t, list) for t in ties):
        raise KeyFormatError("a ranking key's 'ties' must be a list of groups of letters, each group a list")
    key["ties"] = [[str(x) for x in tie] for tie in ties]
    seen: set[str] = set()
    for tie in key["ties"]:
        where = f"tie group {tie}"
        if len(tie) < 2 or len(set(tie)) != len(tie) or not set(tie) <= set(order):
            raise KeyFormatError(f"{where} must list two or more distinct options from 'order'")
        if seen & set(tie):
            raise KeyFormatError(f"{where} shares an option with another group")
        seen |= set(tie)
        spots = sorted(order.index(x) for x in tie)
        if spots[-1] - spots[0] != len(tie) - 1:
            raise KeyFormatError(f"{where} must sit together in 'order' (an option between them would be both "
                                 "above and below the group)")


def _parse(body: str) -> dict | None:
    """The key in a hidden-test block (a fresh copy: callers may change it), or None."""
    return copy.deepcopy(_parse_cached(body))


@lru_cache(maxsize=256)
def _parse_cached(body: str) -> dict | None:
    lines = body.splitlines()
    if not any(line.lstrip().startswith(f"# {MARK}:") for line in lines):
        return None
    text = "\n".join(re.sub(r"^\s*# ?", "", line) for line in lines if line.strip())
    try:
        data = yaml_text.load(text)
    except yaml_text.YAMLError as exc:
        raise KeyFormatError(f"the {MARK} block is not valid YAML: {exc}") from None
    key = data.get(MARK) if isinstance(data, dict) else None
    if not isinstance(key, dict):
        raise KeyFormatError(f"the {MARK} block must be a mapping under '{MARK}:'")
    kind = key.get("kind")
    if kind not in KINDS or not key.get("exercise"):
        raise KeyFormatError(f"a {MARK} needs 'exercise' and a 'kind' of {', '.join(KINDS)}")
    if "cases" in key:
        return _parse_cases(key)
    return _check_one(key)


def _parse_cases(key: dict) -> dict:
    """Each case checked as a whole key (shared fields, then its own); the first one's fields on top."""
    cases = key.pop("cases")
    if not isinstance(cases, dict) or not cases or not all(
            type(n) is int and n >= 1 and isinstance(v, dict) for n, v in cases.items()):
        raise KeyFormatError(f"exercise {key['exercise']!r}: 'cases' must map case numbers (1, 2, 3...) to "
                             "that case's fields, such as its 'order' or 'ideas'")
    parsed = {}
    for number in sorted(cases):
        fixed = {"exercise", "kind", "objectives", "rubric"} & set(cases[number])
        if fixed:
            raise KeyFormatError(f"exercise {key['exercise']!r}, case {number}: {', '.join(sorted(fixed))} is shared "
                                 "by every case (the same skill, marked the same way); set it above 'cases:'")
        try:
            parsed[number] = _check_one({**copy.deepcopy(key), **cases[number]})
        except KeyFormatError as exc:
            raise KeyFormatError(f"case {number}: {exc}") from None
    first = parsed[min(parsed)]
    return {**first, "cases": parsed}


def _check_one(key: dict) -> dict:
    kind = key["kind"]
    for field in (*KINDS[kind], "objectives"):
        if not key.get(field):
            raise KeyFormatError(f"a {kind} key needs '{field}'")
    unknown = [obj for obj in key["objectives"] if obj not in load_outline()]
    if unknown:
        raise KeyFormatError(f"exercise {key['exercise']!r} names unknown objective id(s): {', '.join(unknown)}")
    if kind == "ranking":
        key["order"] = [str(x) for x in key["order"]]
        if len(set(key["order"])) != len(key["order"]) or len(key["order"]) < 2:
            raise KeyFormatError("a ranking key's 'order' must list two or more distinct items")
        _check_ties(key)
    if kind == "reflection":
        for idea in key["ideas"]:
            if not isinstance(idea, dict) or not idea.get("label") or not (idea.get("terms") or idea.get("patterns")):
                raise KeyFormatError("each reflection idea needs a 'label' and a list of 'terms' or 'patterns'")
            weight = idea.get("weight", 1)
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
                raise KeyFormatError(f"idea {idea['label']!r} has a 'weight' of {weight!r}: use a number over 0 "
                                     "(1 is the default; 2 counts the idea twice)")
            for pattern in idea.get("patterns") or []:
                try:
                    re.compile(pattern)
                except (re.error, TypeError) as exc:
                    raise KeyFormatError(f"idea {idea['label']!r} has a pattern that is not a regex ({exc})") from None
        _check_topic(key)
    return key


def _check_topic(key: dict) -> None:
    """`topic: {anchors: {who: [...], problem: [...], constraint: [...]}}`: phrases from the prompt."""
    topic = key.get("topic")
    if topic is None:
        return
    anchors = topic.get("anchors") if isinstance(topic, dict) else None
    if not isinstance(anchors, dict) or not anchors or not all(
            isinstance(v, list) and v and all(isinstance(p, (str, int)) for p in v) for v in anchors.values()):
        raise KeyFormatError(f"exercise {key['exercise']!r}: 'topic' needs 'anchors', a mapping of group names "
                             "(who first) to lists of phrases from the prompt")


def split_key(source: str) -> tuple[str, dict | None]:
    """(source without key blocks, the key or None). Other hidden tests are left alone."""
    key = None
    kept = []
    last = 0
    for match in BLOCK.finditer(source):
        parsed = _parse(match.group("body"))
        if parsed is None:
            continue
        if key is not None:
            raise KeyFormatError(f"a cell may hold one {MARK}; found two")
        key = parsed
        kept.append(source[last:match.start()])
        last = match.end()
    if key is None:
        return source, None
    kept.append(source[last:])
    return "".join(kept).rstrip() + "\n", key


def case_numbers(key: dict) -> list[int]:
    """The key's case numbers, in order; [] for an exercise everyone answers alike."""
    return sorted(key.get("cases") or {})


def case_key(key: dict, number: int | None) -> dict:
    """The key for one case (the key itself when it has no cases, or for None)."""
    cases = key.get("cases") or {}
    if number is None or not cases:
        return key
    if number not in cases:
        raise KeyFormatError(f"exercise {key['exercise']!r} has no case {number} (it has {case_numbers(key)})")
    return cases[number]

