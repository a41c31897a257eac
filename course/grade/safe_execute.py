"""Execution that survives what a student's code can do to its kernel.

nbgrader's Execute gives up on a whole submission when the kernel dies (`os._exit`, a kill,
running out of memory) or keeps running after the interrupt sent at a timeout (a loop that
swallows KeyboardInterrupt): the student gets no grades and no feedback. SafeExecute instead
marks that cell as stopped, starts a fresh kernel and runs the notebook again without it, so
every other answer is graded as it deserves.
"""

from __future__ import annotations

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.preprocessors.execute import UnresponsiveKernelError
from traitlets import Integer

from course.grade.sandbox import Sandbox, SandboxedKernelManager

STOPPED = "GradingStoppedThisCell"
OUTPUT_CUT = "\n… [output cut by the grader: this cell printed more than {limit:,} characters; the rest was dropped]\n"


def stopped_output(reason: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=STOPPED,
        evalue=reason,
        traceback=[f"{STOPPED}: {reason}"],
    )


class SafeExecute(Execute):
    """Execute, restarting the kernel and skipping a cell that killed or hung it."""

    max_restarts = Integer(3, help="How many cells may kill or hang the kernel before the rest is skipped").tag(
        config=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sandbox = Sandbox(parent=self)
        if self.sandbox.active(self.log):
            self.kernel_manager_class = SandboxedKernelManager

    def preprocess(self, nb, resources, km=None):
        self._skipped: dict[int, str] = {}
        self._current = -1
        for _attempt in range(self.max_restarts + 1):
            self._sent: dict[int, int] = {}  # characters of output received, per cell, in this run
            try:
                return super().preprocess(nb, resources, km=km)
            except (CellTimeoutError, DeadKernelError, UnresponsiveKernelError, RuntimeError) as exc:
                if isinstance(exc, RuntimeError) and "kernel" not in str(exc).lower():
                    raise
                index = self._current
                if index < 0 or index in self._skipped:
                    raise
                self._skipped[index] = self._reason(exc)
                self.log.warning("Cell %d stopped the kernel (%s); restarting without it", index, type(exc).__name__)
        # Too many cells broke the kernel: grade nothing further, but still hand back the notebook. The last run
        # reached the cell that broke it; each stopped cell says why, and only the cells after it were not run.
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if index in self._skipped or index > self._current:
                cell.outputs = [stopped_output(self._skipped.get(index,
                                                                 "not run: earlier cells kept stopping the kernel"))]
                cell.execution_count = None
        return nb, resources

    def _reason(self, exc: Exception) -> str:
        if isinstance(exc, CellTimeoutError):
            return (f"this cell was still running after {self.timeout} seconds and ignored the request to stop, "
                    "so it was skipped and the rest of the notebook was run again without it")
        return ("this cell stopped the Python kernel (for example with os._exit, by killing it, or by using "
                "more CPU time than the grader allows), so it was skipped and the rest of the notebook was run "
                "again without it")

    def output(self, outs, msg, display_id, cell_index):
        """Keep a cell's output until it passes the limit; then one note, and nothing more."""
        before = self._sent.get(cell_index, 0)
        self._sent[cell_index] = before + _size(msg.get("content", {}))
        limit = self.sandbox.output_chars
        if self._sent[cell_index] <= limit:
            return super().output(outs, msg, display_id, cell_index)
        if before <= limit:
            outs.append(NotebookNode(output_type="stream", name="stdout", text=OUTPUT_CUT.format(limit=limit)))
        return None

    def preprocess_cell(self, cell, resources, index):
        self._current = index
        if index in self._skipped:
            cell.outputs = [stopped_output(self._skipped[index])]
            cell.execution_count = None
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


def _size(content: dict) -> int:
    size = len(content.get("text", "")) + sum(len(line) for line in content.get("traceback", []))
    for value in content.get("data", {}).values():
        size += len(value) if isinstance(value, str) else len(str(value))
    return size
