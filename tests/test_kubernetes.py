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
    assert "c.Sandbox.mode = 'require'" in teacher_settings  # a pod without bubblewrap refuses to grade


def test_user_image_installs_the_course_with_the_hub_extra():
    dockerfile = (ROOT / "deploy" / "kubernetes" / "Dockerfile").read_text()
    assert 'pip install --no-cache-dir "/tmp/course[hub,engine]"' in dockerfile
    assert '\nhub = [\n    "jupyterhub' in (ROOT / "pyproject.toml").read_text()


WORKERS = ROOT / "deploy" / "kubernetes" / "grading-workers.yaml"


@pytest.fixture
def grading() -> dict:
    """deploy/kubernetes/grading-workers.yaml: kind/name -> manifest."""
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc for doc in yaml.safe_load_all(WORKERS.read_text())}


def _container(manifest: dict) -> dict:
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    return container


def test_grading_workers_require_their_sandbox_and_hold_no_credentials_but_the_gradebook(grading):
    from course.cli import main

    worker = grading["Deployment/aplus-grading-worker"]
    pod, container = worker["spec"]["template"]["spec"], _container(worker)
    command = container["command"]
    assert command[:2] == ["course", "worker"] and command[command.index("--sandbox") + 1] == "require"
    scheduler = grading["Service/aplus-grading"]
    assert command[2] == f"tcp://{scheduler['metadata']['name']}:{scheduler['spec']['ports'][0]['port']}"
    with pytest.raises(SystemExit) as parsed:  # the arguments are ones `course worker` takes
        main(["worker", *command[2:], "--help"])
    assert parsed.value.code == 0
    assert pod["automountServiceAccountToken"] is False
    assert [e["name"] for e in container["env"]] == ["NBGRADER_DB_URL"]
    assert container["env"][0]["valueFrom"]["secretKeyRef"]["name"] == "aplus-gradebook"
    security = container["securityContext"]
    assert security["runAsNonRoot"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "Unconfined"}, "bubblewrap makes user namespaces"
    assert _container(grading["Deployment/aplus-grading-scheduler"])["securityContext"]["seccompProfile"] == {
        "type": "RuntimeDefault"}, "only the workers, which run bubblewrap, leave the default profile"


def test_grading_workers_reach_only_the_scheduler_the_gradebook_and_dns(grading, values):
    policy = grading["NetworkPolicy/aplus-grading-worker"]["spec"]
    assert policy["podSelector"]["matchLabels"] == grading["Deployment/aplus-grading-worker"]["spec"]["selector"][
        "matchLabels"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    allowed = sorted(port["port"] for rule in policy["egress"] for port in rule.get("ports", []))
    assert allowed == [53, 53, 5432, 8786]
    scheduler = grading["Deployment/aplus-grading-scheduler"]
    env = {e["name"]: e["value"] for e in _container(scheduler)["env"]}
    assert env["DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION"] == "1.0"
    images = {_container(m)["image"] for m in grading.values() if m["kind"] == "Deployment"}
    user_image = values["singleuser"]["image"]
    assert images == {f"{user_image['name']}:{user_image['tag']}"}, "the workers run the students' image"
