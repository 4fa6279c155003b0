"""Extraction reads TensorFlow's traceback of an op once per distinct creation stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfgraphviz._util.frame import Frame
from tfgraphviz.capture.records import MAIN

SOURCE = '''import tensorflow as tf


def helper(x):
    return tf.math.sin(x)  # SIN


@tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
def f(x):
    for _ in range(60):  # FOR1
        x = tf.math.cos(x)  # COS
    for _ in range(60):  # FOR2
        x = helper(x)  # LOOP
    return helper(x)  # LAST


f.get_concrete_function()
'''


def _line(mark: str) -> int:
    return next(i for i, text in enumerate(SOURCE.splitlines(), 1) if f"# {mark}" in text)


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[str]]:
    """The op table of `f`, and the ops whose traceback was read while capturing."""
    from tensorflow.python.framework import ops

    from tfgraphviz.capture import capture_file

    path = Path(tmp_path_factory.mktemp("stacks")) / "stacks.py"
    path.write_text(SOURCE)
    reads: list[str] = []
    original = ops.Operation.traceback

    def counted(op: object) -> object:
        reads.append(op.name)  # type: ignore[attr-defined]
        return original.fget(op)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ops.Operation, "traceback", property(counted))
        entries = capture_file(path, ["f"]).entries
    return entries[0].graphs[0].op_info[MAIN], reads


def test_one_traceback_read_per_distinct_creation_stack(captured):
    table, reads = captured
    assert sum(name.startswith(("Cos", "Sin")) for name in table) == 121
    # 121 ops from 3 places (cos, helper in the loop, helper in the return), with the
    # placeholder, output and identity ops: a handful of stacks, not one read per op
    assert len(reads) <= 8, len(reads)


def test_ops_sharing_a_creation_stack_keep_their_own_frames(captured):
    table, _ = captured
    for1, for2 = Frame("stacks.py", _line("FOR1"), "f"), Frame("stacks.py", _line("FOR2"), "f")
    cos = Frame("stacks.py", _line("COS"), "f")
    sin = Frame("stacks.py", _line("SIN"), "helper")
    loop, last = Frame("stacks.py", _line("LOOP"), "f"), Frame("stacks.py", _line("LAST"), "f")
    cos_ops = [info.source for name, info in table.items() if name.startswith("Cos")]
    sin_ops = [info.source for name, info in sorted(
        table.items(), key=lambda item: int(item[0].partition("_")[2] or 0))
        if name.startswith("Sin")]
    assert cos_ops == [[for1, cos]] * 60  # AutoGraph's loop calls the body from the `for`
    # the same innermost line (helper's), called from two lines of f: two stacks
    assert sin_ops == [[for2, loop, sin]] * 60 + [[last, sin]]
