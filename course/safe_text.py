"""Student text made inert for each place a grader reads it: terminal, Markdown, spreadsheet, plot.

Students choose their answers, what their code prints, their scenario log and, on some hubs, their
id. Any of it can reach a grader's terminal (escape sequences that restyle the screen or set its
title, rich markup), a web page (HTML and Markdown), a spreadsheet (a cell starting with `=` is a
formula) or a plot label (matplotlib reads `$...$` as math). One function per place; every writer
of that place calls it, so there is one rule to check and to fix.
"""

from __future__ import annotations

import re

# C0 and C1 control characters (ESC starts ANSI and OSC sequences; BEL ends OSC), DEL, and the
# bidirectional controls that make text read differently from what it holds ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    char = match.group()
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def for_terminal(value: object, newlines: bool = False) -> str:
    """Printable text: each control character is shown as its escape (`\\x1b`), so nothing it
    starts can act on the terminal. With `newlines`, line breaks and tabs are kept as they are."""
    text = "" if value is None else str(value)
    if newlines:
        return "\n".join(_CONTROL.sub(_visible, line.replace("\t", "    ")) for line in text.split("\n"))
    return _CONTROL.sub(_visible, text)


# Every ASCII punctuation mark that Markdown or its math and table extensions give a meaning, and
# the dot or bracket that makes a leading number a list item.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-!|~$^])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])")
_URL = re.compile(r"(?<=[A-Za-z]):(?=//)|(?<=www)\.", re.IGNORECASE)  # a bare address becomes a link


def for_markdown(value: object) -> str:
    """One line of Markdown that renders as exactly this text: no HTML, links, images, math or
    structure. `&`, `<` and `>` become entities; other syntax characters get a backslash; leading
    spaces (an indented code block) go."""
    text = for_terminal(value).strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _URL.sub(lambda m: "\\" + m.group(), _ORDERED.sub(r"\1\\\2", _MARKDOWN.sub(r"\\\1", text)))


# What makes a spreadsheet read a cell as a formula (Excel, LibreOffice, Google Sheets), including
# the full-width forms some input methods type, a leading tab or line break, and NUL (which some
# readers drop before they look at what follows).
_FORMULA_START = tuple("=+-@\t\r\n\x00") + tuple("\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def formula_like(value: object) -> bool:
    """True when a spreadsheet could run this cell as a formula (a plain number cannot)."""
    text = "" if value is None else str(value)
    if _NUMBER.fullmatch(text) or text == "-":  # a number, or the lone dash Moodle reads as "no grade"
        return False
    return text.lstrip(" ").startswith(_FORMULA_START) or text.startswith(_FORMULA_START)


def for_spreadsheet(value: object) -> str:
    """Text a spreadsheet shows as text: a cell that would start a formula gets a leading `'`.

    A plain number (`-2.5`) stays a number. Leading spaces do not hide a formula: some programs
    drop them before they look.
    """
    text = "" if value is None else str(value)
    return "'" + text if formula_like(text) else text


def for_plot(value: object, width: int | None = None) -> str:
    """A matplotlib label that shows this text: no mathtext (`$` escaped), no control characters,
    cut to `width` characters at a word where it can be."""
    text = " ".join(for_terminal(value).split())
    if width and len(text) > width:
        cut = text[: width - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    return text.replace("$", r"\$")
