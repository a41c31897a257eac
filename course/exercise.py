"""The recorder's name before issue 20 (now `course.record`), for assignments released before it.

nbgrader puts its own copy of each check cell back before grading, and a copy from an assignment
generated earlier imports `course.exercise`: this keeps that work gradeable mid-term. New notebooks
import `course.record`; generating an assignment again moves it over (docs/authoring.md).
"""

from course.record import AnswerNotReady, record_ranking, record_reflection

__all__ = ["AnswerNotReady", "record_ranking", "record_reflection"]
