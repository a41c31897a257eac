"""Cap what a notebook's outputs may hold before it is saved, scored into feedback, or rendered.

nbgrader's LimitOutput counts lines only: one print of a 100 MB string is one line and goes
into the autograded notebook and the feedback page whole. CapOutputs cuts every output to a
size a person can still read, and says so.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

NOTE = "\n… [output cut by the grader: {cut:,} more characters]"


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + NOTE.format(cut=len(text) - limit)


class CapOutputs(NbGraderPreprocessor):
    max_chars = Integer(20_000, help="Most characters kept from one output (each text form)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        for out in cell.get("outputs", []):
            if "text" in out:
                text = out["text"] if isinstance(out["text"], str) else "".join(out["text"])
                out["text"] = _cap(text, self.max_chars)
            if "traceback" in out:
                lines = list(out["traceback"])[-50:]
                out["traceback"] = [_cap(line, self.max_chars) for line in lines]
            for field in ("ename", "evalue"):  # an error's message is the student's too: `raise ValueError(huge)`
                if isinstance(out.get(field), str):
                    out[field] = _cap(out[field], self.max_chars)
            for mime, value in list(out.get("data", {}).items()):
                if isinstance(value, list):
                    value = "".join(value)
                if isinstance(value, str):
                    if mime.startswith("text/") and len(value) > self.max_chars:
                        out["data"][mime] = _cap(value, self.max_chars)
                    elif len(value) > 5 * self.max_chars:  # images and other blobs: drop, do not cut
                        out["data"][mime] = ""
                elif len(str(value)) > 5 * self.max_chars:  # JSON data
                    out["data"][mime] = {}
        return cell, resources
