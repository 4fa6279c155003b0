"""`python -m tfgraphviz`: the same as the `tfgraphviz` command."""

import os
import sys

# `python -m` puts the current folder first on sys.path: a user's `networkx.py` or
# `tensorboard.py` there must not replace the real packages tfgraphviz imports.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from tfgraphviz.cli import main

sys.exit(main())
