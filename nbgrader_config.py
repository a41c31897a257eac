"""nbgrader settings for this course: run nbgrader commands from this folder."""

from course.grade.config import configure

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
configure(c)
c.CourseDirectory.course_id = "aplus-4.7"
# Keep the gradebook outside git: `gradebook.db` is ignored, the demo uses its own folder.
# Student code is graded in a bubblewrap sandbox when this host allows it (docs/deploying.md: "Grading in a
# sandbox"). Its limits, and "require" to refuse grading without it, e.g.:
# c.Sandbox.mode = "require"
# c.Sandbox.memory_mb = 2048; c.Sandbox.processes = 64; c.Sandbox.cpu_seconds = 120; c.Sandbox.file_mb = 16
