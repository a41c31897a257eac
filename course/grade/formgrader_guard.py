"""A Jupyter server extension that makes the grader's pages safe to open on hostile submissions.

Formgrader shows each autograded notebook inside the grader's own Jupyter origin, with the
grader's session: a script from a submission could set grades through formgrader's API and read
or write the course folder. `MakeInert` (course.grade.inert) already removes such content when
autograde writes the notebook; this extension is the second line, in the grader's server:

- formgrader renders submissions with `SafeHTMLExporter` (sanitized, inert outputs) and escapes
  the student id, names and paths it prints; its own page templates escape every value;
- every formgrader page gets a Content-Security-Policy that lets only formgrader's own scripts
  run: each <script> of the page's template gets a fresh nonce, and nothing inside the rendered
  notebook does, so an injected <script>, `onerror=` handler or script URL is refused;
- files under a `submitted/`, `autograded/` or `feedback/` folder (feedback pages, a student's
  own .html or .svg), opened through /files/ or /nbconvert/, get a CSP with no script and no
  network at all.

Enable it with `--ServerApp.jpserver_extensions=course.grade.formgrader_guard=True` (the hub in
deploy/jupyterhub does this for instructors' servers; `pip install` enables it for every server
of the environment through etc/jupyter/jupyter_server_config.d/).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import unquote

from tornado.web import OutputTransform

from course.grade.inert import SafeHTMLExporter

# Inline event handlers in formgrader's own templates (the name toggles), allowed by their hash.
FORMGRADER_HANDLERS = ["toggle_name(true);", "toggle_name(false);", "toggleAllNames()"]
HANDLER_HASHES = " ".join(
    f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'" for code in FORMGRADER_HANDLERS
)
# In a submission page everything after this marker is the rendered notebook: no nonce there.
NOTEBOOK_START = b'id="notebook-container"'
SCRIPT_TAG = re.compile(rb"<script(?=[\s>])[^>]*>", re.IGNORECASE)
EXTERNAL_SRC = re.compile(rb"""\bsrc\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)
STUDENT_FOLDERS = {"submitted", "autograded", "feedback"}
# A student's file or a feedback page: shown as a document, never as a program.
STUDENT_FILE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


def formgrader_policy(nonce: str) -> str:
    """Formgrader's own scripts run (by nonce); nothing a page embeds from a submission does.

    MathJax, which formgrader loads from a CDN, is refused too: graders see TeX as written.
    """
    return "; ".join([
        "default-src 'none'",
        f"script-src 'nonce-{nonce}' 'unsafe-hashes' {HANDLER_HASHES}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "frame-ancestors 'self'",
    ])


def add_nonces(page: bytes, nonce: str) -> bytes:
    """Give the nonce to the page template's own scripts: not to those from another site (MathJax
    from a CDN), and to nothing in the notebook the page shows."""
    end = page.find(NOTEBOOK_START)
    head, rest = (page, b"") if end < 0 else (page[:end], page[end:])

    def bless(tag: re.Match) -> bytes:
        text = tag.group()
        if EXTERNAL_SRC.search(text):
            return text
        return b'<script nonce="' + nonce.encode() + b'"' + text[len(b"<script"):]

    return SCRIPT_TAG.sub(bless, head) + rest


class GuardPages(OutputTransform):
    """Sets the policies above on each response as it leaves the server."""

    base_url = "/"  # the server's, set when the extension loads

    def __init__(self, request) -> None:
        path = unquote(request.path)
        rest = path[len(self.base_url):] if path.startswith(self.base_url) else ""
        parts = rest.split("/")
        self.formgrader = parts[0] == "formgrader" and parts[1:2] != ["static"]
        self.student_file = parts[0] in ("files", "nbconvert") and bool(STUDENT_FOLDERS & set(parts[1:]))

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if self.student_file:
            headers["Content-Security-Policy"] = STUDENT_FILE_POLICY
        elif self.formgrader:
            nonce = secrets.token_urlsafe(18)
            headers["Content-Security-Policy"] = formgrader_policy(nonce)
            # A page is good for its own nonce only: a cached copy would meet a new policy and not run.
            headers["Cache-Control"] = "no-store"
            headers.pop("Etag", None)
            if finishing and headers.get("Content-Type", "").startswith("text/html"):
                chunk = add_nonces(chunk, nonce)
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(len(chunk))
            # a page sent in several pieces keeps no nonce: its scripts are refused, none run unchecked
        return status_code, headers, chunk


class EscapingExporter(SafeHTMLExporter):
    """Formgrader's exporter: it prints the student id, names and the notebook's path into the page
    (nbgrader's template does not escape them), so they are escaped before the page is made."""

    def from_filename(self, filename, resources=None, **kw):
        resources = {k: _escaped(v) for k, v in (resources or {}).items()}
        return super().from_filename(filename, resources=resources, **kw)


def _escaped(value):
    return html.escape(value).replace("\\", "&#92;") if isinstance(value, str) else value


def harden_formgrader(settings: dict, log) -> bool:
    """Swap formgrader's exporter and escape its page templates; False when formgrader is not loaded."""
    exporter = settings.get("nbgrader_exporter")
    if exporter is None:
        return False
    if not isinstance(exporter, EscapingExporter):
        settings["nbgrader_exporter"] = EscapingExporter(config=exporter.config)
    env = settings.get("nbgrader_jinja2_env")
    if env is not None:
        env.autoescape = True
    log.info("course: formgrader renders submissions sanitized, with escaped ids and a script policy")
    return True


def _jupyter_server_extension_points():
    return [{"module": "course.grade.formgrader_guard"}]


def _load_jupyter_server_extension(serverapp) -> None:
    webapp = serverapp.web_app
    GuardPages.base_url = webapp.settings.get("base_url", "/")
    if GuardPages not in webapp.transforms:
        webapp.transforms.insert(0, GuardPages)  # before any compression, so it sees the page itself

    def after_all_extensions() -> None:  # formgrader may load after this extension
        if not harden_formgrader(webapp.settings, serverapp.log):
            serverapp.log.info("course: formgrader is not loaded here; student files still get a strict policy")

    from tornado.ioloop import IOLoop

    if not harden_formgrader(webapp.settings, serverapp.log):
        IOLoop.current().add_callback(after_all_extensions)
