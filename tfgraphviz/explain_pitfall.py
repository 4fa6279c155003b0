"""The tf.Variable pitfall: a variable created on a non-first call, and the article's 3 fixes."""

from __future__ import annotations

import ast
from typing import Any

from tfgraphviz.explain_graph import finding
from tfgraphviz.explain_source import Source, statements

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _variable_call(node: ast.AST) -> ast.Call | None:
    """The first `tf.Variable(...)` / `Variable(...)` call inside a node."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "Variable":
                return sub
    return None


def _target(stmt: ast.stmt | None) -> ast.expr | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return stmt.targets[0]
    if isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        return stmt.target
    return None


def _params(func: Any) -> list[str]:
    if not isinstance(func, _DEFS):
        return []
    return [a.arg for a in func.args.posonlyargs + func.args.args if a.arg != "self"]


def _fixes(src: Source, stmt: ast.stmt | None, line: int) -> list[str]:
    """The article's three fixes, written with the names of the failing line."""
    call = _variable_call(stmt) if stmt is not None else None
    created = ast.unparse(call) if call is not None else "tf.Variable(...)"
    target = _target(stmt)
    func = src.enclosing(stmt, _DEFS) if stmt is not None else None
    fn = func.name if func is not None else "f"
    cls = src.parents.get(id(func)) if func is not None else None
    params = _params(func)
    if isinstance(cls, ast.ClassDef):
        attr = (ast.unparse(target) if isinstance(target, ast.Attribute)
                else f"self.{getattr(target, 'id', 'v')}")
        plain = attr.rpartition(".")[2].lstrip("_") or "v"
        return [
            f"fix 1, pass it in: create the variable once outside and make it a parameter, "
            f"`def {fn}(self, {', '.join([*params, plain])})`",
            f"fix 2, create it once: set `{attr} = None` in `{cls.name}.__init__` and write "
            f"`if {attr} is None: {attr} = {created}` in `{fn}`",
            f"fix 3, keep it in the object: create `{attr} = {created}` in "
            f"`{cls.name}.__init__` and only use `{attr}` in `{fn}`",
        ]
    var = ast.unparse(target) if isinstance(target, ast.Name) else "v"
    klass = fn[:1].upper() + fn[1:]
    return [
        f"fix 1, pass it in: create `{var} = {created}` once outside `{fn}` and make it a "
        f"parameter, `def {fn}({', '.join([*params, var])})`",
        f"fix 2, create it once outside: `{var} = None` at module level, then in `{fn}` "
        f"`global {var}` and `if {var} is None: {var} = {created}`",
        f"fix 3, keep it in an object: a `class {klass}` whose `__init__` sets `self.{var} = "
        f"None` and whose @tf.function `__call__` does `if self.{var} is None: self.{var} = "
        f"{created}`",
    ]


def pitfall_findings(name: str, traces: list[dict[str, Any]], src: Source,
                     func: ast.FunctionDef | ast.AsyncFunctionDef | None
                     ) -> list[dict[str, Any]]:
    """The variable error in plain words with its fixes, or how a guarded variable was made
    only once."""
    out = []
    for trace in traces:
        if trace["error_kind"] != "variable_creation":
            continue
        line = trace["error_line"] or 0
        stmt = src.statement_at(line) if line else None
        code = src.code(line) if line else "a tf.Variable"
        earlier = [t["index"] + 1 for t in traces[:trace["index"]] if t["created_variables"]]
        before = (f"trace {earlier[0]} created it, then trace {trace['index'] + 1} ran that "
                  "line again" if earlier else
                  f"trace {trace['index'] + 1} ran that line after an earlier trace")
        out.append(finding(
            "variable_pitfall", f"`{code}` creates a tf.Variable each time the Python body of "
            f"`{name}` runs, and tf.function runs it more than once: {before}, and tf.function "
            "refuses to create variables after the first call, so tracing failed", src, line,
            None, [], trace=trace["index"]))
        out += [finding("variable_fix", text, src, line, None, [], fix=i + 1)
                for i, text in enumerate(_fixes(src, stmt, line))]
    for prev, trace in zip(traces, traces[1:], strict=False):
        if not (prev["created_variables"] and trace["tf_retrace"] and not trace["error"]):
            continue
        guard = _guard(func) if func is not None else None
        how = (f"`{src.header(guard)}` at line {guard.lineno} kept "
               f"`{src.code(_variable_call(guard).lineno)}` from running again"  # type: ignore
               if guard is not None else f"trace {trace['index'] + 1} created none")
        out.append(finding(
            "variable_once", f"trace {prev['index'] + 1} of `{name}` created tf.Variables and "
            f"TensorFlow traced it again (trace {trace['index'] + 1}): {how}, so the variable "
            "is created once and the graph used at every call only uses it",
            src, guard.lineno if guard is not None else 0, trace["graph"], []))
    return out


def _guard(func: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.If | None:
    """An `if` whose body creates a tf.Variable (`if self._b is None:`)."""
    for stmt in statements(func):
        if isinstance(stmt, ast.If) and any(_variable_call(s) for s in stmt.body):
            return stmt
    return None
