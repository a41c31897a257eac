"""The course on a real JupyterHub on 127.0.0.1, from the shipped deploy/jupyterhub/jupyterhub_config.py.

Only the authenticator (dummy passwords) and the spawner (`simple`: every server runs as this test's
OS account, in its own home) are replaced; the proxy is configurable-http-proxy from npm. An
instructor releases through the formgrader's API, two students fetch, answer through the contents
API and submit through their own servers, the instructor collects and runs `course grade`, and the
export holds both students under their own ids. Then one student logs in through the hub's login
page in Chromium and plays a scenario in their lab.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, OUTPUT, artifacts, free_port, own_exercises, quiet_lab_settings

ROOT = Path(__file__).resolve().parent.parent
COURSE = "aplus-4.7"
ASSIGNMENT = "01-appearance"
NOTEBOOK = "appearance.ipynb"
INSTRUCTOR = "ines"
# Each student's answers, by exercise kind: the solution, or None to leave the cell as released.
STUDENTS = {"sam": {"ranking": True, "reflection": True}, "kim": {"ranking": True, "reflection": False}}
PASSWORD = "course-hub-test"
TOKEN = secrets.token_hex(16)


def _proxy() -> str | None:
    local = ROOT / "deploy" / "jupyterhub" / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else shutil.which("configurable-http-proxy")


def _request(url: str, method: str = "GET", body: dict | None = None, form: dict | None = None,
             token: str = TOKEN) -> tuple[int, Message, bytes]:
    data, headers = None, {"Authorization": f"token {token}"}
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _json(url: str, method: str = "GET", **kw):
    status, _headers, content = _request(url, method, **kw)
    assert status < 400, f"{method} {url}: {status} {content[:500]!r}"
    return json.loads(content) if content else None


def _write_config(tmp: Path, proxy: str) -> Path:
    config = tmp / "jupyterhub_config.py"
    config.write_text(f"""
c = get_config()  # noqa
load_subconfig({str(ROOT / 'deploy' / 'jupyterhub' / 'jupyterhub_config.py')!r})
# The two replacements: test passwords, and every server as this OS account in its own home.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp / 'homes' / '{username}')!r}
c.Spawner.args = {['--allow-root'] if os.geteuid() == 0 else []!r}
# This machine: loopback ports, the npm proxy, and a token for the test to drive the hub with.
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.services = [{{"name": "course-test", "api_token": {TOKEN!r}}}]
c.JupyterHub.load_roles = [*c.JupyterHub.load_roles, {{"name": "course-test", "services": ["course-test"],
                           "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"]}}]
""")
    return config


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    proxy = _proxy()
    if not proxy:
        pytest.skip("no configurable-http-proxy: run `npm ci --prefix deploy/jupyterhub` (needs Node.js and npm)")
    tmp = tmp_path_factory.mktemp("hub")
    roster = tmp / "roster"
    roster.mkdir()
    (roster / "instructors.txt").write_text(f"# who teaches\n{INSTRUCTOR}\n")
    (roster / "students.txt").write_text("\n".join(STUDENTS) + "\n")
    course_root = tmp / "homes" / INSTRUCTOR / COURSE  # the instructor's clone of the course
    shutil.copytree(ROOT / "source" / ASSIGNMENT, course_root / "source" / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", course_root / "nbgrader_config.py")
    for user in [INSTRUCTOR, *STUDENTS]:
        quiet_lab_settings(tmp / "homes" / user / ".jupyter")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "COURSE_ROSTER_DIR": str(roster), "COURSE_EXCHANGE": str(tmp / "exchange"),
           "COURSE_HUB_URL": base, "COURSE_HUB_STATE": str(tmp / "state"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    # The hub hands the gradebook URL (a PostgreSQL password, in production) to instructors' servers only.
    env["NBGRADER_DB_URL"] = f"sqlite:///{course_root / 'gradebook.db'}"
    (tmp / "state").mkdir()
    log = open(tmp / "hub.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(_write_config(tmp, proxy))],
                            cwd=tmp / "state", env=env, stdout=log, stderr=subprocess.STDOUT)

    def tail() -> str:
        return (tmp / "hub.log").read_text()[-4000:]

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _json(f"{base}/hub/api/users")
                break
            except (OSError, AssertionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterHub did not start:\n" + tail()) from None
                time.sleep(0.5)
        print(f"hub up in {time.monotonic() - started:.1f} s")
        yield {"base": base, "tmp": tmp, "course_root": course_root, "env": env, "tail": tail}
    finally:
        proc.terminate()  # the hub stops the user servers and the proxy it started
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _start_server(hub, user: str) -> str:
    status, _h, content = _request(f"{hub['base']}/hub/api/users/{user}/server", "POST", body={})
    assert status in (201, 202, 400), f"starting {user}'s server: {status} {content[:300]!r}\n{hub['tail']()}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        model = _json(f"{hub['base']}/hub/api/users/{user}")
        server = model.get("servers", {}).get("")
        if server and server.get("ready"):
            return f"{hub['base']}/user/{user}"
        time.sleep(0.5)
    raise AssertionError(f"{user}'s server never became ready:\n{hub['tail']()}")


def _in_terminal(hub, server: str, command: str, timeout: float = 600) -> tuple[int, str]:
    """Run a shell command in a Jupyter terminal of a user server; its exit status and output."""
    import websocket  # websocket-client, which jupyter_server depends on

    name = _json(f"{server}/api/terminals", "POST", body={})["name"]
    ws = websocket.create_connection(server.replace("http://", "ws://") + f"/terminals/websocket/{name}",
                                     header=[f"Authorization: token {TOKEN}"], timeout=timeout)
    try:
        ws.send(json.dumps(["stdin", f"{command}; echo COURSE-EXIT=$((40 + $?))\r"]))
        output, deadline = "", time.monotonic() + timeout
        while time.monotonic() < deadline:
            kind, *rest = json.loads(ws.recv())
            if kind == "stdout":
                output += rest[0]
                done = re.search(r"COURSE-EXIT=(\d+)", output)  # 40+: not the echo of the command line
                if done:
                    return int(done.group(1)) - 40, output
        raise AssertionError(f"`{command}` did not finish in {timeout} s:\n{output[-3000:]}")
    finally:
        ws.close()
        _request(f"{server}/api/terminals/{name}", "DELETE")


def _answer(model: dict, source_nb: Path, wants: dict, student: str) -> dict:
    """The notebook with each answer cell replaced by the solution to the student's own case where they want it."""
    by_id = own_exercises(source_nb, COURSE, ASSIGNMENT, student)
    for cell in model["cells"]:
        ex = by_id.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if ex is not None and wants[ex.key["kind"]]:
            cell["source"] = ex.solution
    return model


@pytest.fixture(scope="module")
def graded(hub):
    """The whole course round through the hub; returns the exported rows by student id."""
    timings = {}
    start = time.monotonic()
    servers = {user: _start_server(hub, user) for user in [INSTRUCTOR, *STUDENTS]}
    timings["three servers"] = time.monotonic() - start
    teacher = servers[INSTRUCTOR]
    assert _json(f"{teacher}/formgrader/api/assignment/{ASSIGNMENT}/assign", "POST", body={})["success"]
    assert _json(f"{teacher}/formgrader/api/assignment/{ASSIGNMENT}/release", "POST", body={})["success"]
    source_nb = hub["course_root"] / "source" / ASSIGNMENT / NOTEBOOK
    for student, wants in STUDENTS.items():
        url = servers[student]
        listed = _json(f"{url}/assignments?course_id={COURSE}")
        assert listed["success"], listed
        assert [a["assignment_id"] for a in listed["value"] if a["status"] == "released"] == [ASSIGNMENT]
        listed = _json(f"{url}/assignments/fetch", "POST", form={"course_id": COURSE, "assignment_id": ASSIGNMENT})
        assert [a["status"] for a in listed["value"]] == ["fetched"], listed
        path = f"{COURSE}/{ASSIGNMENT}/{NOTEBOOK}"  # where fetch puts it: one folder per course
        model = _json(f"{url}/api/contents/{path}?content=1")
        notebook = _answer(model["content"], source_nb, wants, student)
        _json(f"{url}/api/contents/{path}", "PUT", body={"type": "notebook", "format": "json", "content": notebook})
        submitted = _json(f"{url}/assignments/submit", "POST", form={"course_id": COURSE, "assignment_id": ASSIGNMENT})
        assert submitted["success"], submitted
    collected = _json(f"{teacher}/formgrader/api/assignment/{ASSIGNMENT}/collect", "POST", body={})
    assert collected["success"], collected
    # `course grade` typed into a terminal of the instructor's server, as the README and docs/deploying.md tell them.
    started = time.monotonic()
    # A hang anywhere in grading is stopped at 240 s and that submission graded again alone (batch.py).
    code, output = _in_terminal(hub, teacher, f"cd {hub['course_root']} && course grade {ASSIGNMENT} --jobs 2 "
                                "--submission-timeout 240", timeout=900)
    timings["course grade"] = time.monotonic() - started
    assert code == 0, output
    assert (hub["course_root"] / "gradebook.db").is_file()
    for user, server in servers.items():
        code, seen = _in_terminal(hub, server, 'echo "db=[$NBGRADER_DB_URL]"')
        assert code == 0 and ("gradebook.db]" in seen) == (user == INSTRUCTOR), (user, seen)
    with open(hub["course_root"] / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    print("timings:", {k: f"{v:.1f} s" for k, v in timings.items()})
    return {"rows": rows, "servers": servers, "grade_output": output}


def test_instructor_has_the_formgrader_and_students_do_not(hub, graded):
    teacher = graded["servers"][INSTRUCTOR]
    status, headers, _ = _request(f"{teacher}/formgrader/")
    assert status == 200
    # frame-ancestors 'self': Lab's Formgrader panel (an iframe of the same server) is not blank
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'self'" in policy, dict(headers)
    # the guard runs on the instructor's server: only formgrader's own scripts, by nonce
    assert "script-src 'nonce-" in policy and "default-src 'none'" in policy, policy
    for student in STUDENTS:
        status, _h, _ = _request(f"{graded['servers'][student]}/formgrader/")
        assert status == 404, f"{student}'s server serves the formgrader"
        page = json.loads((hub["tmp"] / "homes" / student / ".jupyter/labconfig/page_config.json").read_text())
        assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True


def test_each_student_is_graded_under_their_own_id(hub, graded):
    rows = graded["rows"]
    assert set(rows) == set(STUDENTS), rows.keys()  # not the OS account every server runs as
    assert sorted(p.name for p in (hub["course_root"] / "submitted").iterdir()) == sorted(STUDENTS)
    assert float(rows["sam"]["score"]) == pytest.approx(7.0)  # both exercises right
    assert float(rows["kim"]["score"]) == pytest.approx(3.0)  # ranking right, written answer left blank
    assert all(float(row["max_score"]) == 7.0 and row["assignment"] == ASSIGNMENT for row in rows.values())
    assert "2 graded, 0 failed" in graded["grade_output"]


def test_each_user_gets_their_settings_at_spawn(hub, graded):
    homes = hub["tmp"] / "homes"
    teacher = (homes / INSTRUCTOR / ".jupyter" / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.root = {str(hub['course_root'])!r}" in teacher
    assert "c.ExchangeCollect.check_owner = False" in teacher  # one OS account for every server here
    for student in STUDENTS:
        text = (homes / student / ".jupyter" / "nbgrader_config.py").read_text()
        assert f"c.CourseDirectory.student_id = {student!r}" in text and "CourseDirectory.root" not in text
    feedback = hub["course_root"] / "feedback" / "sam" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    assert feedback.is_file()


def test_a_student_logs_in_and_plays_a_scenario(hub, graded):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`")
    from playwright.sync_api import expect, sync_playwright

    student = "kim"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        page.set_default_timeout(90_000)
        try:
            page.goto(f"{hub['base']}/hub/login")
            page.fill("input[name=username]", student)
            page.fill("input[name=password]", PASSWORD)
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_url(f"**/user/{student}/lab**")
            page.goto(f"{hub['base']}/user/{student}/lab/tree/{COURSE}/{ASSIGNMENT}/{NOTEBOOK}")
            page.wait_for_selector(".jp-NotebookPanel")
            _wait_for_idle_kernel(graded["servers"][student])  # Run All before the kernel is up can do nothing
            page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
            page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
            # the scenario itself, not "an output with choices": while the new choices are drawn
            # the first scenario has none for a moment and such a locator slid to the next one
            widget = page.locator(f"{OUTPUT} .course-scenario").first
            widget.locator(".course-choice").first.wait_for()
            situation = widget.locator(".course-situation").inner_text()
            widget.locator(".course-choice").first.click()
            verdict = re.compile("Strong choice|Acceptable choice|Weak choice|Good recovery")
            expect(widget.locator(".course-situation")).not_to_have_text(situation, timeout=30_000)
            expect(widget.locator("[role='status']").first).to_contain_text(verdict, timeout=30_000)
        except Exception:
            page.screenshot(path=str(artifacts(ROOT) / "hub-student-lab.png"))  # what the page showed
            raise
        finally:
            browser.close()


def _wait_for_idle_kernel(server: str, timeout: float = 90) -> None:
    """Lab's idle indicator can lie; the sessions API does not (as in test_browser)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = _json(f"{server}/api/sessions")
        if any(s["path"].endswith(NOTEBOOK) and s["kernel"]["execution_state"] == "idle" for s in sessions):
            return
        time.sleep(0.5)
    raise AssertionError(f"the kernel of {NOTEBOOK} never became idle")


def test_a_hub_user_outside_the_course_cannot_fetch_it(hub, graded):
    # An account the hub knows but the roster does not list: nbgrader's JupyterHub plugin asks the
    # hub for the user's groups, finds no nbgrader-aplus-4.7, and refuses.
    status, _h, content = _request(f"{hub['base']}/hub/api/users/eve", "POST", body={})
    assert status == 201, content
    url = _start_server(hub, "eve")
    listed = _json(f"{url}/assignments?course_id={COURSE}")
    assert listed["success"] and listed["value"] == [], listed
    # the fetch endpoint answers with the listing; the refusal itself is in the server's log
    listed = _json(f"{url}/assignments/fetch", "POST", form={"course_id": COURSE, "assignment_id": ASSIGNMENT})
    assert listed["success"] and listed["value"] == [], listed
    assert not (hub["tmp"] / "homes" / "eve" / COURSE).exists()
    assert "You do not have access to this course." in (hub["tmp"] / "hub.log").read_text()
