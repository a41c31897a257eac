"""The graders' report: figures and tables from the demo class, and the statistics behind them."""

from __future__ import annotations

import pandas as pd
import pytest

from course.cli import main
from course.export import report
from course.play.scenario import load_scenario


@pytest.fixture(scope="module")
def written(demo_run, tmp_path_factory):
    instructor, _csv = demo_run
    out = tmp_path_factory.mktemp("report")
    assert main(["--course-dir", str(instructor), "report", "--out", str(out)]) == 0
    return instructor, out


def test_report_writes_every_figure_and_table(written):
    _instructor, out = written
    for name in ("score-distribution.png", "mastery-heatmap.png", "item-statistics.png", "poor-choices.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == summary["assignment"].nunique() >= 6
    assert (summary["students"] == 6).all() and (summary["missing"] == 0).all()


def test_the_most_taken_weak_choices_come_from_the_logs(written):
    instructor, out = written
    choices = pd.read_csv(out / "poor-choices.csv")
    logs = report.load_logs(instructor)
    assert set(logs["student_id"]) == {"ada", "ben", "dee", "eli", "fay"}  # cy never played
    # Fay always takes the weakest choice, so the first node's weakest choice is on the list for every scenario.
    for sid in logs["scenario"].unique():
        scenario = load_scenario(sid)
        scores = [c.score for c in scenario.node(scenario.start).choices]
        weakest = scores.index(min(scores))
        row = choices[(choices["scenario"] == sid) & (choices["node"] == scenario.start)]
        assert weakest in set(row["choice"]), sid


def test_the_dashboard_reads_the_demo_class_as_course_export_does(written, tmp_path):
    """The dashboard reads the gradebook with plain SQL; `course report` exported it through nbgrader's API."""
    from nbgrader.api import Gradebook

    from course.export.rows import exercise_rows, grade_rows, read_book
    from course.export.tables import GRADE_TABLES
    from course.grade.batch import gradebook_url

    instructor, out = written
    url = gradebook_url(instructor)
    book = read_book(url)
    with Gradebook(url) as gb:
        assert grade_rows(book, root=instructor) == grade_rows(gb, root=instructor)
        assert exercise_rows(book, instructor) == exercise_rows(gb, instructor)
    data = report.load_gradebook(instructor, tmp_path)
    for name in GRADE_TABLES:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    assert len(data["grades"]) == 6 * data["grades"]["assignment"].nunique()


def test_difficulty_and_discrimination_on_a_known_class():
    rows = []
    for student, (easy, hard) in {"a": (1, 4), "b": (1, 3), "c": (1, 1), "d": (0, 0)}.items():
        for exercise, score, points in (("easy", easy, 1), ("hard", hard, 4)):
            rows.append({"student_id": student, "assignment": "x", "exercise": exercise, "kind": "ranking",
                         "score": score, "max_score": points, "status": "graded"})
    rows.append({"student_id": "e", "assignment": "x", "exercise": "easy", "kind": "ranking", "score": 0,
                 "max_score": 1, "status": "missing"})
    items = report.item_statistics(pd.DataFrame(rows)).set_index("exercise")
    assert items.loc["easy", "difficulty"] == 0.75 and items.loc["hard", "difficulty"] == 0.5
    assert items.loc["easy", "students"] == 4  # missing work is not an answer to the item
    assert items.loc["hard", "discrimination"] == pytest.approx(pd.Series([1, 1, 1, 0]).corr(pd.Series([4, 3, 1, 0])),
                                                                abs=0.01)


def _case_rows(shares: dict[int, list[float]], status: str = "graded") -> list[dict]:
    return [{"student_id": f"c{case}-{i}", "assignment": "x", "exercise": "ex", "kind": "ranking", "score": share * 4,
             "max_score": 4, "status": status, "case": case}
            for case, scores in shares.items() for i, share in enumerate(scores)]


def test_a_case_much_harder_than_its_siblings_is_flagged_with_its_figures():
    rows = _case_rows({1: [1.0, 0.75, 1.0, 0.75, 1.0, 0.5], 2: [0.25, 0.5, 0.25, 0.5, 0.25, 0.25],
                       3: [0.75, 1.0, 0.75, 1.0, 0.75, 0.5]})
    rows += _case_rows({2: [0.0] * 5}, status="missing")  # missing work is not an answer to the case
    rows.append({**rows[0], "exercise": "no-cases", "case": ""})
    cases = report.case_statistics(pd.DataFrame(rows)).set_index("case")
    assert list(cases.index) == [1, 2, 3] and (cases["students"] == 6).all()
    assert cases.loc[2, "difficulty"] == 0.33 and cases.loc[2, "typical"] == 0.79 and cases.loc[2, "gap"] == -0.46
    assert cases.loc[2, "flag"] == "harder than its siblings" and cases.loc[1, "flag"] == cases.loc[3, "flag"] == ""
    (line,) = report.case_warnings(cases.reset_index())
    assert "x ex case 2: harder than its siblings: difficulty 0.33 on 6 student(s) against 0.79" in line


def test_a_case_gap_on_a_few_students_is_only_a_maybe_and_counted_not_listed():
    cases = report.case_statistics(pd.DataFrame(_case_rows({1: [1.0, 1.0], 2: [0.0, 0.25, 0.0], 3: [1.0, 0.75]})))
    assert cases.set_index("case").loc[2, "flag"].startswith("maybe harder")
    (line,) = report.case_warnings(cases)
    assert line.startswith("1 case(s) differ from their exercise's typical case by 0.2 or more, on under 5 students")


def test_the_report_writes_each_students_case_and_the_case_table(written):
    instructor, out = written
    long = pd.read_csv(out / "objectives-long.csv", keep_default_na=False)
    assert set(long["case"]) <= {1, 2, 3} and long["case"].nunique() == 3
    cases = pd.read_csv(out / "case-statistics.csv")
    assert list(cases.columns) == report.CASE_COLUMNS
    assert cases.groupby(["assignment", "exercise"])["students"].sum().eq(6).all()


def test_report_without_a_gradebook_says_what_to_do(tmp_path, root, capsys):
    (tmp_path / "source").symlink_to(root / "source")
    (tmp_path / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text())
    assert main(["--course-dir", str(tmp_path), "report"]) == 1
    assert "no gradebook" in capsys.readouterr().err


# ------------------------------------------------------------------ figures as a grader sees them

NOTEBOOK_WIDTH_IN = 9.0  # JupyterLab's notebook at a 1366 px window shows about 900 px of a 100 dpi figure
FLOOR_PT = 10.0  # the smallest text a grader should have to read, at the size shown


def _class(students: int = 6, assignments: int = 11):
    """Exports of a made-up class, shaped like the demo's: grades, a wide mastery table, items on a cluster."""
    names = [f"{i:02d}-assignment" for i in range(1, assignments + 1)]
    grades = pd.DataFrame([{"student_id": f"s{s}", "assignment": a, "score": (s * 3 + i) % 10, "max_score": 10,
                            "status": "graded"} for s in range(students) for i, a in enumerate(names)])
    subs = ["appearance", "language", "attitude", "listening", "culture", "punctuality", "distractions", "difficult",
            "expectations", "confidential"]
    wide = pd.DataFrame([{"student_id": f"student-{s}", **{sub: (s * 37 + j * 11) % 101 for j, sub in enumerate(subs)}}
                         for s in range(students)])
    # 22 exercises piled on a few spots and a tight row, as a small class makes them
    spots = [(0.30, 0.80)] * 10 + [(0.47 + 0.01 * i, 0.88) for i in range(7)] + [(0.45, 0.86), (0.33, 0.71),
                                                                                  (0.61, 0.84), (0.5, 0.885),
                                                                                  (0.9, -0.2)]
    items = pd.DataFrame([{"assignment": "x", "exercise": f"exercise-number-{i:02d}", "kind": "ranking", "students": 6,
                           "difficulty": d, "discrimination": r} for i, (d, r) in enumerate(spots)])
    return grades, wide, items


def _logs(rows: list[tuple[str, str, object]]) -> pd.DataFrame:
    """Choice lines as load_logs returns them: (scenario, node, authored choice index), all scored weak."""
    frame = pd.DataFrame([{"student_id": f"s{i}", "assignment": "a", "scenario": s, "session": "x", "node": n,
                           "choice": c, "score": 0} for i, (s, n, c) in enumerate(rows)])
    return frame.astype({"choice": "Int64", "score": "Int64"})


def _weak_of(scenario_id: str) -> tuple[str, int, str]:
    scenario = load_scenario(scenario_id)
    choices = scenario.node(scenario.start).choices
    index = min(range(len(choices)), key=lambda i: choices[i].score)
    return scenario.start, index, choices[index].text


def _figures():
    grades, wide, items = _class()
    node, index, _text = _weak_of("listening-chat")
    choices = report.poor_choices(_logs([("listening-chat", node, index)] * 3))
    return {"score distribution": report.score_distribution(grades), "mastery": report.mastery_heatmap(wide),
            "items": report.item_figure(items), "weak choices": report.poor_choice_figure(choices)}


@pytest.fixture(scope="module")
def figures():
    import matplotlib.pyplot as plt

    made = _figures()
    yield made
    for fig in made.values():
        plt.close(fig)


def test_every_plot_has_axis_titles(figures):
    for name, fig in figures.items():
        plots = [ax for ax in fig.axes if ax.get_visible() and ax.axison and ax.get_label() != "<colorbar>"]
        assert plots, name
        for ax in plots:
            assert ax.get_xlabel().strip(), f"{name}: a plot without an x-axis title"
        assert any(ax.get_ylabel().strip() for ax in plots), f"{name}: no y-axis title"
        for ax in plots:
            if ax.get_subplotspec().is_first_col():
                assert ax.get_ylabel().strip(), f"{name}: a row of plots without a y-axis title"


def test_every_label_is_readable_at_the_size_the_notebook_shows(figures):
    from matplotlib.text import Text

    for name, fig in figures.items():
        renderer = fig.canvas.get_renderer()
        shown_in = fig.get_tightbbox(renderer).width + 0.2  # the inline backend saves bbox_inches="tight"
        scale = min(1.0, NOTEBOOK_WIDTH_IN / shown_in)
        for text in fig.findobj(Text):
            if not (text.get_visible() and text.get_text().strip()) or (text.axes and not text.axes.get_visible()):
                continue
            shown = text.get_fontsize() * scale
            assert shown >= FLOOR_PT - 0.01, f"{name}: {text.get_text()!r} is {shown:.1f} pt as shown"


def test_the_heatmap_prints_every_share_at_the_floor():
    _grades, wide, _items = _class(students=25)
    fig = report.mastery_heatmap(wide)
    numbers = [t for t in fig.axes[0].texts if t.get_text().isdigit()]
    assert len(numbers) == 25 * 10 and all(t.get_fontsize() >= FLOOR_PT for t in numbers)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in numbers]
    cell_w = fig.axes[0].get_window_extent(renderer).width / 10
    assert max(b.width for b in boxes) < cell_w, "a number is wider than its cell"


def test_point_labels_on_the_item_figure_never_overlap(figures):
    fig = figures["items"]
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text().strip()]
    numbers = [n for t in labels for n in t.get_text().replace("\n", ",").split(",")]
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 23)], "each point is named once"
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[i + 1:], start=i + 1):
            assert not a.overlaps(b), f"{labels[i].get_text()!r} overlaps {labels[j].get_text()!r}"
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes), \
        "a label left the plot (it would cover the title or the ticks)"


def test_the_weak_choices_chart_names_the_step_and_the_choice_in_words(figures):
    node, _index, text = _weak_of("listening-chat")
    (label,) = [t.get_text() for t in figures["weak choices"].axes[0].get_yticklabels()]
    assert f"listening-chat · {node}" in label
    first_words = " ".join(text.split()[:5])
    assert first_words in " ".join(label.split()), "the chart shows the choice's words"


def test_a_choice_the_scenario_does_not_have_is_shown_as_unknown():
    node, index, text = _weak_of("listening-chat")
    hostile = _logs([("listening-chat", node, -1), ("listening-chat", node, 99), ("listening-chat", "no-such-step", 0),
                     ("listening-chat", node, index), ("<b>not-ours</b>", "x", 0)])
    choices = report.poor_choices(hostile, top=5)
    texts = dict(zip(zip(choices["node"], choices["choice"], strict=True), choices["choice_text"], strict=True))
    assert texts[(node, -1)] == texts[(node, 99)] == texts[("no-such-step", 0)] == report.UNKNOWN_CHOICE
    assert texts[(node, index)] == " ".join(text.split())
    fig = report.poor_choice_figure(choices)  # draws, whatever the log held
    assert any("unknown choice" in t.get_text() for t in fig.axes[0].get_yticklabels())
