"""Attack submissions graded in one batch by the real pipeline, without the sandbox and then with it.

Each attack is code in a student's answer cell that reports what it managed. Without the sandbox
every attack works (so each one is real); with it every attack fails, grading carries on, the
honest students keep their exact scores and the attackers earn nothing from their attacks.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat
import pytest
from helpers import own_exercises
from hostile_corpus import FULL, RANK_ANSWER
from keyscan import key_strings

from course.author.nbgrader_run import nbgrader
from course.errors import CourseError
from course.grade import batch, sandbox

ASSIGNMENT = "02-proper-language"
NOTEBOOK = "proper-language"
HONEST = ("ann", "bob")  # sorted first: their folders exist before any attacker runs
VICTIM = "ann"
LIMITS = {"memory_mb": 1024, "processes": 48, "file_mb": 8, "cpu_seconds": 60}
BIG_FILE_MB = 64

# Each attack prints "RESULT worked ..." or "RESULT failed ...". {port} is a TCP port on 127.0.0.1
# that this test listens on; {victim} is another student.
ATTACKS = {
    "x-gradebook": """
        import glob, os, sqlite3
        me = os.getcwd().split(os.sep)[-2]
        url = os.environ.get("NBGRADER_DB_URL", "")
        candidates = [url.split("sqlite:///")[-1], *glob.glob("../../../gradebook.db")]
        found = [p for p in candidates if os.path.isfile(p)]
        try:
            db = sqlite3.connect(found[0] if found else "../../../gradebook.db")
            n = db.execute(
                "UPDATE grade SET manual_score ="
                " (SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)"
                " WHERE notebook_id IN (SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa"
                " ON sn.assignment_id = sa.id JOIN student s ON sa.student_id = s.id WHERE s.id = ?)", (me,)).rowcount
            db.commit()
            print("RESULT worked", n, "grades set to full marks")
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-read-source": """
        import glob
        try:
            text = open((glob.glob("../../../source/*/proper-language.ipynb") or ["../../../source/x.ipynb"])[0]).read()
            start = text.find("course-key")
            print("RESULT worked", len(text))
            print(text[max(0, start - 500):start + 5000])
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-read-other": """
        try:
            text = open("../../../submitted/{victim}/02-proper-language/proper-language.ipynb").read()
            print("RESULT worked", len(text), "characters of {victim}'s submission")
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-modify-other": """
        try:
            with open("../../{victim}/02-proper-language/planted.txt", "w") as f:
                f.write("an attacker was here")
            print("RESULT worked")
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-exchange": """
        import os
        try:
            inbound = os.listdir("{exchange}/aplus-4.7/inbound")
            print("RESULT worked", inbound)
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-network": """
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
            print("RESULT worked")
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-environment": """
        import os
        secret = os.environ.get("NBGRADER_DB_URL")
        print("RESULT worked" if secret else "RESULT failed: no gradebook URL in the environment", secret or "")
    """,
    "x-memory": """
        try:
            block = bytes(3 * 1024 ** 3)  # calloc: 3 GiB of address space at once, no time spent filling it
            print("RESULT worked", len(block) // 1024 ** 2, "MiB")
            del block
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-processes": """
        import os, time
        children = []
        try:
            for _ in range(300):
                pid = os.fork()
                if pid == 0:
                    time.sleep(2)
                    os._exit(0)
                children.append(pid)
            print("RESULT worked", len(children), "processes")
        except Exception as exc:
            print("RESULT failed after", len(children), "processes:", repr(exc))
        for pid in children:
            os.waitpid(pid, 0)
    """,
    "x-big-file": """
        try:
            with open("big.bin", "wb") as f:
                f.write(bytes({size}))
            print("RESULT worked")
        except Exception as exc:
            print("RESULT failed", repr(exc))
    """,
    "x-kill-grader": """
        import os, signal
        os.kill(os.getppid(), signal.SIGKILL)
        print("RESULT failed: the grader is still there")
    """,
}


# Not an attack: a cell that loops for ever is interrupted at the timeout, sandboxed or not (the
# grader's SIGINT must reach the kernel without stopping the sandbox around it).
LOOPING = {"x-loop": "while True:\n    pass\n"}
TIMEOUT = 12  # seconds per cell: room for a slow attack on a loaded CI machine (x-memory once took 8)


def _build(course: Path, port: int, exchange: Path) -> None:
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    students = {name: None for name in HONEST} | ATTACKS | LOOPING
    for name, attack in students.items():
        source = course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        by_answer = own_exercises(source, batch.course_id(course), ASSIGNMENT, name)
        wrong = f"ranking = {list(reversed(by_answer[RANK_ANSWER].key['order']))!r}\n"
        nb = nbformat.read(release, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in by_answer:
                if attack is None:
                    cell.source = by_answer[grade_id].solution
                elif grade_id == RANK_ANSWER:  # the attack, then an answer that honestly earns 0
                    code = textwrap.dedent(attack).format(port=port, victim=VICTIM, size=BIG_FILE_MB * 1024 ** 2,
                                                          exchange=exchange)
                    cell.source = code + "\n" + wrong
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")


@pytest.fixture(scope="module")
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope="module")
def template(root, tmp_path_factory, listener):
    course = tmp_path_factory.mktemp("sandbox") / "course"
    course.mkdir()
    exchange = course.parent / "exchange"  # what students hand in, before it is collected
    (exchange / "aplus-4.7" / "inbound" / f"bob+{ASSIGNMENT}+2026-11-20 10:00:00.000000 UTC").mkdir(parents=True)
    config = (root / "nbgrader_config.py").read_text(encoding="utf-8")
    config += "".join(f"\nc.Sandbox.{name} = {value}" for name, value in LIMITS.items())
    config += f"\nc.Exchange.root = {str(exchange)!r}\nc.Execute.timeout = {TIMEOUT}\n"
    (course / "nbgrader_config.py").write_text(config, encoding="utf-8")
    shutil.copytree(root / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
    _build(course, listener, exchange)
    return course


def _graded(template: Path, mode: str) -> dict:
    course = template.parent / mode / "course"
    shutil.copytree(template, course)
    before = os.environ.get("NBGRADER_DB_URL")
    os.environ["NBGRADER_DB_URL"] = f"sqlite:///{course / 'gradebook.db'}"  # also a secret to steal
    try:
        if mode == "off":  # unsandboxed, the worker-killing attack goes last and alone, so that the
            # pool it breaks cannot take another attack's grading down with it
            everyone = batch.submitted_students(course, ASSIGNMENT)
            summary = batch.grade(course, ASSIGNMENT, jobs=2, sandbox=mode,
                                  students=[s for s in everyone if s != "x-kill-grader"])
            summary.outcomes += batch.grade(course, ASSIGNMENT, jobs=1, sandbox=mode,
                                            students=["x-kill-grader"]).outcomes
        else:  # the claim under test: one batch, every attack in it, grading carries on
            summary = batch.grade(course, ASSIGNMENT, jobs=2, sandbox=mode)
    finally:
        if before is None:
            os.environ.pop("NBGRADER_DB_URL")
        else:
            os.environ["NBGRADER_DB_URL"] = before
    return {"course": course, "summary": summary}


@pytest.fixture(scope="module")
def unsandboxed(template):
    return _graded(template, "off")


@pytest.fixture(scope="module")
def sandboxed(template):
    _needs_sandbox()
    return _graded(template, "require")


def _needs_sandbox() -> None:
    why = sandbox.unavailable()
    if why:
        pytest.skip(f"the grading sandbox cannot run here: {why}")


def _answer(course: Path, student: str):
    """A student's autograded notebook, and in it the ranking answer cell that holds the attack."""
    nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    return nb, next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == RANK_ANSWER)


def _result(course: Path, student: str) -> str:
    _, cell = _answer(course, student)
    text = "".join(o.get("text", "") for o in cell.outputs)
    lines = [line for line in text.splitlines() if line.startswith("RESULT")]
    return lines[0] if lines else f"no RESULT line; outputs: {cell.outputs!r}"[:2000]


def _scores(course: Path, student: str) -> dict[str, float | None]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission(ASSIGNMENT, student)
        return {g.name: g.score for nb in sub.notebooks for g in nb.grades}


def _leaks(course: Path, student: str, keys: set[str]) -> list[str]:
    texts = [(course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")]
    html = course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
    if html.is_file():
        texts.append(html.read_text(encoding="utf-8"))
    return sorted(k for k in keys if any(k in t for t in texts))


def test_without_the_sandbox_every_attack_works(unsandboxed, root):
    course = unsandboxed["course"]
    outcomes = {o.student: o for o in unsandboxed["summary"].outcomes}
    assert not outcomes["x-kill-grader"].ok, "killing the grading worker should stop that submission unsandboxed"
    for name in ATTACKS:
        if name != "x-kill-grader":
            assert outcomes[name].ok, (name, outcomes[name])
            assert _result(course, name).startswith("RESULT worked"), (name, _result(course, name))
    assert sum(v or 0 for v in _scores(course, "x-gradebook").values()) == sum(FULL.values())
    assert _leaks(course, "x-read-source", key_strings(root, names=[ASSIGNMENT]))
    assert (course / "autograded" / VICTIM / ASSIGNMENT / "planted.txt").is_file()
    assert (course / "autograded" / "x-big-file" / ASSIGNMENT / "big.bin").stat().st_size == BIG_FILE_MB * 1024 ** 2


def test_with_the_sandbox_every_attack_fails_and_grading_carries_on(sandboxed):
    course = sandboxed["course"]
    summary = sandboxed["summary"]
    assert not summary.failed, [(o.student, o.error) for o in summary.failed]
    assert {o.student for o in summary.graded} == set(HONEST) | set(ATTACKS) | set(LOOPING)
    for name in ATTACKS:
        if name != "x-kill-grader":
            assert _result(course, name).startswith("RESULT failed"), (name, _result(course, name))


def test_sandboxed_scores_are_exact(sandboxed):
    course = sandboxed["course"]
    for name in HONEST:
        assert _scores(course, name) == FULL, name
    for name in ATTACKS:  # each attacker's honest part (a reversed ranking, no rewrite) earns 0
        assert all(not score for score in _scores(course, name).values()), (name, _scores(course, name))


def test_sandboxed_keys_stay_secret(sandboxed, root):
    assert _leaks(sandboxed["course"], "x-read-source", key_strings(root, names=[ASSIGNMENT])) == []


def test_sandboxed_other_students_work_is_untouched(sandboxed):
    course = sandboxed["course"]
    assert not (course / "autograded" / VICTIM / ASSIGNMENT / "planted.txt").exists()
    assert not list(course.glob("autograded/*/*/planted.txt"))


def test_sandboxed_files_stay_under_the_limit_and_go_back_to_the_grader(sandboxed):
    course = sandboxed["course"]
    big = course / "autograded" / "x-big-file" / ASSIGNMENT / "big.bin"
    assert big.stat().st_size <= LIMITS["file_mb"] * 1024 ** 2
    assert big.stat().st_uid == os.geteuid()
    assert "File too large" in _result(course, "x-big-file")


def test_sandboxed_limits_say_what_stopped_the_attack(sandboxed):
    course = sandboxed["course"]
    assert "MemoryError" in _result(course, "x-memory")
    processes = _result(course, "x-processes")
    assert "Resource temporarily unavailable" in processes, processes
    assert int(processes.split("after ")[1].split()[0]) < LIMITS["processes"]
    assert "Connection refused" in _result(course, "x-network") or "unreachable" in _result(course, "x-network")


def test_unsandboxed_and_sandboxed_honest_scores_agree(unsandboxed, sandboxed, summary_line):
    for name in HONEST:
        assert _scores(unsandboxed["course"], name) == _scores(sandboxed["course"], name) == FULL
    # What grading an honest submission cost each way, for the log (benchmarks/sandbox.py measures it)
    off, on = ([o.seconds for o in run["summary"].outcomes if o.student in HONEST] for run in (unsandboxed, sandboxed))
    summary_line(f"sandbox: an honest submission took {statistics.mean(on):.2f} s sandboxed and "
                 f"{statistics.mean(off):.2f} s unsandboxed (mean of {len(on)}, 2 workers)")


PROBE = """
import os, socket
print("uid", os.getuid())
print("sees", sorted(os.listdir("/")))
print("beside init", sorted(os.listdir({init_folder!r})))
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
    print("network worked")
except OSError as exc:
    print("network failed", exc)
children = []
try:
    for _ in range(100):
        pid = os.fork()
        if pid == 0:
            import time; time.sleep(1); os._exit(0)
        children.append(pid)
except OSError as exc:
    print("fork failed after", len(children), exc)
for pid in children:
    os.waitpid(pid, 0)
"""


def test_an_ordinary_account_is_sandboxed_too(listener):
    """Instructors on a hub are not root: bwrap then makes a user namespace, and the limits hold in it.

    Run as `nobody` with Debian's own Python (the one under test may live in root's home)."""
    if os.geteuid() != 0 or not shutil.which("runuser") or not os.path.exists("/usr/bin/python3"):
        pytest.skip("needs root (to become nobody), runuser and /usr/bin/python3")
    _needs_sandbox()
    nobody = pwd.getpwnam("nobody")
    tmp = Path(tempfile.mkdtemp(prefix="sandbox-nobody-"))
    try:
        tmp.chmod(0o755)
        work, run = tmp / "work", tmp / "run"
        for folder in (work, run):
            folder.mkdir()
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        settings = sandbox.Sandbox(processes=20)
        probe = PROBE.format(port=listener, init_folder=str(sandbox.INIT.parent))
        cmd = settings.command(["/usr/bin/python3", "-c", probe], work, run, {}, uid=None,
                               python="/usr/bin/python3", readable=[])
        proc = subprocess.run(["runuser", "-u", "nobody", "--", *cmd], capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert f"uid {nobody.pw_uid}" in out
    assert "network failed" in out and "fork failed after" in out, out
    assert int(out.split("fork failed after ")[1].split()[0]) < 20
    assert "'root'" not in out.split("sees ")[1].splitlines()[0]
    assert "beside init ['sandbox_init.py']" in out  # of the course, only the start-up program is in sight


@pytest.fixture
def one_student(template, tmp_path) -> Path:
    """The attack course with only one honest student handed in."""
    course = tmp_path / "course"
    shutil.copytree(template, course, ignore=shutil.ignore_patterns("x-*"))
    shutil.rmtree(course / "submitted" / "bob")
    return course


def _grade(course: Path, *options: str) -> int:
    from course.cli import main

    return main(["--course-dir", str(course), "grade", ASSIGNMENT, "--jobs", "1", "--no-collect", "--no-export",
                 *options])


@pytest.fixture
def no_students(template, tmp_path) -> Path:
    """The attack course before anyone hands in: what `course grade` says first, without grading anything."""
    course = tmp_path / "course"
    shutil.copytree(template, course, ignore=shutil.ignore_patterns("submitted"))
    (course / "submitted").mkdir()
    return course


def test_course_grade_says_the_sandbox_is_on(no_students, capsys):
    """Sandboxed scores are test_sandboxed_scores_are_exact's; this is the line a grader reads first."""
    _needs_sandbox()
    assert _grade(no_students) == 0
    err = capsys.readouterr().err
    assert "sandbox: on (memory 1024 MiB, 48 processes, 60 s CPU, files up to 8 MiB, no network)" in err
    assert "OFF" not in err


def test_course_grade_says_once_when_grading_runs_unsandboxed(one_student, capsys, monkeypatch):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bubblewrap (bwrap) is not installed: install it")
    assert _grade(one_student) == 0
    err = capsys.readouterr().err
    assert err.count("sandbox: OFF") == 1 and "bubblewrap (bwrap) is not installed" in err
    assert "Student code runs unsandboxed" in err
    assert _scores(one_student, "ann") == FULL


def test_course_grade_refuses_when_the_sandbox_is_required_but_missing(one_student, capsys, monkeypatch):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bubblewrap (bwrap) is not installed: install it")
    assert _grade(one_student, "--sandbox", "require") == 1
    err = capsys.readouterr().err
    assert "the grading sandbox is required" in err and "bubblewrap (bwrap) is not installed" in err
    assert not (one_student / "autograded").exists()  # nothing was graded


def test_one_decision_says_whether_and_why(monkeypatch):
    class Log:
        def __init__(self) -> None:
            self.warnings: list[str] = []

        def warning(self, text, *args):
            self.warnings.append(text % args)

    log = Log()
    monkeypatch.setattr(sandbox, "_WARNED", set())
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bwrap is missing")
    assert sandbox.Sandbox(mode="auto").status() == (False, "bwrap is missing")
    off = sandbox.Sandbox(mode="off")
    assert off.status()[0] is False and "switched off" in off.status()[1]
    with pytest.raises(CourseError, match="required .* but bwrap is missing"):
        sandbox.Sandbox(mode="require").status()
    assert not off.active(log) and log.warnings == []  # asked for: no warning
    assert not sandbox.Sandbox(mode="auto").active(log) and not sandbox.Sandbox(mode="auto").active(log)
    assert len(log.warnings) == 1 and "bwrap is missing" in log.warnings[0]
    monkeypatch.setattr(sandbox, "unavailable", lambda: None)
    assert sandbox.Sandbox(mode="require", memory_mb=512).status() == (True, sandbox.Sandbox(memory_mb=512).describe())
    assert sandbox.Sandbox(mode="off").status()[0] is False


def test_a_bad_sandbox_mode_in_the_config_is_named(one_student, capsys):
    with open(one_student / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write('c.Sandbox.mode = "sometimes"\n')
    assert _grade(one_student) != 0
    err = capsys.readouterr().err
    assert "mode" in err and "sometimes" in err


def _folders(tmp_path: Path, mode: int = 0o755) -> tuple[Path, Path, int | None]:
    """A kernel's folder and its runtime folder, owned by the uid the kernel runs as; and that uid."""
    _needs_sandbox()
    work, run = tmp_path / "work", tmp_path / "run"
    uid = sandbox.kernel_uid()
    for folder in (work, run):
        folder.mkdir(mode=mode)
    sandbox.hand_to(uid, work, run)
    return work, run, uid


def test_cpu_time_is_limited(tmp_path):
    """A kernel that spins past c.Sandbox.cpu_seconds is stopped by the kernel (SIGXCPU), not left to run."""
    work, run, uid = _folders(tmp_path)
    cmd = sandbox.Sandbox(cpu_seconds=1).command([sys.executable, "-c", "while True: pass"], work, run, {}, uid)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    # bwrap reports its child's death by signal as 128 + the signal's number
    assert proc.returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGKILL), proc


def test_a_kernel_folder_only_its_owner_may_enter_works(tmp_path):
    """Under umask 077 nbgrader makes autograded folders 0700; the kernel must still start in its own."""
    work, run, uid = _folders(tmp_path, mode=0o700)
    probe = "import os; open('note.txt', 'w').write('ok'); print(os.getcwd())"
    proc = subprocess.run(sandbox.Sandbox().command([sys.executable, "-c", probe], work, run, {}, uid),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(work) and (work / "note.txt").read_text() == "ok"


def test_no_folder_above_the_kernel_nor_from_pythonpath_is_shown(tmp_path, monkeypatch):
    course = tmp_path / "course"
    work = course / "autograded" / "ann" / ASSIGNMENT
    extra, script = tmp_path / "extra", tmp_path / "script"
    for folder in (work, extra, script):
        folder.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(script), *sys.path, str(course), str(tmp_path), str(extra)])
    monkeypatch.setenv("PYTHONPATH", str(extra))
    shown = [Path(f) for f in sandbox.python_folders(hide=work)]
    assert not {course, tmp_path, extra, script} & set(shown), shown
    assert any(f == sandbox.PACKAGE or f in sandbox.PACKAGE.parents for f in shown)  # the course package
    assert any(f == Path(sys.prefix) or f in Path(sys.prefix).parents for f in shown)  # the environment


def test_the_folder_grading_runs_from_is_not_shown_wherever_it_sits_on_the_path(tmp_path, monkeypatch):
    """`python -m`, an instructor's kernel or a test runner's workers put the current folder (the course, with
    its keys and gradebook) on sys.path, as "" or as its path, and not always first."""
    course, work = tmp_path / "course", tmp_path / "kernel"
    (course / "source").mkdir(parents=True)
    work.mkdir()
    monkeypatch.chdir(course)
    monkeypatch.setattr(sys, "path", [sys.path[0], "", *sys.path[1:], str(course)])
    shown = [Path(f) for f in sandbox.python_folders(hide=work)]
    assert not any(f == course or f in course.parents for f in shown), shown
    assert any(f == sandbox.PACKAGE or f in sandbox.PACKAGE.parents for f in shown)  # the course package still


@pytest.mark.parametrize("run", ["unsandboxed", "sandboxed"])
def test_an_endless_loop_is_interrupted_not_killed(run, request):
    nb, cell = _answer(request.getfixturevalue(run)["course"], "x-loop")
    errors = [o.get("ename") for o in cell.outputs if o.output_type == "error"]
    assert errors == ["KeyboardInterrupt", "CellTimeoutError"], cell.outputs  # nbgrader adds the second
    assert "GradingStoppedThisCell" not in nbformat.writes(nb)  # no kernel was lost on the way


def test_an_interpreter_path_with_dots_still_starts(tmp_path, monkeypatch):
    """Run as `cd benchmarks && ../.venv/bin/python ...`: the sandbox has no benchmarks/ to pass through."""
    work, run, uid = _folders(tmp_path)
    dotted = str(Path(sys.executable).parent / "nonexistent-folder" / ".." / Path(sys.executable).name)
    monkeypatch.setattr(sys, "executable", dotted)
    cmd = sandbox.Sandbox().command([dotted, "-c", "print('started')"], work, run, {}, uid)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "started", proc.stderr
