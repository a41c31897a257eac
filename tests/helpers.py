"""Helpers the browser, hub and PostgreSQL tests share: free ports, Chromium, JupyterLab settings."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium as root, headless, with nothing that reaches for the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OUTPUT = ".jp-OutputArea-output"  # a cell's output in JupyterLab
SUMMARY: list[str] = []  # lines a test reports at the end of the run (conftest prints them)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_lab_settings(config_dir: Path) -> None:
    """Start the kernel without asking, and fetch no news: either would put a dialog over the page."""
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab"
    tracker = settings / "notebook-extension" / "tracker.jupyterlab-settings"
    notify = settings / "apputils-extension" / "notification.jupyterlab-settings"
    for path, data in [(tracker, {"autoStartDefaultKernel": True}),
                       (notify, {"fetchNews": "false", "checkForUpdates": False})]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data))


def artifacts(root: Path) -> Path:
    """Where a failing browser test leaves its screenshots ($COURSE_ARTIFACTS, else build/test-artifacts)."""
    folder = Path(os.environ.get("COURSE_ARTIFACTS", root / "build" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
