"""The report: one self-contained report.html to explore every graph."""

from tfgraphviz.report.html import ReportFunction, ReportGraph, build_html, write_report

__all__ = ["ReportFunction", "ReportGraph", "build_html", "write_report"]
