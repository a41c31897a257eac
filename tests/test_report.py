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


def test_report_without_a_gradebook_says_what_to_do(tmp_path, root, capsys):
    (tmp_path / "source").symlink_to(root / "source")
    (tmp_path / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text())
    assert main(["--course-dir", str(tmp_path), "report"]) == 1
    assert "no gradebook" in capsys.readouterr().err
