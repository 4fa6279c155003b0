"""The lines of a source file as Python numbers them: one home for every stage that maps a line
number (a frame's, a syntax tree's) to the text of that line."""

from __future__ import annotations

import linecache
import re
from pathlib import Path

__all__ = ["file_line", "python_lines"]

# Python ends a line at \n, \r\n and a lone \r only; str.splitlines() also breaks at U+2028,
# U+2029, U+0085, form feed, \v and \x1c-\x1e, which would shift every line after them
_LINE_END = re.compile(r"\r\n|\r|\n")


def python_lines(text: str) -> list[str]:
    """`text` cut into the lines Python numbers (line n is item n - 1), without their ends."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the end of the last line starts no line of its own
    return lines


def file_line(path: Path | str, line: int) -> str:
    """Line `line` of the file at `path` as Python numbers it, with its end ("" if none):
    linecache reads with universal newlines, which count lines as Python does."""
    return linecache.getline(str(path), line) if line > 0 else ""
