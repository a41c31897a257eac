import pytest

from course.errors import KeyFormatError
from course.keys import split_key

CELL = """from course.record import record_ranking
record_ranking("ex", ranking, choices="ABC")
### BEGIN HIDDEN TESTS
# course-key:
#   exercise: ex
#   kind: ranking
#   objectives: [language]
#   order: [B, A, C]
### END HIDDEN TESTS
"""


def test_key_is_read_and_stripped():
    src, key = split_key(CELL)
    assert key == {"exercise": "ex", "kind": "ranking", "objectives": ["language"], "order": ["B", "A", "C"]}
    assert "course-key" not in src and "HIDDEN" not in src
    assert src.startswith("from course.record import record_ranking")


def test_cells_without_a_key_are_untouched():
    plain = "assert 1 + 1 == 2\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS\n"
    assert split_key(plain) == (plain, None)


@pytest.mark.parametrize(
    "body, says",
    [
        ("# course-key:\n#   exercise: ex\n#   kind: essay\n", "'kind' of ranking, reflection"),
        ("# course-key:\n#   exercise: ex\n#   kind: ranking\n#   objectives: [language]\n#   order: [A, A]\n",
         "distinct"),
        ("# course-key:\n#   exercise: ex\n#   kind: reflection\n#   objectives: [language]\n#   ideas: [x]\n",
         "'label'"),
        ("# course-key: [unclosed\n", "not valid YAML"),
        ("# course-key:\n#   exercise: ex\n#   kind: ranking\n#   order: [A, B]\n", "needs 'objectives'"),
        ("# course-key:\n#   exercise: ex\n#   kind: ranking\n#   order: [A, B]\n#   objectives: [4.7.99]\n",
         "unknown objective id"),
    ],
)
def test_malformed_keys_say_what_to_fix(body, says):
    with pytest.raises(KeyFormatError, match=says.replace("(", r"\(")):
        split_key(f"x\n### BEGIN HIDDEN TESTS\n{body}### END HIDDEN TESTS\n")
