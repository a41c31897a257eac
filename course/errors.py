"""The course's errors: one family, so `course` can print any of them as one line and exit 1.

Each is something a user can fix (a file, a setting, a command-line value), and its message says
what is wrong and how to fix it; a programming error is never one of these. This module is the
bottom layer: it imports nothing from `course`, so every other module may import it.
(`course.record.AnswerNotReady` is not here: it is raised in the student's kernel, for the student.)
"""

from __future__ import annotations


class CourseError(Exception):
    """Something in the course folder, its settings or the command line is wrong; the message says
    what and how to fix it."""


class KeyFormatError(CourseError, ValueError):
    """A malformed answer key in a source notebook; the message says what to fix."""


class OutlineError(CourseError, ValueError):
    """The outline data is malformed: the message names the entry and what to fix."""


class ScenarioError(CourseError, ValueError):
    """A scenario that cannot be played; the message names the file and node."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        super().__init__(f"{origin}: " + "; ".join(problems))
        self.origin = origin
        self.problems = problems


class GradebookError(CourseError):
    """The gradebook cannot be used: a bad URL, a missing driver or file, a database that does not answer."""


class SandboxError(CourseError):
    """The grading sandbox is required but cannot run, or its settings are wrong."""


class StepFailed(CourseError):
    """An nbgrader step exited non-zero; the message holds the command and its last lines."""


class SecondReaderError(CourseError):
    """The second reader's file is there but unreadable."""
