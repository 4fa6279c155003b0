"""The explain stage's records, typed: findings, traces and explanations.

They stay JSON-shaped (TypedDicts, not dataclasses): an explanation is stored in the manifest,
printed by `explain --json` and read back by the command and the report, so the same keys are
the documented output; mypy checks every key the stage writes or reads. (No postponed
annotations here: Python 3.11 cannot see `NotRequired` in a string annotation.)
"""

from typing import NotRequired, TypedDict


class Param(TypedDict):
    """One parameter of a trace, as capture.records.ParamInfo (`vars()` of it)."""

    name: str
    kind: str  # "tensor" | "python" | "structure" | "object" | "variable" | "other"
    text: str
    dtype: str | None
    shape: str | None
    value: str | None


class Printed(TypedDict):
    """Text Python printed while tracing, at a line of the user's file (PrintSite)."""

    line: int
    where: str
    text: str


class Cause(TypedDict, total=False):
    """Why a trace was made: the argument that changed, recursion, TensorFlow or tfgraphviz."""

    argument: str
    what: str  # a key of core._WHY: "value", "shape", "dtype", "kind", "object", "new", ...
    change: str  # "float32[2] → float32[3]"
    also: list["Cause"]  # further arguments that changed
    recursion: int  # the index of the trace this one ran inside
    by_tensorflow: str
    by_tfgraphviz: str
    saving_line: int


class Trace(TypedDict):
    """One trace as the stage reads it (from TraceInfo, or from older fields)."""

    index: int
    signature: str
    graph: int | None  # index of its drawing
    params: list[Param]
    output: str
    prints: list[Printed]
    error: str | None
    error_kind: str | None  # "variable_creation" | "other" | None
    error_line: int | None
    created_variables: bool
    tf_retrace: bool
    nested_in: int | None
    by_tfgraphviz: bool
    saving_line: NotRequired[int]  # 0: not made by tf.saved_model.save
    from_signature: NotRequired[bool]
    cause: NotRequired[Cause | None]


class Extra(TypedDict, total=False):
    """The keys a Finding has only for some kinds (`finding()` takes them as keywords)."""

    ops_total: int  # how many ops there were, when more than MAX_OPS
    trace: int
    traces: list[int]
    graphs: list[int]
    fix: int  # the number of a suggested fix
    argument: str
    variable: str
    statement: str  # AutoGraph findings: "for", "while", "if", "assert", ...
    autograph_line: int  # the line of the AutoGraph code that made the ops
    copies: int  # an unrolled loop: copies of its body's ops ...
    iterations: int  # ... and the iterations they came from
    created_by: str  # the library call that created tf.Variables


class Finding(Extra):
    """One sentence about a function, where it is in the file and what it is about."""

    kind: str  # "retrace", "print_op", "autograph", "unrolled", "state", "variable_fix", ...
    text: str
    where: str  # "f.py:12", or "" when no line of the file is concerned
    line: int
    graph: int | None  # the drawing it is about; None for the function as a whole
    ops: list[str]  # at most findings.MAX_OPS ids of the ops it names


class TraceSummary(TypedDict):
    """A trace as an explanation stores it."""

    index: int
    signature: str
    graph: int | None
    cause: Cause | None
    printed: list[Printed]
    error: str | None
    nested_in: int | None
    by_tfgraphviz: bool
    error_kind: str | None
    error_line: int | None
    created_variables: bool


class Use(TypedDict):
    """The ops that read and write one variable (ids)."""

    reads: list[str]
    writes: list[str]


class StateEntry(Use):
    """A variable's uses in the first drawing that uses it."""

    graph: int


class FunctionExplanation(TypedDict):
    """The explanation of one function: its traces, findings and state."""

    name: str
    kind: str  # a capture.records.TargetKind value
    line: NotRequired[int]  # its def's line, 0 when not found (absent: explaining failed)
    where: NotRequired[str]
    traces: list[TraceSummary]
    findings: list[Finding]
    state: dict[str, StateEntry]  # variable name -> its uses
    error: NotRequired[str]  # why explaining it failed (the files are written)


class Explanation(TypedDict):
    """Every function of a file (manifest["explain"])."""

    functions: list[FunctionExplanation]
