"""The attributes of the model's nodes, edges and graph, described once.

`model.build.to_networkx` makes a networkx MultiDiGraph whose attribute dicts follow these
TypedDicts; the node-link JSON export writes them as they are, so the keys are a file format:
rename nothing. tests/model/test_schema.py checks every node and edge of the bundled examples
against this module (an unknown key or a missing required one fails).

Node ids: an op of the main graph is its TensorFlow name; an op inside a body is
`<body id>::<name>`; a body's arguments and results are `<body id>::arg:<i>` and
`<body id>::ret:<i>` (see `model.build.arg_id`, `result_id`). A body's id is
`<caller id>::<role>`.
"""

from typing import Any, Literal, NotRequired, TypedDict

from tfgraphviz._util.frame import Frame
from tfgraphviz._util.shape import Shape

NodeKind = Literal[
    "op",  # any other op
    "const",  # a Const op
    "placeholder",  # an input of the function (Placeholder/_Arg), or an iterator
    "variable",  # a tf.Variable: captured, passed as argument, or a variable op
    "arg",  # a body's argument (op `_Arg`)
    "ret",  # a body's result (op `_Retval`)
]
EdgeKind = Literal[
    "data",  # a tensor from an op's output to an op's input
    "control",  # a control dependency (`^name` input)
    "call",  # a caller's input -> the argument of the body it runs
    "return",  # a body's result -> its caller (then/else/body/callee roles only)
]
Origin = Literal[
    "automatic",  # added by tf.function's automatic control dependencies
    "user",  # written in the user's file (tf.control_dependencies)
    "library",  # added by TensorFlow, Keras or other library code
    "unknown",  # who added it is not known (graph traced before the hooks were installed)
]
# The role of a body, from the attribute of its caller naming it: "then", "else", "cond",
# "body", "callee", or "branch0", "branch1", ... (Case); any other attribute name is kept.
Role = str


class Output(TypedDict):
    """One output of a node."""

    dtype: str  # "float32", "resource", "?" when unknown
    shape: Shape  # (2, None) for [2,?], None for an unknown rank; written "[2,?]", "?"


class NodeData(TypedDict):
    """Every node: an op of the main graph or of a body, or a body's argument or result."""

    name: str  # TensorFlow name of the op (arg/ret: the signature's argument name)
    op: str  # op type: "MatMul", "StatelessWhile", a library function's name; "_Arg", "_Retval"
    kind: NodeKind
    body: str  # id of the body holding the node; "" for the main graph
    depth: int  # 0 in the main graph, 1 in a body called from it, ...
    scope: str  # name scope: the name up to its last "/" ("" for arg/ret)
    device: str  # requested device, often ""
    outputs: list[Output]  # one per output tensor, in output order
    stateful: bool  # the op (or the library function) is stateful
    attrs: dict[str, str]  # attribute name -> short display text (arg/ret: {"index": "<i>"})
    # attribute name -> JSON form of the AttrValue proto; shared between nodes: read-only
    attr_values: dict[str, Any]
    variable: str  # Python name of the tf.Variable the node holds or is fed, else ""
    owner: str  # Keras model/optimizer/metric holding that variable (`vae.optimizer`), or ""
    auto_created: bool  # an op automatic control dependencies created (its NoOp)
    control_output: bool  # a body's control output (kept for its side effect)
    source: list[Frame]  # user frames that created the op, innermost last; written "f.py:12 in f"
    autograph_line: int | None  # line of the AutoGraph-converted code that made it, if any
    unused: bool  # nothing uses its output and it is kept for no other reason
    # ---- only some nodes
    function_output: NotRequired[bool]  # main graph: an op whose output the function returns
    calls: NotRequired[list[str]]  # ids of the bodies the op runs (cond/while/case/call)
    uses_variable: NotRequired[str]  # a Read/AssignVariableOp: the variable's Python name
    uses_owner: NotRequired[str]  # ... and the owner of that variable ("" when none)
    resource: NotRequired[Literal["iterator"]]  # a resource argument read only by iterators


class BoundaryData(NodeData):
    """A body's argument (`kind` "arg") or result (`kind` "ret"): NodeData and these."""

    index: int  # position in the body's signature
    arg_name: str  # the signature's argument (or result) name
    label: str  # arg_name without the prefix TensorFlow derived from the caller's name
    feeds: str  # args: what the caller passes in (a name, `name:1` for output 1), else ""
    py_name: str  # the Python name AutoGraph gave the loop/cond variable, else ""


class DataEdge(TypedDict):
    kind: Literal["data"]
    src_output: int  # output index of the source node
    dst_input: int  # data input index of the target node (control inputs not counted)
    dtype: str  # of that output, as in Output
    shape: Shape  # of that output, as in Output


class ControlEdge(TypedDict):
    kind: Literal["control"]
    origin: Origin
    where: str  # user/library: "f.py:12" or "keras/src/x.py:40 called from f.py:11"; else ""


class CallEdge(TypedDict):
    kind: Literal["call"]
    role: Role  # the role of the body called
    caller_input: int  # data input index of the caller
    arg_index: int  # index of the body argument it feeds
    arg_name: str  # that argument's name
    input_name: str  # what is passed, as the argument's `feeds`


class ReturnEdge(TypedDict):
    kind: Literal["return"]
    role: Role  # the role of the body returning
    output_index: int  # the body's result index = the caller's output index
    result_name: str  # the result's name in the body's signature


EDGE_TYPES: dict[str, type] = {"data": DataEdge, "control": ControlEdge, "call": CallEdge,
                               "return": ReturnEdge}


class BodyInfo(TypedDict):
    """One entry of `graph.graph["bodies"]`: a function body drawn under its caller."""

    id: str  # `<caller id>::<role>`, the `body` of its nodes
    caller: str  # node id of the op running it
    role: Role
    function: str  # stable name of the library function (`while_body`, no counters)
    depth: int  # the depth of its nodes
    xla: bool  # compiled with XLA (jit_compile)
    args: int  # number of arguments
    outputs: int  # number of results
    ops: int  # number of ops (arguments and results not counted)


class NestingCut(TypedDict):
    """`GraphData.nesting_cut` (model.nesting): the ops at the deepest level drawn whose
    bodies were left out."""

    depth: int  # the deepest level drawn (MAX_DEPTH)
    ops: list[str]  # ids of the ops whose bodies are not drawn, in the order met
    functions: list[str]  # the stable names of the bodies not drawn, sorted


class GraphData(TypedDict):
    """`graph.graph`: about the traced graph as a whole."""

    name: str  # the target's name: `f`, `model.train_function`
    kind: str  # "tf.function", "tf.Graph", or the target kind's text
    signature: str  # `(x: float32[2])` for a tf.function, "" for a tf.Graph
    bodies: list[BodyInfo]  # parents before children
    trace_output: str  # what Python printed while tracing it
    auto_deps_known: bool  # False when traced before tfgraphviz's hooks were installed
    keras_names: dict[str, str]  # Keras name scope (`sequential`) -> the file's name for it
    source_lines: dict[str, str]  # line number (as text) -> that line of the user's file
    jit_compile: bool  # tf.function(jit_compile=True)
    note: NotRequired[str]  # set by the pipeline: a trace that succeeded before one failed
    nesting_cut: NotRequired[NestingCut]  # bodies deeper than model.nesting.MAX_DEPTH
