"""Make a graded notebook inert: nothing a student put in it can run in the browser that opens it.

Autograde re-runs the student's code, so the outputs in the autograded notebook are theirs to
choose: `HTML('<script>...')`, `Javascript(...)`, `<img onerror=...>`, Markdown with raw HTML,
an SVG with a script, a widget view, odd output metadata; and so are the Markdown cells they add.
Formgrader and the feedback pages show that notebook inside the grader's own Jupyter origin, where
a script acts as the grader (it can set grades and read `source/`).

`MakeInert` runs last in autograde, before anything is saved or rendered, and keeps what a grader
needs: text, tables, images carried as data. HTML is cleaned by nh3 (the Python binding of the
Rust sanitizer ammonia: an allowlist over a browser-grade HTML5 parser, maintained, and far
faster than bleach, which is deprecated) with one policy, `clean_html`. `SafeHTMLExporter` renders
with that same policy for feedback and formgrader, as a second line for notebooks made elsewhere.
"""

from __future__ import annotations

import base64
import re
import uuid

import nh3
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

# What submitted HTML may keep: text structure, lists, tables and images. No forms, frames,
# styles, scripts, SVG or MathML, and no attribute that runs code, fetches, or restyles the page.
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
}
ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "ol": {"start"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "table": {"border"}, "abbr": {"title"},
}
DROPPED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
                        "textarea", "title", "xmp", "noembed", "noframes", "select", "frameset"}


def _classes() -> dict[str, set[str]]:
    """Classes nbconvert's own rendering uses (code highlighting, tables); none that lays out a page."""
    from pygments.token import STANDARD_TYPES

    tokens = {name for name in STANDARD_TYPES.values() if name}
    return {"span": tokens, "div": {"highlight"}, "a": {"anchor-link"}, "table": {"dataframe"}}


CLASSES = _classes()
# Images only as data carried in the page: opening it fetches nothing, so it tells nobody it was opened.
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
NUMBER = re.compile(r"\d{1,5}")


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name == "src":
        return value if DATA_IMAGE.fullmatch(value) else None
    if name == "href":
        return value if value.startswith(("https://", "http://", "mailto:", "#")) else None
    if name in ("width", "height", "colspan", "rowspan", "start", "border"):
        return value if NUMBER.fullmatch(value) else None
    return value


def clean_html(html: object) -> str:
    """The one HTML policy for anything a student could have written (see TAGS and ATTRIBUTES)."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
    return nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, clean_content_tags=DROPPED_WITH_CONTENT,
                     attribute_filter=_attribute, url_schemes={"http", "https", "mailto", "data"},
                     allowed_classes=CLASSES, link_rel="noopener noreferrer nofollow")


def markdown_html(markdown: str) -> str:
    """Markdown rendered the way nbconvert renders it, then cleaned."""
    return clean_html(markdown2html_mistune(markdown))


# A student's Markdown cell becomes its cleaned rendering, kept as one raw-HTML block: Markdown
# passes an HTML block through untouched until a blank line, so the block is one line.
BLOCK_OPEN, BLOCK_CLOSE = '<div class="course-inert">', "</div>"


def markdown_cell_source(source: str) -> str:
    """Cleaned HTML that any Markdown renderer shows as the student's formatted text, and nothing more."""
    if source.startswith(BLOCK_OPEN) and source.endswith(BLOCK_CLOSE) and "\n" not in source:
        html = clean_html(source[len(BLOCK_OPEN):-len(BLOCK_CLOSE)])  # made here before: clean it again
    else:
        html = markdown_html(source)
    # A newline as an entity: the same text inside <pre>, the same white space elsewhere.
    return BLOCK_OPEN + html.strip().replace("\r", "").replace("\n", "&#10;") + BLOCK_CLOSE


IMAGES = ("image/png", "image/jpeg", "image/gif")
BASE64 = re.compile(r"[A-Za-z0-9+/\s]*={0,2}\s*")
# Outputs whose interactive form is dropped quietly: their text form says what they were.
QUIET = ("application/vnd.jupyter.widget-view+json", "application/vnd.aplus-course.answer+json")
REMOVED = "[The grader removed this output's {kinds} form: it could run code in the browser of whoever opens it.]"
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CELL_METADATA = ("nbgrader", "deletable", "editable")


def _text(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def _image_size(metadata: object, mime: str) -> dict:
    """Only a whole width and height survive: templates print them into the <img> tag."""
    meta = metadata.get(mime) if isinstance(metadata, dict) else None
    if not isinstance(meta, dict):
        return {}
    return {k: v for k, v in meta.items() if k in ("width", "height") and type(v) is int and 0 < v < 10_000}


def inert_data(data: object, metadata: object) -> tuple[dict, dict]:
    """The MIME bundle of a display: text and images kept, HTML and Markdown cleaned, SVG shown as an
    image, everything else (JavaScript, widget views, Mermaid, LaTeX, unknown types) removed."""
    data = data if isinstance(data, dict) else {}
    kept: dict[str, str] = {}
    sizes: dict[str, dict] = {}
    removed: list[str] = []
    for mime, value in data.items():
        text = _text(value) if isinstance(value, (str, list)) else None
        if text is None:
            if mime not in QUIET:
                removed.append(str(mime))
        elif mime == "text/plain":
            kept[mime] = text
        elif mime in IMAGES and BASE64.fullmatch(text):
            kept[mime] = "".join(text.split())
            if _image_size(metadata, mime):
                sizes[mime] = _image_size(metadata, mime)
        elif mime == "text/html":
            kept[mime] = clean_html(text)
        elif mime == "text/markdown":
            kept.setdefault("text/html", markdown_html(text))
            kept.setdefault("text/plain", text)
        elif mime == "image/svg+xml":
            encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
            kept.setdefault("text/html", f'<img src="data:image/svg+xml;base64,{encoded}" alt="an SVG image">')
        elif mime not in QUIET:
            removed.append(str(mime))
    if removed:
        note = REMOVED.format(kinds=", ".join(sorted(removed))[:200])
        kept["text/plain"] = f"{kept['text/plain']}\n{note}" if kept.get("text/plain") else note
    return kept, sizes


def inert_output(out: object) -> NotebookNode | None:
    """A fresh output holding only what is safe to render; None for what cannot be one."""
    if not isinstance(out, dict):
        return None
    kind = out.get("output_type")
    if kind == "stream":
        return new_output("stream", name="stderr" if out.get("name") == "stderr" else "stdout",
                          text=_text(out.get("text")))
    if kind == "error":
        lines = out.get("traceback") if isinstance(out.get("traceback"), list) else []
        return new_output("error", ename=_text(out.get("ename")), evalue=_text(out.get("evalue")),
                          traceback=[_text(line) for line in lines])
    if kind in ("display_data", "execute_result"):
        data, sizes = inert_data(out.get("data"), out.get("metadata"))
        if kind == "execute_result":
            count = out.get("execution_count")
            return new_output(kind, data=data, metadata=sizes, execution_count=count if type(count) is int else None)
        return new_output(kind, data=data, metadata=sizes)
    return None


def _assignment_cell(cell) -> bool:
    """A read-only cell of the assignment: OverwriteCells has put back its source from the gradebook."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return isinstance(meta, dict) and meta.get("locked") is True and not meta.get("solution")


class MakeInert(NbGraderPreprocessor):
    """Rewrite every output, and every Markdown cell the assignment did not supply, into inert form."""

    markdown_cells = Bool(True, help="Clean the Markdown cells a student added or wrote (at render time the "
                                     "exporter's markdown2html cleans every Markdown cell instead)").tag(config=True)

    def preprocess(self, nb, resources):
        seen: set[str] = set()
        for cell in nb.cells:
            self._cell(cell, seen)
        keep = {"kernelspec", "language_info", "course"}  # no title, no widget state: templates print them raw
        nb.metadata = NotebookNode({k: v for k, v in nb.metadata.items() if k in keep})
        if isinstance(nb.metadata.get("language_info"), dict):
            name = nb.metadata.language_info.get("name")
            nb.metadata.language_info = NotebookNode({"name": name if isinstance(name, str) else "python"})
        return nb, resources

    def _cell(self, cell, seen: set[str]) -> None:
        if "id" in cell:
            if not isinstance(cell.id, str) or not CELL_ID.fullmatch(cell.id) or cell.id in seen:
                cell.id = uuid.uuid4().hex[:8]
            seen.add(cell.id)
        cell.metadata = NotebookNode({k: v for k, v in cell.get("metadata", {}).items() if k in CELL_METADATA})
        cell.pop("attachments", None)  # nothing in this course attaches files to a cell
        if cell.cell_type == "markdown" and self.markdown_cells and not _assignment_cell(cell):
            cell.source = markdown_cell_source(_text(cell.source))
        if cell.cell_type == "code":
            cell.outputs = [o for o in map(inert_output, cell.get("outputs", [])) if o is not None]
            if type(cell.get("execution_count")) is not int:
                cell.execution_count = None


# nbconvert's HTML filters that show what a notebook holds, replaced by the policy above: its own
# `clean_html` (bleach with a short tag list) shows paragraphs and headings as literal `<p>` text,
# and nbgrader's feedback and formgrader templates render Markdown cells without cleaning them.
SAFE_FILTERS = {"clean_html": "course.grade.inert.clean_html", "markdown2html": "course.grade.inert.markdown_html"}


class SafeHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter, made inert whatever its configuration: MakeInert first, then
    `sanitize_html` with the nh3 policy (SAFE_FILTERS)."""

    def __init__(self, config=None, **kw) -> None:
        super().__init__(config=config, **kw)
        self.sanitize_html = True
        self.filters = {**self.filters, **SAFE_FILTERS}
        # first, before any step that would choke on what a student wrote (a cell id that is not one)
        self._preprocessors.insert(0, MakeInert(markdown_cells=False))
