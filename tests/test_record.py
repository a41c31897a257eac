"""What a student's check cell does in the kernel: record first, then refuse an unfinished answer."""

import pytest

from course import record
from course.score.payload import MIME, find_payloads


@pytest.fixture
def shown(monkeypatch):
    captured = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: captured.append(obj))
    return captured


def test_a_complete_ranking_is_recorded_without_error(shown):
    assert record.record_ranking("ex", ["B", "A", "C"], choices="ABC") is None
    assert find_payloads([{"output_type": "display_data", "data": shown[0]}], "ex")[0]["answer"] == ["B", "A", "C"]


@pytest.mark.parametrize("answer", [[], None, ["A", "A"], "ABC"])
def test_an_unfinished_ranking_is_recorded_then_refused(shown, answer):
    with pytest.raises(record.AnswerNotReady) as err:
        record.record_ranking("ex", answer, choices="ABC")
    assert MIME in shown[0], "the answer is recorded before the error, so grading still sees it"
    lines = err.value._render_traceback_()
    assert lines[0] == "✖ Exercise 'ex' is not finished yet:" and len(lines) > 1
    assert "Traceback" not in "\n".join(lines)


@pytest.mark.parametrize("answer", ["", "   \n", 42])
def test_an_empty_or_non_text_reflection_is_refused(shown, answer):
    with pytest.raises(record.AnswerNotReady, match="ex"):
        record.record_reflection("ex", answer)
    assert MIME in shown[0]


def test_the_grading_kernel_records_without_computing_formative_feedback(shown, monkeypatch):
    """Autograde scores outside the kernel and replaces the output, so the kernel skips the criteria."""
    import course.record as record
    from course.grade.config import KERNEL_PRELOAD

    assert "course.record.GRADING = True" in KERNEL_PRELOAD
    monkeypatch.setattr(record, "GRADING", True)
    monkeypatch.setattr(record, "open_criteria", lambda *a: pytest.fail("criteria computed in the grading kernel"))
    record.record_reflection("x", "I am sorry, I will be there at 10:20 because of the traffic.")
    assert shown[-1]["text/plain"].startswith("- Recorded for grading.")


def test_the_check_cell_gives_reading_ease_as_advice_only_on_a_long_answer(shown):
    import course.record as record

    sentence = "I am sorry about the wait, and I will call you at ten with a new time. "
    record.record_reflection("x", sentence * 2, rubric="late-call")
    assert "Flesch" not in shown[-1]["text/plain"]
    record.record_reflection("x", sentence * 8, rubric="late-call")
    assert "Advice, not scored: Flesch reading ease" in shown[-1]["text/plain"]


def test_check_cells_generated_before_the_rename_still_record():
    """nbgrader restores its own copy of a check cell: one generated earlier imports course.exercise."""
    import course.exercise
    import course.record

    assert course.exercise.record_ranking is course.record.record_ranking
    assert course.exercise.record_reflection is course.record.record_reflection
    assert course.exercise.AnswerNotReady is course.record.AnswerNotReady


def test_the_check_cells_feedback_is_in_plain_words(shown):
    """Issue 21, point 9: say what was found and what to do, not "jargon (0% of its 20% share): cpu"."""
    import course.record as record

    text = "Sorry for the wait. Your cpu is fine; the hdd is nearly full, so I will clear space on it today."
    record.record_reflection("x", text, rubric="late-call")
    plain = shown[-1]["text/plain"]
    assert "Plain words (earns " in plain and "CPU and HDD (acronyms)" in plain and "cpu" not in plain
    assert "To improve: say each one the way the customer would, in everyday words." in plain
    assert "share" not in plain and "Length (earns the full " in plain
    with pytest.raises(record.AnswerNotReady) as err:
        record.record_ranking("ex", "b a c", choices="ABC")
    assert 'Your answer is text, not a list.' in err.value.problems[0]
    assert 'Did you mean ["B", "A", "C"]?' in err.value.problems[0]
