"""`%load_ext tfgraphviz` and the `%%tfgraphviz` cell magic: run a cell under the recording
hooks and show every tf.function it defined or called, one drawing per trace."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from tfgraphviz.errors import InputError
from tfgraphviz.notebook.drawing import Drawing
from tfgraphviz.views import ViewOptions, parse_depth

USAGE = "%%tfgraphviz [-f NAME]... [--depth N|auto|all] [--expand PATTERN]... [--no-fold]"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # never SystemExit inside a kernel
        raise InputError(f"%%tfgraphviz: {message} (usage: {USAGE})")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%%tfgraphviz", add_help=False)
    parser.add_argument("-f", "--function", action="append", default=[], metavar="NAME",
                        help="draw only this tf.function (repeatable)")
    parser.add_argument("--depth", default="auto", type=parse_depth)
    parser.add_argument("--expand", action="append", default=[], metavar="PATTERN")
    parser.add_argument("--no-fold", dest="fold", action="store_false")
    return parser


def _named_functions(namespace: dict[str, Any]) -> dict[int, str]:
    """{id of a tf.function: the name the notebook knows it by}: names bound to tf.functions,
    and the fit()/evaluate()/predict() steps of Keras models (`model.train_function`)."""
    from tfgraphviz.capture.tfobjects import fit_function, is_keras_model, is_tf_function

    named: dict[int, str] = {}
    for name, obj in list(namespace.items()):
        if name.startswith("_"):
            continue
        if is_tf_function(obj):
            named.setdefault(id(obj), name)
        elif is_keras_model(obj):
            for attr in ("train_function", "test_function", "predict_function"):
                step = fit_function(obj, attr)
                if step is not None:
                    named.setdefault(id(step), f"{name}.{attr}")
    return named


def _code_file(function: Any) -> Path:
    """The file (a cell's) a tf.function's Python code was compiled from."""
    from tfgraphviz.capture.tfobjects import user_function

    code = getattr(user_function(function), "__code__", None)
    return Path(code.co_filename) if code is not None else Path("<cell>")


# id of a tf.function -> (the function, its drawings): what earlier %%tfgraphviz cells traced,
# shown again when a later cell calls the function without tracing it anew
_EARLIER: dict[int, tuple[Any, list[Drawing]]] = {}


def _called_names(cell: str) -> set[str]:
    """Names the cell calls (`step(...)`, `model.fit(...)` gives `model`), read from its code."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(cell))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            while isinstance(func, ast.Attribute):
                func = func.value
            if isinstance(func, ast.Name):
                names.add(func.id)
    return names


def _traced_drawings(rec: Any, named: dict[int, str], options: ViewOptions,
                     namespace: dict[str, Any]) -> dict[int, list[Drawing]]:
    """{id of a named tf.function: a drawing per trace the recording made of it}."""
    from tfgraphviz.capture.extract import extract_concrete
    from tfgraphviz.model.build import to_networkx

    records = [r for r in rec.traces if r.concrete is not None and r.parent is None
               and id(r.function) in named]  # not failed, recursion or a library's own
    found: dict[int, list[Drawing]] = {}
    for record in records:
        key, name = id(record.function), named[id(record.function)]
        graph = extract_concrete(record.concrete, rec, _code_file(record.function), namespace)
        count = sum(1 for r in records if r.function is record.function)
        label = name if count == 1 else f"{name}{graph.signature}"
        found.setdefault(key, []).append(Drawing(to_networkx(graph, name), label, options))
    return found


def drawings_of_cell(shell: Any, cell: str, options: ViewOptions,
                     only: list[str]) -> tuple[list[Drawing], list[str]]:
    """Run `cell` in `shell` under the recording hooks; the drawings of the named tf.functions
    it traced (or called, traced by an earlier %%tfgraphviz cell), and notes on the others."""
    from tfgraphviz.capture.hooks.recorder import recording

    before = {name: id(obj) for name, obj in shell.user_ns.items()}
    with recording() as rec:
        shell.run_cell(cell)
        named = _named_functions(shell.user_ns)
        made = _traced_drawings(rec, named, options, shell.user_ns)
    called = _called_names(cell)
    functions = {id(r.function): r.function for r in rec.traces}
    drawings: list[Drawing] = []
    notes: list[str] = []
    for key, name in sorted(named.items(), key=lambda kv: kv[1]):
        if only and name not in only:
            continue
        owner = name.partition(".")[0]
        if key in made:
            _EARLIER[key] = (functions[key], made[key])  # the function kept: ids stay unique
            drawings += made[key]
        elif owner in called and key in _EARLIER:
            notes.append(f"{name}: called without a new trace; its drawings from an earlier "
                         "%%tfgraphviz cell follow")
            drawings += [Drawing(d.model, d.name, options) for d in _EARLIER[key][1]]
        elif owner in called and "." not in name:
            notes.append(f"{name}: called without a new trace, traced before outside "
                         "%%tfgraphviz: run the cell that first calls it under %%tfgraphviz")
        elif before.get(name) != key and "." not in name:
            notes.append(f"{name}: defined but not traced in this cell; call it in the cell "
                         "to draw it")
    return drawings, notes


def tfgraphviz_magic(line: str, cell: str) -> None:
    """%%tfgraphviz [options]: run the cell, then show every tf.function it defined or called
    (one drawing per trace, automatic control dependencies told apart from yours)."""
    from IPython import get_ipython
    from IPython.display import display

    shell = get_ipython()
    try:
        args = _parser().parse_args(shlex.split(line))
    except (InputError, ValueError) as exc:
        print(exc)
        return
    options = ViewOptions(args.depth, tuple(sorted(set(args.expand))), args.fold, None)
    drawings, notes = drawings_of_cell(shell, cell, options, args.function)
    for note in notes:
        print(note)
    if not drawings and not notes:
        print("%%tfgraphviz: the cell traced no tf.function bound to a name")
    for drawing in drawings:
        display(drawing)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext tfgraphviz`: registers the %%tfgraphviz cell magic."""
    ipython.register_magic_function(tfgraphviz_magic, magic_kind="cell", magic_name="tfgraphviz")
