"""The first program inside the grading sandbox: limits, then the kernel's own uid, then the kernel.

It runs as `python -I -S sandbox_init.py SPEC -- KERNEL...` with the standard library only, so
nothing of the course or the student's is imported before the limits hold. SPEC is JSON:
{"limits": {"RLIMIT_AS": bytes, ...}, "uid": int or null, "cwd": the kernel's folder}. A uid is
given only when grading runs as root: root is exempt from the process limit, so the kernel drops
to an unused uid of its own.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

PR_SET_NO_NEW_PRIVS = 38


def main(argv: list[str]) -> None:
    spec, separator, command = json.loads(argv[1]), argv[2], argv[3:]
    if separator != "--" or not command:
        sys.exit("usage: sandbox_init.py SPEC -- COMMAND...")
    for name, value in spec["limits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    uid = spec.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # all three: no way back to root, and no capabilities left
    os.chdir(spec["cwd"])  # as the kernel's own uid, which owns it
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # bwrap ignores it; the kernel must not (interrupts)
    # No set-uid program (su, sudo, ...) can raise the kernel's privileges again.
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        sys.exit(f"sandbox: prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
