"""Export: node-link JSON, GraphML and TensorBoard event files."""
