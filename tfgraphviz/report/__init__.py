"""The report: one self-contained report.html to explore every graph."""
