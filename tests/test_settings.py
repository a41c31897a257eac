"""Settings and content as data (issue 20): the written-answer rubric's tunables, word lists and review band live in
course/rubrics/scoring.yaml and conduct.yaml, are checked on load, and are what the code reads."""

from __future__ import annotations

import ast
import typing
from dataclasses import fields, is_dataclass
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import pytest
import tomllib

from course import settings
from course.errors import CourseError
from course.grade import scoring_steps
from course.grade.scoring_steps import review_reason
from course.score import conduct, reflection
from course.score.conduct import find_breaches
from course.score.reflection import prose_share, score_reflection
from course.settings import Conduct, Scoring, conduct_settings, scoring

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course"
SCORING = [PACKAGE / "score", PACKAGE / "grade"]  # the code that reads the settings
LATE = [{"label": "an apology", "terms": ["apolog*", "sorry"]},
        {"label": "a new time", "patterns": [r"\b\d{1,2}:\d{2}\b"]}]
KEY = {"kind": "reflection", "ideas": LATE}
GOOD = "Good morning, Mrs. Ito. I'm sorry, the traffic is slow, so I will be with you at 10:20. Does that still work?"

# Every module constant the settings files replaced, where it was.
FORMER = {
    "score/reflection.py": ["FUNCTION_WORDS", "GREETINGS", "NOTE_DASHES", "NOTE_SLASHES", "ADVICE_MIN_WORDS",
                            "EASY_READING", "OPEN_START", "RAMBLING_CAP", "SHORT_SHARE", "SHORT_CAP",
                            "LIST_IDEAS_CREDIT", "FEW_IDEAS", "COPIED_MARGIN", "TONE_TIP", "JARGON_BREACH",
                            "OFF_TOPIC_WITH_IDEAS", "SECOND_BAND", "SECOND_SHARE", "READER_DISAGREES", "PASS",
                            "DOUBT_BELOW", "DOUBT_READING", "DOUBT_TONE", "HELD", "FEW_IDEAS_READING_MARGIN"],
    "score/conduct.py": ["NEGATIONS", "NEGATION_REACH", "TONE_MOVES"],
    "grade/scoring_steps.py": ["REVIEW_CODES"],
}


def _clear() -> None:
    for loader in (settings.raw, settings.scoring, settings.conduct_settings):
        loader.cache_clear()


@pytest.fixture
def edit(monkeypatch):
    """Grade with a settings file edited as an instructor would: edit(file, old, new) replaces `old` in the shipped
    course/rubrics/<file> with `new`; the next grading reads the edited text."""
    shipped, edited = settings.rubric_text, {}
    monkeypatch.setattr(settings, "rubric_text", lambda name: edited.get(name) or shipped(name))

    def change(name: str, old: str, new: str) -> None:
        text = edited.get(name) or shipped(name)
        assert text.count(old) == 1, f"{old!r} is not once in {name}"
        edited[name] = text.replace(old, new)
        _clear()

    _clear()
    yield change
    _clear()  # the files as shipped again, once monkeypatch restores rubric_text


def _settings(cls: type, prefix: str = "") -> list[str]:
    """Every setting of a settings class, as a dotted path."""
    out = []
    for f in fields(cls):
        kind = typing.get_type_hints(cls)[f.name]
        out += _settings(kind, f"{prefix}{f.name}.") if is_dataclass(kind) else [prefix + f.name]
    return out


def _value(root, path: str):
    for part in path.split("."):
        root = getattr(root, part)
    return root


def _attributes_read() -> set[str]:
    """Every attribute name course/score's and course/grade's code reads (`x.name`); strings do not count."""
    return {node.attr for folder in SCORING for path in sorted(folder.glob("*.py"))
            for node in ast.walk(ast.parse(path.read_text("utf-8"))) if isinstance(node, ast.Attribute)}


@pytest.mark.parametrize("cls", [Scoring, Conduct], ids=lambda c: c.__name__)
def test_every_setting_is_read_by_the_code(cls):
    """The loader refuses a key no field declares (below), so a file's keys are exactly these fields; each field
    must be read somewhere in course/score or course/grade as `.field`, or it is a dead setting."""
    read = _attributes_read()
    unread = [path for path in _settings(cls) if path.rsplit(".", 1)[-1] not in read]
    assert not unread, f"settings the code never reads (remove them from the file and {cls.__name__}): {unread}"


def test_the_shipped_files_load_with_every_setting():
    paths = _settings(Scoring) + [f"conduct:{path}" for path in _settings(Conduct)]
    assert len(paths) == len(set(paths))
    assert scoring().review.reader_disagrees == 0.375
    assert conduct_settings().negation.reach == 5 and "blaming" in conduct_settings().tone_moves
    assert conduct.conduct_rules()["serious_cap"] == conduct_settings().serious_cap  # the raw file, checked first


@pytest.mark.parametrize("module", sorted(FORMER))
def test_no_former_constant_is_left_in_the_code(module):
    tree = ast.parse((PACKAGE / module).read_text("utf-8"))
    assigned = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                for t in (t.elts if isinstance(t, ast.Tuple) else [t]) if isinstance(t, ast.Name)}
    left = sorted(assigned & set(FORMER[module]))
    assert not left, f"{module} still sets {left}: read them from course/rubrics/scoring.yaml or conduct.yaml"


BROKEN = [
    ("scoring.yaml", "  reader_disagrees: 0.375\n", "",
     "`review.reader_disagrees` is missing; add `reader_disagrees:` under `review:` with a number from 0 to 1"),
    ("scoring.yaml", "reader_disagrees: 0.375", "reader_disagrees: lots",
     "`review.reader_disagrees` is 'lots'; write a number from 0 to 1"),
    ("scoring.yaml", "held_at: 0.725", "held_at: 1.5", "`review.doubtful_pass.held_at` is 1.5; write a number from 0"),
    ("scoring.yaml", "note_dashes: 3", "note_dashes: 2.5", "`prose.note_dashes` is 2.5; write a whole number"),
    ("scoring.yaml", "greetings: [hi,", "greetings: [no, hi,", "`prose.greetings[0]` is False; write a word in quotes"),
    ("scoring.yaml", "  band: 0.0625\n", "  band: 0.0625\n  bandwidth: 0.1\n",
     "`second_reader.bandwidth` is not a setting the course reads; check its spelling"),
    ("scoring.yaml", 'error: "the check raised an error, so no answer was scored"', "error: 3",
     "`review.reasons.error` is 3; write the line a grader is told"),
    ("scoring.yaml", "easy_reading: 60", "easy_reading: [60]", "`readability.easy_reading` is a list; write a number"),
    ("scoring.yaml", "prose:\n", "prose: [\n", "is not valid YAML"),
    ("conduct.yaml", "reach: 5", "reach: five", "`negation.reach` is 'five'; write a whole number"),
    ("conduct.yaml", "tone_moves: [blaming,", "tone_moves: [blamming,",
     "`tone_moves` names blamming, which is no kind"),
    ("conduct.yaml", "  tip: \"say each technical word the way the customer would, in everyday words\"\n", "",
     "`jargon.tip` is missing; add `tip:` under `jargon:` with a line of text"),
    ("conduct.yaml", r"'\bdecode (that|this|it|all that)\b'", r"'\bdecode (that'",
     "(sarcasm).patterns` is '\\\\bdecode (that'; write a regular expression"),
    ("conduct.yaml", "serious_cap: 0.5\n", "", "`serious_cap` is missing; add `serious_cap:` with a number from 0"),
]


@pytest.mark.parametrize("name, old, new, message", BROKEN, ids=[m.split(";")[0][:40] for *_, m in BROKEN])
def test_a_broken_settings_file_stops_grading_naming_the_file_and_the_key(edit, name, old, new, message):
    edit(name, old, new)
    with pytest.raises(CourseError) as caught:
        score_reflection(GOOD, LATE, "late-call")
    assert f"course/rubrics/{name}" in str(caught.value) and message in str(caught.value), str(caught.value)


def test_the_checks_run_on_text_as_well():
    text = settings.rubric_text("scoring.yaml")
    assert settings.parse(Scoring, text, "scoring.yaml") == scoring()
    with pytest.raises(CourseError, match=r"scoring.yaml: `form.short_cap` is missing"):
        settings.parse(Scoring, text.replace("  short_cap: 0.6\n", ""), "scoring.yaml")
    with pytest.raises(CourseError, match=r"scoring.yaml must be a mapping of settings"):
        settings.parse(Scoring, "- 1\n", "scoring.yaml")


def test_widening_the_review_band_sends_an_answer_to_a_grader(edit):
    def graded():
        result = score_reflection(GOOD, LATE, "late-call", second=lambda _text: 0.8)  # 1.0 by the rubric: 0.2 apart
        return result, review_reason(KEY, result, [])

    result, reason = graded()
    assert "reader-disagrees" not in result.codes and reason is None
    edit("scoring.yaml", "reader_disagrees: 0.375", "reader_disagrees: 0.1")
    result, reason = graded()
    assert "reader-disagrees" in result.codes and "the second reader part by" in reason


def test_a_greeting_added_to_the_list_is_no_longer_read_as_notes(edit):
    text = ("Howdy howdy, howdy howdy, howdy howdy, howdy howdy! Sorry, the traffic is slow, so I will be with you "
            "at 10:20.")
    as_notes = score_reflection(text, LATE, "late-call")
    assert prose_share(text) < 0.6 and "list" in as_notes.codes and review_reason(KEY, as_notes, [])
    edit("scoring.yaml", "greetings: [hi,", "greetings: [howdy, hi,")
    spoken = score_reflection(text, LATE, "late-call")
    assert prose_share(text) == 1.0 and spoken.fraction > as_notes.fraction + 0.3 and "list" not in spoken.codes
    assert review_reason(KEY, spoken, []) is None


def test_a_negation_taken_off_the_list_no_longer_turns_a_promise_down(edit):
    text = "I can't guarantee it will work, but I will call you by 4 with an update."
    assert not find_breaches(text)
    edit("conduct.yaml", "words: [not, never,", "words: [never,")
    assert [b.kind for b in find_breaches(text)] == ["over-promising"]


def test_a_reason_taken_off_the_list_is_no_longer_held_for_a_grader(edit):
    prompt = ("Mrs. Ito is waiting at home for you to fix her computer at ten. Traffic is bad and you will be "
              "twenty minutes late. Write what you say when you phone her.")
    half = ("Mrs. Ito is waiting at home for you to fix her computer at ten. Traffic is bad and you will be "
            "twenty minutes late. I am sorry, I can be with you at 10:20 instead.")
    borderline = score_reflection(half, LATE, "late-call", reference=prompt)
    assert "fair quoting or a copy" in review_reason(KEY, borderline, [])
    edit("scoring.yaml", '    copied-borderline: "over half the text repeats the exercise, but only just: '
                         'fair quoting or a copy?"\n', "")
    assert "copied-borderline" in borderline.codes and review_reason(KEY, borderline, []) is None


def test_the_tone_tip_and_the_doubtful_pass_are_read_from_their_files(edit):
    rude = "I'm sorry, the traffic is slow, so I will be with you at 10:20. Look, I've got a queue of real problems."
    assert {"conduct:tone", "tone-unsure"} & set(score_reflection(rude, LATE, "late-call").codes)  # both give the tip
    edit("conduct.yaml", "read it as the customer would hear it,", "read it aloud first,")
    assert any("To improve: read it aloud first" in line for line in score_reflection(rude, LATE, "late-call").lines)
    held = reflection.Score(0.8, [], [], 1.0, tone=0.5)
    reflection._hold_doubtful_pass(held, 0.5)
    assert held.total == 0.725
    edit("scoring.yaml", "held_at: 0.725", "held_at: 0.7")
    held = reflection.Score(0.8, [], [], 1.0, tone=0.5)
    reflection._hold_doubtful_pass(held, 0.5)
    assert held.total == 0.7 and "held at 70%" in held.lines[0]


def test_the_reader_disagrees_reason_says_the_band_in_points():
    band = scoring().review.reader_disagrees
    assert f"part by {4 * band:g} points or more" in scoring().review.reasons["reader-disagrees"]


def test_the_cell_timeout_is_a_traitlets_setting_an_instructor_may_set():
    from traitlets.config import Config

    from course.grade.config import CELL_TIMEOUT, configure

    default, before, after = Config(), Config(), Config()
    before.Execute.timeout = 60
    for c in (default, before, after):
        configure(c)
    after.Execute.timeout = 90
    assert (default.Execute.timeout, before.Execute.timeout, after.Execute.timeout) == (CELL_TIMEOUT, 60, 90)


def test_the_package_ships_the_settings_files():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]["course"]
    for name in ("scoring.yaml", "conduct.yaml"):
        assert resources.files("course").joinpath("rubrics", name).is_file()
        assert any(fnmatch(f"rubrics/{name}", pattern) for pattern in data), (name, data)


def test_scoring_steps_and_conduct_read_their_lists_from_the_files():
    assert not hasattr(scoring_steps, "REVIEW_CODES") and not hasattr(conduct, "NEGATIONS")
    assert scoring().review.reasons["tone-unsure"].startswith("a sentence may be unprofessional")
