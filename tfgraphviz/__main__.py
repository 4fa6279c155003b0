"""`python -m tfgraphviz`: the same as the `tfgraphviz` command."""

import sys

from tfgraphviz.cli import main

sys.exit(main())
