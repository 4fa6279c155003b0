"""Export: node-link JSON, GraphML and TensorBoard event files."""

from tfgraphviz.export.nodelink import (
    from_json,
    read_json,
    to_graphml,
    to_json,
    write_graphml,
    write_json,
)
from tfgraphviz.export.tensorboard import write_tensorboard

__all__ = ["from_json", "read_json", "to_graphml", "to_json", "write_graphml", "write_json",
           "write_tensorboard"]
