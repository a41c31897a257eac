"""Generate the student release from source/ with the real `nbgrader generate_assignment`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from course.course_files import assignments
from course.errors import StepFailed


def generate(root: Path, out_root: Path, names: list[str] | None = None) -> list[str]:
    """Generate release/<name> under out_root, using a throwaway gradebook.

    nbgrader's own API, in this process: one `nbgrader generate_assignment` command per assignment
    would start Python and import nbgrader eleven times over."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    from course.programs import scripts_on_path

    scripts_on_path()  # nbgrader runs `alembic` by name to make the throwaway gradebook
    names = names or assignments(root)
    out_root.mkdir(parents=True, exist_ok=True)
    if out_root.resolve() != root.resolve():
        shutil.copytree(root / "source", out_root / "source", dirs_exist_ok=True)
        shutil.copy(root / "nbgrader_config.py", out_root / "nbgrader_config.py")
    with tempfile.TemporaryDirectory() as tmp:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(out_root)).load_config()
        config.CourseDirectory.root = str(out_root.resolve())
        config.CourseDirectory.db_url = f"sqlite:///{Path(tmp) / 'gradebook.db'}"
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                log = "\n".join((result.get("log") or result.get("error") or "").strip().splitlines()[-12:])
                raise StepFailed(f"nbgrader generate_assignment {name} failed:\n{log}")
    return names


def build(root: Path) -> list[str]:
    """Regenerate release/ in place (what `course build` runs before a commit)."""
    return generate(root, root)
