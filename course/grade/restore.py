"""Put a submitted notebook back into the shape of the assignment before it is graded.

nbgrader's own `add_missing_cells` re-adds only test cells, fails when the cell before a missing
one is gone too (an emptied notebook), and crashes on a cell whose nbgrader metadata was edited;
each of those stops the student's whole autograde. RestoreCells runs first and makes sure that:
- every cell the gradebook knows is present, in the assignment's order (a missing answer cell
  comes back as the blank stub, never the solution; a missing locked cell as its source);
- nbgrader metadata the student edited or invented is dropped (the cell stays, as their own);
- the student's own extra cells are kept where they were.
OverwriteCells then restores the source and points of locked and test cells as usual.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

RESTORED = "This cell was missing from your submission; it was put back before grading."


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    if not isinstance(meta, dict):
        return None
    gid = meta.get("grade_id")
    return gid if isinstance(gid, str) else None


class RestoreCells(NbGraderPreprocessor):
    """Rebuild the assignment's cells around whatever the student handed in."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            known = {c.name: c for c in notebook.source_cells}
            grades = {c.name: c for c in notebook.grade_cells}
            solutions = {c.name for c in notebook.solution_cells}
            order = self._order(resources, list(known))
            templates = {name: self._template(known[name], grades.get(name), name in solutions) for name in order}

        kept: dict[str, NotebookNode] = {}
        own: list[tuple[str | None, NotebookNode]] = []  # (the known cell it follows, cell)
        last: str | None = None
        for cell in nb.cells:
            gid = _grade_id(cell)
            template = templates.get(gid) if gid else None
            if template is not None and gid not in kept and cell.get("cell_type") == template.cell_type:
                cell.metadata["nbgrader"] = template.metadata["nbgrader"]
                kept[gid] = cell
                last = gid
                continue
            if "nbgrader" in cell.get("metadata", {}):
                del cell.metadata["nbgrader"]  # edited, invented or duplicated: the student's own cell now
                self.log.warning("Dropped nbgrader metadata from a cell (grade id %r)", gid)
            own.append((last, cell))

        cells: list[NotebookNode] = [c for after, c in own if after is None]
        for name in order:
            if name in kept:
                cells.append(kept[name])
            else:
                self.log.warning("Cell %s was missing; put back from the gradebook", name)
                cells.append(templates[name])
            cells += [c for after, c in own if after == name]
        nb.cells = cells
        return nb, resources

    def _order(self, resources, names: list[str]) -> list[str]:
        """The assignment's cell order, from the source notebook when it can be read."""
        import nbformat
        from nbgrader.coursedir import CourseDirectory

        info = resources["nbgrader"]
        try:
            coursedir = CourseDirectory(config=self.config)
            path = coursedir.format_path(coursedir.source_directory, ".", info["assignment"])
            source = nbformat.read(f"{path}/{info['notebook']}.ipynb", as_version=4)
            ordered = [g for g in map(_grade_id, source.cells) if g in names]
        except Exception:  # no source folder here: fall back to the gradebook's order
            ordered = []
        return ordered + [n for n in names if n not in ordered]

    @staticmethod
    def _template(source_cell, grade_cell, is_solution: bool) -> NotebookNode:
        meta = {
            "grade": grade_cell is not None,
            "grade_id": source_cell.name,
            "locked": bool(source_cell.locked),
            "schema_version": 3,
            "solution": is_solution,
            "task": False,
        }
        if grade_cell is not None:
            meta["points"] = grade_cell.max_score
        if source_cell.cell_type == "code":
            text = f"# {RESTORED}\n{source_cell.source}"
            cell = new_code_cell(text)
        else:
            cell = new_markdown_cell(f"*{RESTORED}*\n\n{source_cell.source}")
        cell.metadata["nbgrader"] = meta
        if source_cell.locked:
            cell.metadata.update(deletable=False, editable=False)
        return cell
