"""The version of tfgraphviz (one home: the package, the manifest and --version read it)."""

__version__ = "0.1.0"
