import pytest

from course.grade.readability import flesch_reading_ease
from course.grade.reflection import find_terms, jargon_terms, load_rubric, score_reflection

IDEAS = [
    {"label": "the cause: storage nearly full", "terms": ["full", "space", "storage"]},
    {"label": "what will be done", "terms": ["remove", "delete", "clean up"]},
]
GOOD = (
    "Your computer is slow because its storage is almost full. I will help you remove old files "
    "that you do not need any more. Then it will have room to work again. It should feel quicker "
    "after that. If it is still slow next week, please call me and we will look at it together. "
    "You do not need to do anything now, and nothing you want to keep will be lost."
)


def test_a_plain_complete_answer_scores_full():
    r = score_reflection(GOOD, IDEAS)
    assert r.fraction == pytest.approx(1.0), r.lines
    assert any("covered 2 of 2 key ideas" in line for line in r.lines)
    assert any("no jargon" in line for line in r.lines)


def test_each_criterion_reports_what_it_found():
    acronym = jargon_terms()["acronyms"][0]
    text = GOOD.replace("storage", f"{acronym.upper()} storage")
    r = score_reflection(text, IDEAS)
    assert r.fraction < 1.0
    assert any(acronym in line and line.startswith("jargon") for line in r.lines), r.lines
    assert any(line.startswith("readability") and "Flesch reading ease" in line for line in r.lines)
    assert any(line.startswith("length") and "words in" in line for line in r.lines)


def test_missing_ideas_are_named_by_label_only():
    r = score_reflection(GOOD.replace("remove", "sort").replace("delete", ""), IDEAS)
    assert any("still missing: what will be done" in line for line in r.lines)
    assert r.fraction < 1.0


def test_off_topic_plain_text_scores_zero():
    text = "The weather is lovely today. We walked to the park and ate lunch. " * 4
    r = score_reflection(text, IDEAS)
    assert r.fraction == 0.0 and "none of the key ideas" in r.lines[0]


def test_too_short_loses_length_credit():
    short = score_reflection("Your storage is full. I will remove old files.", IDEAS)
    assert 0 < short.fraction < score_reflection(GOOD, IDEAS).fraction


@pytest.mark.parametrize("bad, says", [(123, "it must be text"), (["a"], "it must be text"),
                                       ("x" * 20001, "keep it under")])
def test_wrong_types_and_huge_answers_score_zero(bad, says):
    r = score_reflection(bad, IDEAS)
    assert r.fraction == 0.0 and says in r.lines[0]


@pytest.mark.parametrize("blank", [None, "", "   \n "])
def test_blank_is_not_answered(blank):
    r = score_reflection(blank, IDEAS)
    assert r.fraction == 0.0 and not r.answered


def test_unicode_and_emoji_do_not_break_scoring():
    r = score_reflection(GOOD + " Merci beaucoup 🙂 — ça marche.", IDEAS)
    assert 0.9 <= r.fraction <= 1.0


def test_term_matching_uses_word_boundaries():
    assert find_terms("the disk is full", ["full"]) == ["full"]
    assert find_terms("a wonderful day", ["full"]) == []
    assert find_terms("we will Clean  Up the files", ["clean up"]) == ["clean up"]


def test_rubric_weights_sum_to_one():
    rubric = load_rubric()
    assert sum(c["weight"] for c in rubric["criteria"].values()) == pytest.approx(1.0)


def test_readability_works_with_the_network_off(monkeypatch):
    """textstat must not try to download cmudict: any network use fails this test."""
    import socket

    import nltk

    def no_network(*args, **kwargs):
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(nltk, "download", no_network)
    easy = flesch_reading_ease("The cat sat on the mat. It was warm.")
    hard = flesch_reading_ease(
        "Notwithstanding considerable administrative complications, institutional reorganisation "
        "necessitated comprehensive infrastructural modernisation."
    )
    assert easy > 80 > 20 > hard


def test_copying_a_jargon_heavy_original_scores_zero():
    terms = jargon_terms()
    heavy = " ".join(terms["acronyms"][:2] + terms["jargon"][:2]) + ". " + GOOD
    r = score_reflection(heavy, IDEAS)
    assert r.fraction == 0.0 and "so it scores 0" in r.lines[0]
    assert "(more than 3)" in r.lines[0]
