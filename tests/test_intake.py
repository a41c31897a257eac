"""Intake: unreadable or missing notebooks become gradable blanks, and nothing is deleted."""

import os

import nbformat

from course.grade.config import configure
from course.grade.intake import pre_convert_hook, prepare


def test_the_hook_sets_an_unreadable_notebook_aside(tmp_path):
    bad = tmp_path / "nb.ipynb"
    bad.write_text("{ not json")
    good = tmp_path / "ok.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), good)
    before = good.read_bytes()
    pre_convert_hook(assignment="a", student="s", notebooks=[str(bad), str(good)])
    assert (tmp_path / "nb.ipynb.unreadable").read_text() == "{ not json"
    placeholder = nbformat.read(bad, as_version=4)
    assert "could not be read" in placeholder.cells[0].source and placeholder.metadata["course"]["placeholder"]
    assert good.read_bytes() == before


def test_prepare_adds_a_blank_for_a_missing_notebook(tmp_path):
    folder = tmp_path / "submitted" / "kim" / "hw1"
    folder.mkdir(parents=True)
    (folder / "answers.txt").write_text("mine")
    done = prepare(tmp_path / "submitted", "hw1", ["lesson.ipynb"])
    assert done == {"kim": ["lesson.ipynb: missing, blank placeholder added"]}
    assert "the folder held: answers.txt" in nbformat.read(folder / "lesson.ipynb", as_version=4).cells[0].source
    assert prepare(tmp_path / "submitted", "hw1", ["lesson.ipynb"]) == {}  # a second run changes nothing


def test_the_course_config_wires_the_hook_and_our_preprocessors():
    from traitlets.config import Config

    c = Config()
    configure(c)
    assert c.Autograde.pre_convert_hook == "course.grade.intake.pre_convert_hook"
    names = [p.__name__ for p in c.Autograde.sanitize_preprocessors + c.Autograde.autograde_preprocessors]
    assert names.index("RestoreCells") < names.index("OverwriteCells") < names.index("StripKeys")
    assert names.index("SafeExecute") < names.index("ScoreAnswers") < names.index("CapOutputs")
    assert names.index("ScoreAnswers") < names.index("SaveAutoGrades") < names.index("HoldFlagged")


def test_prepare_clears_what_stops_nbgrader_before_its_hooks_and_keeps_it(tmp_path):
    folder = tmp_path / "submitted" / "kim" / "hw1"
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), folder / "lesson.ipynb")
    (folder / "data").mkdir()
    os.symlink("/nowhere/at/all", folder / "data" / "dangling.csv")
    os.symlink("/etc", folder / "etc-link")  # a link to a folder is not followed either
    (folder / "timestamp.txt").write_text("next Tuesday, probably")
    done = prepare(tmp_path / "submitted", "hw1", ["lesson.ipynb"])
    notes = done["kim"]
    assert any("data/dangling.csv: a symbolic link to /nowhere/at/all" in n for n in notes), notes
    assert not (folder / "etc-link").is_symlink() and "/etc" in (folder / "etc-link.symlink.txt").read_text()
    assert (folder / "timestamp.txt.unreadable").read_text() == "next Tuesday, probably"
    assert not any(p.is_symlink() for p in folder.rglob("*"))
    assert prepare(tmp_path / "submitted", "hw1", ["lesson.ipynb"]) == {}


def test_a_good_or_empty_timestamp_is_left_alone(tmp_path):
    for text in ("2026-11-20 09:30:00.000000 UTC", ""):
        folder = tmp_path / text[:4] / "submitted" / "kim" / "hw1"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), folder / "lesson.ipynb")
        (folder / "timestamp.txt").write_text(text)
        assert prepare(folder.parents[1], "hw1", ["lesson.ipynb"]) == {}
        assert (folder / "timestamp.txt").read_text() == text


def test_a_folder_named_like_the_notebook_is_set_aside(tmp_path):
    folder = tmp_path / "submitted" / "kim" / "hw1"
    (folder / "lesson.ipynb").mkdir(parents=True)
    (folder / "lesson.ipynb" / "inside.txt").write_text("kept")
    done = prepare(tmp_path / "submitted", "hw1", ["lesson.ipynb"])
    assert done["kim"] == ["lesson.ipynb: not a file, kept as lesson.ipynb.unreadable, blank placeholder added"]
    assert (folder / "lesson.ipynb.unreadable" / "inside.txt").read_text() == "kept"
    assert "was not a file" in nbformat.read(folder / "lesson.ipynb", as_version=4).cells[0].source
