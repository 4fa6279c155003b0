"""A user file named like a package tfgraphviz uses."""

raise ImportError("this is the user's tensorboard.py, not the real package")
