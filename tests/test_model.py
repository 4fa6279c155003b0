"""The networkx model is faithful to the GraphDef and its function library."""

from __future__ import annotations

import networkx as nx
import pytest

from tfgraphviz.export_json import to_json
from tfgraphviz.model import SEP, count_edges, to_networkx


def _all_graphs(traced_examples):
    for example, traced in traced_examples.items():
        for name, fn in traced.functions.items():
            for i, tg in enumerate(fn.graphs):
                yield f"{example}:{name}:{i}", tg


def _node_counts(graph_def):
    data = sum(1 for n in graph_def.node for i in n.input if not i.startswith("^"))
    control = sum(1 for n in graph_def.node for i in n.input if i.startswith("^"))
    return len(graph_def.node), data, control


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
    control = [(graph.nodes[u]["op"], graph.nodes[v]["op"], d["auto"])
               for u, v, d in graph.edges(data=True) if d["kind"] == "control"]
    user = [c for c in control if not c[2]]
    auto = [c for c in control if c[2]]
    assert user == [("PrintV2", "Identity", False)]
    assert ("AssignVariableOp", "AssignAddVariableOp", True) in auto
    assert ("PrintV2", "AssignVariableOp", False) not in control
    assert any(graph.nodes[n]["auto_created"] for n in graph)  # the NoOp ACD adds


def test_tf1_graph_has_no_automatic_edges(traced_examples):
    graph = to_networkx(traced_examples["article_tf1_graph"].functions["g"].graphs[0], "g")
    assert not any(d.get("auto") for _, _, d in graph.edges(data=True))
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
    assert any(s.startswith("control_deps.py:") and " in step" in s for s in sources)
    assert not any("/" in s for s in sources)  # no absolute paths


def test_no_numbered_function_names_leak(traced_examples):
    for label, tg in _all_graphs(traced_examples):
        text = to_json(to_networkx(tg, label))
        for fdef in tg.graph_def.library.function:
            assert fdef.signature.name not in text, (label, fdef.signature.name)
        assert "__inference" not in text and " at 0x" not in text


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
        edges = [(graph.nodes[u]["op"], graph.nodes[w]["op"], d["auto"])
                 for u, w, d in graph.edges(data=True)
                 if d["kind"] == "control" and graph.nodes[w]["body"] == body["id"]]
        assert [e for e in edges if not e[2]] == [("PrintV2", "Identity", False)], edges
        assert {("PrintV2", "NoOp", True), ("AssignAddVariableOp", "NoOp", True)} <= set(edges)
        calls = [d for _, w, d in graph.out_edges(caller, data=True)
                 if d["kind"] == "call" and d["role"] == body["role"]]
        assert all(d["caller_input"] == d["arg_index"] + 1 for d in calls)


def test_concrete_function_traced_earlier_has_unknown_auto_deps():
    import tensorflow as tf

    from tfgraphviz import to_dot
    from tfgraphviz import to_networkx as model_of

    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        v.assign_add(tf.reduce_sum(x))
        return v.read_value()

    concrete = f.get_concrete_function(tf.TensorSpec([], tf.float32))  # no hooks installed
    graph = model_of(concrete)
    assert graph.graph["auto_deps_known"] is False
    assert any(d["kind"] == "control" for _, _, d in graph.edges(data=True))
    assert "whether tf.function added it is not known" in to_dot(graph)
    fresh = model_of(f, tf.TensorSpec([2], tf.float32))  # a new signature: traced with hooks
    assert fresh.graph["auto_deps_known"] is True
