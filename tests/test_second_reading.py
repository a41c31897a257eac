"""The second reader: a mark learned from hand-marked answers, which moves the rubric's and never passes a cap."""

import json

import pytest

from course.author import second_reader
from course.course_files import model_answers
from course.errors import CourseError
from course.grade.scoring_steps import review_reason, score_payload
from course.score import second_reading
from course.score.reflection import score_reflection
from course.settings import scoring

DOUBT_READING = scoring().review.doubtful_pass.reading_below
DOUBT_TONE = scoring().review.doubtful_pass.tone_from
FEW_IDEAS_READING_MARGIN = scoring().review.few_ideas_reading_margin
HELD = scoring().review.doubtful_pass.held_at
PASS = scoring().review.doubtful_pass.pass_mark
READER_DISAGREES = scoring().review.reader_disagrees
SECOND_BAND = scoring().second_reader.band
SECOND_SHARE = scoring().second_reader.share

LATE = [{"label": "an apology", "terms": ["apolog*", "sorry"]},
        {"label": "a new time", "patterns": [r"\b\d{1,2}:\d{2}\b"]}]
GOOD = "Good morning, Mrs. Ito. I'm sorry, the traffic is slow, so I will be with you at 10:20. Does that still work?"
KEY = {"kind": "reflection", "exercise": "punctuality-late-call", "ideas": LATE, "rubric": "late-call"}


def read(share: float):
    return lambda text: share


def test_agreeing_readings_leave_the_rubric_alone():
    plain = score_reflection(GOOD, LATE, "late-call")
    near = score_reflection(GOOD, LATE, "late-call", second=read(plain.fraction - SECOND_BAND / 2))
    assert near.fraction == plain.fraction == 1.0 and near.lines == plain.lines and near.codes == []


def test_a_reading_far_below_a_full_mark_takes_it_most_of_the_way_down():
    result = score_reflection(GOOD, LATE, "late-call", second=read(0.2))
    assert result.fraction == pytest.approx(1.0 + SECOND_SHARE * (0.2 - 1.0))
    assert "A second reading" in result.lines[0] and "what to improve" in result.lines[0]
    assert len(result.lines) > 1  # the rubric's own points stay, to say what to improve


def test_a_reading_between_moves_most_of_the_way():
    result = score_reflection(GOOD, LATE, "late-call", second=read(0.7))
    assert result.fraction == pytest.approx(1.0 + SECOND_SHARE * (0.7 - 1.0))
    assert result.codes == [] and f"moves from 100% to {1.0 + SECOND_SHARE * (0.7 - 1.0):.0%}" in result.lines[0]


def test_a_person_looks_where_the_reader_and_the_rubric_part_by_a_point_and_a_half():
    far = score_reflection(GOOD, LATE, "late-call", second=read(1.0 - READER_DISAGREES))
    near = score_reflection(GOOD, LATE, "late-call", second=read(1.0 - READER_DISAGREES + 0.05))
    assert "reader-disagrees" in far.codes and "second reader" in review_reason(KEY, far, [])
    assert "reader-disagrees" not in near.codes and review_reason(KEY, near, []) is None
    rude = GOOD + " You should have booked an earlier slot, frankly."
    held = score_reflection(rude, LATE, "late-call", second=read(1.0))  # the cap holds; a person still looks
    assert held.fraction == score_reflection(rude, LATE, "late-call").fraction <= 1.0 - READER_DISAGREES
    assert "reader-disagrees" in held.codes


def test_a_reading_never_lifts_a_score_over_a_cap():
    rude = score_reflection(GOOD + " You should have booked an earlier slot.", LATE, "late-call")
    lifted = score_reflection(GOOD + " You should have booked an earlier slot.", LATE, "late-call", second=read(1.0))
    assert "conduct" in rude.codes and lifted.fraction == rude.fraction
    sparse = score_reflection("Sorry, I am running late today and I will be there soon.", LATE, "late-call")
    raised = score_reflection("Sorry, I am running late today and I will be there soon.", LATE, "late-call",
                              second=read(1.0))
    assert raised.fraction > sparse.fraction  # nothing capped it: a reader who marked it well lifts it


def test_a_full_answer_set_out_as_a_list_may_be_read_past_the_list_cap_but_short_notes_or_a_rude_one_may_not():
    short = "- Sorry\n- Late, traffic\n- New time 10:20\n- OK?"
    assert score_reflection(short, LATE, "late-call", second=read(1.0)).fraction == \
        score_reflection(short, LATE, "late-call").fraction  # under the length asked for: notes, whatever they say
    listed = ("Mrs. Ito, this is Lee from the IT team.\n- Sorry, the traffic on the bypass is slow\n- New time: 10:20"
              "\n- Does that still work for you, or shall we move it?")
    notes = score_reflection(listed, LATE, "late-call")
    read_well = score_reflection(listed, LATE, "late-call", second=read(1.0))
    assert "list" in notes.codes and notes.fraction < 0.5
    assert read_well.fraction == pytest.approx(notes.fraction + SECOND_SHARE * (1.0 - notes.fraction))
    assert "set out as a list, it still reads as a whole answer" in read_well.lines[0]
    read_as_notes = score_reflection(listed, LATE, "late-call", second=read(0.1))
    assert read_as_notes.fraction < notes.fraction and "set out as a list" not in read_as_notes.lines[0]
    rude = listed + "\n- You should have booked an earlier slot."
    assert score_reflection(rude, LATE, "late-call", second=read(1.0)).fraction <= 0.5  # a breach still binds it


def test_a_copy_or_an_answer_without_ideas_is_not_read_again():
    copied = score_reflection(GOOD, LATE, "late-call", reference=GOOD, second=read(1.0))
    assert copied.fraction == 0.0
    blank = score_payload(KEY, [{"answer": ""}], [], reader={"bias": 4.0, "weights": {}, "points": 4.0})
    assert blank.fraction == 0.0


def test_the_reader_weighs_words_per_exercise_and_a_long_answer_earns_no_more():
    model = {"bias": 2.0, "weights": {"w:sorry": 1.0, "mark:punctuality-late-call|w:sorry": 2.0}, "points": 4.0}
    here = second_reading.reading(model, "sorry", "punctuality-late-call")
    elsewhere = second_reading.reading(model, "sorry", "service-record")
    assert here > elsewhere > 0.5
    padded = second_reading.reading(model, "sorry " + "very " * 50, "punctuality-late-call")
    assert padded < here


def test_a_missing_reader_grades_by_the_rubric_and_a_broken_one_says_how_to_fix_it(tmp_path):
    assert second_reading.load(str(tmp_path / "none.json")) is None
    broken = tmp_path / "second-reader.json"
    broken.write_text(json.dumps({"weights": []}), encoding="utf-8")
    with pytest.raises(CourseError, match="second-reader.json is not a second reader.*course.author.second_reader"):
        second_reading.load(str(broken))


def test_the_course_reader_is_the_one_the_development_answers_build(root):
    """It is fitted on every development answer and the model answers, and lives with the keys in source/."""
    model = second_reading.load(str(root / second_reading.FILE))
    assert model["trained_on"] == len(second_reader.rows())
    assert (root / second_reading.FILE).parent == root / "source"


def test_the_course_reader_leaves_every_model_answer_at_full_marks(root):
    """The author's own answer to each exercise is never moved down by the second reading (it is within the band)."""
    model = second_reading.load(str(root / second_reading.FILE))
    for ex, answer in model_answers(root):
        read = second_reading.reading(model, answer, ex.key["exercise"])
        assert read >= 1 - SECOND_BAND, (ex.key["exercise"], round(4 * read, 2))


def test_a_fit_learns_which_words_earned_marks():
    rows = [("late", "sorry I am late, new time 10:20", 4.0, "r1"), ("late", "whatever, I'm late", 0.5, "r1")] * 5
    model = second_reader.fit(rows)
    good = second_reading.reading(model, "sorry, new time 10:20", "late")
    bad = second_reading.reading(model, "whatever", "late")
    assert good > 0.75 and bad < 0.4


def test_the_reader_sees_letter_runs_and_length_so_a_misspelt_word_or_a_short_answer_reads_as_itself():
    right = second_reading.features("I will recieve it", "x") & second_reading.features("I will receive it", "x")
    assert {"c:<rec", "mark:x|c:<rec"} <= right and "w:receive" not in right  # the runs carry over, the word does not
    bands = [next(f for f in second_reading.features("word " * n, "x") if f.startswith("len:")) for n in (5, 60, 200)]
    assert bands == ["len:0", "len:2", "len:4"]


def test_answers_marked_under_the_kept_brief_count_more_in_the_fit():
    kept = f"round{second_reader.KEPT_FROM}"
    assert second_reader.under_kept_brief("round17") and not second_reader.under_kept_brief("round10")
    assert not second_reader.under_kept_brief("model")
    rows = [("late", "sorry, new time 10:20", 4.0, "r1"), ("late", "sorry, new time 10:20", 2.0, kept)] * 5
    model = second_reader.fit(rows)
    assert second_reading.reading(model, "sorry, new time 10:20", "late") * 4 < 2.75  # 3 unweighted


def faint_tone(monkeypatch, probability: float) -> None:
    """Every sentence reads at `probability` to the tone model."""
    from course.score import reflection
    from course.score.tone import ToneHit, sentence_spans
    monkeypatch.setattr(reflection, "scored_sentences", lambda text, exercise=None: [
        ToneHit(s, probability, start, end) for s, start, end in sentence_spans(text)])


@pytest.mark.parametrize("tone_reading, reading, held", [
    (DOUBT_TONE, DOUBT_READING - 0.01, True),    # both doubt a bare pass: held for a person
    (DOUBT_TONE - 0.01, DOUBT_READING - 0.01, False),  # the tone model is sure of every sentence
    (DOUBT_TONE, DOUBT_READING + 0.01, False),   # the second reader passes it
    (DOUBT_TONE, 1.0, False),                    # a full mark, not a bare pass
])
def test_a_bare_pass_that_both_readers_doubt_is_held_under_a_pass_for_a_person(monkeypatch, tone_reading, reading,
                                                                              held):
    faint_tone(monkeypatch, tone_reading)
    result = score_reflection(GOOD, LATE, "late-call", second=read(reading))
    if held:
        assert result.fraction == HELD < PASS and "pass-in-doubt" in result.codes
        assert "held at" in result.lines[0] and "To improve" in result.lines[0]
        assert "held under a pass" in review_reason(KEY, result, [])
    else:
        assert "pass-in-doubt" not in result.codes and result.fraction >= PASS


def test_a_doubted_pass_is_not_held_without_a_second_reader(monkeypatch):
    faint_tone(monkeypatch, 0.3)
    assert "pass-in-doubt" not in score_reflection(GOOD, LATE, "late-call").codes


FOUR = [*LATE, {"label": "a zebra", "terms": ["zebra"]}, {"label": "a quokka", "terms": ["quokka"]}]
WORDY = ("Good morning, Mrs. Ito, this is Sam from the repair shop. I am sorry, but the traffic on the ring road is "
         "very slow this morning, so I will be a little later than we agreed. Would it still suit you if I come a "
         "bit later, or would you rather pick another day this week?")


def test_a_full_answer_with_few_key_ideas_is_looked_at_only_if_the_reader_marks_it_higher():
    alone = score_reflection(WORDY, FOUR, "late-call")
    assert "long-on-topic-few-ideas" in alone.codes and review_reason(KEY, alone, [])  # no reader: a person looks
    agreed = score_reflection(WORDY, FOUR, "late-call", second=read(alone.fraction))
    assert "long-on-topic-few-ideas" not in agreed.codes and review_reason(KEY, agreed, []) is None
    a_little = score_reflection(WORDY, FOUR, "late-call", second=read(alone.fraction + 2 * SECOND_BAND))
    assert "long-on-topic-few-ideas" not in a_little.codes
    higher = score_reflection(WORDY, FOUR, "late-call", second=read(alone.fraction + FEW_IDEAS_READING_MARGIN + 0.01))
    assert "long-on-topic-few-ideas" in higher.codes and "other words" in review_reason(KEY, higher, [])
