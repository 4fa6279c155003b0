"""The plain data capture produces: traced graphs and functions, trace records, parameter
and op tables. No TensorFlow object is imported here; fields hold them as `Any`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import FrameType
from typing import Any

from tfgraphviz._util.frame import Frame
from tfgraphviz._util.shape import Shape


class TargetKind(StrEnum):
    """What a target is; its value is the `kind` string of the manifest and the JSON."""

    FUNCTION = "function"  # a tf.function the file wrote
    METHOD = "method"  # a tf.function method of an object of the file
    GRAPH = "graph"  # a tf.Graph (TF1 style, or a FuncGraph)
    KERAS = "keras"  # a Keras model's forward pass
    PLAIN = "plain"  # a plain Python function named with -f, traced as if decorated
    KERAS_FIT = "keras_fit"  # the step functions Keras' fit(), evaluate(), predict() traced
    KERAS_EVALUATE = "keras_evaluate"
    KERAS_PREDICT = "keras_predict"
    RESTORED = "restored"  # loaded with tf.saved_model.load

    @property
    def text(self) -> str:
        """What --list says it is."""
        return _KIND_TEXT[self]

    @property
    def model_kind(self) -> str:
        """What its drawings say they are (model.graph["kind"])."""
        return _MODEL_KIND.get(self, "tf.function")

    @property
    def keras_step(self) -> bool:
        """One of the step functions Keras' fit(), evaluate() or predict() traced."""
        return self in (TargetKind.KERAS_FIT, TargetKind.KERAS_EVALUATE,
                        TargetKind.KERAS_PREDICT)

    @property
    def user_def(self) -> bool:
        """Its code is a def of the user's file that AutoGraph converted."""
        return self in (TargetKind.FUNCTION, TargetKind.METHOD, TargetKind.PLAIN)

    @classmethod
    def of_keras_step(cls, attr: str) -> TargetKind:
        """The kind of a Keras model's `train_function`, `test_function`, `predict_function`."""
        return _KERAS_STEP[attr]


_KIND_TEXT = {
    TargetKind.FUNCTION: "tf.function", TargetKind.METHOD: "tf.function method",
    TargetKind.GRAPH: "tf.Graph", TargetKind.KERAS: "Keras model (forward pass)",
    TargetKind.PLAIN: "Python function traced as a tf.function",
    TargetKind.KERAS_FIT:
        "the training function Keras' fit() traced (with the model's train_step)",
    TargetKind.KERAS_EVALUATE:
        "the function Keras' evaluate() traced (with the model's test_step)",
    TargetKind.KERAS_PREDICT:
        "the function Keras' predict() traced (with the model's predict_step)",
    TargetKind.RESTORED: "function restored from a SavedModel",
}
_MODEL_KIND = {TargetKind.GRAPH: "tf.Graph",
               TargetKind.KERAS_FIT: "Keras fit() training function",
               TargetKind.KERAS_EVALUATE: "Keras evaluate() test function",
               TargetKind.KERAS_PREDICT: "Keras predict() function",
               TargetKind.RESTORED: "restored from a SavedModel"}
_KERAS_STEP = {"train_function": TargetKind.KERAS_FIT,
               "test_function": TargetKind.KERAS_EVALUATE,
               "predict_function": TargetKind.KERAS_PREDICT}


@dataclass
class TraceRecord:
    """One call of TensorFlow's tracer for a tf.function (successful or not)."""

    name: str
    function: Any  # the tf.function (polymorphic Function) being traced, if found
    phase: str = ""  # "" while importing, else the name of the target being traced
    output: str = ""
    concrete: Any = None  # the ConcreteFunction made, if the trace succeeded
    graph: Any = None  # the FuncGraph (complete, or partial when the trace failed)
    error: BaseException | None = None
    function_type: Any = None  # TensorFlow's FunctionType of the arguments traced with
    scope: str = ""  # "variable_creation" | "no_variable_creation" | "" (TensorFlow's config)
    first: bool = False  # the first trace of its tf.function (the one allowed to make variables)
    variable_lines: list[int] = field(default_factory=list)  # user lines that made tf.Variables
    prints: list[tuple[int, str, str]] = field(default_factory=list)  # (line, where, text)
    params: list[Any] | None = None  # traceinfo.ParamInfo per parameter, made as it started
    # the trace of the same tf.function still running when this one started (recursion)
    parent: TraceRecord | None = None
    saving_line: int = 0  # the user's line calling tf.saved_model.save that made this trace


@dataclass
class AutoDeps:
    """Control edges and ops that automatic control dependencies added to one graph."""

    edges: set[tuple[str, str]] = field(default_factory=set)  # (dst op, src op)
    ops: set[str] = field(default_factory=set)  # ops created by the mechanism itself


Origin = tuple[str, str]  # ("user" | "library", where: "f.py:12" or "keras/src/x.py:40")


MAIN = ""  # key of the top-level graph in TracedGraph's per-function tables


@dataclass
class OpStacks:
    """The distinct Python stacks one graph's ops were created at, numbered while tracing:
    ops made by the same lines along the same calls get the same number, so extraction reads
    TensorFlow's traceback (tens of microseconds an op, however it is read) once per number.
    A stack is keyed by its code objects' ids and positions; the code objects of each
    distinct stack are kept, so no id can be reused by another code object."""

    by_op: dict[str, int] = field(default_factory=dict)  # op name -> its stack's number
    _numbers: dict[tuple[int, ...], int] = field(default_factory=dict)
    _codes: list[list[Any]] = field(default_factory=list)  # per number: its code objects
    # per number: the AutoGraph functions on that stack and their lines (hooks.autograph)
    autograph: list[tuple[tuple[str, int], ...]] = field(default_factory=list)

    def note(self, op_name: str, frame: FrameType | None) -> bool:
        """Number the stack running at `frame` (the caller of the op's creation); whether
        that stack is new (what is read from a stack can then be kept per number)."""
        key: list[int] = []
        probe = frame
        while probe is not None:
            key.append(id(probe.f_code))
            key.append(probe.f_lasti)
            probe = probe.f_back
        number = self._numbers.setdefault(tuple(key), len(self._numbers))
        self.by_op[op_name] = number
        if number < len(self._codes):
            return False
        codes = []  # a new stack
        while frame is not None:
            codes.append(frame.f_code)
            frame = frame.f_back
        self._codes.append(codes)
        return True


@dataclass
class OpInfo:
    """What the live graph knows about one op beyond its NodeDef."""

    outputs: list[tuple[str, Shape]]  # (dtype, shape) per output
    source: list[Frame]  # user frames, outermost first
    autograph_line: int | None = None  # line of the AutoGraph-converted code that made it


@dataclass
class TracedGraph:
    """One traced graph (a ConcreteFunction or a tf.Graph) as plain data."""

    signature: str
    graph_def: Any  # GraphDef proto, function library included
    op_info: dict[str, dict[str, OpInfo]] = field(default_factory=dict)
    auto_deps: dict[str, AutoDeps] = field(default_factory=dict)
    # per graph: {(dst op, src op): ("user" | "library", where)} for control edges not automatic
    control_origins: dict[str, dict[tuple[str, str], Origin]] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # placeholder -> Python name
    # placeholder -> the Keras model, optimizer or metric holding that variable, by the name
    # the file knows it by (`encoder`, `vae.optimizer`), "" when none holds it
    owners: dict[str, str] = field(default_factory=dict)
    # Keras name of a model or optimizer (its name scope, `sequential`) -> the file's name for it
    keras_names: dict[str, str] = field(default_factory=dict)
    # line of the user's file -> its text, for the lines ops were made at (labels of groups)
    source_lines: dict[int, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)  # main graph's output tensors
    trace_output: str = ""
    auto_deps_known: bool = True  # False for a graph traced before the hooks were installed
    # per graph: {While/If op name -> Python name AutoGraph gave each of its loop variables
    # (While: per input, loop counter and maximum iterations first; If: per output)}
    control_names: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # per graph: {op name -> frames of the program that saved it}, from a SavedModel's debug
    # info (save_debug_info=True): its ops have no creation stack of their own
    debug_sources: dict[str, dict[str, list[Frame]]] = field(default_factory=dict)
    # a FuncGraph drawn as a tf.Graph target (`graph = f.get_concrete_function().graph`): the
    # name of the function tf.function traced into it ("" for a graph built by hand)
    traced_by: str = ""
    jit_compile: bool = False  # tf.function(jit_compile=True): XLA compiles the whole function


@dataclass
class ParamInfo:
    """One parameter of a trace (self excluded): what TensorFlow saw for it."""

    name: str
    kind: str  # "tensor" | "python" | "structure" | "object" | "variable" | "other"
    text: str  # as describe_spec: "float32[2,?]", "3", "(float32[], 2)", "Python object"
    dtype: str | None = None  # tensors and variables: "float32"
    shape: str | None = None  # tensors and variables: "[2,?]" ("[*]" for an unknown rank)
    value: str | None = None  # repr of a Python scalar, None or str; else None


@dataclass
class PrintSite:
    """Text Python printed while tracing, and the line of the user's file that printed it."""

    line: int  # line in the user's file that called print / wrote to stdout; 0 if unknown
    where: str  # "f.py:12" ("" if unknown)
    text: str


@dataclass
class TraceInfo:
    """One trace of a function (failed ones too), in the order TensorFlow made them."""

    index: int  # 0-based, in order
    signature: str  # as signature_of: "(x: float32[2], n=3)"
    graph_index: int | None = None  # index into TracedFunction.graphs of its drawing
    params: list[ParamInfo] = field(default_factory=list)
    output: str = ""  # what Python printed during it
    prints: list[PrintSite] = field(default_factory=list)
    error: str | None = None  # describe_error text
    error_kind: str | None = None  # "variable_creation" | "other" | None
    error_line: int | None = None  # line of the user's file of the failing statement
    created_variables: bool = False  # the trace created tf.Variables
    tf_retrace: bool = False  # TensorFlow traced again by itself (same signature, no new call)
    # index of the trace of the same function still running when this one started: the
    # function called itself while being traced (recursion); None for a trace of its own
    nested_in: int | None = None
    saving_line: int = 0  # the user's line calling tf.saved_model.save that made it (0: none)
    by_tfgraphviz: bool = False  # made by tfgraphviz's own call with no arguments (defaults)
    from_signature: bool = False  # ... which used the function's input_signature


@dataclass
class TracedFunction:
    """All ConcreteFunctions of one target, and what happened while tracing it."""

    name: str
    kind: TargetKind
    graphs: list[TracedGraph] = field(default_factory=list)
    trace_count: int = 0
    trace_outputs: list[str] = field(default_factory=list)
    autograph: str | None = None
    autograph_note: str = ""  # why `autograph` could not be made (the graphs are drawn)
    errors: list[str] = field(default_factory=list)
    needs_call: str | None = None  # the option to add when no trace was possible
    traces: list[TraceInfo] = field(default_factory=list)  # every trace, in order
    # first line (decorators included) of the traced Python function's def in the user's
    # file, from its code object; 0 if unknown or defined elsewhere
    def_line: int = 0
    no_source: str = ""  # origin.Origin.note: exec'd code or a library's function, else ""


@dataclass
class Target:
    """Something in the user's file that can be drawn."""

    name: str  # how the user names it: "f", "F.__call__", "model"
    kind: TargetKind
    obj: Any  # tf.function, tf.Graph, Keras model, or plain callable
    shadowed: bool = False  # no name holds it now: drawn from the traces the import made
    note: str = ""  # why it is not drawn unless named with -f (e.g. shadowed, never called)
    related: list[Any] = field(default_factory=list)  # other tf.functions of the same name
