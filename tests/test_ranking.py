import pytest

from course.grade.ranking import score_ranking

KEY = ["C", "A", "E", "B", "D"]


def test_exact_key_scores_full():
    r = score_ranking(list(KEY), KEY)
    assert r.fraction == 1.0 and r.points(3) == 3.0
    assert "10 of 10 pairs" in r.lines[0]


def test_one_adjacent_swap_loses_one_pair_in_ten():
    r = score_ranking(["A", "C", "E", "B", "D"], KEY)
    assert r.fraction == pytest.approx(0.9)
    assert r.points(3) == 2.7
    assert "You put A above C; C is the stronger response." in r.lines


def test_reversed_scores_zero():
    assert score_ranking(list(reversed(KEY)), KEY).points(3) == 0.0


def test_lowercase_and_spaces_are_forgiven():
    assert score_ranking([" c", "a ", "e", "b", "d"], KEY).fraction == 1.0


@pytest.mark.parametrize(
    "answer, says",
    [
        (["C", "A", "E", "B", "B"], "Listed more than once: B"),
        (["C", "A", "E", "B", "Z"], "Unknown item(s): 'Z'"),
        (["C", "A", "E", "B"], "Missing: D"),
        ("CAEBD", "it must be a list of letters"),
        (42, "Your answer is a int"),
        ({"C": 1}, "Your answer is a dict"),
        (["C", "A", "E", "B", 4], "4 is not a letter in quotes"),
    ],
)
def test_bad_answers_score_zero_and_say_why(answer, says):
    r = score_ranking(answer, KEY)
    assert r.fraction == 0.0 and r.points(3) == 0.0
    assert r.answered
    assert any(says in line for line in r.lines), r.lines


@pytest.mark.parametrize("blank", [None, [], ()])
def test_blank_is_not_answered(blank):
    r = score_ranking(blank, KEY)
    assert r.fraction == 0.0 and not r.answered and r.lines == ["Not answered yet."]


def test_points_are_plain_floats_clamped():
    r = score_ranking(list(KEY), KEY)
    assert type(r.points(3)) is float
    assert r.points(0) == 0.0


def test_unsupported_types_from_the_kernel_are_named():
    from course.grade.payload import make_payload

    class Weird:
        pass

    answer = make_payload("ex", "ranking", Weird())["answer"]
    r = score_ranking(answer, KEY)
    assert r.fraction == 0.0 and "Your answer is a Weird" in r.lines[0]


def test_str_and_list_subclasses_become_plain_data():
    from course.grade.payload import make_payload

    class Always(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    class Liar(list):
        pass

    answer = make_payload("ex", "ranking", Liar([Always("A"), Always("C"), "E", "B", "D"]))["answer"]
    assert type(answer) is list and all(type(x) is str for x in answer)
    assert score_ranking(answer, KEY).points(3) == 2.7  # only the real letters count
