"""Generate the student release from source/ with the real `nbgrader generate_assignment`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from course.author.nbgrader_run import nbgrader
from course.course_files import assignments


def generate(root: Path, out_root: Path, names: list[str] | None = None) -> list[str]:
    """Generate release/<name> under out_root, using a throwaway gradebook."""
    names = names or assignments(root)
    out_root.mkdir(parents=True, exist_ok=True)
    if out_root.resolve() != root.resolve():
        shutil.copytree(root / "source", out_root / "source", dirs_exist_ok=True)
        shutil.copy(root / "nbgrader_config.py", out_root / "nbgrader_config.py")
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'gradebook.db'}"
        for name in names:
            nbgrader("generate_assignment", name, "--force", f"--CourseDirectory.db_url={db}", cwd=out_root)
    return names


def build(root: Path) -> list[str]:
    """Regenerate release/ in place (what `course build` runs before a commit)."""
    return generate(root, root)
