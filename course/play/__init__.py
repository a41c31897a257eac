"""Play: branching customer scenarios (pure engine + ipywidgets view).

It imports only the bottom layer (course.outline, course.errors, course.yaml_text).
"""

from course.play.player import Player
from course.play.scenario import Scenario, load_scenario, load_scenario_file

__all__ = ["Player", "Scenario", "load_scenario", "load_scenario_file", "show", "show_case"]


def show(scenario_id: str, log_folder: str | None = ".", seed: int | None = None):
    """Import the widget lazily so the engine works without ipywidgets loaded.

    Without a `seed`, a known student's choices are shuffled in their own order (course.cases.seed_for)."""
    from course.play.view import show as _show

    if seed is None:
        from course.cases import assignment_here, seed_for, whoami

        student, course = whoami()
        seed = seed_for(course, assignment_here(), scenario_id, student) if student else None
    return _show(scenario_id, log_folder, seed)


def show_case(exercise: str) -> None:
    """Show the student their own case of an exercise (course.play.case)."""
    from course.play.case import show_case as _show_case

    _show_case(exercise)
