"""Run each submission's grading kernel in a bubblewrap sandbox.

nbgrader runs student code as the instructor: the gradebook, source/ (keys and solutions), every
other student's work, the exchange and the network are all in reach of a submission. Here the
kernel starts under bubblewrap (Debian's `bubblewrap`) in a new root that holds only the system
folders, the Python environment (read-only) and this submission's autograded folder, the one place
it may write; with no network (the kernel's sockets are files in a private folder: ZeroMQ's ipc
transport), its own process tree, a scrubbed environment, and the limits of `Sandbox`. When
bubblewrap cannot run on this host, `unavailable()` says why and grading runs unsandboxed.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Enum, Integer
from traitlets.config import Configurable

from course.errors import SandboxError

INIT = Path(__file__).with_name("sandbox_init.py")
PACKAGE = Path(__file__).resolve().parent.parent  # the `course` package the kernel imports
MB = 1024 * 1024
# Grading as root: root is exempt from RLIMIT_NPROC, so each kernel runs as an unused uid of its own.
ROOT_UID_BASE = 1_900_000_000
# What the kernel keeps of the grader's environment (a gradebook URL or a token must not leak).
KEEP_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "NBGRADER_EXECUTION", "MPLBACKEND")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
INSTALL_HINT = "install it (Debian or Ubuntu: apt-get install bubblewrap)"


class Sandbox(Configurable):
    """Where and how far a grading kernel may reach; set these as c.Sandbox.* in nbgrader_config.py."""

    mode = Enum(["auto", "require", "off"], "auto", help=(
        "auto: sandbox when the host can, else grade unsandboxed and say so; "
        "require: refuse to grade without it; off: never")).tag(config=True)
    memory_mb = Integer(2048, help="Address space of one kernel (RLIMIT_AS), in MiB").tag(config=True)
    processes = Integer(64, help="Processes and threads one kernel may have at once (RLIMIT_NPROC)").tag(config=True)
    cpu_seconds = Integer(120, help="CPU time of one kernel (RLIMIT_CPU); a restarted kernel starts afresh").tag(
        config=True)
    file_mb = Integer(16, help="Largest file a kernel may write (RLIMIT_FSIZE), in MiB").tag(config=True)
    open_files = Integer(256, help="Files and sockets a kernel may hold open (RLIMIT_NOFILE)").tag(config=True)
    tmp_mb = Integer(64, help="Size of the kernel's private /tmp (also its home) and /dev/shm, in MiB").tag(
        config=True)
    output_chars = Integer(2_000_000, help=(
        "Characters of output one cell may send to the grader; the rest is dropped as it arrives "
        "(applies with or without the sandbox)")).tag(config=True)

    def limits(self) -> dict[str, int]:
        return {
            "RLIMIT_AS": self.memory_mb * MB,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_FSIZE": self.file_mb * MB,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_CORE": 0,
        }

    def describe(self) -> str:
        return (f"memory {self.memory_mb} MiB, {self.processes} processes, {self.cpu_seconds} s CPU, "
                f"files up to {self.file_mb} MiB, no network")

    def status(self) -> tuple[bool, str]:
        """Whether kernels are sandboxed, and in words what that means or why not.

        The one place the decision is made; `require` without bubblewrap is an error.
        """
        if self.mode == "off":
            return False, "switched off (--sandbox=off or c.Sandbox.mode = 'off')"
        why = unavailable()
        if why is None:
            return True, self.describe()
        if self.mode == "require":
            raise SandboxError(f"the grading sandbox is required (c.Sandbox.mode = 'require') but {why}")
        return False, why

    def active(self, log=None) -> bool:
        """status() for a kernel about to start; `auto` without bubblewrap warns once in `log`."""
        on, why = self.status()
        if not on and self.mode == "auto" and log is not None:
            _warn_once(log, why)
        return on

    def command(self, kernel: list[str], workdir: Path, runtime: Path, env: dict[str, str], uid: int | None,
                python: str | None = None, readable: list[str] | None = None) -> list[str]:
        """The bwrap command line that runs `kernel` in `workdir` with only what it needs in sight.

        `python` defaults to this interpreter and `readable` to its folders and the course package
        (python_folders). Paths are normalised: `.venv/bin/../bin/python` names folders the sandbox lacks.
        """
        python = _normal(python or sys.executable)
        kernel = [_normal(kernel[0]), *kernel[1:]]
        spec = json.dumps({"limits": self.limits(), "uid": uid, "cwd": str(workdir)})
        readable = python_folders(hide=workdir) if readable is None else readable
        bwrap = [shutil.which("bwrap") or "bwrap", *self.bwrap_options(workdir, runtime, env, uid, readable),
                 python, "-I", "-S", str(INIT), spec, "--", *kernel]
        # The grader interrupts a cell with SIGINT to the kernel's whole process group, bwrap included,
        # and bwrap dies of it (taking the kernel along). So bwrap starts with SIGINT ignored, and
        # sandbox_init gives the kernel the default back.
        return ["/bin/sh", "-c", 'trap "" INT; exec "$0" "$@"', *bwrap]

    def bwrap_options(self, workdir: Path, runtime: Path, env: dict[str, str], uid: int | None,
                      readable: list[str]) -> list[str]:
        opts = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--hostname", "grading", "--clearenv"]
        if uid is None:  # an ordinary account: a user namespace, and none further inside it
            opts += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        else:  # root: keep only what sandbox_init needs to become `uid`; setresuid then drops it
            opts += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        for name, value in kernel_env(env).items():
            opts += ["--setenv", name, value]
        for folder in SYSTEM_DIRS:
            if os.path.islink(folder):
                opts += ["--symlink", os.readlink(folder), folder]
            elif os.path.isdir(folder):
                opts += ["--ro-bind", folder, folder]
        size = str(self.tmp_mb * MB)
        opts += ["--proc", "/proc", "--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm",
                 "--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
        # bwrap makes the folders above a mount point 0700; the kernel's uid must be able to pass them
        for parent in _parents([*readable, str(INIT), str(runtime), str(workdir)]):
            opts += ["--perms", "0755", "--dir", parent]
        for folder in [*readable, str(INIT)]:
            opts += ["--ro-bind", folder, folder]
        for folder in config_folders():  # an nbgrader_config.py there may hold a gradebook password
            opts += ["--tmpfs", folder]
        # No --chdir: bwrap would enter the folder before sandbox_init changes uid, and a folder only
        # the kernel's uid may enter (umask 077) would refuse it; sandbox_init goes there afterwards.
        opts += ["--bind", str(runtime), str(runtime), "--bind", str(workdir), str(workdir)]
        return opts


def _normal(program: str) -> str:
    return os.path.normpath(program) if os.sep in program else program


def _parents(folders: list[str]) -> list[str]:
    """The folders above these, outermost first, that the sandbox does not already have."""
    above = {str(p) for f in folders for p in Path(f).parents}
    missing = [p for p in above if p not in ("/", "/tmp") and not any(_holds(Path(s), Path(p)) for s in SYSTEM_DIRS)]
    return sorted(missing, key=lambda p: (p.count("/"), p))


def kernel_env(env: dict[str, str]) -> dict[str, str]:
    kept = {name: env[name] for name in KEEP_ENV if name in env}
    kept.setdefault("MPLBACKEND", "Agg")
    # JPY_PARENT_PID=1: the kernel's parent is the sandbox's init (ipykernel then neither polls it nor prints
    # its "Ctrl-C will not work" banner); --die-with-parent ends the kernel with the grader.
    # One thread per numerical library: on a many-core host OpenBLAS would otherwise start a thread
    # per core at `import numpy` and run into the process limit.
    kept.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    kept.update(HOME="/tmp", TMPDIR="/tmp", PYTHONNOUSERSITE="1", JPY_PARENT_PID="1",
                PATH=os.pathsep.join([os.path.dirname(_normal(sys.executable)), "/usr/local/bin", "/usr/bin", "/bin"]))
    return kept


def _holds(folder: Path, other: Path) -> bool:
    return other == folder or folder in other.parents


def python_folders(hide: Path) -> list[str]:
    """The interpreter, its libraries and the course package, without any folder that holds `hide`.

    `hide` is the kernel's working folder: a folder above it (the course root, say, when it is on
    sys.path) would bring the gradebook and every other student's work into view.
    """
    # Not sys.path[0] (this program's own folder), the current folder wherever it sits ("" or its path:
    # `python -m`, an instructor's kernel, a test runner's workers put it there) nor $PYTHONPATH: the
    # kernel's Python, with a clean environment, puts none of them on its path, so they would only
    # widen the view, to the course folder the grader works in.
    from_env = set(os.environ.get("PYTHONPATH", "").split(os.pathsep))
    here = os.getcwd()
    site = [p for p in sys.path[1:] if p and p not in from_env and os.path.abspath(p) != here]
    wanted = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(PACKAGE), *site}
    folders = sorted({Path(os.path.abspath(p)) for p in wanted if p and os.path.isdir(p)})
    folders = [f for f in folders if not _holds(f, hide.resolve()) and not _holds(f, hide)]
    system = [Path(d) for d in SYSTEM_DIRS]
    kept: list[Path] = []
    for folder in folders:  # sorted: a parent comes before what it holds
        if not any(_holds(k, folder) for k in kept + system):
            kept.append(folder)
    return [str(f) for f in kept]


def config_folders() -> list[str]:
    """Jupyter config folders the sandbox would otherwise show (the kernel needs none of them)."""
    from jupyter_core.paths import jupyter_config_path

    shown = [Path(d) for d in SYSTEM_DIRS] + [Path(p) for p in python_folders(hide=Path("/nonexistent"))]
    return [p for p in jupyter_config_path()
            if os.path.isdir(p) and any(_holds(s, Path(p)) for s in shown)]


def kernel_uid() -> int | None:
    """The uid a kernel runs as when grading runs as root (distinct per grading process), else None."""
    return ROOT_UID_BASE + os.getpid() % 1_000_000 if os.geteuid() == 0 else None


def hand_to(uid: int | None, *paths: Path) -> None:
    """Give the kernel's uid these paths (grading as root); _give_back undoes it when the kernel stops."""
    if uid is not None:
        for path in paths:
            os.chown(path, uid, uid)


@functools.cache
def unavailable() -> str | None:
    """Why kernels cannot be sandboxed on this host, or None when they can (checked once per process)."""
    if not shutil.which("bwrap"):
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    with tempfile.TemporaryDirectory(prefix="course-sandbox-check-") as tmp:
        workdir, runtime = Path(tmp) / "work", Path(tmp) / "run"
        workdir.mkdir()
        runtime.mkdir()
        uid = kernel_uid()
        hand_to(uid, workdir, runtime)
        probe = [sys.executable, "-c", "import ipykernel, course.record"]
        try:
            proc = subprocess.run(Sandbox().command(probe, workdir, runtime, dict(os.environ), uid),
                                  capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap failed to start: {exc}"
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    why = lines[-1] if lines else f"exit status {proc.returncode}"
    if "namespace" in why.lower():
        why += (" (this host does not let an ordinary account create user namespaces: "
                "sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu 24.04 an AppArmor profile for bwrap)")
    return f"bubblewrap cannot run here: {why}"


_WARNED: set[str] = set()


def _warn_once(log, why: str) -> None:
    if why not in _WARNED:
        _WARNED.add(why)
        log.warning("Grading runs unsandboxed: %s. Student code runs as you, with your files and network.", why)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start inside the sandbox and talk over files in a private folder."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sandbox = Sandbox(parent=self)
        self.runtime = Path(tempfile.mkdtemp(prefix="course-kernel-"))
        self.uid = kernel_uid()
        self.workdir: Path | None = None
        self.transport = "ipc"
        self.connection_file = str(self.runtime / "kernel.json")
        self.ip = str(self.runtime / "k")

    async def _async_pre_start_kernel(self, **kw):
        kernel, kw = await super()._async_pre_start_kernel(**kw)
        self.workdir = Path(kw.get("cwd") or os.getcwd()).absolute()
        hand_to(self.uid, self.runtime, Path(self.connection_file), self.workdir)
        env = dict(kw.get("env") or os.environ)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # for bwrap; the kernel gets kernel_env()
        return self.sandbox.command(kernel, self.workdir, self.runtime, env, self.uid), kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if self.uid is not None and self.workdir is not None:
            _give_back(self.workdir, self.uid)
        shutil.rmtree(self.runtime, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


def _give_back(folder: Path, uid: int) -> None:
    """Hand what the kernel wrote in its folder back to the grader's account."""
    me, group = os.geteuid(), os.getegid()
    for base, dirs, files in os.walk(folder):
        for name in [*dirs, *files, None]:
            path = os.path.join(base, name) if name else base
            try:
                if os.lstat(path).st_uid == uid:
                    os.lchown(path, me, group)
            except OSError:
                pass
