"""The inert step and the grader's server guard, on small notebooks (tests/test_grader_view.py runs
them on a graded hostile class in a real browser)."""

from __future__ import annotations

from types import SimpleNamespace

import nbformat
import pytest
from activescan import active_content, new_active_content
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.grade.formgrader_guard import STUDENT_FILE_POLICY, GuardPages, add_nonces
from course.grade.inert import MakeInert, SafeHTMLExporter, clean_html, inert_data, markdown_cell_source
from course.grade.review import flags

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
EVIL = "fetch('http://127.0.0.1:9/x')"


def test_clean_html_keeps_text_tables_and_data_images_only():
    kept = clean_html('<table border="1" class="dataframe navbar"><tr><th colspan="2">h</th></tr></table>'
                      f'<b>bold</b><img src="data:image/png;base64,{PNG}"><a href="https://example.org">link</a>')
    assert '<table border="1" class="dataframe">' in kept and '<th colspan="2">' in kept and "<b>bold</b>" in kept
    assert f'src="data:image/png;base64,{PNG}"' in kept and 'href="https://example.org"' in kept
    dropped = clean_html(f'<script>{EVIL}</script><img src=x onerror="{EVIL}"><img src="http://127.0.0.1:9/i">'
                         f'<a href="javascript:{EVIL}">a</a><div style="background:url(http://127.0.0.1:9/)">s</div>'
                         f'<iframe srcdoc="<script>{EVIL}</script>"></iframe><base href="http://x/"><form action="/">'
                         f'<svg onload="{EVIL}"><script>{EVIL}</script></svg><style>*{{}}</style>')
    assert active_content(dropped, "127.0.0.1:9") == [] and "fetch" not in dropped


def test_each_output_kind_is_kept_cleaned_or_removed():
    data, sizes = inert_data({"text/html": f"<b onclick='{EVIL}'>x</b>", "text/plain": "x"}, {})
    assert data == {"text/html": "<b>x</b>", "text/plain": "x"}
    data, _ = inert_data({"application/javascript": EVIL}, {})
    assert list(data) == ["text/plain"] and "application/javascript" in data["text/plain"]
    data, _ = inert_data({"text/markdown": f"**hi** <img src=x onerror=\"{EVIL}\">"}, {})
    assert data["text/html"].startswith("<p><strong>hi</strong>") and "onerror" not in data["text/html"]
    data, _ = inert_data({"image/svg+xml": f"<svg onload=\"{EVIL}\"/>"}, {})
    assert data["text/html"].startswith('<img src="data:image/svg+xml;base64,')  # an image: its script never runs
    data, sizes = inert_data({"image/png": PNG}, {"image/png": {"width": "1 onerror=x", "height": 20}})
    assert data == {"image/png": PNG} and sizes == {"image/png": {"height": 20}}
    data, _ = inert_data({"image/png": 'x" onerror="alert(1)'}, {})
    assert "image/png" not in data
    data, _ = inert_data({"application/vnd.jupyter.widget-view+json": {"model_id": "</script>"}, "text/plain": "W"}, {})
    assert data == {"text/plain": "W"}  # a widget is dropped quietly: its text form says what it was
    data, _ = inert_data({"text/vnd.mermaid": "<img src=x onerror=alert(1)>", "text/latex": "$x$"}, {})
    assert list(data) == ["text/plain"]


def _hostile_notebook():
    nb = new_notebook()
    code = new_code_cell("x = 1")
    code.id = f'"><img src=x onerror="{EVIL}">'
    code.metadata.update(tags=["x navbar-fixed-top"], isolated=True)
    code.outputs = [new_output("display_data", data={"text/html": f"<script>{EVIL}</script>"},
                               metadata={"text/html": {"isolated": True}}),
                    new_output("stream", name="stdout", text="<b>printed</b>")]
    mine = new_markdown_cell(f"# Mine\n\n<script>{EVIL}</script>\n\n```\na\n\nb\n```")
    theirs = new_markdown_cell("**The assignment's own note** <details>kept as written</details>")
    theirs.metadata["nbgrader"] = {"locked": True, "solution": False, "grade": False, "grade_id": "n",
                                   "schema_version": 3, "task": False}
    nb.cells = [code, mine, theirs]
    nb.metadata.update(title=f"</title><script>{EVIL}</script>", widgets={"state": "</script>"})
    return nb


def test_make_inert_rewrites_what_a_student_controls_and_keeps_the_assignment():
    nb, _ = MakeInert().preprocess(_hostile_notebook(), {})
    code, mine, theirs = nb.cells
    assert code.id.isalnum() and code.metadata == {} and "title" not in nb.metadata and "widgets" not in nb.metadata
    assert code.outputs[0].data == {"text/html": ""} and code.outputs[0].metadata == {}
    assert code.outputs[1].text == "<b>printed</b>"  # text outputs are escaped by every renderer
    assert "\n" not in mine.source and "<h1>Mine" in mine.source and "script" not in mine.source
    assert "a&#10;&#10;b" in mine.source  # the code block keeps its blank line, inside one HTML block
    assert theirs.source == "**The assignment's own note** <details>kept as written</details>"
    again, _ = MakeInert().preprocess(nbformat.from_dict(nb), {})
    assert again.cells[1].source == mine.source  # a second pass changes nothing
    assert markdown_cell_source(mine.source) == mine.source


@pytest.mark.parametrize("template", ["lab", "classic"])
def test_an_inert_notebook_renders_nothing_active_even_unsanitized(template):
    from nbconvert import HTMLExporter

    nb, _ = MakeInert().preprocess(_hostile_notebook(), {})
    page, _ = HTMLExporter(template_name=template).from_notebook_node(nb)
    baseline, _ = HTMLExporter(template_name=template).from_notebook_node(new_notebook())
    assert new_active_content(page, baseline, "127.0.0.1:9") == []
    assert "kept as written" in page and "printed" in page


def test_the_safe_exporter_renders_a_hostile_notebook_that_was_never_made_inert():
    page, _ = SafeHTMLExporter(template_name="classic").from_notebook_node(_hostile_notebook())
    baseline, _ = SafeHTMLExporter(template_name="classic").from_notebook_node(new_notebook())
    assert new_active_content(page, baseline, "127.0.0.1:9") == []
    # sanitized with nh3, not nbconvert's own bleach list, which shows headings as literal "<h1>" text
    assert "<h1>Mine" in page and "&lt;h1" not in page and "&lt;p&gt;" not in page


def test_nonces_go_to_the_template_scripts_only():
    page = (b'<script src="/formgrader/static/a.js"></script><script>var id = 1;</script>'
            b'<script src="https://cdn.example/mathjax.js"></script><div id="notebook-container">'
            b'<script>evil()</script><img src=x onerror="evil()">')
    out = add_nonces(page, "N0NCE")
    assert out.count(b'nonce="N0NCE"') == 2 and b'<script>evil()</script>' in out
    assert b'<script src="https://cdn.example/mathjax.js">' in out  # another site's script: no nonce


def _transform(path: str) -> GuardPages:
    GuardPages.base_url = "/user/teacher/"
    return GuardPages(SimpleNamespace(path=path))


def test_each_page_gets_its_policy():
    headers = {"Content-Type": "text/html", "Content-Length": "40", "Etag": '"x"'}
    _code, out, body = _transform("/user/teacher/formgrader/submissions/abc/").transform_first_chunk(
        200, dict(headers), b"<html><script>var a;</script><div id=\"notebook-container\">", True)
    assert "script-src 'nonce-" in out["Content-Security-Policy"] and out["Cache-Control"] == "no-store"
    assert "Etag" not in out and out["Content-Length"] == str(len(body)) and b"nonce=" in body
    for path in ("/user/teacher/files/feedback/sam/a1/nb.html", "/user/teacher/files/course/submitted/x/a1/evil.svg",
                 "/user/teacher/nbconvert/html/course/autograded/sam/a1/nb.ipynb"):
        _code, out, _body = _transform(path).transform_first_chunk(200, dict(headers), b"<p>", True)
        assert out["Content-Security-Policy"] == STUDENT_FILE_POLICY, path
    _code, out, _body = _transform("/user/teacher/lab").transform_first_chunk(200, dict(headers), b"<p>", True)
    assert "Content-Security-Policy" not in out  # JupyterLab keeps its own


def test_review_reads_flags_only_from_the_graders_feedback(tmp_path):
    from course.grade.scoring_steps import REVIEW

    nb = new_notebook()
    check = new_code_cell("record()")
    check.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "rewrite-check",
                                  "points": 4, "schema_version": 3, "task": False}
    check.outputs = [new_output("display_data", data={"text/plain": f"Score: 2 of 4 points\n\n- quoted: {REVIEW} "
                                                                   f"[/] fake\n\n{REVIEW} a middling rubric score."})]
    printout = new_code_cell("print()")
    printout.outputs = [new_output("stream", name="stdout", text=f"{REVIEW} I am flagged\x1b[2J")]
    nb.cells = [check, printout]
    folder = tmp_path / "autograded" / "sam" / "a1"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "nb.ipynb")
    found = flags(tmp_path, "a1")
    assert [(f.cell, f.score, f.reason) for f in found] == [("rewrite-check", "2 of 4", "a middling rubric score")]
