"""JupyterHub for several courses on one machine: `jupyterhub -f deploy/jupyterhub/many_courses.py`.

As jupyterhub_config.py, plus: COURSE_IDS lists the courses (comma-separated), and the roster folder
has one sub-folder per course with its instructors.txt and students.txt. Each course's formgrader
runs as a hub service under an OS account `grader-<course>` (create it first; the course folder is
~grader-<course>/<course>); its instructors open it from the hub's Services menu. A student sees
the assignments of every course they are enrolled in, and no other.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_hub import Course, many_courses, read_names, this_machine  # noqa: E402

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

roster = Path(os.environ.get("COURSE_ROSTER_DIR", "/srv/nbgrader/roster"))
ids = [name.strip() for name in os.environ.get("COURSE_IDS", "aplus-4.7").split(",") if name.strip()]
courses = [Course(id=cid, instructors=read_names(roster / cid / "instructors.txt"),
                  students=read_names(roster / cid / "students.txt")) for cid in ids]
many_courses(c, courses, exchange=os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange"))

this_machine(c)
c.JupyterHub.authenticator_class = "pam"
c.JupyterHub.spawner_class = "localprocess"
