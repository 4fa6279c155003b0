"""A user frame that created an op, kept as a value from capture to the files written."""

from __future__ import annotations

from typing import NamedTuple


class Frame(NamedTuple):
    """One frame of the user's file in an op's creation stack."""

    file: str  # the user file's name: "f.py"
    line: int
    function: str  # the code object's name: "f", "__call__"

    def __str__(self) -> str:
        """`f.py:12 in f`: how frames are written (node-link JSON, GraphML, tooltips, report)."""
        return f"{self.file}:{self.line} in {self.function}"

    @classmethod
    def parse(cls, text: str) -> Frame:
        """The frame `str(frame)` wrote, back (for readers of written files only). The function
        name holds no space, the file name may hold anything, `:` and ` in ` too."""
        head, _, function = text.rpartition(" in ")
        file, _, line = head.rpartition(":")
        if not function or " " in function or not line.isdigit():
            raise ValueError(f"not a frame: {text!r}")
        return cls(file, int(line), function)
