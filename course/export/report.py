"""The graders' report: figures and tables from the exports and the collected scenario logs.

The dashboard notebook and `course report` call the same functions, so what a grader sees in
Jupyter and in the PNG files is the same. pandas and matplotlib are imported here only, so
`import course` stays light.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt  # no GUI needed: figures are saved or shown inline, never plt.show()
import pandas as pd

from course.export.rows import NOT_GRADED
from course.play.log import LOG_NAME, read_log
from course.safe_text import for_plot, for_terminal

# JupyterLab shows an inline figure at 100 dpi and scales it down to the notebook's width, about
# 9 inches at a 1366 px window: figures are drawn at most this wide, with text no smaller than
# LABEL_PT, so what a grader reads in the notebook is what was drawn.
DISPLAY_WIDTH_IN = 9.0
LABEL_PT = 10.0
TITLE_PT = 12.0


def load_gradebook(root: Path, out: Path, db_url: str | None = None) -> dict[str, pd.DataFrame]:
    """The dashboard's tables: grades.csv, objectives-long.csv and objectives-wide.csv written into `out`
    as `course export` writes them, but from the gradebook read with plain SQL (no nbgrader import and
    no query per submission: seconds sooner), then loaded as `load_exports` does.

    The gradebook is the one `course export` reads: `db_url`, else the course's nbgrader settings.
    """
    from course.export.tables import write_grade_tables

    write_grade_tables(root, out, db_url)
    return load_exports(out)


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


def _wrap(value: object, width: int, lines: int = 2) -> str:
    """Student or author text as a plot label: cut at a word, wrapped to `lines`, mathtext escaped."""
    text = " ".join(for_terminal(value).split())
    wrapped = textwrap.wrap(text, width, max_lines=lines, placeholder=" …")
    return "\n".join(line.replace("$", r"\$") for line in wrapped)


def score_distribution(grades: pd.DataFrame, columns: int = 3):
    """One histogram of percentage scores per assignment (missing work counts as 0), three to a row."""
    from matplotlib.ticker import MaxNLocator

    names = sorted(grades["assignment"].unique()) or ["(no assignments)"]
    cols = min(columns, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(DISPLAY_WIDTH_IN * cols / columns, 2.4 * rows + 0.8),
                             sharey=True, squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        part = grades[grades["assignment"] == name]
        pct = 100 * part["score"].astype(float) / part["max_score"].astype(float).where(lambda s: s > 0)
        ax.hist(pct.fillna(0), bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], color="#3b6ea5", edgecolor="white")
        ax.set_title(for_plot(name, 28), fontsize=LABEL_PT)
        ax.set_xticks([0, 50, 100])
        ax.tick_params(labelsize=LABEL_PT)
        ax.set_xlabel("score (%)", fontsize=LABEL_PT)
    axes[0][0].yaxis.set_major_locator(MaxNLocator(integer=True))  # shared: counts of students
    for row in axes:
        row[0].set_ylabel("students", fontsize=LABEL_PT)
    fig.suptitle("Score distribution per assignment", fontsize=TITLE_PT)
    fig.tight_layout()
    return fig


def mastery_heatmap(wide: pd.DataFrame):
    """Students by sub-objective, shaded by the share of points earned (numbers printed in each cell).

    Cells shrink to fit the notebook's width (down to a size where "100" still fits at LABEL_PT),
    and rows are tall enough for their label, so the numbers stay legible for any class size.
    """
    subs = [c for c in wide.columns if c not in ("student_id", "last_name", "first_name")]
    data = wide.set_index("student_id")[subs].apply(pd.to_numeric, errors="coerce")
    names = [for_plot(s, 20) for s in data.index]
    label_in = 0.3 + LABEL_PT * 0.6 / 72 * max([len(n) for n in names] or [4])  # the widest student id
    cell_w = max(0.5, min(0.9, (DISPLAY_WIDTH_IN - label_in - 1.4) / max(1, len(subs))))
    fig, ax = plt.subplots(figsize=(label_in + 1.4 + cell_w * len(subs), 0.36 * len(data) + 2.4))
    image = ax.imshow(data.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(subs)), [for_plot(s, 20) for s in subs], rotation=45, ha="right",
                  rotation_mode="anchor", fontsize=LABEL_PT)
    ax.set_yticks(range(len(data)), names, fontsize=LABEL_PT)
    for (i, j), value in pd.DataFrame(data.to_numpy()).stack().items():
        ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=LABEL_PT,
                color="white" if value > 60 else "black")
    bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    bar.set_label("% of points earned", fontsize=LABEL_PT)
    bar.ax.tick_params(labelsize=LABEL_PT)
    ax.set_xlabel("sub-objective of 4.7", fontsize=LABEL_PT)
    ax.set_ylabel("student", fontsize=LABEL_PT)
    ax.set_title("Mastery by sub-objective", fontsize=TITLE_PT)
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


# A case is flagged when its difficulty is this far from the typical (median) case of its exercise, with at
# least MIN_CASE_STUDENTS students on it and on the others: a gap of 0.2 is a fifth of full marks, more than a
# neighbour swap costs in a ranking. The median, not the others' mean, so one odd case does not make its
# siblings look odd too.
CASE_GAP = 0.2
MIN_CASE_STUDENTS = 5
CASE_COLUMNS = ["assignment", "exercise", "case", "students", "difficulty", "typical", "gap", "flag"]


def case_statistics(long: pd.DataFrame) -> pd.DataFrame:
    """Per case of each exercise with cases: difficulty (mean share of points), the typical case's (the median
    of its exercise's cases), the gap, and a flag when the case looks much harder or easier than its siblings."""
    graded = long[long["status"] == "graded"].copy()
    graded["case"] = pd.to_numeric(graded.get("case", pd.Series(dtype=float)), errors="coerce")
    graded = graded.dropna(subset=["case"])
    graded["share"] = graded["score"].astype(float) / graded["max_score"].astype(float)
    rows = []
    for (assignment, exercise), part in graded.groupby(["assignment", "exercise"]):
        means = part.groupby("case")["share"].mean()
        typical = means.median() if len(means) > 1 else float("nan")
        for case, mine in part.groupby("case"):
            others = part[part["case"] != case]["share"]
            difficulty = mine["share"].mean()
            gap = difficulty - typical
            enough = len(mine) >= MIN_CASE_STUDENTS and len(others) >= MIN_CASE_STUDENTS
            flag = ("" if pd.isna(gap) or abs(gap) < CASE_GAP else
                    f"{'harder' if gap < 0 else 'easier'} than its siblings" if enough else
                    f"maybe {'harder' if gap < 0 else 'easier'} (under {MIN_CASE_STUDENTS} students on a side)")
            rows.append({"assignment": assignment, "exercise": exercise, "case": int(case), "students": len(mine),
                         "difficulty": round(difficulty, 2), "typical": round(typical, 2) if len(others) else None,
                         "gap": round(gap, 2) if pd.notna(gap) else None, "flag": flag})
    return pd.DataFrame(rows, columns=CASE_COLUMNS)


def case_warnings(cases: pd.DataFrame) -> list[str]:
    """One line per flagged case, with its figures (for the terminal and the dashboard); cases with a gap on
    too few students to tell are counted in one line, not listed (a small class has many)."""
    lines = [f"{r.assignment} {r.exercise} case {r.case}: {r.flag}: difficulty {r.difficulty:.2f} on {r.students} "
             f"student(s) against {r.typical:.2f} for the typical case (gap {r.gap:+.2f}); read its text and key"
             for r in cases.itertuples() if r.flag and not r.flag.startswith("maybe")]
    maybe = sum(str(flag).startswith("maybe") for flag in cases["flag"])
    if maybe:
        lines.append(f"{maybe} case(s) differ from their exercise's typical case by {CASE_GAP} or more, on under "
                     f"{MIN_CASE_STUDENTS} students a side: too few to tell (their figures: the case table)")
    return lines


def _renderer(fig):
    """The figure's renderer, for measuring text where it will be drawn (Agg, also under the inline backend)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get else fig._get_renderer()


def _overlap(a, b, pad: float = 2.0) -> float:
    """Area (px²) where two boxes, each grown by `pad`, overlap; 0 when they are apart."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0) + 2 * pad
    h = min(a.y1, b.y1) - max(a.y0, b.y0) + 2 * pad
    return max(0.0, w) * max(0.0, h)


def _outside(box, frame) -> float:
    """How far (px) a box sticks out of the axes: labels stay inside, clear of the title and ticks."""
    return max(0.0, frame.x0 - box.x0) + max(0.0, box.x1 - frame.x1) + max(0.0, frame.y0 - box.y0) \
        + max(0.0, box.y1 - frame.y1)


def _place_labels(ax, spots: list[tuple[float, float, str]]) -> list:
    """Annotate points so no two labels overlap each other or a plotted point.

    Greedy: each label, left to right, tries offsets on growing rings around its point and takes
    the first whose box (measured by the renderer) is clear and inside the axes, else the least
    crowded one; a label moved away from its point gets a thin leader line.
    """
    from matplotlib.transforms import Bbox

    renderer = _renderer(ax.figure)
    frame = ax.get_window_extent(renderer)
    dot = 5.0  # half a marker, in pixels
    taken = [Bbox([[px - dot, py - dot], [px + dot, py + dot]])
             for px, py in (ax.transData.transform((x, y)) for x, y, _ in spots)]
    directions = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]
    placed = []
    for x, y, label in sorted(spots):
        best, best_cost = None, float("inf")
        for ring in (1, 2, 3, 4, 5, 6, 8, 10, 12):
            for dx, dy in directions:
                text = ax.annotate(label, (x, y), xytext=(dx * 8 * ring, dy * 8 * ring), textcoords="offset points",
                                   fontsize=LABEL_PT, ha={1: "left", -1: "right", 0: "center"}[dx],
                                   va={1: "bottom", -1: "top", 0: "center"}[dy], parse_math=False, zorder=4,
                                   arrowprops=dict(arrowstyle="-", color="grey", lw=0.6) if ring > 1 else None)
                box = text.get_window_extent(renderer)
                cost = sum(_overlap(box, other) for other in taken) + 1000 * _outside(box, frame) + ring
                if cost < best_cost:
                    if best is not None:
                        best.remove()
                    best, best_cost = text, cost
                else:
                    text.remove()
            if best_cost <= ring:  # clear of everything: nearer rings were tried first
                break
        taken.append(best.get_window_extent(renderer))
        placed.append(best)
    return placed


def _spots(shown: pd.DataFrame, ax, apart_px: float = 9.0) -> list[tuple[float, float, str]]:
    """One label per group of points drawn on top of each other (closer than a marker): their numbers."""
    groups: list[tuple[float, float, list[str]]] = []
    for number, row in enumerate(shown.itertuples(), start=1):
        x, y = row.difficulty, float(row.discrimination)
        px, py = ax.transData.transform((x, y))
        for gx, gy, numbers in groups:
            qx, qy = ax.transData.transform((gx, gy))
            if abs(px - qx) < apart_px and abs(py - qy) < apart_px:
                numbers.append(str(number))
                break
        else:
            groups.append((x, y, [str(number)]))
    # Several numbers on one spot: four to a line, so a crowded spot stays a compact block.
    return [(x, y, "\n".join(",".join(n[i:i + 4]) for i in range(0, len(n), 4))) for x, y, n in groups]


def item_figure(items: pd.DataFrame):
    """Difficulty against discrimination; points are numbered and the key beside the plot names them.

    Exercises on the same spot share one label, and labels are placed apart from each other
    (measured, not guessed), so every number can be read however the exercises cluster.
    """
    shown = items.dropna(subset=["discrimination"]).sort_values(["assignment", "exercise"]).reset_index(drop=True)
    lines = [f"{n:>2}. {for_plot(row.exercise, 26)}" for n, row in enumerate(shown.itertuples(), start=1)]
    left_out = len(items) - len(shown)
    if left_out:
        lines.append(f"({left_out} not plotted:\n every student scored the same)")
    height = max(4.8, 0.2 * len(lines) + 1.2)
    fig, (ax, key) = plt.subplots(1, 2, figsize=(DISPLAY_WIDTH_IN, height), gridspec_kw={"width_ratios": [5, 3]})
    ax.scatter(shown["difficulty"], shown["discrimination"].astype(float), color="#3b6ea5", s=50, zorder=3)
    ax.axhline(0.2, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, 1.05)
    low = min([0.0, *shown["discrimination"].astype(float)])
    ax.set_ylim(low - 0.08, 1.08)
    ax.tick_params(labelsize=LABEL_PT)
    ax.set_xlabel("difficulty (mean share of points;\nlower is harder)", fontsize=LABEL_PT)
    ax.set_ylabel("discrimination (item-rest correlation)", fontsize=LABEL_PT)
    ax.set_title("Below the dashed line, an exercise tells\nstrong and weak students apart poorly", fontsize=LABEL_PT)
    key.axis("off")
    key.set_title("Exercises", fontsize=LABEL_PT, loc="left")
    key.text(0, 1, "\n".join(lines) or "no exercise has enough\nscores yet", va="top", fontsize=LABEL_PT,
             family="monospace", transform=key.transAxes, parse_math=False)
    fig.tight_layout()
    _place_labels(ax, _spots(shown, ax))
    return fig


def poor_choices(logs: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The weak (score 0) choices taken most often in each scenario, with the choice's words.

    The log records a choice by its position in the scenario file (the same for every student,
    however the screen shuffled it); this turns it back into the words the student picked. The
    log is the student's file: an index or step the scenario does not have is shown as unknown.
    """
    from course.errors import ScenarioError
    from course.play.scenario import load_scenario, scenario_ids

    known = set(scenario_ids())
    loaded: dict[str, object] = {}  # each scenario file read once per call (never kept: it may change)

    def load_once(scenario_id: str):
        if scenario_id not in loaded:
            try:
                loaded[scenario_id] = load_scenario(scenario_id)
            except ScenarioError:
                loaded[scenario_id] = None
        return loaded[scenario_id]

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
        scenario = load_once(row["scenario"])
        if scenario is None:
            texts.append(UNKNOWN_CHOICE)
            continue
        try:
            choices = scenario.node(row["node"]).choices
            index = int(row["choice"])
            texts.append(" ".join(choices[index].text.split()) if 0 <= index < len(choices) else UNKNOWN_CHOICE)
        except (ScenarioError, KeyError, ValueError, TypeError):
            texts.append(UNKNOWN_CHOICE)
    counts["choice_text"] = texts
    return counts


UNKNOWN_CHOICE = "(unknown choice: not in the current scenario file)"


def poor_choice_figure(choices: pd.DataFrame):
    """Bars labelled with the scenario, the step and the words of the weak choice, so the trap is readable."""
    from matplotlib.ticker import MaxNLocator

    labels = [f"{for_plot(r.scenario, 40)} · {for_plot(r.node, 30)}\n{_wrap(r.choice_text, 52)}"
              for r in choices.itertuples()]
    fig, ax = plt.subplots(figsize=(DISPLAY_WIDTH_IN, 0.62 * max(1, len(choices)) + 1.4))
    ax.barh(range(len(choices)), choices["times"], color="#c0504d")
    ax.set_yticks(range(len(choices)), labels, fontsize=LABEL_PT, linespacing=1.1)
    ax.set_ylim(len(choices) - 0.5, -0.5)  # first row on top
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelsize=LABEL_PT)
    ax.set_xlabel("times taken", fontsize=LABEL_PT)
    ax.set_ylabel("scenario · step, then the weak choice", fontsize=LABEL_PT)
    ax.set_title("Most-taken weak choices per scenario", fontsize=TITLE_PT)
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
    from course.export.formats import export
    from course.export.tables import write_table

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
    write_table(out / "case-statistics.csv", case_statistics(data["objectives-long"]))
    choices = poor_choices(load_logs(root))
    write_table(out / "poor-choices.csv", choices)
    if len(choices):
        save(poor_choice_figure(choices), "poor-choices.png")
    write_table(out / "summary.csv", summary_table(data["grades"]))
    return written + [out / "item-statistics.csv", out / "case-statistics.csv", out / "poor-choices.csv",
                      out / "summary.csv"]
