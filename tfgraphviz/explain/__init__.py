"""Explain: why the graphs look the way they do, as findings."""
