"""Every leaf and sub-objective of 4.7 is taught in notes, played in a scenario and assessed by an exercise."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from course.author.check import check_course
from course.author.coverage import SHORT_LABEL, by_assignment, compact_map, course_map, gaps, locate, styled
from course.course_files import assignments, notebooks, read_cells, shown_scenarios
from course.outline import load_outline


def copy_course(root, dest):
    shutil.copy(root / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(root / "source", dest / "source")
    return dest


def edit_cells(course, change) -> None:
    """Apply change(cell) to every cell of every source notebook of a copied course."""
    for name in assignments(course):
        for path in notebooks(course, name):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                change(cell)
            nbformat.write(nb, path)


def test_every_leaf_is_taught_played_and_assessed(root):
    missing = gaps(root)
    assert not missing, "coverage gaps:\n" + "\n".join(missing)


def test_a_leaf_no_notes_cell_teaches_is_named(root, tmp_path):
    course = copy_course(root, tmp_path)

    def forget(cell):
        teaches = cell.metadata.get("course", {}).get("teaches")
        if teaches and "distractions.calls" in teaches:
            teaches.remove("distractions.calls")

    edit_cells(course, forget)
    (gap,) = gaps(course)
    assert gap.startswith("4.7.7.1 distractions.calls (Personal calls): not taught in any notes cell")


def test_a_leaf_no_exercise_assesses_is_named(root, tmp_path):
    course = copy_course(root, tmp_path)

    def unkey(cell):
        cell.source = cell.source.replace("difficult.discretion", "difficult")

    edit_cells(course, unkey)
    assert gaps(course) == [
        "4.7.8.5 difficult.discretion (Use discretion and professionalism when discussing experiences/encounters): "
        "not assessed by any graded exercise"
    ]


def test_a_leaf_only_unshown_scenarios_play_is_named(root, tmp_path):
    course = copy_course(root, tmp_path)
    where = locate(root)
    players = {p.split(" ")[0] for p in where["confidential.located"].played}

    def hide(cell):
        if cell.cell_type == "code" and any(f'show("{sid}")' in cell.source for sid in players):
            cell.source = "# the scenario was taken out"

    edit_cells(course, hide)
    assert any(g.startswith("4.7.10.1 confidential.located") and "not exercised by any scenario choice" in g
               for g in gaps(course))


def test_check_rejects_a_teaches_id_that_is_not_in_the_outline(root, tmp_path):
    course = copy_course(root, tmp_path)

    def typo(cell):
        teaches = cell.metadata.get("course", {}).get("teaches")
        if teaches == ["punctuality"]:
            teaches.append("punctualty")

    edit_cells(course, typo)
    report = check_course(course)
    assert any("teaches unknown objective id 'punctualty'" in p for p in report.problems), report.problems


def test_check_reports_coverage_gaps_without_failing(root, tmp_path):
    course = copy_course(root, tmp_path)
    edit_cells(course, lambda cell: cell.metadata.get("course", {}).pop("teaches", None))
    report = check_course(course)
    assert not report.problems and len(report.gaps) == len(load_outline().entries) == 27


@pytest.fixture(scope="module")
def table(root):
    return course_map(root).set_index("id")


def test_the_course_map_has_a_row_per_outline_entry_and_no_empty_cell(table):
    assert list(table.index) == list(load_outline().entries)
    for column in ("taught", "played", "assessed"):
        empty = table.index[table[column] == ""].tolist()
        assert not empty, f"course map: nothing {column} for {empty}"


def test_the_course_map_shows_the_wording_of_each_exam(table):
    assert table.loc["listening.notes", "220-1202"] == "— (dropped)"
    assert "220-1002" in table.loc["distractions.coworkers", "220-1102"]
    assert table.loc["difficult.discretion", "changed in 1202"] == "yes"
    assert table.loc["language", "changed in 1202"] == ""
    # Where transcriptions of 220-1202 differ, the map shows both, so an instructor can check them.
    assert 'also transcribed: "Avoid dismissing customer issues"' in table.loc["difficult.dismissing", "220-1202"]


def test_a_subobjective_row_gathers_its_leaves(table, root):
    where = locate(root)
    assert set(table.loc["distractions", "assessed"].split(", ")) >= where["distractions.calls"].assessed
    assert "07-distractions" in table.loc["distractions", "taught"]


def test_the_map_leads_with_the_current_exam(table):
    columns = list(table.columns)
    assert columns.index("220-1202") < columns.index("220-1102"), "220-1102 retired; 220-1202 comes first"


def test_the_compact_map_has_short_cells_named_by_the_220_1202_wording(table):
    outline = load_outline()
    compact = compact_map(table.reset_index()).set_index("id")
    assert list(compact.index) == list(outline.entries)
    wording = compact["objective (220-1202 wording)"]
    assert wording["appearance"] == outline.entries["appearance"].wording_1202
    assert wording["listening.notes"] == "Take notes (220-1102 only)"  # dropped from 1202: said so, not hidden
    assert wording.str.len().max() <= SHORT_LABEL
    for column in ("taught", "played", "assessed"):
        numbers = " ".join(compact[column]).split()
        assert numbers and all(n.isdigit() and len(n) == 2 for n in numbers), column
    assert compact.loc["distractions", "assessed"] == "07"


def test_per_assignment_names_the_scenarios_each_shows(table, root):
    rows = by_assignment(table.reset_index()).set_index("assignment")
    assert list(rows.index) == assignments(root)
    for name in assignments(root):
        shown = {sid for nb in notebooks(root, name) for sid in shown_scenarios(read_cells(nb))}
        assert set(rows.loc[name, "scenarios shown"].split(", ")) == shown, name


def test_map_tables_are_left_aligned_escaped_and_keep_ids_whole():
    import pandas as pd

    html = styled(pd.DataFrame({"number": ["4.7.1.2"], "id": ["appearance.business-casual"],
                                "text": ["<img src=x onerror=alert(1)>"]})).to_html()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "text-align: left" in html  # JupyterLab right-aligns table cells unless told
    kept_whole = re.search(r"([^{}]*)\{\s*white-space: nowrap;", html).group(1)  # the cells the rule applies to
    assert "_row0_col0" in kept_whole and "_row0_col1" in kept_whole and "_col2" not in kept_whole


def test_check_reports_a_prompt_whose_scoring_block_is_stale_and_the_fix_rewrites_it(root, tmp_path):
    from course.author.rubric_blocks import update
    from course.author.rubric_text import HEADING

    course = copy_course(root, tmp_path)
    edit_cells(course, lambda cell: setattr(cell, "source", cell.source.split(HEADING)[0])
               if cell.cell_type == "markdown" else None)
    stale = [p for p in check_course(course).problems if "does not show how its written exercise is scored" in p]
    assert len(stale) == len(assignments(course))  # one written exercise per assignment
    assert len(update(course)) == len(assignments(course))
    assert check_course(course).problems == [] and update(course) == []  # written once, then nothing to do
