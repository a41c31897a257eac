"""What a student is told about how a written answer is scored: criteria, weights and caps.

The block is built from the rubric file and the conduct rules, never from a key, so it may sit in a
release notebook. A test keeps each prompt's copy identical to what this module builds.
"""

from __future__ import annotations

from course.score.conduct import conduct_rules
from course.score.reflection import LABELS, load_rubric

NAMES = LABELS  # the same names the check cell's feedback uses
HEADING = "**How this answer is scored**"


def _detail(name: str, spec: dict) -> str:
    if name == "length":
        return f" Full credit from {spec['min_words']} to {spec['max_words']} words."
    if name == "questions" and spec.get("min_open"):
        return f" Full credit for {spec['min_open']} or more open questions."
    return ""


def rubric_block(rubric_id: str, points: float) -> str:
    """Markdown for a prompt cell: one row per criterion with its share, then the caps that apply."""
    spec = load_rubric(rubric_id)
    rows = [f"| {NAMES.get(name, name.title())} | {c['describe'].strip()}{_detail(name, c)} | {c['weight']:.0%} |"
            for name, c in spec["criteria"].items()]
    rules = conduct_rules()
    serious = sorted({k["label"] for k in rules["kinds"] if k.get("severity") == "serious"})
    lines = [
        f"{HEADING} ({points:g} points)",
        "",
        "| Criterion | What earns it | Share |",
        "|---|---|---|",
        *rows,
        "",
    ]
    if spec.get("gate_on_ideas") or spec.get("style_needs_ideas"):
        lines.append("- The other rows count only as far as your answer covers the key ideas: a short, plain "
                     "answer about something else earns little.")
    lines += [
        f"- Professional conduct is checked in every answer. A serious slip caps the answer at "
        f"{rules['serious_cap']:.0%} of its points, for example when it {'; '.join(serious[:4])}. "
        f"A minor slip costs {rules['minor_cost']:.0%}.",
        "- Words copied from the notes or this prompt earn nothing, and a bare list of points is capped.",
        "- The key ideas' exact words are not shown: say them your own way.",
    ]
    return "\n".join(lines)
