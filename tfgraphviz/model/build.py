"""Build the networkx model of a traced graph: ops, data and control edges, nested bodies."""

from __future__ import annotations

import re
from typing import Any

import networkx as nx

from tfgraphviz._util.gc import paused_gc
from tfgraphviz._util.tfops import (
    CALL_OPS,
    IF_OPS,
    IF_OR_CASE_OPS,
    ITERATOR_OPS,
    SUMMARY_OPS,
    VARIABLE_USERS,
    WHILE_OPS,
)
from tfgraphviz.capture.records import MAIN, AutoDeps, OpInfo, TargetKind, TracedGraph
from tfgraphviz.capture.tfobjects import registered_op_def
from tfgraphviz.model.attrs import Summarizer, dtype_name, shape_dims
from tfgraphviz.model.nesting import MAX_DEPTH, note_cut

SEP = "::"  # joins a body's path to its node names; never part of a TensorFlow name

# Which attribute of a control-flow op names which body, and the role shown to users.
ROLE_NAMES = {"then_branch": "then", "else_branch": "else", "cond": "cond", "body": "body",
              "branches": "branch", "f": "callee"}
# How many leading inputs of the caller are not passed to the body (If's predicate, ...).
SKIPPED_INPUTS = {**dict.fromkeys(IF_OR_CASE_OPS, 1), **dict.fromkeys(WHILE_OPS + CALL_OPS, 0)}
RETURNS_TO_CALLER = {"then", "else", "body", "callee"}
_NONE: dict[str, Any] = {}  # an empty table, for lookups only: never written to
__all__ = ["SEP", "SUMMARY_OPS", "VARIABLE_USERS", "arg_id", "python_name", "result_id",
           "stable_function_name", "to_networkx"]  # the op sets: views imports them from here


def stable_function_name(name: str) -> str:
    """`__inference_f_81` -> `f`, `while_cond_22` -> `while_cond`: no global counters."""
    name = re.sub(r"^__inference_", "", name)
    return re.sub(r"_\d+(_rewritten)?$", "", name)


def arg_id(body: str, index: int) -> str:
    """Node id of a body's argument; ':' never occurs in op names, so no op can collide."""
    return f"{body}{SEP}arg:{index}"


def result_id(body: str, index: int) -> str:
    """Node id of a body's result."""
    return f"{body}{SEP}ret:{index}"


class _Builder:
    def __init__(self, traced: TracedGraph, restored: bool = False) -> None:
        self.traced = traced
        self.library = {f.signature.name: f for f in traced.graph_def.library.function}
        names = sorted(self.library, key=len, reverse=True)
        self._lib_pattern = re.compile("|".join(map(re.escape, names))) if names else None
        self.graph = nx.MultiDiGraph()
        self.bodies: list[dict[str, Any]] = []
        self.summarize = Summarizer(self.clean, restored)
        self.outputs: dict[str, list[dict[str, Any]]] = {}  # node id -> its outputs
        self.keys: dict[tuple[str, str], int] = {}  # edges added so far per (src, dst)
        self._op_defs: dict[str, Any] = {}  # op type -> (OpDef or None, attr defaults)

    def clean(self, text: str) -> str:
        """Replace numbered library names inside any string by their stable names."""
        if self._lib_pattern is None:
            return text
        return self._lib_pattern.sub(lambda m: stable_function_name(m.group(0)), text)

    # ---- outputs of a NodeDef ------------------------------------------------------------
    def op_def(self, op: str) -> tuple[Any, dict[str, Any]]:
        """The registered OpDef of an op type (None if unknown) and its attribute defaults."""
        known = self._op_defs.get(op)
        if known is None:
            op_def = registered_op_def(op)
            defaults = {} if op_def is None else {
                a.name: a.default_value for a in op_def.attr if a.HasField("default_value")}
            known = self._op_defs[op] = (op_def, defaults)
        return known

    def stateful(self, node: Any) -> bool:
        if node.op in self.library:
            return bool(self.library[node.op].signature.is_stateful)
        op_def = self.op_def(node.op)[0]
        return bool(op_def is not None and op_def.is_stateful)

    def output_layout(self, node: Any) -> tuple[dict[str, int], list[str], bool]:
        """Start index of each output arg, the flat output dtypes, and statefulness."""
        if node.op in self.library:
            sig = self.library[node.op].signature
            by_arg = {a.name: i for i, a in enumerate(sig.output_arg)}
            return by_arg, [dtype_name(a.type) for a in sig.output_arg], sig.is_stateful
        op_def, defaults = self.op_def(node.op)
        if op_def is None:
            return {}, [], False

        def attr(name: str) -> Any:
            return node.attr[name] if name in node.attr else defaults.get(name)

        starts: dict[str, int] = {}
        dtypes: list[str] = []
        for arg in op_def.output_arg:
            starts[arg.name] = len(dtypes)
            if arg.type_list_attr:
                value = attr(arg.type_list_attr)
                dtypes += [dtype_name(t) for t in value.list.type] if value else []
                continue
            value = attr(arg.type_attr) if arg.type_attr else None
            one = dtype_name(value.type if value is not None else arg.type)
            count_attr = attr(arg.number_attr) if arg.number_attr else None
            dtypes += [one] * (count_attr.i if count_attr is not None else 1)
        return starts, dtypes, op_def.is_stateful

    # ---- nodes ---------------------------------------------------------------------------
    def add_op(self, node_id: str, node: Any, scope_key: str, body: str, depth: int) -> None:
        name, op = node.name, node.op  # each read of a proto field makes a new str: once
        info: OpInfo | None = self.traced.op_info.get(scope_key, _NONE).get(name)
        if info is not None:
            stateful = self.stateful(node)
            outputs = [{"dtype": d, "shape": s} for d, s in info.outputs]
        else:
            _, dtypes, stateful = self.output_layout(node)
            outputs = [{"dtype": d, "shape": None} for d in dtypes]
        self.outputs[node_id] = outputs
        auto: AutoDeps | None = self.traced.auto_deps.get(scope_key)
        attrs, attr_values = self.summarize(node.attr)
        kind, variable = "op", ""
        if op == "Const":
            kind = "const"
        elif op in ("Placeholder", "_Arg"):
            kind = "placeholder"
            variable = self.traced.variables.get(name, "") if not body else ""
            if variable:
                kind = "variable"  # a tf.Variable the function captured
            elif outputs and outputs[0]["dtype"] == "resource" and not body:
                kind, variable = "variable", name  # a tf.Variable passed as argument
        elif op in ("VarHandleOp", "VariableV2", "Variable"):
            kind = "variable"
            variable = attrs.get("shared_name") or name
        self.graph.add_node(
            node_id, name=name, op=op, kind=kind, body=body, depth=depth,
            scope=name.rpartition("/")[0], device=node.device, outputs=outputs,
            stateful=bool(stateful), attrs=attrs, attr_values=attr_values,
            variable=variable, owner=self.traced.owners.get(name, "") if variable else "",
            auto_created=auto is not None and name in auto.ops, control_output=False,
            source=list(info.source) if info is not None and info.source else
            self.traced.debug_sources.get(scope_key, _NONE).get(name, []),
            autograph_line=info.autograph_line if info is not None else None,
        )

    def add_boundary(self, node_id: str, name: str, kind: str, body: str, depth: int,
                     index: int, outputs: list[dict[str, Any]]) -> None:
        """An argument (`arg`) or result (`ret`) node of a body."""
        self.outputs[node_id] = outputs
        self.graph.add_node(
            node_id, name=self.clean(name), op="_Arg" if kind == "arg" else "_Retval",
            kind=kind, body=body, depth=depth, scope="", device="", outputs=outputs,
            stateful=False, attrs={"index": str(index)}, attr_values={}, variable="",
            auto_created=False, control_output=False, source=[], autograph_line=None,
            index=index, arg_name=self.clean(name), label=self.clean(name), feeds="",
            py_name="", owner="")

    def control_origin(self, scope_key: str, dst: str, src: str) -> tuple[str, str]:
        """(origin, where) of the control edge src -> dst: automatic, user, library, unknown."""
        if (dst, src) in self.traced.auto_deps.get(scope_key, AutoDeps()).edges:
            return "automatic", ""
        known = self.traced.control_origins.get(scope_key, {}).get((dst, src))
        if known is not None:
            return known
        if not self.traced.auto_deps_known or scope_key not in self.traced.control_origins:
            return "unknown", ""
        return "library", ""  # recorded graph, but not through any hook: TensorFlow internals

    def add_edges(self, prefix: str, node_id: str, node: Any, scope_key: str,
                  resolve: Any) -> None:
        data_index, inputs = 0, list(node.input)
        controls = sorted(raw for raw in inputs if raw.startswith("^"))
        for raw in [raw for raw in inputs if not raw.startswith("^")] + controls:
            if raw.startswith("^"):
                src = raw[1:]
                origin, where = self.control_origin(scope_key, node.name, src)
                self.edge(self.node_id(prefix, src), node_id, kind="control", origin=origin,
                          where=where)
                continue
            src_id, out = resolve(raw)
            self.add_data_edge(src_id, out, node_id, data_index)
            data_index += 1

    def add_data_edge(self, src_id: str, out: int, dst_id: str, dst_input: int) -> None:
        outputs = self.outputs.get(src_id, [])
        spec = outputs[out] if out < len(outputs) else {"dtype": "?", "shape": None}
        self.edge(src_id, dst_id, kind="data", src_output=out, dst_input=dst_input,
                  dtype=spec["dtype"], shape=spec["shape"])

    def edge(self, src_id: str, dst_id: str, **attrs: Any) -> None:
        """add_edge with the key networkx would pick (0, 1, ... per pair: no edge is ever
        removed while building), counted here instead of probed."""
        pair = (src_id, dst_id)
        key = self.keys.get(pair, 0)
        self.keys[pair] = key + 1
        self.graph.add_edge(src_id, dst_id, key, **attrs)

    @staticmethod
    def node_id(prefix: str, name: str) -> str:
        return f"{prefix}{SEP}{name}" if prefix else name

    # ---- graphs --------------------------------------------------------------------------
    def build_main(self) -> None:
        nodes = list(self.traced.graph_def.node)
        for node in nodes:
            self.add_op(node.name, node, MAIN, "", 0)

        def resolve(raw: str) -> tuple[str, int]:
            name, _, out = raw.partition(":")
            return name, int(out or 0)

        for node in nodes:
            self.add_edges("", node.name, node, MAIN, resolve)
        for out_name in self.traced.outputs:
            name = out_name.partition(":")[0]
            if name in self.graph:
                self.graph.nodes[name]["function_output"] = True
        for node in nodes:
            self.expand_calls(node.name, node, 1, MAIN)
        self.name_captures()

    def build_body(self, prefix: str, fname: str, caller: str, role: str, depth: int,
                   names: tuple[list[str], list[str]] = ([], [])) -> None:
        """A called function's nodes under `prefix`; `names` gives the Python names of its
        arguments and results (AutoGraph's loop and cond variables)."""
        fdef = self.library[fname]
        sig = fdef.signature
        args = {a.name: arg_id(prefix, i) for i, a in enumerate(sig.input_arg)}
        for i, arg in enumerate(sig.input_arg):
            shapes = fdef.arg_attr[i].attr["_output_shapes"].list.shape if i in fdef.arg_attr \
                else []
            output = {"dtype": dtype_name(arg.type), "shape": shape_dims(shapes[0]) if shapes
                      else None}
            self.add_boundary(args[arg.name], arg.name, "arg", prefix, depth, i, [output])
            if i < len(names[0]):
                self.graph.nodes[args[arg.name]]["py_name"] = names[0][i]
        for node in fdef.node_def:
            self.add_op(self.node_id(prefix, node.name), node, fname, prefix, depth)

        def resolve(raw: str) -> tuple[str, int]:
            if raw in args:
                return args[raw], 0
            name, _, rest = raw.partition(":")
            arg_name, _, index = rest.partition(":")
            node = by_name.get(name)
            starts = self.output_layout(node)[0] if node is not None else {}
            return self.node_id(prefix, name), starts.get(arg_name, 0) + int(index or 0)

        by_name = {n.name: n for n in fdef.node_def}
        for node in fdef.node_def:
            self.add_edges(prefix, self.node_id(prefix, node.name), node, fname, resolve)
        for i, out in enumerate(sig.output_arg):
            ret_id = result_id(prefix, i)
            self.add_boundary(ret_id, out.name, "ret", prefix, depth, i, [])
            if i < len(names[1]):
                self.graph.nodes[ret_id]["py_name"] = names[1][i]
            src_id, src_out = resolve(fdef.ret[out.name])
            self.add_data_edge(src_id, src_out, ret_id, 0)
        boundary = [arg_id(prefix, i) for i in range(len(sig.input_arg))]
        self.shorten_labels(boundary + [result_id(prefix, i) for i in range(len(sig.output_arg))],
                            caller)
        for name in sorted(fdef.control_ret.values()):
            node_id = self.node_id(prefix, name)
            if node_id in self.graph:
                self.graph.nodes[node_id]["control_output"] = True
        self.bodies.append({"id": prefix, "caller": caller, "role": role,
                            "function": stable_function_name(fname), "depth": depth,
                            "xla": self.compiled_with_xla(caller, fdef),
                            "args": len(sig.input_arg), "outputs": len(sig.output_arg),
                            "ops": len(fdef.node_def)})
        for node in fdef.node_def:
            self.expand_calls(self.node_id(prefix, node.name), node, depth + 1, fname)

    def expand_calls(self, caller_id: str, node: Any, depth: int, scope_key: str) -> None:
        """Add every body an op calls (cond/while/case/call), linked with its argument mapping;
        `scope_key` is the graph holding the op (MAIN or its function's name)."""
        called: list[tuple[str, str]] = []
        if node.op in self.library:
            called.append(("callee", node.op))
        for attr_name in sorted(node.attr):
            value = node.attr[attr_name]
            role = ROLE_NAMES.get(attr_name, attr_name)
            if value.WhichOneof("value") == "func" and value.func.name in self.library:
                called.append((role, value.func.name))
            elif value.WhichOneof("value") == "list":
                funcs = [f.name for f in value.list.func if f.name in self.library]
                called.extend((f"{role}{i}", f) for i, f in enumerate(funcs))
        if depth > MAX_DEPTH:  # not drawn: said in graph.graph["nesting_cut"]
            note_cut(self.graph, MAX_DEPTH, caller_id, [f for _, f in called])
            return
        body_ids = []
        names = self.traced.control_names.get(scope_key, {}).get(node.name, [])
        for role, fname in called:
            prefix = f"{caller_id}{SEP}{role}"
            self.build_body(prefix, fname, caller_id, role, depth,
                            py_names(node.op, role, names))
            self.link(caller_id, node, prefix, role, fname)
            body_ids.append(prefix)
        if body_ids:
            self.graph.nodes[caller_id]["calls"] = body_ids

    def link(self, caller_id: str, node: Any, prefix: str, role: str, fname: str) -> None:
        """Edges caller input -> body argument and body result -> caller output."""
        skip = 0 if node.op in self.library else SKIPPED_INPUTS.get(node.op)
        if skip is None:
            return
        data_inputs = [i for i in node.input if not i.startswith("^")]
        sig = self.library[fname].signature
        in_edges = {d["dst_input"]: (u, d) for u, _, d in
                    self.graph.in_edges(caller_id, data=True) if d["kind"] == "data"}
        for i, arg in enumerate(sig.input_arg):
            caller_input = i + skip
            if caller_input >= len(data_inputs):
                break
            target = arg_id(prefix, i)
            source = in_edges.get(caller_input)
            fed = ""
            if source is not None:
                src = self.graph.nodes[source[0]]
                fed = src.get("variable") or src.get("py_name") or src.get("label") \
                    or src["name"]
                if source[1]["src_output"]:
                    fed += f":{source[1]['src_output']}"
                if src.get("variable"):
                    self.graph.nodes[target]["variable"] = src["variable"]
                if role == "callee" and src.get("owner"):
                    self.graph.nodes[target]["owner"] = src["owner"]
            self.graph.nodes[target]["feeds"] = fed
            self.edge(caller_id, target, kind="call", role=role, caller_input=caller_input,
                      arg_index=i, arg_name=self.clean(arg.name), input_name=fed)
        if role in RETURNS_TO_CALLER:
            for i, out in enumerate(sig.output_arg):
                self.edge(result_id(prefix, i), caller_id, kind="return", role=role,
                          output_index=i, result_name=self.clean(out.name))

    def name_captures(self) -> None:
        """Arguments of while/cond bodies AutoGraph gave no name (what the body captured):
        the Python name of what feeds them, outer bodies first (a body's capture of an outer
        loop variable gets that variable's name)."""
        for body in self.bodies:
            caller = self.graph.nodes[body["caller"]]
            if caller["op"] not in WHILE_OPS + IF_OPS:
                continue
            inputs = {d["dst_input"]: u for u, _, d in
                      self.graph.in_edges(body["caller"], data=True) if d["kind"] == "data"}
            for i in range(body["args"]):
                node = self.graph.nodes[arg_id(body["id"], i)]
                if node["py_name"]:
                    continue
                skip = SKIPPED_INPUTS.get(caller["op"], 0)
                source = inputs.get(i + skip)
                if source is not None:
                    node["py_name"] = python_name(self.graph.nodes[source])
                ret = result_id(body["id"], i)
                if body["role"] == "body" and ret in self.graph and caller["op"] in WHILE_OPS:
                    self.graph.nodes[ret]["py_name"] = node["py_name"]  # passed through

    def shorten_labels(self, node_ids: list[str], caller: str) -> None:
        """Labels of a body's arguments and results without the prefix TensorFlow derives from
        the caller's name (`while_placeholder` -> `placeholder` in the body of `while`)."""
        head = self.graph.nodes[caller]["name"].replace("/", "_") + "_"
        for node_id in node_ids:
            node = self.graph.nodes[node_id]
            if node["label"].startswith(head) and len(node["label"]) > len(head):
                node["label"] = node["label"][len(head):]

    def compiled_with_xla(self, caller_id: str, fdef: Any) -> bool:
        """True for a function compiled with XLA (tf.function(jit_compile=True))."""
        flags = [self.graph.nodes[caller_id].get("attr_values", {}).get("_XlaMustCompile")]
        if "_XlaMustCompile" in fdef.attr:
            flags.append({"b": fdef.attr["_XlaMustCompile"].b})
        return any(isinstance(f, dict) and f.get("b") is True for f in flags)


def py_names(op: str, role: str, names: list[str]) -> tuple[list[str], list[str]]:
    """Python names of the arguments and results of a While's cond/body or an If's branches,
    from the names AutoGraph gave (per While input, per If output)."""
    if op in WHILE_OPS:
        names = names or ["loop counter", "maximum iterations"]
        return names, names if role == "body" else []
    if op in IF_OPS and role in ("then", "else"):
        return [], names
    return [], []


def python_name(node: dict[str, Any]) -> str:
    """The Python name of what a node holds, if known: a loop variable's, a captured
    tf.Variable's, or a function parameter's (the placeholders of the main graph)."""
    if node.get("py_name"):
        return str(node["py_name"])
    if node.get("variable"):
        return str(node["variable"])
    if node["kind"] == "placeholder" and not node["body"]:
        return str(node["name"])
    return ""


def to_networkx(traced: TracedGraph, name: str = "", kind: str = "tf.function") -> nx.MultiDiGraph:
    """The model of one traced graph: a MultiDiGraph with bodies nested under their callers.
    Nodes with identical attribute values share their `attr_values` entries: read-only."""
    builder = _Builder(traced, restored=kind == TargetKind.RESTORED.model_kind)
    with paused_gc():
        builder.build_main()
    graph = builder.graph
    used = {node for node, successors in graph.adjacency() if successors}
    for node, data in graph.nodes(data=True):  # left over from tracing: nothing needs it
        data["unused"] = (node not in used and data["kind"] != "ret"
                          and not data["stateful"] and not data["control_output"]
                          and not data.get("function_output"))
    _mark_iterators(graph)
    _mark_variable_uses(graph)
    graph.graph.update(name=name, kind=kind, signature=traced.signature,
                       bodies=builder.bodies, trace_output=traced.trace_output,
                       auto_deps_known=traced.auto_deps_known,
                       keras_names=dict(traced.keras_names),
                       source_lines={str(k): v for k, v in traced.source_lines.items()},
                       jit_compile=getattr(traced, "jit_compile", False))
    return graph


def _mark_variable_uses(graph: nx.MultiDiGraph) -> None:
    """Reads and writes of a named tf.Variable get `uses_variable`, its Python name."""
    for node, data in graph.nodes(data=True):
        if data["op"] not in VARIABLE_USERS:
            continue
        for u, _, d in graph.in_edges(node, data=True):
            if d["kind"] == "data" and d["dst_input"] == 0 and graph.nodes[u].get("variable"):
                data["uses_variable"] = graph.nodes[u]["variable"]
                data["uses_owner"] = graph.nodes[u].get("owner", "")


def _mark_iterators(graph: nx.MultiDiGraph) -> None:
    """A resource argument read only by iterator ops (Keras' `iterator`) is an iterator, not a
    tf.Variable: kind `placeholder` with `resource` "iterator"."""
    for node, data in graph.nodes(data=True):
        if data["kind"] != "variable" or data["body"] or data["op"] != "Placeholder" \
                or data["variable"] != data["name"]:
            continue
        readers = {graph.nodes[v]["op"] for _, v, d in graph.out_edges(node, data=True)
                   if d["kind"] == "data"}
        if readers and readers <= ITERATOR_OPS:
            data.update(kind="placeholder", variable="", resource="iterator")
