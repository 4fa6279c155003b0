"""Notebooks: `draw()` returns a Drawing a notebook shows; `%%tfgraphviz` draws a cell's traces."""

from tfgraphviz.notebook.drawing import Drawing, Report, draw
from tfgraphviz.notebook.magic import load_ipython_extension

__all__ = ["Drawing", "Report", "draw", "load_ipython_extension"]
