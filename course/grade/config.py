"""The nbgrader settings this course needs; nbgrader_config.py calls `configure(c)`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from course.grade import gradebook

CODE_STUB = "# YOUR ANSWER HERE"
# The course's default for nbgrader's `Execute.timeout` traitlet, in seconds: an infinite loop costs this much once
# per notebook. An instructor sets their own in nbgrader_config.py (`c.Execute.timeout = 60`, before or after
# `configure(c)`) or on the command line (`--Execute.timeout=60`).
CELL_TIMEOUT = 20

# The grading kernel imports the installed `course` package before any student code runs, with the
# notebook's folder off sys.path for that moment: a folder named `course` beside the notebook must
# not replace the recorder the check cells call (it would cost an honest student their points).
KERNEL_PRELOAD = (
    "import sys as _s; _p = list(_s.path); _s.path[:] = [p for p in _p if p not in ('', '.')]; "
    "import course.record; course.record.GRADING = True; _s.path[:] = _p; del _s, _p"
)


# Set while nbgrader_config.py is loaded only to read settings (see `settings_only`).
_SETTINGS_ONLY: ContextVar[bool] = ContextVar("course_settings_only", default=False)


@contextmanager
def settings_only() -> Iterator[None]:
    """Load nbgrader_config.py for its settings alone (the gradebook URL, the course id): `configure`
    then leaves out the grading pipeline, whose imports (nbgrader, nbconvert) take seconds, so a
    reader such as the graders' dashboard does not pay for them."""
    token = _SETTINGS_ONLY.set(True)
    try:
        yield
    finally:
        _SETTINGS_ONLY.reset(token)


def configure(c) -> None:
    """Add key stripping and out-of-kernel scoring to nbgrader's autograde pipeline."""
    if not _SETTINGS_ONLY.get():
        _pipeline(c)
    # An unreadable notebook is set aside and replaced by a blank one that says why.
    c.Autograde.pre_convert_hook = "course.grade.intake.pre_convert_hook"
    # Release notebooks run clean: an answer region becomes a comment, not `raise`.
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.OverwriteCells.add_missing_cells = False  # RestoreCells does this, for every kind of cell
    if "timeout" not in c.Execute:  # SafeExecute is an Execute: it reads the same settings
        c.Execute.timeout = CELL_TIMEOUT
    c.Execute.extra_arguments = [f"--IPKernelApp.exec_lines={KERNEL_PRELOAD}"]
    # A grading kernel is thrown away: stop it at once instead of waiting for it to wind down (about 0.1 s
    # a submission, benchmarks/grading.py), and atexit hooks, which are student code, never run.
    if "shutdown_kernel" not in c.Execute:
        c.Execute.shutdown_kernel = "immediate"
    # A hub or a Kubernetes secret sets the gradebook (say, PostgreSQL) without editing this file.
    if gradebook.from_env():
        c.CourseDirectory.db_url = gradebook.from_env()


def _pipeline(c) -> None:
    """The grading steps and the sanitizing HTML settings: classes, imported only when they are wanted."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from course.grade.inert import SAFE_FILTERS, MakeInert, SafeHTMLExporter
    from course.grade.limits import CapOutputs
    from course.grade.model_answers import ModelAnswers
    from course.grade.restore import RestoreCells
    from course.grade.safe_execute import SafeExecute
    from course.grade.scoring_steps import HoldFlagged, NoteShownCases, ScoreAnswers, StripKeys

    c.Autograde.sanitize_preprocessors = [
        NoteShownCases, ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreCells, OverwriteCells, StripKeys,
        CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        SafeExecute, ScoreAnswers, CapOutputs, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, MakeInert,
        SaveAutoGrades, HoldFlagged, AssignLatePenalties, CheckCellMetadata,
    ]
    # What a grader's browser renders from a submission is sanitized twice: MakeInert above makes the
    # autograded notebook inert, and every HTML page made from it sanitizes again with the same nh3
    # policy (feedback through SafeHTMLExporter; formgrader through these settings, and through
    # course.grade.formgrader_guard where that server extension runs).
    c.GenerateFeedback.exporter_class = SafeHTMLExporter
    # Model answers join the feedback only when `course answers` asks, and only after the due date.
    c.GenerateFeedback.preprocessors = [GetGrades, ModelAnswers, CSSHTMLHeaderPreprocessor]
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.filters = SAFE_FILTERS
