"""What a scorer returns: a fraction of the cell's points and feedback that explains it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    fraction: float
    lines: list[str] = field(default_factory=list)
    answered: bool = True
    codes: list[str] = field(default_factory=list)  # why caps or gates applied: what review flags read

    def __post_init__(self) -> None:
        self.fraction = min(1.0, max(0.0, float(self.fraction)))

    def points(self, out_of: float) -> float:
        """A plain float in [0, out_of], the only form nbgrader reads safely."""
        return float(min(float(out_of), max(0.0, round(self.fraction * float(out_of), 2))))


NOT_ANSWERED = "Not answered yet."


def type_name(answer: object) -> str:
    """The answer's type as Python names it (payloads mark unsupported types)."""
    if isinstance(answer, dict) and set(answer) == {"unsupported type"}:
        return str(answer["unsupported type"])
    return type(answer).__name__


# What a student who has never heard of Python's type names calls each kind of value.
KINDS = {"str": "text", "int": "a whole number", "float": "a number", "bool": "a yes-or-no value (True or False)",
         "list": "a list", "tuple": "a list in round brackets", "dict": "a dictionary (curly brackets with keys)",
         "set": "a set (curly brackets)", "NoneType": "nothing (None)"}


def kind_of(answer: object) -> str:
    """The answer's kind in everyday words ("text", "a whole number"), for feedback."""
    name = type_name(answer)
    return KINDS.get(name, f"a value of type {name}")
