"""TensorFlow op types the stages test ops against: plain names, one copy each.

The While/If sets were written in four places with different contents (model, AutoGraph hook,
explain, views). They are kept apart here by name where the contents differ: `IF_OPS` is the
two-branch conditional (If) only, `IF_OR_CASE_OPS` adds Case, `CONTROL_FLOW` is every op that
runs a body chosen at run time.
"""

from __future__ import annotations

WHILE_OPS = ("While", "StatelessWhile")
IF_OPS = ("If", "StatelessIf")  # model, capture/hooks/autograph.py: then/else branches
CASE_OPS = ("Case", "StatelessCase")  # branch0, branch1, ...
IF_OR_CASE_OPS = IF_OPS + CASE_OPS  # explain/graph.py's IF_OPS: any conditional
CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")  # a call of a library function
CONTROL_FLOW = frozenset(WHILE_OPS + IF_OR_CASE_OPS)  # views/build.py's CONTROL_FLOW

ITERATOR_OPS = frozenset({"IteratorGetNext", "IteratorGetNextSync", "IteratorGetNextAsOptional",
                          "MultiDeviceIteratorGetNextFromShard"})
VARIABLE_USERS = frozenset({"ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
                            "AssignSubVariableOp"})
SUMMARY_OPS = frozenset({"WriteSummary", "WriteScalarSummary", "WriteHistogramSummary",
                         "WriteImageSummary", "WriteAudioSummary", "WriteRawProtoSummary",
                         "WriteGraphSummary"})  # tf.summary.* writing to a summary file
