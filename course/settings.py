"""The tunables an instructor may change, as data: course/rubrics/scoring.yaml (how a written answer is
scored beyond its rubric's criteria, and when a grader is asked to read it) and the course-wide settings
of course/rubrics/conduct.yaml (negation, moves of tone, the jargon breach, the tone model's limits).

Each file is read once and checked on load: a missing, misspelt or wrongly typed entry is a CourseError
naming the file, the entry and what to write there. The checks follow the dataclasses below: a field's
type says what its entry must hold, so a setting added here is checked without more code.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from importlib import resources
from typing import Any, NewType

from course import yaml_text
from course.errors import CourseError

FOLDER = "course/rubrics"  # where the files live, as their messages name them

Share = NewType("Share", float)  # a number from 0 to 1: a share of full marks, of the key ideas, of the way
Count = NewType("Count", int)  # a whole number, 0 or more
Words = NewType("Words", frozenset)  # a list of words, compared in lower case
Phrases = NewType("Phrases", tuple)  # a list of words or phrases, in order
Texts = NewType("Texts", dict)  # a mapping of a name (a reason code) to a line of text
Kinds = NewType("Kinds", tuple)  # conduct.yaml's kinds: each an id, a label and phrases or patterns


# scoring.yaml


@dataclass(frozen=True)
class Prose:
    function_words: Words
    greetings: Words
    note_dashes: Count
    note_slashes: Count


@dataclass(frozen=True)
class Questions:
    open_starts: Phrases
    lead_ins: Phrases
    asks: Phrases
    closed_credit: Share


@dataclass(frozen=True)
class Readability:
    advice_min_words: Count
    easy_reading: float


@dataclass(frozen=True)
class Form:
    rambling_cap: Share
    short_share: Share
    short_cap: Share
    list_ideas_credit: Share


@dataclass(frozen=True)
class SecondReader:
    band: Share
    share: Share


@dataclass(frozen=True)
class DoubtfulPass:
    pass_mark: Share
    doubt_below: Share
    reading_below: Share
    tone_from: Share
    held_at: Share


@dataclass(frozen=True)
class Review:
    copied_margin: Share
    few_ideas: Share
    few_ideas_reading_margin: Share
    off_topic_with_ideas: Share
    reader_disagrees: Share
    doubtful_pass: DoubtfulPass
    reasons: Texts


@dataclass(frozen=True)
class Scoring:
    prose: Prose
    questions: Questions
    readability: Readability
    form: Form
    second_reader: SecondReader
    review: Review


# conduct.yaml


@dataclass(frozen=True)
class Negation:
    words: Words
    reach: Count


@dataclass(frozen=True)
class ToneLimits:
    serious: Share
    review: Share
    unsure_cap: Share
    label: str
    tip: str


@dataclass(frozen=True)
class JargonBreach:
    terms: Count
    label: str
    tip: str


@dataclass(frozen=True)
class Conduct:
    serious_cap: Share
    two_serious_cap: Share
    minor_cost: Share
    negation: Negation
    tone_moves: Words
    jargon: JargonBreach
    tone: ToneLimits
    kinds: Kinds


SCORING = "scoring.yaml"
CONDUCT = "conduct.yaml"


def rubric_text(name: str) -> str:
    """A file of course/rubrics/ as shipped in the package."""
    return resources.files("course").joinpath("rubrics", name).read_text("utf-8")


@cache
def raw(name: str) -> dict:
    """A settings file as written: a mapping, else a CourseError."""
    return parse_yaml(rubric_text(name), name)


@cache
def scoring() -> Scoring:
    """course/rubrics/scoring.yaml, checked."""
    return build(Scoring, raw(SCORING), SCORING)


@cache
def conduct_settings() -> Conduct:
    """The course-wide settings of course/rubrics/conduct.yaml, checked (its kinds too)."""
    settings = build(Conduct, raw(CONDUCT), CONDUCT)
    known = {kind["id"] for kind in settings.kinds} | {"tone", "jargon"}  # the tone model's and the jargon breach's
    unknown = sorted(settings.tone_moves - known)
    if unknown:
        raise CourseError(f"{FOLDER}/{CONDUCT}: `tone_moves` names {', '.join(unknown)}, which is no kind here: "
                          f"write kind ids from `kinds` (or tone, jargon)")
    return settings


def parse(cls: type, text: str, name: str):
    """Check YAML `text` as the settings `cls` (Scoring, Conduct) of the file `name`: for tests and tools."""
    return build(cls, parse_yaml(text, name), name)


def parse_yaml(text: str, name: str) -> dict:
    try:
        data = yaml_text.load(text)
    except yaml_text.YAMLError as error:
        raise CourseError(f"{FOLDER}/{name} is not valid YAML ({' '.join(str(error).split())}); fix the line it "
                          "names") from None
    if not isinstance(data, dict):
        raise CourseError(f"{FOLDER}/{name} must be a mapping of settings (`name: value` lines), not "
                          f"{type(data).__name__}")
    return data


def build(cls: type, data: Any, name: str, where: str = ""):
    """`data` as an instance of the dataclass `cls`, each entry checked against its field's type."""
    hints = typing.get_type_hints(cls)
    wanted = [f.name for f in fields(cls)]
    if not isinstance(data, dict):
        raise _error(name, where, data, _describe(cls))
    extra = [key for key in data if key not in wanted]
    if extra:
        raise CourseError(f"{FOLDER}/{name}: `{_join(where, str(extra[0]))}` is not a setting the course reads; "
                          f"check its spelling or remove it (the settings {_under(where)}are: {', '.join(wanted)})")
    values = {}
    for key in wanted:
        path = _join(where, key)
        if key not in data:
            raise CourseError(f"{FOLDER}/{name}: `{path}` is missing; add `{key}:` {_under(where)}with "
                              f"{_describe(hints[key])}")
        values[key] = _value(hints[key], data[key], name, path)
    return cls(**values)


def _value(kind: Any, value: Any, name: str, path: str) -> Any:
    if is_dataclass(kind):
        return build(kind, value, name, path)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is Share and number and 0 <= value <= 1:
        return value
    if kind is float and number:
        return value  # as written: 60 stays 60 where the feedback quotes it
    if kind is Count and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if kind is str and isinstance(value, str) and value.strip():
        return value
    if kind in (Words, Phrases) and isinstance(value, list) and value:
        for n, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise _error(name, f"{path}[{n}]", item, "a word in quotes where YAML would read it as something "
                                                         "else (\"no\", \"on\", \"yes\", \"off\", a number)")
        return frozenset(w.strip().lower() for w in value) if kind is Words else tuple(value)
    if kind is Texts and isinstance(value, dict) and value:
        for code, text in value.items():
            if not isinstance(text, str) or not text.strip():
                raise _error(name, f"{path}.{code}", text, "the line a grader is told, in quotes")
        return {str(k): v for k, v in value.items()}
    if kind is Kinds:
        return _kinds(value, name, path)
    raise _error(name, path, value, _describe(kind))


def _kinds(value: Any, name: str, path: str) -> tuple[dict, ...]:
    if not isinstance(value, list) or not value:
        raise _error(name, path, value, _describe(Kinds))
    for n, kind in enumerate(value):
        where = f"{path}[{n}]" + (f" ({kind.get('id')})" if isinstance(kind, dict) and kind.get("id") else "")
        if not isinstance(kind, dict) or not all(isinstance(kind.get(k), str) and kind[k] for k in ("id", "label")):
            raise _error(name, where, kind, "a kind with an `id:` and a `label:` (and a `tip:`, a `severity:` and "
                                            "`phrases:` or `patterns:`)")
        if kind.get("severity", "serious") not in ("serious", "minor"):
            raise _error(name, f"{where}.severity", kind["severity"], "serious or minor")
        for key in ("phrases", "patterns"):
            items = kind.get(key) or []
            if not isinstance(items, list) or not all(isinstance(i, (str, int, float)) for i in items):
                raise _error(name, f"{where}.{key}", items, "a list of phrases in quotes")
        if not (kind.get("phrases") or kind.get("patterns")):
            raise _error(name, where, kind["id"], "a kind with `phrases:` or `patterns:` to find it by")
        for pattern in kind.get("patterns") or []:
            try:
                re.compile(pattern)
            except re.error as error:
                raise _error(name, f"{where}.patterns", pattern, f"a regular expression ({error})") from None
    return tuple(value)


def _describe(kind: Any) -> str:
    if is_dataclass(kind):
        return f"a mapping with {', '.join(f.name for f in fields(kind))}"
    return {
        Share: "a number from 0 to 1",
        float: "a number",
        Count: "a whole number, 0 or more",
        str: "a line of text",
        Words: "a list of words, e.g. [hi, hello]",
        Phrases: "a list of words or phrases, e.g. [what, tell me]",
        Texts: "a mapping of each reason code to the line a grader is told, e.g. `copied-borderline: \"...\"`",
        Kinds: "a list of conduct kinds, each with an id, a label and phrases or patterns",
    }[kind]


def _error(name: str, path: str, value: Any, wanted: str) -> CourseError:
    shown = {dict: "a mapping", list: "a list"}.get(type(value), repr(value))
    return CourseError(f"{FOLDER}/{name}: `{path or 'the file'}` is {shown}; write {wanted}")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _under(where: str) -> str:
    return f"under `{where}:` " if where else ""
