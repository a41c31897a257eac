"""Play: branching customer scenarios (pure engine + ipywidgets view).

It imports only the bottom layer (course.outline, course.errors, course.yaml_text).
"""

from course.play.player import Player
from course.play.scenario import Scenario, load_scenario, load_scenario_file

__all__ = ["Player", "Scenario", "load_scenario", "load_scenario_file", "show"]


def show(scenario_id: str, log_folder: str | None = ".", seed: int | None = None):
    """Import the widget lazily so the engine works without ipywidgets loaded."""
    from course.play.view import show as _show

    return _show(scenario_id, log_folder, seed)
