"""Course settings for JupyterHub: groups, roles, and each user's nbgrader settings, written at spawn.

Loaded by jupyterhub_config.py here and by the Zero to JupyterHub values file (mounted into the hub
pod), so it uses only the standard library: the hub needs JupyterHub, the user servers need the
course package.

Groups follow nbgrader's JupyterHub convention, so its JupyterHubAuthPlugin can tell who takes which
course: `nbgrader-<course>` for students, `formgrade-<course>` for instructors and graders.
"""

from __future__ import annotations

import json
import os
import pwd
import sys
from dataclasses import dataclass, field
from pathlib import Path

AUTH_PLUGIN = "nbgrader.auth.JupyterHubAuthPlugin"
CONFIG_ENV = "COURSE_NBGRADER_CONFIG"  # the same settings, for spawners whose homes the hub cannot write
# Students' servers run without the grading tools (formgrader would offer them a course folder).
INSTRUCTOR_ONLY_SERVER = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.create_assignment"]
INSTRUCTOR_ONLY_LAB = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"]
# Under a hub every user server sends `frame-ancestors 'none'`, which blanks Lab's Formgrader panel
# (an iframe of the same server). The instructor's server may be framed by itself, and nothing else.
FRAME_SELF = '--ServerApp.tornado_settings={"headers": {"Content-Security-Policy": "frame-ancestors \'self\'"}}'
# What a grader opens is shown safely: formgrader renders submissions sanitized with the student id
# escaped, and its pages and the feedback pages get a Content-Security-Policy that refuses any script
# from a submission (course.grade.formgrader_guard; docs/graders.md, "What a grader's browser, terminal
# and spreadsheet are protected from" says what it blocks).
GRADER_GUARD = "--ServerApp.jpserver_extensions=course.grade.formgrader_guard=True"
# Under a hub, terminals open a login shell, and /etc/profile puts PATH back to the system's: the
# `course` and `nbgrader` commands of the server's environment would be gone. A plain bash keeps them.
PLAIN_SHELL = '--ServerApp.terminado_settings={"shell_command": ["/bin/bash"]}'
# Spawners that start each server as its user's own OS account: nbgrader's owner check on collect
# works there. Elsewhere (containers, SimpleLocalProcessSpawner) all servers run as one account,
# every submission looks owned by it, and the check must be off.
OWN_OS_ACCOUNT = {"LocalProcessSpawner", "SystemdSpawner", "SudoSpawner"}
# Each server's token may read its own user's groups (the auth plugin asks the hub which courses).
# The gradebook URL (with its password) goes from the hub's environment to graders' servers only.
DB_URL_ENV = "NBGRADER_DB_URL"
SERVER_SCOPES = ["users:activity!user", "access:servers!server", "read:users:groups!user", "read:users:name!user"]


@dataclass
class Course:
    id: str  # nbgrader's course id
    instructors: list[str]
    students: list[str]
    graders: list[str] = field(default_factory=list)  # grade in the formgrader, like instructors
    # The course folder (source/, nbgrader_config.py, gradebook). It must lie inside the home of
    # whoever runs its formgrader, which serves only what is under its server's root.
    root: str = "{home}/{course}"

    @property
    def student_group(self) -> str:
        return f"nbgrader-{self.id}"

    @property
    def grader_group(self) -> str:
        return f"formgrade-{self.id}"

    @property
    def staff(self) -> set[str]:
        return set(self.instructors) | set(self.graders)


def read_names(path: str | Path) -> list[str]:
    """One hub user name per line; blank lines and `#` comments are skipped."""
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f"course_hub: roster file {path} is missing: write one user name per line, or set "
                         "COURSE_ROSTER_DIR to the folder that holds instructors.txt and students.txt")
    names = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [name for name in names if name]


def nbgrader_settings(exchange: str, user: str, course_id: str | None, course_root: str | None = None,
                      shared_os_account: bool = True) -> str:
    """The text of a user's ~/.jupyter/nbgrader_config.py: a grader's if `course_root` is given."""
    lines = [
        "# Written by the hub each time your server starts (deploy/jupyterhub/course_hub.py): edits are lost.",
        "c = get_config()  # noqa: F821",
        f"c.Exchange.root = {exchange!r}",
        "c.Exchange.path_includes_course = True  # one exchange for every course on this hub",
        f"c.Authenticator.plugin_class = {AUTH_PLUGIN!r}  # courses from the hub's nbgrader-/formgrade- groups",
    ]
    if course_id:  # without one, the Assignments list offers every course the user is in
        lines.append(f"c.CourseDirectory.course_id = {course_id!r}")
    if course_root:
        lines.append(f"c.CourseDirectory.root = {course_root!r}")
        # A grader's server grades only in the sandbox: where bubblewrap cannot run (most Kubernetes pods),
        # grading stops with the reason instead of running student code as the grader (docs/deploying.md).
        lines.append("c.Sandbox.mode = 'require'")
        if shared_os_account:
            lines.append("c.ExchangeCollect.check_owner = False  # every server runs as one OS account here")
    else:
        # Without this, nbgrader files a submission under the OS account's name: one name for everyone
        # when the servers share an account.
        lines.append(f"c.CourseDirectory.student_id = {user!r}")
    return "\n".join(lines) + "\n"


def _home(spawner) -> Path | None:
    """The user's home folder when the hub can write into it; None for containers."""
    if getattr(spawner, "home_dir", ""):  # SimpleLocalProcessSpawner
        return Path(spawner.home_dir)
    if type(spawner).__name__ in OWN_OS_ACCOUNT:
        return Path(pwd.getpwnam(spawner.user.name).pw_dir)
    return None


def _write(path: Path, text: str, owner: tuple[int, int] | None) -> None:
    """Write a file in a user's home; the hub runs as root, so the file and the folders it made go to `owner`."""
    made = [folder for folder in reversed(path.parents) if not folder.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if owner:
        for item in [*made, path]:
            os.chown(item, *owner)


def make_pre_spawn_hook(courses: list[Course], exchange: str, graders_use_own_server: bool):
    """A pre_spawn_hook that gives each server its user's nbgrader settings and tools.

    With `graders_use_own_server` (one course), an instructor's own server runs that course's
    formgrader; otherwise instructors grade in each course's formgrader service and their own
    servers are set up like a student's.
    """

    def pre_spawn_hook(spawner) -> None:
        user = spawner.user.name
        shared = type(spawner).__name__ not in OWN_OS_ACCOUNT
        home = _home(spawner)
        teaches = [c for c in courses if user in c.staff] if graders_use_own_server else []
        if teaches:
            course = teaches[0]
            root = course.root.format(home=home or "/home/jovyan", course=course.id)
            text = nbgrader_settings(exchange, user, course.id, root, shared)
            args = [FRAME_SELF, GRADER_GUARD]
        else:
            only = courses[0].id if len(courses) == 1 else None
            text = nbgrader_settings(exchange, user, only, None, shared)
            args = [f"--ServerApp.jpserver_extensions={name}=False" for name in INSTRUCTOR_ONLY_SERVER]
        environment = {**spawner.environment, CONFIG_ENV: text}
        if teaches and os.environ.get(DB_URL_ENV):
            environment[DB_URL_ENV] = os.environ[DB_URL_ENV]
        if home is not None:  # a local server: `course` and `nbgrader` in its terminals are the hub's
            environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        spawner.environment = environment
        # the same spawner starts the server again after a stop: add each argument once
        spawner.args = [*spawner.args, *(a for a in [*args, PLAIN_SHELL] if a not in spawner.args)]
        if home is None:
            return  # the user image writes $COURSE_NBGRADER_CONFIG when the server starts (deploy/kubernetes)
        # nbgrader sets the permissions inside the exchange that keep students apart; its root is open.
        Path(exchange).mkdir(parents=True, exist_ok=True)
        os.chmod(exchange, 0o777)
        owner = None
        if not shared:
            entry = pwd.getpwnam(user)
            owner = (entry.pw_uid, entry.pw_gid)
        home.mkdir(parents=True, exist_ok=True)
        _write(home / ".jupyter" / "nbgrader_config.py", text, owner)
        if not teaches:  # hide the menus of what this server does not have
            page = {"disabledExtensions": {name: True for name in INSTRUCTOR_ONLY_LAB}}
            _write(home / ".jupyter" / "labconfig" / "page_config.json", json.dumps(page, indent=1), owner)

    return pre_spawn_hook


def _common(c, courses: list[Course], exchange: str, local: bool) -> None:
    c.JupyterHub.load_groups = {}
    for course in courses:
        c.JupyterHub.load_groups[course.grader_group] = {"users": sorted(course.staff)}
        c.JupyterHub.load_groups[course.student_group] = {"users": sorted(course.students)}
    if any(course.students for course in courses):  # else admission is the authenticator's own business
        c.Authenticator.allowed_users = {name for course in courses for name in [*course.staff, *course.students]}
    if local:  # user servers run in the hub's Python environment, where the course package is installed
        c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
    c.Spawner.default_url = "/lab"


def this_machine(c) -> None:
    """Where a hub on one machine listens and keeps its own state: $COURSE_HUB_URL, $COURSE_HUB_STATE."""
    c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_URL", "http://:8000")
    state = Path(os.environ.get("COURSE_HUB_STATE", "/srv/jupyterhub"))
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"  # the hub's own state, not the grades


def one_course(c, course: Course, exchange: str = "/srv/nbgrader/exchange", local: bool = True) -> None:
    """A hub for one course: its instructors run the formgrader in their own servers.

    `local`: user servers run on this machine, in the hub's Python environment (False for
    containers, whose image has the course installed).
    """
    _common(c, [course], exchange, local)
    c.JupyterHub.load_roles = [{"name": "server", "scopes": SERVER_SCOPES}]
    c.Spawner.pre_spawn_hook = make_pre_spawn_hook([course], exchange, graders_use_own_server=True)


def many_courses(c, courses: list[Course], exchange: str = "/srv/nbgrader/exchange", port: int = 9900) -> None:
    """A hub for several courses: each course's formgrader is a hub service run by an OS account
    `grader-<course>` whose home holds the course folder; the hub writes that account's nbgrader
    settings when it starts. Instructors and graders reach it through the hub (role
    `formgrade-<course>`); students see only the courses whose `nbgrader-<course>` group they are in.
    """
    _common(c, courses, exchange, local=True)
    roles = [{"name": "server", "scopes": [*SERVER_SCOPES, "list:services", "read:services"]}]
    services = []
    for n, course in enumerate(courses):
        account = f"grader-{course.id}"
        try:
            entry = pwd.getpwnam(account)
        except KeyError:
            raise SystemExit(f"course_hub: course {course.id} needs an OS account {account!r} to run its "
                             f"formgrader (useradd --create-home {account})") from None
        root = course.root.format(home=entry.pw_dir, course=course.id)
        environment = {"JUPYTERHUB_DEFAULT_URL": "/lab"}
        if os.environ.get(DB_URL_ENV):  # the formgrader service grades into the shared gradebook
            environment[DB_URL_ENV] = os.environ[DB_URL_ENV]
        settings = nbgrader_settings(exchange, account, course.id, root, shared_os_account=False)
        _write(Path(entry.pw_dir) / ".jupyter" / "nbgrader_config.py", settings, (entry.pw_uid, entry.pw_gid))
        roles.append({"name": course.grader_group, "groups": [course.grader_group],
                      "scopes": [f"access:services!service={course.id}"]})
        roles.append({"name": f"{course.student_group}-list", "groups": [course.student_group],
                      "scopes": ["list:services", f"read:services!service={course.id}"]})
        services.append({"name": course.id, "url": f"http://127.0.0.1:{port + n}", "user": account,
                         "cwd": entry.pw_dir,
                         "command": [sys.executable, "-m", "jupyterhub.singleuser", FRAME_SELF, GRADER_GUARD],
                         "environment": environment, "oauth_no_confirm": True})
    c.JupyterHub.load_roles = roles
    c.JupyterHub.services = services
    c.Spawner.pre_spawn_hook = make_pre_spawn_hook(courses, exchange, graders_use_own_server=False)
