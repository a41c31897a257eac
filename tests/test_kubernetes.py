"""What can be checked of the Zero to JupyterHub files without a cluster (this machine has none).

The values file's hub code is run against the real course_hub.py with a stand-in for KubeSpawner,
and its postStart command is run by a real shell: together they must leave each user the same
nbgrader settings the local hub writes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "deploy" / "kubernetes" / "values.yaml"
HUB_DIR = ROOT / "deploy" / "jupyterhub"


class KubeSpawner:  # the hook tells spawners apart by class name, as it does for the real one
    def __init__(self, user: str, groups: list[str]) -> None:
        self.user = SimpleNamespace(name=user, groups=[SimpleNamespace(name=g) for g in groups])
        self.environment: dict = {}
        self.args: list = []


@pytest.fixture
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


@pytest.fixture
def hub_config(values, monkeypatch) -> Config:
    mount = values["hub"]["extraFiles"]["course-hub"]["mountPath"]
    code = values["hub"]["extraConfig"]["course"].replace(str(Path(mount).parent), str(HUB_DIR))
    assert code != values["hub"]["extraConfig"]["course"], "extraConfig must put the mounted file's folder on sys.path"
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("NBGRADER_DB_URL", "postgresql+psycopg://grader:pw@db/gradebook")
    c = Config()
    exec(compile(code, "values.yaml:hub.extraConfig.course", "exec"), {"c": c})
    return c


def test_hub_code_gives_groups_and_leaves_the_image_command(hub_config):
    assert hub_config.JupyterHub.load_groups["formgrade-aplus-4.7"] == {"users": ["REPLACE-instructor"]}
    assert "cmd" not in hub_config.Spawner, "in a pod the image's jupyterhub-singleuser runs, not the hub's Python"
    assert "allowed_users" not in hub_config.Authenticator, "with no roster, the authenticator admits people"


def test_post_start_writes_what_the_hook_computed(hub_config, values, tmp_path):
    hook = hub_config.Spawner.pre_spawn_hook
    student, teacher = KubeSpawner("sam", ["nbgrader-aplus-4.7"]), KubeSpawner("REPLACE-instructor", [])
    hook(student)
    hook(teacher)
    assert "NBGRADER_DB_URL" not in student.environment and "PATH" not in student.environment
    assert teacher.environment["NBGRADER_DB_URL"].startswith("postgresql+psycopg://")
    assert any("jpserver_extensions=nbgrader.server_extensions.formgrader=False" in a for a in student.args)
    assert "--ServerApp.jpserver_extensions=course.grade.formgrader_guard=True" in teacher.args  # safe to grade in
    command = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    home = tmp_path / "jovyan"
    home.mkdir()
    subprocess.run(command, env={"HOME": str(home), "PATH": "/usr/bin:/bin",
                                 "COURSE_NBGRADER_CONFIG": student.environment["COURSE_NBGRADER_CONFIG"]}, check=True)
    written = home / ".jupyter" / "nbgrader_config.py"
    assert written.read_text() == student.environment["COURSE_NBGRADER_CONFIG"]
    config = PyFileConfigLoader(written.name, path=str(written.parent)).load_config()
    assert config.CourseDirectory.student_id == "sam" and config.CourseDirectory.course_id == "aplus-4.7"
    mount = values["singleuser"]["storage"]["extraVolumeMounts"][0]["mountPath"]
    assert config.Exchange.root == mount, "the exchange the settings name is the shared volume"
    teacher_settings = teacher.environment["COURSE_NBGRADER_CONFIG"]
    assert "c.CourseDirectory.root = '/home/jovyan/aplus-4.7'" in teacher_settings
    assert "c.ExchangeCollect.check_owner = False" in teacher_settings  # every pod is uid jovyan


def test_user_image_installs_the_course_with_the_hub_extra():
    dockerfile = (ROOT / "deploy" / "kubernetes" / "Dockerfile").read_text()
    assert 'pip install --no-cache-dir "/tmp/course[hub]"' in dockerfile
    assert '\nhub = [\n    "jupyterhub' in (ROOT / "pyproject.toml").read_text()
