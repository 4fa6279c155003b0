"""A layered layout computed in Python for graphs too large for dot."""
