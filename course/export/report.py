"""The graders' report: figures and tables from the exports and the collected scenario logs.

The dashboard notebook and `course report` call the same functions, so what a grader sees in
Jupyter and in the PNG files is the same. pandas and matplotlib are imported here only, so
`import course` stays light.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt  # no GUI needed: figures are saved or shown inline, never plt.show()
import pandas as pd

from course.export.rows import NOT_GRADED
from course.play.log import LOG_NAME, read_log
from course.safe_text import for_plot


def load_exports(folder: Path) -> dict[str, pd.DataFrame]:
    """grades.csv, objectives-long.csv and objectives-wide.csv as written by `course export --format all`."""
    found = {}
    for name in ("grades", "objectives-long", "objectives-wide"):
        path = Path(folder) / f"{name}.csv"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; run `course export --format all --to {folder}` first")
        found[name] = pd.read_csv(path, keep_default_na=False)
    return found


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _whole(value: object) -> int | None:
    """An integer as the widget writes it, else None (a student can write anything into the log)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def load_logs(root: Path) -> pd.DataFrame:
    """Every choice line of every collected scenario log: submitted/<student>/<assignment>/scenario-log.jsonl.

    The log is the student's file: ids come back as text and choices and scores as whole numbers
    or empty, whatever the line held, so no table or figure made from it can fail.
    """
    rows = []
    for path in sorted(Path(root).glob(f"submitted/*/*/{LOG_NAME}")):
        student, assignment = path.parent.parent.name, path.parent.name
        for line in read_log(path):
            if line.get("event", "choice") == "choice" and "node" in line:
                rows.append({"student_id": student, "assignment": assignment, "scenario": _text(line.get("scenario")),
                             "session": _text(line.get("session")), "node": _text(line.get("node")),
                             "choice": _whole(line.get("choice")), "score": _whole(line.get("score"))})
    frame = pd.DataFrame(rows, columns=["student_id", "assignment", "scenario", "session", "node", "choice", "score"])
    return frame.astype({"choice": "Int64", "score": "Int64"})  # whole numbers, or <NA>


def score_distribution(grades: pd.DataFrame, columns: int = 4):
    """One histogram of percentage scores per assignment (missing work counts as 0), in rows of four."""
    names = sorted(grades["assignment"].unique()) or ["(no assignments)"]
    cols = min(columns, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows + 0.6), sharey=True, squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        part = grades[grades["assignment"] == name]
        pct = 100 * part["score"].astype(float) / part["max_score"].astype(float).where(lambda s: s > 0)
        ax.hist(pct.fillna(0), bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], color="#3b6ea5", edgecolor="white")
        ax.set_title(for_plot(name, 40), fontsize=9)
        ax.set_xlabel("score (%)")
    for row in axes:
        row[0].set_ylabel("students")
    fig.suptitle("Score distribution per assignment")
    fig.tight_layout()
    return fig


def mastery_heatmap(wide: pd.DataFrame):
    """Students by sub-objective, shaded by the share of points earned (numbers printed in each cell)."""
    subs = [c for c in wide.columns if c not in ("student_id", "last_name", "first_name")]
    data = wide.set_index("student_id")[subs].apply(pd.to_numeric, errors="coerce")
    names = [for_plot(s, 30) for s in data.index]
    width = 1.1 * len(subs) + 2 + 0.08 * max([len(n) for n in names] or [0])  # room for the longest id
    fig, ax = plt.subplots(figsize=(width, 0.4 * len(data) + 1.5))
    image = ax.imshow(data.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(subs)), [for_plot(s, 30) for s in subs], rotation=45, ha="right")
    ax.set_yticks(range(len(data)), names)
    for (i, j), value in pd.DataFrame(data.to_numpy()).stack().items():
        ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7,
                color="white" if value > 60 else "black")
    fig.colorbar(image, ax=ax, label="% of points")
    ax.set_title("Mastery by sub-objective")
    fig.tight_layout()
    return fig


def item_statistics(long: pd.DataFrame) -> pd.DataFrame:
    """Per exercise: difficulty (mean share of points; low = hard) and discrimination (how well the
    item separates strong from weak students: the correlation of its score with the rest of the total)."""
    graded = long[long["status"] == "graded"].copy()  # missing or ungraded work is not an answer to the item
    graded["share"] = graded["score"].astype(float) / graded["max_score"].astype(float)
    totals = graded.groupby("student_id")["score"].sum()
    rows = []
    for (assignment, exercise), part in graded.groupby(["assignment", "exercise"]):
        scores = part.set_index("student_id")["score"].astype(float)
        rest = totals.loc[scores.index] - scores
        disc = scores.corr(rest) if len(scores) > 2 and scores.std() > 0 and rest.std() > 0 else float("nan")
        rows.append({"assignment": assignment, "exercise": exercise, "kind": part["kind"].iloc[0],
                     "students": len(part), "difficulty": round(part["share"].mean(), 2),
                     "discrimination": round(disc, 2) if pd.notna(disc) else None})
    return pd.DataFrame(rows, columns=["assignment", "exercise", "kind", "students", "difficulty", "discrimination"])


def item_figure(items: pd.DataFrame):
    """Difficulty against discrimination; points are numbered and the key beside the plot names them,
    so labels never overlap however the exercises cluster."""
    shown = items.dropna(subset=["discrimination"]).sort_values(["assignment", "exercise"]).reset_index(drop=True)
    fig, (ax, key) = plt.subplots(1, 2, figsize=(9, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    ax.scatter(shown["difficulty"], shown["discrimination"].astype(float), color="#3b6ea5", s=60)
    spots: dict[tuple[float, float], list[str]] = {}
    for number, row in enumerate(shown.itertuples(), start=1):
        spots.setdefault((row.difficulty, float(row.discrimination)), []).append(str(number))
    for (difficulty, discrimination), numbers in spots.items():  # exercises on one spot share a label
        ax.annotate(",".join(numbers), (difficulty, discrimination), fontsize=8, xytext=(5, 3),
                    textcoords="offset points")
    ax.axhline(0.2, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("difficulty (mean share of points; lower is harder)")
    ax.set_ylabel("discrimination (item-rest correlation)")
    ax.set_title("Below the dashed line, an exercise tells strong and weak students apart poorly", fontsize=9)
    key.axis("off")
    lines = [f"{n:>2}. {for_plot(row.exercise, 40)}" for n, row in enumerate(shown.itertuples(), start=1)]
    left_out = len(items) - len(shown)
    if left_out:
        lines.append(f"({left_out} not plotted: every student scored the same)")
    key.text(0, 1, "\n".join(lines) or "no exercise has enough scores yet", va="top", fontsize=8, family="monospace",
             transform=key.transAxes)
    fig.tight_layout()
    return fig


def poor_choices(logs: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The weak (score 0) choices taken most often in each scenario, with the choice's words."""
    from course.errors import ScenarioError
    from course.play.scenario import load_scenario, scenario_ids

    known = set(scenario_ids())
    weak = logs[logs["score"].eq(0).fillna(False) & logs["choice"].notna()]
    counts = weak.groupby(["scenario", "node", "choice"]).agg(times=("student_id", "size"),
                                                              students=("student_id", "nunique")).reset_index()
    counts = counts.sort_values(["scenario", "times", "node"], ascending=[True, False, True])
    counts = counts.groupby("scenario").head(top).reset_index(drop=True)
    texts = []
    for _, row in counts.iterrows():
        if row["scenario"] not in known:  # a log line can name anything; only the course's own files are read
            texts.append("(not a scenario of this course)")
            continue
        try:
            choice = load_scenario(row["scenario"]).node(row["node"]).choices[int(row["choice"])]
            texts.append(" ".join(choice.text.split())[:90])
        except (ScenarioError, KeyError, IndexError, ValueError, TypeError):
            texts.append("(not in the current scenario file)")
    counts["choice_text"] = texts
    return counts


def poor_choice_figure(choices: pd.DataFrame):
    """Bars labelled with the scenario and the words of the weak choice, so the trap is readable."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(11, 0.45 * max(1, len(choices)) + 1.2))
    labels = [f"{for_plot(r.scenario, 40)}: {for_plot(r.choice_text, 50)}" for r in choices.itertuples()]
    ax.barh(range(len(choices)), choices["times"], color="#c0504d")
    ax.set_yticks(range(len(choices)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("times taken")
    ax.set_title("Most-taken weak choices per scenario")
    fig.tight_layout()
    return fig


def summary_table(grades: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: how many submitted, mean and median percentage, and how many are missing."""
    g = grades.copy()
    g["pct"] = 100 * g["score"].astype(float) / g["max_score"].astype(float)
    out = g.groupby("assignment").agg(students=("student_id", "size"),
                                      submitted=("status", lambda s: int((s != "missing").sum())),
                                      not_graded=("status", lambda s: int((s == NOT_GRADED).sum())),
                                      mean_pct=("pct", "mean"), median_pct=("pct", "median"))
    out["missing"] = out["students"] - out["submitted"]
    return out.round(1).reset_index()


def find_graded_course(start: Path) -> Path | None:
    """The course folder to report on: $COURSE_DIR, else `start` if it has a gradebook, else the demo's."""
    import os

    for candidate in (os.environ.get("COURSE_DIR"), start, Path(start) / ".demo" / "instructor"):
        if candidate and (Path(candidate) / "gradebook.db").is_file():
            return Path(candidate).resolve()
    return None


def write_report(root: Path, out: Path) -> list[Path]:
    """Export everything, then write the figures as PNG and the tables as CSV into `out`."""
    from course.export.base import write_table
    from course.export.formats import export

    plt.switch_backend("Agg")  # files only, also on a machine with a display
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    export(root, "all", out)
    data = load_exports(out)
    written = []

    def save(fig, name: str) -> None:
        path = out / name
        fig.savefig(path, dpi=110, bbox_inches="tight")  # long labels are never cut off
        plt.close(fig)
        written.append(path)

    save(score_distribution(data["grades"]), "score-distribution.png")
    save(mastery_heatmap(data["objectives-wide"]), "mastery-heatmap.png")
    items = item_statistics(data["objectives-long"])
    write_table(out / "item-statistics.csv", items)
    save(item_figure(items), "item-statistics.png")
    choices = poor_choices(load_logs(root))
    write_table(out / "poor-choices.csv", choices)
    if len(choices):
        save(poor_choice_figure(choices), "poor-choices.png")
    write_table(out / "summary.csv", summary_table(data["grades"]))
    return written + [out / "item-statistics.csv", out / "poor-choices.csv", out / "summary.csv"]
