"""Defaults more than one stage (and the command line) use: one copy each."""

from __future__ import annotations

DEFAULT_DPI = 120.0  # PNG: crisp on a laptop screen, Graphviz's own default is 96
LAYOUT_TIMEOUT = 60.0  # seconds for all layout strategies of one drawing together
MANIFEST = "manifest.json"  # the output folder's index of what a run wrote
FORMATS = ("dot", "svg", "png", "pdf", "json", "graphml", "tensorboard")  # of `render`
DEFAULT_FORMATS = ("dot", "svg", "json", "tensorboard")
