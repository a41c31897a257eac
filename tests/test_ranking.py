from itertools import permutations

import pytest

from course.score.ranking import score_ranking

KEY = ["C", "A", "E", "B", "D"]


def test_exact_key_scores_full():
    r = score_ranking(list(KEY), KEY)
    assert r.fraction == 1.0 and r.points(3) == 3.0
    assert "10 of 10 pairs" in r.lines[0]


def test_one_adjacent_swap_costs_a_pair_right_and_adds_one_wrong():
    r = score_ranking(["A", "C", "E", "B", "D"], KEY)
    assert r.fraction == pytest.approx(0.8)
    assert r.points(3) == 2.4
    assert "(9 - 1) / 10 = 80% of the points" in r.lines[0]
    assert "You put A above C; C is the stronger response." in r.lines


def test_a_random_order_expects_at_most_a_fifth_of_the_points():
    """Every order of five, equally likely: the mean is what guessing earns."""
    orders = list(permutations(KEY))
    mean = sum(score_ranking(list(o), KEY).fraction for o in orders) / len(orders)
    assert mean <= 0.2, mean
    assert mean > 0.1  # still partial credit: a nearly right order is not a wrong one


def test_half_right_is_worth_nothing():
    r = score_ranking(["B", "D", "C", "A", "E"], KEY)  # 4 right, 6 wrong
    assert r.fraction == 0.0 and "below zero, so 0 points" in r.lines[0]


def test_reversed_scores_zero_and_lists_every_pair():
    r = score_ranking(list(reversed(KEY)), KEY)
    assert r.points(3) == 0.0
    assert sum(line.startswith("You put ") for line in r.lines) == 10 and "To improve" in r.lines[-1]


def test_lowercase_and_spaces_are_forgiven():
    assert score_ranking([" c", "a ", "e", "b", "d"], KEY).fraction == 1.0


@pytest.mark.parametrize(
    "answer, says",
    [
        (["C", "A", "E", "B", "B"], "Listed more than once: B"),
        (["C", "A", "E", "B", "Z"], "Unknown item(s): 'Z'"),
        (["C", "A", "E", "B"], "Missing: D"),
        ("CAEBD", 'Your answer is text, not a list. A ranking is a list of letters in quotes, best first, like '
                  '["A", "B", "C", "D", "E"], in your own order. Did you mean ["C", "A", "E", "B", "D"]?'),
        ("c, a, e", 'Did you mean ["C", "A", "E"]?'),
        ("hello", "Your answer is text, not a list."),
        (42, "Your answer is a whole number, not a list."),
        (4.5, "Your answer is a number, not a list."),
        ({"C": 1}, "Your answer is a dictionary (curly brackets with keys), not a list."),
        (["C", "A", "E", "B", 4], '4 is a whole number, not a letter: put each letter in quotes, like "A".'),
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
    from course.score.payload import make_payload

    class Weird:
        pass

    answer = make_payload("ex", "ranking", Weird())["answer"]
    r = score_ranking(answer, KEY)
    assert r.fraction == 0.0 and "Your answer is a value of type Weird, not a list." in r.lines[0]


def test_str_and_list_subclasses_become_plain_data():
    from course.score.payload import make_payload

    class Always(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    class Liar(list):
        pass

    answer = make_payload("ex", "ranking", Liar([Always("A"), Always("C"), "E", "B", "D"]))["answer"]
    assert type(answer) is list and all(type(x) is str for x in answer)
    assert score_ranking(answer, KEY).points(3) == 2.4  # only the real letters count


def _release_examples():
    """(exercise, key order, each list written in its release answer cell, comments included)."""
    import ast
    import re
    from pathlib import Path

    from course.course_files import assignments, exercises, notebooks, read_cells

    root = Path(__file__).resolve().parents[1]
    found = []
    for name in assignments(root):
        for path in notebooks(root, name):
            answer_cells = {c["metadata"].get("nbgrader", {}).get("grade_id"): c["source"]
                            for c in read_cells(root / "release" / name / path.name)}
            for ex in exercises(path):
                if ex.key["kind"] != "ranking":
                    continue
                for literal in re.findall(r"\[[^\[\]]*\]", answer_cells[ex.grade_id]):
                    try:
                        value = ast.literal_eval(literal)
                    except (ValueError, SyntaxError):
                        value = literal  # not even Python: scores as a wrong type
                    found.append((ex.key["exercise"], ex.key["order"], value))
    return found


EXAMPLES = _release_examples()


def test_every_ranking_exercise_is_checked_for_examples():
    assert len({exercise for exercise, _, _ in EXAMPLES}) >= 10


@pytest.mark.parametrize("exercise, order, example", EXAMPLES, ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(EXAMPLES)])
def test_no_example_in_an_answer_cell_earns_more_than_a_blank(exercise, order, example):
    assert score_ranking(example, order).fraction <= score_ranking([], order).fraction == 0.0
