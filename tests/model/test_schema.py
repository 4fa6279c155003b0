"""Every node, edge and graph attribute the builder writes is described by model/schema.py."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, NotRequired, Union, get_args, get_origin

import pytest

from tfgraphviz.model import schema
from tfgraphviz.model.build import to_networkx

EXAMPLES = ("article_tf1_graph", "article_class_fix", "article_variable_argument",
            "loops_and_conds", "control_deps", "keras_model", "training_step", "gan_fit")


def _hints(typed_dict: type) -> dict[str, Any]:
    return typing.get_type_hints(typed_dict, vars(schema), include_extras=False)


def _type_problems(value: Any, hint: Any, where: str) -> list[str]:
    """What is wrong with `value` as a `hint` (a small checker for the types schema.py uses)."""
    origin = get_origin(hint)
    if hint is Any:
        return []
    if origin is NotRequired:
        return _type_problems(value, get_args(hint)[0], where)
    if origin is Literal:
        return [] if value in get_args(hint) else [f"{where}: {value!r} not in {get_args(hint)}"]
    if origin in (Union, types.UnionType):
        if any(not _type_problems(value, arm, where) for arm in get_args(hint)):
            return []
        return [f"{where}: {value!r} is none of {get_args(hint)}"]
    if hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    if typing.is_typeddict(hint):
        return _dict_problems(value, hint, where)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [p for i, item in enumerate(value)
                for p in _type_problems(item, get_args(hint)[0], f"{where}[{i}]")]
    if origin is tuple:  # tuple[X, ...]
        if not isinstance(value, tuple):
            return [f"{where}: {value!r} is not a tuple"]
        return [p for i, item in enumerate(value)
                for p in _type_problems(item, get_args(hint)[0], f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not a dict"]
        key_t, value_t = get_args(hint)
        return [p for k, v in value.items() for p in
                _type_problems(k, key_t, f"{where} key") + _type_problems(v, value_t,
                                                                         f"{where}[{k!r}]")]
    if hint is int:  # bool is an int in Python, not in the schema
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return [] if ok else [f"{where}: {value!r} is not {hint.__name__}"]


def _dict_problems(data: dict[str, Any], typed_dict: type, where: str) -> list[str]:
    hints = _hints(typed_dict)
    problems = [f"{where}: unknown key {k!r}" for k in data if k not in hints]
    problems += [f"{where}: missing key {k!r}" for k in typed_dict.__required_keys__
                 if k not in data]
    for key, value in data.items():
        if key in hints:
            problems += _type_problems(value, hints[key], f"{where}.{key}")
    return problems


def _model_problems(graph: Any) -> list[str]:
    problems = _dict_problems(graph.graph, schema.GraphData, "graph")
    for node, data in graph.nodes(data=True):
        typed = schema.BoundaryData if data.get("kind") in ("arg", "ret") else schema.NodeData
        problems += _dict_problems(data, typed, f"node {node!r}")
    for u, v, data in graph.edges(data=True):
        typed = schema.EDGE_TYPES.get(data.get("kind"))
        if typed is None:
            problems.append(f"edge {u!r}->{v!r}: unknown kind {data.get('kind')!r}")
            continue
        problems += _dict_problems(data, typed, f"edge {u!r}->{v!r}")
    return problems


def test_every_model_of_the_examples_follows_the_schema(traced_examples):
    checked = {"nodes": 0, "edges": 0, "bodies": 0}
    kinds: set[str] = set()
    for example in EXAMPLES:
        for name, fn in traced_examples[example].functions.items():
            for i, traced in enumerate(fn.graphs):
                graph = to_networkx(traced, name)
                problems = _model_problems(graph)
                assert not problems, (example, name, i, problems[:10])
                checked["nodes"] += graph.number_of_nodes()
                checked["edges"] += graph.number_of_edges()
                checked["bodies"] += len(graph.graph["bodies"])
                kinds |= {d["kind"] for _, d in graph.nodes(data=True)}
                kinds |= {d["kind"] for _, _, d in graph.edges(data=True)}
    assert min(checked.values()) > 0, checked
    assert kinds == set(get_args(schema.NodeKind)) | set(get_args(schema.EdgeKind))


@pytest.mark.parametrize("change, needle", [
    (lambda d: d.update(colour="red"), "unknown key 'colour'"),
    (lambda d: d.pop("scope"), "missing key 'scope'"),
    (lambda d: d.update(kind="tensor"), "'tensor' not in"),
    (lambda d: d.update(depth=True), "True is not int"),
    (lambda d: d.update(source=["f.py:12 in f"]), "'f.py:12 in f' is not Frame"),
    (lambda d: d["outputs"].append({"dtype": "float32", "shape": "[2,?]"}), "'[2,?]' is none of"),
])
def test_the_checker_finds_unknown_missing_and_wrong_values(traced_examples, change, needle):
    traced = traced_examples["control_deps"].functions["step"].graphs[0]
    graph = to_networkx(traced, "step")
    node = next(n for n, d in graph.nodes(data=True) if d["kind"] == "op")
    change(graph.nodes[node])
    assert any(needle in p for p in _model_problems(graph))
