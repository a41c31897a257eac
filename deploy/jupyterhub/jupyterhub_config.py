"""JupyterHub for this course on one machine: `jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`.

Run as root, in a Python environment with the course installed (`pip install 'aplus-professionalism[hub]'`)
and configurable-http-proxy on PATH (`npm install -g configurable-http-proxy`). Users are the
machine's own accounts (PAM), and each server runs as its user, so nbgrader's permissions and its
collect owner check work as designed. See docs/deploying.md, "Teaching on JupyterHub".

Settings come from the environment, so this file stays as it is:
  COURSE_ID           nbgrader course id (default aplus-4.7)
  COURSE_ROSTER_DIR   folder with instructors.txt and students.txt, one user name per line
                      (default /srv/nbgrader/roster)
  COURSE_EXCHANGE     the exchange folder every server can reach (default /srv/nbgrader/exchange)
  COURSE_HUB_URL      where the hub listens (default http://:8000; put TLS in front of it)
  COURSE_HUB_STATE    the hub's own database and cookie secret (default /srv/jupyterhub)
For several courses on one hub, see many_courses.py beside this file.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_hub import Course, one_course, read_names, this_machine  # noqa: E402

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

roster = Path(os.environ.get("COURSE_ROSTER_DIR", "/srv/nbgrader/roster"))
course = Course(
    id=os.environ.get("COURSE_ID", "aplus-4.7"),
    instructors=read_names(roster / "instructors.txt"),
    students=read_names(roster / "students.txt"),
    # The instructor keeps the course folder (a clone of this repository) in their home:
    # ~/aplus-4.7 with source/, nbgrader_config.py and, once grading starts, gradebook.db.
    root="{home}/{course}",
)
one_course(c, course, exchange=os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange"))

this_machine(c)
# Production: real accounts and passwords, and each server runs as its user's own OS account.
# The test of this file (tests/test_hub.py) replaces only these two lines, with `dummy` and `simple`.
c.JupyterHub.authenticator_class = "pam"
c.JupyterHub.spawner_class = "localprocess"
