"""Student text, made inert for each place a grader reads it (course.safe_text)."""

from __future__ import annotations

import html
import io
import random
import re

import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from course.safe_text import for_markdown, for_plot, for_spreadsheet, for_terminal

HOSTILE = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "[a](javascript:alert(1))", "![i](http://b/x)",
    "**bold** _it_ `code`", "$\\href{javascript:x}{y}$ and $$z$$", "# heading", "> quote", "1. item", "2) item",
    "- item", "+ item", "| a | b |", "~~gone~~", "<http://x>", "http://x.y/z", "see www.x.org", "a\\*b", "&amp; &lt;",
    "Flagged for a grader to look at: [/][bold]x", "\x1b]0;title\x07\x1b[2J", "x^2^", "a_b_c", "***", "---", "[^1]",
]


def _rendered_text(markdown: str) -> tuple[str, set[str]]:
    page = markdown2html_mistune(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", page)).strip(), set(re.findall(r"</?([a-z0-9]+)", page))


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_renders_as_exactly_the_text(text):
    shown, tags = _rendered_text(f"- {for_markdown(text)}")
    assert shown == for_terminal(text) and tags == {"ul", "li"}, (shown, tags)


def test_markdown_survives_random_punctuation():
    rng = random.Random(47)
    alphabet = "ab  1.)(][<>&;:/\\`*_{}#+-!|~$^=@'\"%?"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        shown, tags = _rendered_text(for_markdown(text))
        assert shown == text.strip() and tags <= {"p"}, (text, shown, tags)


def test_terminal_text_shows_control_characters_instead_of_obeying_them():
    text = "sid\x1b]0;title\x07\x1b[2J\x08\u202eevil\r\nnext"
    shown = for_terminal(text)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e]", shown)
    assert shown == "sid\\x1b]0;title\\x07\\x1b[2J\\x08\\u202eevil\\x0d\\x0anext"
    assert for_terminal("a\tb\nc", newlines=True) == "a    b\nc"
    assert for_terminal("Ça marche 👍 — 你好") == "Ça marche 👍 — 你好"


@pytest.mark.parametrize("value, shown", [
    ("=1+1", "'=1+1"), (" =1+1", "' =1+1"), ("\t=1", "'\t=1"), ("@SUM(A1)", "'@SUM(A1)"), ("-inf", "'-inf"),
    ("\uff1dcmd", "'\uff1dcmd"), ("-2.5", "-2.5"), ("+3", "+3"), ("1e5", "1e5"), ("O'Brien", "O'Brien"), (None, ""),
])
def test_spreadsheet_cells_never_start_a_formula(value, shown):
    assert for_spreadsheet(value) == shown


def test_plot_labels_show_dollars_and_draw_on_hostile_ids():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    label = for_plot("$\\undefinedmacro{x}$ \x1b[2J" + " long" * 20, width=30)
    assert label.startswith("\\$\\undefinedmacro{x}\\$") and len(label) <= 32
    fig, ax = plt.subplots()
    ax.set_title(label)
    ax.set_yticks([0], [for_plot("$x^$")])
    fig.canvas.draw()  # mathtext would raise on these; escaped they are plain text
    plt.close(fig)


def test_a_table_of_student_text_prints_it_as_text():
    from rich.console import Console

    from course.cli import text_table

    out = io.StringIO()
    Console(file=out, width=200).print(text_table("t [/]", ["id", "why"], [["[/]", "[bold]x\x1b[2J"]]))
    assert "[/]" in out.getvalue() and "[bold]x\\x1b[2J" in out.getvalue() and "\x1b" not in out.getvalue()
