"""Find what in an HTML page could run, fetch or navigate when a browser opens it.

Independent of the code under test: it parses the page with the standard library and lists every
script, frame, form, style or page-level tag, every event handler, every script or data URL, and
every reference to the test's beacon. A page made from a hostile notebook may hold only what the
same page made from an honest notebook holds.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "meta", "link",
               "style", "svg", "math", "portal", "template", "noscript", "video", "audio", "source", "track", "input",
               "button", "textarea", "select"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "poster", "background", "xlink:href",
                  "srcset", "ping", "lowsrc", "dynsrc", "codebase", "manifest", "content"}
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data:text|data:application)", re.IGNORECASE)


class _Scan(HTMLParser):
    def __init__(self, beacon: str) -> None:
        super().__init__(convert_charrefs=True)
        self.beacon = beacon
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        shown = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:300]
        if tag in ACTIVE_TAGS:
            self.found.append(f"tag {shown}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"handler {name} in {shown}")
            if name in URL_ATTRIBUTES and BAD_URL.match(value):
                self.found.append(f"script URL in {shown}")
            if name == "style" and "url(" in value.lower():
                self.found.append(f"style URL in {shown}")
            if self.beacon and self.beacon in value:
                self.found.append(f"beacon reference in {shown}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def active_content(page: str, beacon: str = "") -> list[str]:
    """Everything active in `page`, one line each (the script tags of its template included)."""
    scan = _Scan(beacon)
    scan.feed(page)
    scan.close()
    return scan.found


def new_active_content(page: str, baseline: str, beacon: str = "") -> list[str]:
    """What `page` has that the same page made from an honest notebook (`baseline`) does not."""
    allowed = set(active_content(baseline, beacon))
    return [item for item in active_content(page, beacon) if item not in allowed]
