"""nbgrader settings for this course: run nbgrader commands from this folder."""

from course.grade.config import configure

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
configure(c)
c.CourseDirectory.course_id = "aplus-4.7"
# Keep the gradebook outside git: `gradebook.db` is ignored, the demo uses its own folder.
