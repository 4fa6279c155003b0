"""Draw: DOT text, styles, legend, and Graphviz layouts (SVG, PNG, PDF)."""

from tfgraphviz.drawing.dot import to_dot, write_dot
from tfgraphviz.drawing.layout import write_pdf, write_png, write_svg

__all__ = ["to_dot", "write_dot", "write_pdf", "write_png", "write_svg"]
