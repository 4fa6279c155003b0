"""Explain: why the graphs look the way they do, as findings."""

from tfgraphviz.explain.core import explain_function, to_text

__all__ = ["explain_function", "to_text"]
