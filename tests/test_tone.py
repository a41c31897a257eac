"""The tone model: unprofessional sentences in wording it never saw, and what its readings do to a score."""

import math
from pathlib import Path

import pytest

from course import yaml_text
from course.author import tone_model
from course.course_files import model_answers
from course.grade.scoring_steps import review_reason
from course.score import tone
from course.score.conduct import conduct_rules
from course.score.reflection import score_reflection
from course.score.wording import sentences

LATE = [{"label": "an apology", "terms": ["apolog*", "sorry"]},
        {"label": "a new time", "patterns": [r"\b\d{1,2}:\d{2}\b"]}]
GOOD = "Good morning, Mrs. Ito. I'm sorry, the traffic is slow, so I will be with you at 10:20. Does that still work?"
KEY = {"kind": "reflection", "ideas": LATE}

# Written for this test, in words that are in no training sentence (checked below).
NEW_RUDE = [
    "Maybe have a read of the manual before you ring us again.",
    "Look, I've got a queue of real problems, so let's get this over with.",
    "Honestly, anyone could have fixed this in two minutes.",
]
NEW_PLAIN = [
    "Could you turn the radio down a little while I work, please?",
    "I'll call you at four with an update, whatever we find.",
    "Thanks for your patience, Mrs. Ito; I'm sorry to keep you waiting.",
    "Does a visit first thing on Thursday work for fitting the replacement?",
]


def training_text() -> str:
    here = Path(__file__).parent / "calibration"
    return "\n".join(p.read_text("utf-8") for p in [*(here / "tone").glob("*.yaml"),
                                                      *(here / "blind" / "development").glob("*.yaml")])


def test_sentences_do_not_end_after_a_title():
    assert sentences("Look, Ms. Brennan, calm down. I'll ring at 11.\nBye") == [
        "Look, Ms. Brennan, calm down.", "I'll ring at 11.", "Bye"]


def test_the_model_reads_wording_it_was_not_trained_on():
    seen = training_text().lower()
    limits = conduct_rules()["tone"]
    for sentence in NEW_RUDE + NEW_PLAIN:
        assert sentence.lower()[:30] not in seen, sentence
    for sentence in NEW_RUDE:
        assert tone.probability(sentence) >= limits["serious"], sentence
    for sentence in NEW_PLAIN:
        assert tone.probability(sentence) < limits["review"], sentence


def test_no_sentence_of_a_model_answer_reads_as_a_breach(root):
    """The author's own answers must score full marks, so none of their sentences may reach the review limit."""
    limit = conduct_rules()["tone"]["review"]
    for ex, answer in model_answers(root):
        for sentence in sentences(answer):
            assert tone.probability(sentence, exercise=ex.key.get("rubric", "plain-language")) < limit, sentence


def test_the_shipped_model_is_the_one_the_labelled_sentences_build():
    """Every labelled sentence is found in its answer (answer_rows checks), and the weights were fitted on them all."""
    rows = tone_model.written_rows() + [row for row, _, _ in tone_model.answer_rows()]
    assert tone.model()["trained_on"] == len(rows)
    assert sum(row[1] for row in rows) >= 1000
    labels = yaml_text.load((tone_model.TONE / "development-labels.yaml").read_text("utf-8"))
    assert {item["file"] for item in labels} <= {p.name for p in tone_model.DEVELOPMENT.glob("*.yaml")}


def test_a_word_can_weigh_more_in_one_exercise_than_in_the_rest():
    """Each word also counts as its exercise's own, so 'safe' can be a false promise in one exercise only."""
    m = {"bias": -2.0, "weights": {"w:safe": 0.5, "honest-unknown|w:safe": 3.0}}
    sentence = "Your bookings are all safe."
    assert tone.probability(sentence, m, "honest-unknown") > 0.8 > 0.3 > tone.probability(sentence, m, "restate")
    assert tone.probability(sentence, m) == tone.probability(sentence, m, "restate")
    assert "honest-unknown|w:safe" in tone.features(sentence, "honest-unknown")
    assert not any("|" in f for f in tone.features(sentence))


@pytest.fixture
def toy_model(monkeypatch):
    """A model that reads only the word 'zebra', so each band can be reached on purpose."""
    def use(probability: float):
        weight = 5.0 + math.log(probability / (1 - probability))  # the sentence's probability, exactly
        monkeypatch.setattr(tone, "model", lambda: {"bias": -5.0, "weights": {"w:zebra": weight}})
    return use


def sure() -> float:
    return (conduct_rules()["tone"]["serious"] + 1) / 2


def unsure() -> float:
    limits = conduct_rules()["tone"]
    return (limits["review"] + limits["serious"]) / 2


def test_a_sentence_the_model_is_sure_of_is_a_serious_breach(toy_model):
    toy_model(sure())
    result = score_reflection(GOOD + " Mind the zebra on your desk.", LATE, "late-call")
    assert result.fraction == conduct_rules()["serious_cap"] and "conduct:tone" in result.codes
    assert '"Mind the zebra on your desk."' in result.lines[0] and "To improve:" in result.lines[0]


def test_an_unsure_sentence_caps_lightly_and_asks_a_person_to_read_it(toy_model):
    toy_model(unsure())  # over `review`, under `serious`
    limits = conduct_rules()["tone"]
    result = score_reflection(GOOD + " Mind the zebra on your desk.", LATE, "late-call")
    assert result.fraction == limits["unsure_cap"] > conduct_rules()["serious_cap"]
    assert "tone-unsure" in result.codes and "conduct" not in result.codes
    assert "until a grader has read it" in result.lines[0]
    assert "unprofessional in tone" in review_reason(KEY, result, [])
    plain = score_reflection(GOOD, LATE, "late-call")
    assert plain.fraction == 1.0 and review_reason(KEY, plain, []) is None


def test_a_sentence_a_phrase_already_named_is_not_counted_again(toy_model):
    toy_model(0.99)
    result = score_reflection(GOOD + " You should have booked the zebra slot.", LATE, "late-call")
    assert "conduct:lecturing" in result.codes and "conduct:tone" not in result.codes
    assert result.fraction == conduct_rules()["serious_cap"]


def test_moves_of_tone_in_one_sentence_are_one_remark():
    text = GOOD + " Honestly, half the people there look like they got dressed in the dark, ha."
    result = score_reflection(text, LATE, "late-call")
    assert len([c for c in result.codes if c.startswith("conduct:")]) >= 2
    assert result.fraction == conduct_rules()["serious_cap"]


def test_a_quoted_sentence_stays_inert_in_the_grader_view(toy_model):
    from course.grade.scoring_steps import feedback_outputs

    toy_model(sure())
    result = score_reflection(GOOD + " <img src=x onerror=alert(1)> mind the zebra [here](javascript:x).", LATE,
                              "late-call")
    assert "conduct:tone" in result.codes and "<img" in result.lines[0]  # quoted as written...
    markdown = feedback_outputs(result, 4)[0]["data"]["text/markdown"]
    assert "<img" not in markdown and "](javascript" not in markdown  # ...and escaped where it is shown
