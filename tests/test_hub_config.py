"""The hub configuration files, loaded without starting a hub: rosters, groups, roles, services."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
HUB_DIR = ROOT / "deploy" / "jupyterhub"


class SimpleLocalProcessSpawner:  # stand-in: the hook knows spawners by class name
    def __init__(self, user: str, home: Path) -> None:
        self.user = SimpleNamespace(name=user, groups=[])
        self.home_dir = str(home)
        self.environment: dict = {}
        self.args: list = []


def _load(name: str) -> Config:
    return PyFileConfigLoader(name, path=str(HUB_DIR)).load_config()


@pytest.fixture
def roster(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HUB_DIR))
    monkeypatch.setenv("COURSE_ROSTER_DIR", str(tmp_path / "roster"))
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    return tmp_path / "roster"


def _names(path: Path, *names: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# roster\n" + "\n".join(names) + "\n\n")


def test_production_file_reads_the_roster_and_uses_real_accounts(roster):
    _names(roster / "instructors.txt", "teacher1")
    _names(roster / "students.txt", "student1", "student2  # joined late")
    c = _load("jupyterhub_config.py")
    assert c.JupyterHub.authenticator_class == "pam" and c.JupyterHub.spawner_class == "localprocess"
    assert c.JupyterHub.load_groups == {"formgrade-aplus-4.7": {"users": ["teacher1"]},
                                        "nbgrader-aplus-4.7": {"users": ["student1", "student2"]}}
    assert c.Authenticator.allowed_users == {"teacher1", "student1", "student2"}
    assert c.Spawner.cmd == [sys.executable, "-m", "jupyterhub.singleuser"]


def test_a_missing_roster_names_the_file_and_the_fix(roster):
    with pytest.raises(SystemExit, match="roster file .*instructors.txt is missing: write one user name per line"):
        _load("jupyterhub_config.py")


def test_many_courses_each_get_a_formgrader_service_and_students_see_only_theirs(roster, tmp_path, monkeypatch):
    import course_hub

    for cid, teacher, students in [("aplus-4.7", "ann", ["sam", "kim"]), ("net-101", "bob", ["kim"])]:
        _names(roster / cid / "instructors.txt", teacher)
        _names(roster / cid / "students.txt", *students)
    monkeypatch.setenv("COURSE_IDS", "aplus-4.7, net-101")
    accounts = {f"grader-{cid}": tmp_path / "homes" / f"grader-{cid}" for cid in ("aplus-4.7", "net-101")}
    fake = {name: SimpleNamespace(pw_dir=str(home), pw_uid=os.getuid(), pw_gid=os.getgid())
            for name, home in accounts.items()}
    monkeypatch.setattr(course_hub.pwd, "getpwnam", lambda name: fake[name])
    c = _load("many_courses.py")
    assert c.JupyterHub.load_groups["nbgrader-net-101"] == {"users": ["kim"]}
    assert [s["name"] for s in c.JupyterHub.services] == ["aplus-4.7", "net-101"]
    assert {s["user"] for s in c.JupyterHub.services} == set(accounts)
    assert all(course_hub.GRADER_GUARD in s["command"] for s in c.JupyterHub.services)
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["formgrade-net-101"]["scopes"] == ["access:services!service=net-101"]
    assert "read:users:groups!user" in roles["server"]["scopes"]
    grader = (accounts["grader-net-101"] / ".jupyter" / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.root = {str(accounts['grader-net-101'] / 'net-101')!r}" in grader
    # kim takes both courses: no fixed course id, the Assignments list offers both
    kim = SimpleLocalProcessSpawner("kim", tmp_path / "homes" / "kim")
    c.Spawner.pre_spawn_hook(kim)
    text = (tmp_path / "homes" / "kim" / ".jupyter" / "nbgrader_config.py").read_text()
    assert "course_id" not in text and "c.CourseDirectory.student_id = 'kim'" in text
    assert "JupyterHubAuthPlugin" in text and "c.Exchange.path_includes_course = True" in text
    # an instructor grades in the service: their own server is a student's
    ann = SimpleLocalProcessSpawner("ann", tmp_path / "homes" / "ann")
    c.Spawner.pre_spawn_hook(ann)
    assert "CourseDirectory.root" not in ann.environment["COURSE_NBGRADER_CONFIG"]
    assert any("formgrader=False" in a for a in ann.args)
    once = list(ann.args)
    c.Spawner.pre_spawn_hook(ann)  # a restart of the same server adds nothing twice
    assert ann.args == once


def test_many_courses_without_the_grader_account_says_how_to_make_it(roster, monkeypatch):
    _names(roster / "aplus-4.7" / "instructors.txt", "ann")
    _names(roster / "aplus-4.7" / "students.txt", "sam")
    monkeypatch.setenv("COURSE_IDS", "aplus-4.7")
    import course_hub

    def missing(name):
        raise KeyError(name)

    monkeypatch.setattr(course_hub.pwd, "getpwnam", missing)
    with pytest.raises(SystemExit, match="needs an OS account 'grader-aplus-4.7'.*useradd --create-home"):
        _load("many_courses.py")


# ------------------------------------------------------------------ what JupyterLab shows a student first

LAB_SETTINGS = "share/jupyter/lab/settings/overrides.d"  # under sys.prefix: JupyterLab's own settings folder
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def _shipped_overrides() -> list[Path]:
    """The files the package installs as JupyterLab defaults (pyproject's data-files)."""
    import tomllib

    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["data-files"]
    return [ROOT / name for name in data_files.get(LAB_SETTINGS, [])]


def test_the_package_installs_its_lab_defaults_where_jupyterlab_reads_them(monkeypatch):
    from jupyterlab.commands import get_app_dir

    monkeypatch.delenv("JUPYTERLAB_DIR", raising=False)
    assert Path(get_app_dir(), "settings", "overrides.d") == Path(sys.prefix, LAB_SETTINGS)
    assert [p.name for p in _shipped_overrides()] == ["aplus-professionalism.json"]  # its own name: no clash


def test_a_new_student_gets_no_news_prompt(tmp_path):
    """A real JupyterLab, with no user settings at all (as on a student's first login), reads the
    shipped defaults: the news feed is off, so no prompt covers the first notebook."""
    import json
    import urllib.request

    from helpers import jupyter

    settings = tmp_path / "app-settings"
    (settings / "overrides.d").mkdir(parents=True)
    for path in _shipped_overrides():
        (settings / "overrides.d" / path.name).write_text(path.read_text("utf-8"))
    fresh = tmp_path / "fresh-user"  # not helpers.isolated_env's folder: that one hides the prompt itself
    env = {"JUPYTER_CONFIG_DIR": str(fresh), "JUPYTERLAB_SETTINGS_DIR": str(fresh / "lab" / "user-settings")}
    with jupyter("lab", tmp_path, tmp_path / "home", "t0k", f"--LabApp.app_settings_dir={settings}", env=env) as base:
        with urllib.request.urlopen(f"{base}/lab/api/settings/{NOTIFICATION}?token=t0k", timeout=30) as reply:
            plugin = json.load(reply)
    assert plugin["settings"] == {}, "the student has no settings of their own"
    defaults = {name: spec.get("default") for name, spec in plugin["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False  # what Lab composes
