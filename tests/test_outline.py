import pytest

from course.errors import OutlineError
from course.outline import load_outline, parse_outline


def test_outline_has_all_ten_subobjectives_in_order():
    outline = load_outline()
    subs = outline.subobjectives
    assert [s.number for s in subs] == [f"4.7.{i}" for i in range(1, 11)]
    assert subs[0].id == "appearance" and subs[1].id == "language"


def test_leaves_have_parents_and_numbers():
    outline = load_outline()
    clarify = outline["difficult.clarify"]
    assert clarify.parent == "difficult"
    assert clarify.number.startswith("4.7.8.")
    assert "difficult.clarify" in outline["difficult"].leaves


def test_1202_changes_are_flagged():
    outline = load_outline()
    assert outline["appearance"].changed_in_1202
    assert outline["listening.notes"].wording_1202 is None  # 1202 drops "take notes"
    assert outline["difficult.discretion"].changed_in_1202
    assert outline["culture.titles"].changed_in_1202
    assert not outline["language"].changed_in_1202
    assert outline["distractions.coworkers"].note_1002


def test_duplicate_ids_are_rejected():
    data = {"objective": "4.7", "title": "t", "subobjectives": [
        {"id": "a", "number": 1, "leaves": []}, {"id": "a", "number": 2, "leaves": []}]}
    with pytest.raises(OutlineError, match="'a' appears twice"):
        parse_outline(data)


def test_leaf_id_must_sit_under_its_parent():
    data = {"objective": "4.7", "title": "t", "subobjectives": [
        {"id": "a", "number": 1, "leaves": [{"id": "b.x"}]}]}
    with pytest.raises(OutlineError, match="must start with 'a.'"):
        parse_outline(data)
