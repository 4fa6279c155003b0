"""The networkx model is faithful to the GraphDef and its function library."""

from __future__ import annotations

import networkx as nx
import pytest

from tfgraphviz._util.frame import Frame
from tfgraphviz.export.nodelink import to_json
from tfgraphviz.model.build import SEP, to_networkx


def count_edges(graph: nx.MultiDiGraph, body: str, kind: str) -> int:
    """Edges of one kind whose target lies in the given body ("" = main graph)."""
    return sum(1 for _, v, d in graph.edges(data=True)
               if d["kind"] == kind and graph.nodes[v]["body"] == body)


def summarize(attr_map, rename):
    """Reference for Summarizer's texts: every attribute, sorted by name, as text."""
    from tfgraphviz.model.attrs import HIDDEN, attr_text

    return {k: attr_text(attr_map[k], rename) for k in sorted(attr_map) if k not in HIDDEN}


def attr_json(attr_map, rename):
    """Reference for Summarizer's JSON forms: every attribute's AttrValue as JSON."""
    from tfgraphviz.model.attrs import HIDDEN, value_json

    return {key: value_json(attr_map[key], rename) for key in sorted(attr_map)
            if key not in HIDDEN}


def _all_graphs(traced_examples):
    for example, traced in traced_examples.items():
        for name, fn in traced.functions.items():
            for i, tg in enumerate(fn.graphs):
                yield f"{example}:{name}:{i}", tg


def _node_counts(graph_def):
    data = sum(1 for n in graph_def.node for i in n.input if not i.startswith("^"))
    control = sum(1 for n in graph_def.node for i in n.input if i.startswith("^"))
    return len(graph_def.node), data, control


@pytest.mark.slow
def test_every_example_traces_something(traced_examples):
    assert len(list(_all_graphs(traced_examples))) >= 12


ROLES = {"then_branch": "then", "else_branch": "else", "cond": "cond", "body": "body",
         "branches": "branch", "f": "callee"}


def _expected_bodies(graph_def):
    """body id -> FunctionDef, found by walking the protos independently of the model."""
    library = {f.signature.name: f for f in graph_def.library.function}
    found = {}

    def walk(nodes, prefix, depth):
        for node in nodes:
            caller = f"{prefix}::{node.name}" if prefix else node.name
            calls = [("callee", node.op)] if node.op in library else []
            for key in sorted(node.attr):
                value = node.attr[key]
                role = ROLES.get(key, key)
                if value.WhichOneof("value") == "func" and value.func.name in library:
                    calls.append((role, value.func.name))
                elif value.WhichOneof("value") == "list":
                    names = [f.name for f in value.list.func if f.name in library]
                    calls += [(f"{role}{i}", n) for i, n in enumerate(names)]
            for role, name in calls:
                body_id = f"{caller}::{role}"
                found[body_id] = library[name]
                walk(library[name].node_def, body_id, depth + 1)

    walk(graph_def.node, "", 0)
    return found


@pytest.mark.slow
def test_fidelity_main_graph_and_every_library_function(traced_examples):
    checked_bodies = 0
    for label, tg in _all_graphs(traced_examples):
        graph = to_networkx(tg, label)
        nodes, data, control = _node_counts(tg.graph_def)
        main = [n for n, d in graph.nodes(data=True) if d["body"] == ""]
        assert len(main) == nodes, label
        assert count_edges(graph, "", "data") == data, label
        assert count_edges(graph, "", "control") == control, label
        expected = _expected_bodies(tg.graph_def)
        assert {b["id"] for b in graph.graph["bodies"]} == set(expected), label
        for body_id, fdef in expected.items():
            members = [d for _, d in graph.nodes(data=True) if d["body"] == body_id]
            ops = [d for d in members if d["kind"] not in ("arg", "ret")]
            assert len(ops) == len(fdef.node_def), (label, body_id)
            assert sum(d["kind"] == "arg" for d in members) == len(fdef.signature.input_arg)
            assert sum(d["kind"] == "ret" for d in members) == len(fdef.signature.output_arg)
            fd_data = sum(1 for n in fdef.node_def for i in n.input if not i.startswith("^"))
            fd_control = sum(1 for n in fdef.node_def for i in n.input if i.startswith("^"))
            assert count_edges(graph, body_id, "data") == fd_data + len(fdef.ret), label
            assert count_edges(graph, body_id, "control") == fd_control, label
            checked_bodies += 1
        # every library function is drawn at least once
        assert {f.signature.name for f in expected.values()} == {
            f.signature.name for f in tg.graph_def.library.function}, label
    assert checked_bodies >= 10


def test_user_and_automatic_control_dependencies_told_apart(traced_examples):
    step = traced_examples["control_deps"].functions["step"]
    graph = to_networkx(step.graphs[0], "step")
    control = [(graph.nodes[u]["op"], graph.nodes[v]["op"], d["origin"], d["where"])
               for u, v, d in graph.edges(data=True) if d["kind"] == "control"]
    user = [c for c in control if c[2] == "user"]
    auto = [c[:3] for c in control if c[2] == "automatic"]
    library = [c for c in control if c[2] == "library"]
    assert user == [("PrintV2", "Identity", "user", "control_deps.py:13")]
    assert library and all(c[3].endswith("called from control_deps.py:11") for c in library)
    assert {c[2] for c in control} == {"user", "library", "automatic"}
    assert ("AssignVariableOp", "AssignAddVariableOp", "automatic") in auto
    assert not any(c[:2] == ("PrintV2", "AssignVariableOp") for c in user)
    assert any(graph.nodes[n]["auto_created"] for n in graph)  # the NoOp ACD adds


def test_tf1_graph_has_no_automatic_edges(traced_examples):
    graph = to_networkx(traced_examples["article_tf1_graph"].functions["g"].graphs[0], "g")
    assert not any(d.get("origin") == "automatic" for _, _, d in graph.edges(data=True))
    assert {d["kind"] for _, d in graph.nodes(data=True)} >= {"variable", "const", "op"}


def test_nested_bodies_roles_and_argument_mapping(traced_examples):
    fn = traced_examples["loops_and_conds"].functions["sum_of_abs"]
    graph = to_networkx(fn.graphs[0], "sum_of_abs")
    bodies = {b["id"]: b for b in graph.graph["bodies"]}
    roles = {(b["role"], b["depth"]) for b in bodies.values()}
    assert {("cond", 1), ("body", 1), ("then", 2), ("else", 2)} <= roles
    if_body = next(b for b in bodies.values() if b["role"] == "then")
    caller = if_body["caller"]
    assert graph.nodes[caller]["op"] in ("If", "StatelessIf")
    assert graph.nodes[caller]["body"] == next(b["id"] for b in bodies.values()
                                               if b["role"] == "body")
    calls = [d for _, v, d in graph.out_edges(caller, data=True)
             if d["kind"] == "call" and d["role"] == "then"]
    assert calls and all(d["caller_input"] == d["arg_index"] + 1 for d in calls)
    returns = [d for u, _, d in graph.in_edges(caller, data=True) if d["kind"] == "return"]
    assert {d["role"] for d in returns} == {"then", "else"}


def test_partitioned_call_body(traced_examples):
    graph = to_networkx(traced_examples["loops_and_conds"].functions["normalize"].graphs[0], "n")
    (body,) = graph.graph["bodies"]
    assert body["role"] == "callee" and body["function"] == "norm"
    assert graph.nodes[body["caller"]]["op"] in ("PartitionedCall", "StatefulPartitionedCall")
    assert any(d["kind"] == "return" for _, _, d in graph.edges(data=True))


def test_retracing_gives_one_graph_per_signature(traced_examples):
    power = traced_examples["loops_and_conds"].functions["power"]
    assert power.trace_count == 2
    assert [g.signature for g in power.graphs] == ["(x: float32[], n: 3)", "(x: float32[], n: 5)"]
    mul = [sum(1 for n in g.graph_def.node if n.op == "Mul") for g in power.graphs]
    assert mul == [3, 5]  # the Python loop was unrolled n times


def test_captured_variables_carry_python_names(traced_examples):
    cases = {("control_deps", "step"): {"v"}, ("article_class_fix", "f.__call__"): {"f._b"},
             ("article_global_fix", "f"): {"b"},
             ("article_variable_argument", "count"): {"counter"}}
    for (example, name), expected in cases.items():
        graph = to_networkx(traced_examples[example].functions[name].graphs[0], name)
        found = {d["variable"] for _, d in graph.nodes(data=True) if d["kind"] == "variable"}
        assert found == expected, (example, name, found)


def test_variable_names_follow_into_bodies():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        for _ in tf.range(2):
            v.assign_add(x)
        return v.read_value()

    graph = model_of(f, tf.constant(1.0))
    (main_var,) = [d["variable"] for _, d in graph.nodes(data=True) if d["kind"] == "variable"]
    body_vars = {d["variable"] for _, d in graph.nodes(data=True) if d["kind"] == "arg"}
    assert main_var and main_var in body_vars


def test_trace_time_print_and_counts(traced_examples):
    fn = traced_examples["article_class_fix"].functions["f.__call__"]
    assert fn.trace_count == 2  # once creating the variable, once without
    assert all("PRINT:  Tensor(" in out for out in fn.trace_outputs)
    assert "TF-PRINT" not in "".join(fn.trace_outputs)  # tf.print is an op, not trace output
    ops = {n.op for n in fn.graphs[0].graph_def.node}
    assert "PrintV2" in ops


def test_tracing_error_reported_with_user_line(traced_examples):
    fn = traced_examples["article_variable_fails"].functions["f"]
    assert fn.errors and "ValueError" in fn.errors[0]
    assert "article_variable_fails.py:" in fn.errors[0] and "tf.Variable" in fn.errors[0]
    assert len(fn.errors[0].splitlines()) <= 2


def test_source_lines_point_into_user_file(traced_examples):
    graph = to_networkx(traced_examples["control_deps"].functions["step"].graphs[0], "step")
    sources = {s for _, d in graph.nodes(data=True) for s in d["source"]}
    assert all(isinstance(s, Frame) for s in sources)
    assert any(s.file == "control_deps.py" and s.function == "step" for s in sources)
    assert not any("/" in s.file for s in sources)  # no absolute paths


@pytest.mark.slow
def test_no_numbered_function_names_leak(traced_examples):
    for label, tg in _all_graphs(traced_examples):
        text = to_json(to_networkx(tg, label))
        for fdef in tg.graph_def.library.function:
            assert fdef.signature.name not in text, (label, fdef.signature.name)
        assert "__inference" not in text and " at 0x" not in text


@pytest.mark.slow
def test_model_is_json_serializable_and_ids_unique(traced_examples):
    for label, tg in _all_graphs(traced_examples):
        graph = to_networkx(tg, label)
        assert isinstance(graph, nx.MultiDiGraph)
        bodies = [n for n in graph if SEP in n]
        assert all(graph.nodes[n]["body"] for n in bodies)
        to_json(graph)


@pytest.mark.parametrize("example", ["loops_and_conds"])
def test_collatz_nested_if_in_while(traced_examples, example):
    graph = to_networkx(traced_examples[example].functions["collatz_steps"].graphs[0], "c")
    depth2 = [b for b in graph.graph["bodies"] if b["depth"] == 2]
    assert {b["role"] for b in depth2} == {"then", "else"}


def test_case_branches_and_control_deps_inside_bodies():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    v = tf.Variable(0.0)

    def branch(k):
        def run():
            value = tf.constant(float(k))
            marker = tf.print("branch", k)
            with tf.control_dependencies([marker]):  # the user's, inside a body
                out = tf.identity(value)
            v.assign_add(out)  # stateful: the body's result waits for it automatically
            return out
        return run

    @tf.function
    def f(i):
        return tf.switch_case(i, [branch(0), branch(1), branch(2)])

    graph = model_of(f, tf.TensorSpec([], tf.int32))
    roles = sorted(b["role"] for b in graph.graph["bodies"])
    assert roles == ["branch0", "branch1", "branch2"]
    (caller,) = {b["caller"] for b in graph.graph["bodies"]}
    assert graph.nodes[caller]["op"] in ("Case", "StatelessCase")
    for body in graph.graph["bodies"]:
        edges = [(graph.nodes[u]["op"], graph.nodes[w]["op"], d["origin"])
                 for u, w, d in graph.edges(data=True)
                 if d["kind"] == "control" and graph.nodes[w]["body"] == body["id"]]
        assert [e for e in edges if e[2] != "automatic"] == [("PrintV2", "Identity", "user")]
        assert {("PrintV2", "NoOp", "automatic"),
                ("AssignAddVariableOp", "NoOp", "automatic")} <= set(edges)
        calls = [d for _, w, d in graph.out_edges(caller, data=True)
                 if d["kind"] == "call" and d["role"] == body["role"]]
        assert all(d["caller_input"] == d["arg_index"] + 1 for d in calls)


def test_concrete_function_traced_earlier_has_unknown_auto_deps():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        v.assign_add(tf.reduce_sum(x))
        return v.read_value()

    concrete = f.get_concrete_function(tf.TensorSpec([], tf.float32))  # no hooks installed
    graph = model_of(concrete)
    assert graph.graph["auto_deps_known"] is False
    origins = {d["origin"] for _, _, d in graph.edges(data=True) if d["kind"] == "control"}
    assert origins == {"unknown"}
    fresh = model_of(f, tf.TensorSpec([2], tf.float32))  # a new signature: traced with hooks
    assert fresh.graph["auto_deps_known"] is True


def _control_edges(graph):
    return [(graph.nodes[u]["op"], graph.nodes[v]["op"], d["origin"], d["where"])
            for u, v, d in graph.edges(data=True) if d["kind"] == "control"]


def test_control_edges_from_library_code_are_not_the_users():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    @tf.function
    def f(x):
        tf.debugging.assert_positive(x)  # TensorFlow's own control_dependencies inside
        with tf.control_dependencies([tf.print("mine")]):
            y = tf.identity(x)
        if tf.reduce_sum(x) > 0:  # AutoGraph: the user's edge inside a cond branch
            with tf.control_dependencies([tf.print("in branch")]):
                y = tf.identity(y) * 2
        return y

    graph = model_of(f, tf.TensorSpec([2], tf.float32))
    edges = _control_edges(graph)
    origins = {e[2] for e in edges}
    assert {"automatic", "user", "library"} <= origins, edges
    user = [e for e in edges if e[2] == "user"]
    assert user and all(e[0] == "PrintV2" for e in user)
    assert {e[1] for e in user} >= {"Identity"}
    assert all(e[3].startswith("test_model.py:") for e in user), user
    assert len({e[3] for e in user}) == 2  # two different lines of this file
    library = [e for e in edges if e[2] == "library"]
    assert library and all(e[3].startswith("tensorflow/") for e in library), library
    assert not any("site-packages" in e[3] or e[3].startswith("/") for e in edges)


def test_training_step_has_no_user_control_edge(traced_examples):
    fn = traced_examples["training_step"].functions["train_step"]
    graph = to_networkx(fn.graphs[0], "train_step")
    origins = {e[2] for e in _control_edges(graph)}
    assert "user" not in origins and "unknown" not in origins
    assert "automatic" in origins


def test_body_boundary_ids_never_collide_with_op_names():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    @tf.function
    def inner(x):
        a = tf.identity(x, name="arg0")
        b = tf.identity(a * 2, name="ret0")
        return tf.identity(b, name="arg:0".replace(":", "_"))

    @tf.function
    def outer(x):
        return inner(x) + 1

    graph = model_of(outer, tf.TensorSpec([], tf.float32))
    (body,) = graph.graph["bodies"]
    members = {n: d for n, d in graph.nodes(data=True) if d["body"] == body["id"]}
    ops = [d["name"] for d in members.values() if d["kind"] not in ("arg", "ret")]
    assert {"arg0", "ret0"} <= set(ops)
    assert sum(d["kind"] == "arg" for d in members.values()) == 1
    assert sum(d["kind"] == "ret" for d in members.values()) == 1
    assert nx.is_directed_acyclic_graph(nx.DiGraph(
        (u, v) for u, v, d in graph.edges(data=True) if d["kind"] in ("data", "control")))


def test_body_arguments_named_and_mapped_to_caller_inputs(traced_examples):
    graph = to_networkx(traced_examples["loops_and_conds"].functions["normalize"].graphs[0], "n")
    (body,) = graph.graph["bodies"]
    args = sorted((d["index"], d["arg_name"], d["feeds"]) for _, d in graph.nodes(data=True)
                  if d["kind"] == "arg" and d["body"] == body["id"])
    assert [a[0] for a in args] == list(range(len(args)))
    assert args[0][1] == "x" and args[0][2] == "x"  # the caller passes its input x
    calls = [d for _, _, d in graph.out_edges(body["caller"], data=True) if d["kind"] == "call"]
    assert {(d["arg_name"], d["input_name"]) for d in calls} >= {("x", "x")}
    rets = [d for _, d in graph.nodes(data=True) if d["kind"] == "ret" and d["arg_name"]]
    assert rets
    assert all(d.get("result_name") for _, _, d in graph.edges(data=True)
               if d["kind"] == "return")


def test_xla_compiled_callee_is_marked():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    @tf.function(jit_compile=True)
    def fast(x):
        return tf.sin(x) * 2

    @tf.function
    def plain(x):
        return tf.cos(x)

    @tf.function
    def caller(x):
        return fast(x) + plain(x)

    graph = model_of(caller, tf.TensorSpec([3], tf.float32))
    xla = {b["function"]: b["xla"] for b in graph.graph["bodies"]}
    assert xla == {"fast": True, "plain": False}


def test_attribute_protos_kept_as_json():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: x + 1.0, lambda: x - 1.0)

    graph = model_of(f, tf.TensorSpec([], tf.float32))
    add = next(d for _, d in graph.nodes(data=True) if d["op"] == "AddV2")
    assert add["attr_values"]["T"] == {"type": "DT_FLOAT"}
    caller = next(d for _, d in graph.nodes(data=True) if d["op"] in ("If", "StatelessIf"))
    then = caller["attr_values"]["then_branch"]["func"]["name"]
    assert then == "cond_true"  # numbered library names made stable here too
    assert "_output_shapes" not in add["attr_values"]


def test_signature_text_for_unknown_rank_and_python_objects():
    import tensorflow as tf

    from tfgraphviz.capture.specs import describe_spec, signature_of

    class Config:
        k = 2

    @tf.function
    def f(x, cfg, n):
        return x * cfg.k * n

    concrete = f.get_concrete_function(tf.TensorSpec(None, tf.float32), Config(), 3)
    assert signature_of(concrete) == "(x: float32[*], cfg: Python object, n: 3)"
    assert describe_spec(tf.TensorSpec([None, 2], tf.int32)) == "int32[?,2]"


def test_variable_names_survive_hostile_and_huge_globals():
    import tensorflow as tf

    from tfgraphviz.capture.extract import _variable_names

    class Proxy:  # like werkzeug's LocalProxy outside a request: every probe raises
        def __getattribute__(self, name):
            raise RuntimeError("working outside of request context")

    class Holder:
        pass

    holder = Holder()
    holder.weights = tf.Variable(1.0)
    namespace = {"proxy": Proxy(), "table": [[0.5] * 1600 for _ in range(1600)],
                 "grid": [[float(i)] * 99 for i in range(99)], "holder": holder}
    names = _variable_names(namespace, {id(holder.weights)})
    assert names[id(holder.weights)] == "holder.weights"


def test_tracing_error_keeps_the_whole_message():
    from pathlib import Path

    from tfgraphviz.capture.specs import describe_error

    message = "tf.function only supports singleton tf.Variables " + "x" * 400 + " the end."
    text = describe_error(ValueError(message), Path("model.py"))
    assert text.startswith("ValueError: tf.function only") and text.endswith("the end.")


def test_error_location_is_kept_as_a_line_not_read_back_from_text():
    from pathlib import Path

    from tfgraphviz.capture.specs import describe_error, error_line, located_error

    user = Path("odd:7: name.py")  # a file name the `at file:LINE` text would misread
    exc = ValueError('in user code:\n  File "/x/odd:7: name.py", line 12, in f\n'
                     '    y = g(x)\nValueError: bad')
    text, line = located_error(exc, user)
    assert line == 12 and text == describe_error(exc, user)
    assert text.endswith("odd:7: name.py:12: y = g(x)") and error_line(text) == 7


def test_keras_variables_named_by_their_public_python_path():
    import keras

    from tfgraphviz.capture.extract import _variable_names

    train_acc = keras.metrics.SparseCategoricalAccuracy()
    val_acc = keras.metrics.SparseCategoricalAccuracy()
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    wanted = {id(v.value) for v in [*train_acc.variables, *val_acc.variables, layer.kernel]}
    names = _variable_names({"train_acc": train_acc, "val_acc": val_acc, "layer": layer},
                            wanted)
    assert names[id(train_acc.variables[0].value)].startswith("train_acc.")
    assert names[id(val_acc.variables[0].value)].startswith("val_acc.")
    assert names[id(layer.kernel.value)].endswith("/kernel")  # hidden attribute: Keras path


def test_body_argument_labels_drop_the_callers_prefix(traced_examples):
    fn = traced_examples["loops_and_conds"].functions["collatz_steps"]
    graph = to_networkx(fn.graphs[0], "collatz_steps")
    args = [d for _, d in graph.nodes(data=True) if d["kind"] == "arg" and d["body"]]
    assert any(d["arg_name"].startswith("while_while_") for d in args)  # TensorFlow's name
    assert not any(d["label"].startswith("while_while_") for d in args)  # what is drawn
    assert all(d["arg_name"].endswith(d["label"]) for d in args)


def test_ops_nothing_uses_are_marked_unused():
    import tensorflow as tf

    from tfgraphviz import to_dot
    from tfgraphviz import to_networkx as model_of

    @tf.function
    def f(x):
        tf.constant([32], name="leftover")  # created while tracing, never used
        return x * 2

    graph = model_of(f, tf.TensorSpec([], tf.float32))
    unused = {d["name"] for _, d in graph.nodes(data=True) if d["unused"]}
    assert unused == {"leftover"}
    assert "nothing uses its output" in to_dot(graph)


def test_stacks_walked_once_per_distinct_stack_give_the_full_walks_frames():
    from pathlib import Path

    import keras
    import tensorflow as tf

    from tfgraphviz.capture.extract import _op_table, _user_frames
    from tfgraphviz.capture.hooks.recorder import recording

    layer = keras.layers.Dense(3)

    def helper(x):
        return tf.math.sin(x) * 2.0

    @tf.function
    def f(x):
        for _ in range(3):  # the same lines, three times: one walk
            x = helper(x)
        if tf.reduce_sum(x) > 0:  # AutoGraph: frames of converted code map back to this file
            x = x + 1.0
        return layer(x)

    with recording():
        concrete = f.get_concrete_function(tf.TensorSpec([2, 3]))
    here = Path(__file__)
    table = _op_table(concrete.graph, here)
    resolved = str(here.resolve())
    for op in concrete.graph.get_operations():
        assert table[op.name].source == _user_frames(op, here, resolved), op.name
    sines = [info.source for name, info in table.items() if name.startswith("Sin")]
    assert len(sines) == 3 and sines[0] == sines[1] == sines[2]
    assert {s.function for s in sines[0]} >= {"helper", "f"}
    assert any(any(s.function == "f" for s in info.source) for name, info in table.items()
               if "dense" in name)


@pytest.mark.slow
def test_each_distinct_attribute_summarized_once_gives_the_same_texts_and_protos(
        traced_examples):
    import numpy as np
    import tensorflow as tf

    from tfgraphviz.model.attrs import MAX_TENSOR_BYTES, Summarizer
    from tfgraphviz.model.build import _Builder

    checked = 0
    for _, tg in _all_graphs(traced_examples):
        builder = _Builder(tg)
        summarizer = Summarizer(builder.clean)
        nodes = list(tg.graph_def.node) + [n for f in tg.graph_def.library.function
                                           for n in f.node_def]
        for node in nodes:
            texts, values = summarizer(node.attr)
            assert texts == summarize(node.attr, builder.clean)
            assert values == attr_json(node.attr, builder.clean)
            checked += 1
    assert checked > 500

    big = tf.function(lambda: tf.constant(np.arange(MAX_TENSOR_BYTES, dtype=np.float32)) + 1.0)
    node = next(n for n in big.get_concrete_function().graph.as_graph_def().node
                if n.op == "Const" and n.attr["value"].tensor.ByteSize() > MAX_TENSOR_BYTES)
    summarizer = Summarizer(str)
    assert summarizer(node.attr) == (summarize(node.attr, str), attr_json(node.attr, str))
    assert "tensor_content" not in str(summarizer(node.attr)[1])
    assert summarizer.cache and all(len(key) < 100 for key in summarizer.cache)  # dtype only


def test_parallel_edges_get_the_keys_networkx_would_give():
    import tensorflow as tf

    from tfgraphviz import to_networkx as model_of

    graph = model_of(tf.function(lambda x: x * x + x), tf.TensorSpec([2]))
    mul = next(n for n, d in graph.nodes(data=True) if d["op"] == "Mul")
    assert sorted(graph[next(iter(graph.predecessors(mul)))][mul]) == [0, 1]
    again = nx.MultiDiGraph()
    for u, v, d in graph.edges(data=True):
        again.add_edge(u, v, **d)
    assert list(again.edges(keys=True)) == list(graph.edges(keys=True))


# ---- AutoGraph lines and loop variable names ------------------------------------------------

def _traced_model(traced_examples, example, function, index=0):
    fn = traced_examples[example].functions[function]
    return fn, to_networkx(fn.graphs[index], function)


def _autograph_line(fn, graph, node):
    line = graph.nodes[node]["autograph_line"]
    assert isinstance(line, int), (node, line)
    return fn.autograph.splitlines()[line - 1]


def test_ops_carry_their_line_of_the_autograph_code(traced_examples):
    fn, graph = _traced_model(traced_examples, "loops_and_conds", "collatz_steps")
    assert "ag__.while_stmt(" in _autograph_line(fn, graph, "while")
    body = f"while{SEP}body{SEP}"
    assert "ag__.if_stmt(" in _autograph_line(fn, graph, body + "while/cond")
    assert "ag__.ld(n) // 2" in _autograph_line(
        fn, graph, f"{body}while/cond{SEP}then{SEP}while/cond/floordiv")
    assert "3 * ag__.ld(n) + 1" in _autograph_line(
        fn, graph, f"{body}while/cond{SEP}else{SEP}while/cond/mul")
    assert "steps += 1" in _autograph_line(fn, graph, body + "while/add")
    assert graph.nodes[body + "arg:2"]["autograph_line"] is None  # not an op
    # a Python for over range(n): every unrolled copy comes from the same converted line
    fn, graph = _traced_model(traced_examples, "loops_and_conds", "power")
    lines = {graph.nodes[n]["autograph_line"] for n in ("mul", "mul_1", "mul_2")}
    assert len(lines) == 1 and "ag__.ld(result) * ag__.ld(x)" in _autograph_line(fn, graph,
                                                                                  "mul")


def test_a_nested_tf_function_uses_the_line_of_the_drawn_functions_code(traced_examples):
    fn, graph = _traced_model(traced_examples, "loops_and_conds", "normalize")
    assert "norm" in _autograph_line(fn, graph, "PartitionedCall")
    inner = _autograph_line(fn, graph, f"PartitionedCall{SEP}callee{SEP}Sqrt")
    assert "norm" in inner and "sqrt" not in inner  # normalize's line calling norm
    fn, graph = _traced_model(traced_examples, "loops_and_conds", "norm")
    assert "sqrt" in _autograph_line(fn, graph, "Sqrt")  # norm's own code


def test_while_and_cond_variables_carry_autographs_python_names(traced_examples):
    _, graph = _traced_model(traced_examples, "loops_and_conds", "collatz_steps")
    names = ["loop counter", "maximum iterations", "steps", "n"]
    for role in ("cond", "body"):
        assert [graph.nodes[f"while{SEP}{role}{SEP}arg:{i}"]["py_name"]
                for i in range(4)] == names
    assert [graph.nodes[f"while{SEP}body{SEP}ret:{i}"]["py_name"] for i in range(4)] == names
    branch = f"while{SEP}body{SEP}while/cond{SEP}"
    for role in ("then", "else"):
        assert graph.nodes[f"{branch}{role}{SEP}ret:0"]["py_name"] == "n"
        assert graph.nodes[f"{branch}{role}{SEP}arg:0"]["py_name"] == "n"  # captured n


def test_range_for_index_structures_and_captures_are_named(tmp_path_factory):
    from tfgraphviz.pipeline.render import _trace_file, plan

    from ..conftest import DATA

    entries, _ = _trace_file(plan(DATA / "capture_loops.py", tmp_path_factory.mktemp("o")),
                             [], lambda _m: None)
    graph = to_networkx(entries[0].graphs[0], "running")
    args = [d["py_name"] for _, d in sorted(
        (d["index"], d) for n, d in graph.nodes(data=True)
        if d["body"] == f"while{SEP}body" and d["kind"] == "arg")]
    assert args[:6] == ["loop counter", "maximum iterations", "i", "pair[0]", "pair[1]",
                        "total"]
    assert "xs" in args[6:]  # the parameter the loop body reads
    assert graph.nodes[f"while{SEP}body{SEP}ret:5"]["py_name"] == "total"
    assert "ag__.for_stmt(" in entries[0].autograph.splitlines()[
        graph.nodes["while"]["autograph_line"] - 1]
    by_name = {t.name: t for t in entries}
    # an if whose variables are first set in its branches: named from what they return
    choose = to_networkx(by_name["choose"].graphs[0], "choose")
    for role in ("then", "else"):
        assert [choose.nodes[f"cond{SEP}{role}{SEP}ret:{i}"]["py_name"] for i in range(3)] \
            == ["both[0]", "both[1]", "sign"]
        assert choose.nodes[f"cond{SEP}{role}{SEP}arg:0"]["py_name"] == "x"  # captured
    slope = to_networkx(by_name["slope"].graphs[0], "slope")
    assert slope.nodes[f"cond{SEP}then{SEP}ret:0"]["py_name"] == "y"


def test_public_to_networkx_names_loop_variables_and_autograph_lines():
    import tensorflow as tf

    import tfgraphviz

    @tf.function
    def countdown(n):
        total = tf.constant(0)
        while n > 0:
            total += n
            n -= 1
        return total

    graph = tfgraphviz.to_networkx(countdown, tf.constant(3))
    assert [graph.nodes[f"while{SEP}body{SEP}arg:{i}"]["py_name"] for i in range(4)] == \
        ["loop counter", "maximum iterations", "total", "n"]
    code = tf.autograph.to_code(countdown.python_function).splitlines()
    assert "ag__.while_stmt(" in code[graph.nodes["while"]["autograph_line"] - 1]
