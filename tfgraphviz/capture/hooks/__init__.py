"""Hooks into TensorFlow that record what tracing does (the only monkeypatches)."""
