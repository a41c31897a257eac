"""The nbgrader settings this course needs; nbgrader_config.py calls `configure(c)`."""

from __future__ import annotations

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    Execute,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from course.grade.autograde import ScoreAnswers, StripKeys

CODE_STUB = "# YOUR ANSWER HERE"
CELL_TIMEOUT = 20  # seconds; an infinite loop costs this much once per notebook


def configure(c) -> None:
    """Add key stripping and out-of-kernel scoring to nbgrader's autograde pipeline."""
    c.Autograde.sanitize_preprocessors = [
        ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, StripKeys, CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        Execute, ScoreAnswers, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    # Release notebooks run clean: an answer region becomes a comment, not `raise`.
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.OverwriteCells.add_missing_cells = True
    c.Execute.timeout = CELL_TIMEOUT
