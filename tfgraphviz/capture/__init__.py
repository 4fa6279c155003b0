"""Capture: load a user's file, find its tf.functions, trace them and extract their graphs."""
