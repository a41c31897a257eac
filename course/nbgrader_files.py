"""nbgrader's settings files, read as nbgrader reads them, without importing nbgrader.

Each nbgrader_config.py on Jupyter's config path (system, then the user's ~/.jupyter, where a hub
writes the exchange, course id and student id at spawn), then the one in `folder`, later ones winning.
"""

from __future__ import annotations

from pathlib import Path

from course.errors import CourseError


def read_settings(folder: str | Path, strict: bool = True):
    """The merged settings as a traitlets Config. A file that does not load is a CourseError naming
    it, or (not `strict`: a student's kernel that only wants to know who it is) skipped."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    for where in [*reversed(jupyter_config_path()), str(folder)]:
        if not (Path(where) / "nbgrader_config.py").is_file():
            continue
        try:
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=where).load_config())
        except Exception as exc:  # the file is the instructor's Python: whatever it raises is theirs to fix
            if strict:
                raise CourseError(f"{Path(where) / 'nbgrader_config.py'} does not load ({type(exc).__name__}: "
                                  f"{exc}); fix the file: nbgrader reads it too") from None
    return config
