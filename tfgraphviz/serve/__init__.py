"""`tfgraphviz serve`: re-render a file (or a folder's files) on every change in a fresh
process, serve the output folder and a page that reloads when a render is done."""

from tfgraphviz.serve.app import RENDER_OPTIONS, render_argv, serve

__all__ = ["RENDER_OPTIONS", "render_argv", "serve"]
