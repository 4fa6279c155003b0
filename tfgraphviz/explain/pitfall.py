"""The tf.Variable pitfall: a variable created on a non-first call, and the article's 3 fixes."""

from __future__ import annotations

import ast
from typing import Any

from tfgraphviz.explain.graph import finding
from tfgraphviz.explain.records import Finding, Trace
from tfgraphviz.explain.source import Source, statements

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


def pitfall_findings(name: str, traces: list[Trace], src: Source,
                     func: ast.FunctionDef | ast.AsyncFunctionDef | None
                     ) -> list[Finding]:
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
        call = _outer_call(stmt) if stmt is not None and _variable_call(stmt) is None else None
        if call is not None and stmt is not None:  # made inside library code it called
            out += _library_findings(name, trace, earlier, src, stmt, call, line)
            continue
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
            f"TensorFlow traced it again (trace {trace['index'] + 1}): {how}, so "
            + ("the variable is created once and the graph used at every call only uses it"
               if guard is not None else f"its tf.Variables are created once (by trace "
               f"{prev['index'] + 1}) and the graph used at every call only uses them"),
            src, guard.lineno if guard is not None else 0, trace["graph"], []))
    return out


def _outer_call(stmt: ast.stmt) -> ast.Call | None:
    """The call a statement makes (`optimizer.apply_gradients(...)`), if it is one."""
    value = getattr(stmt, "value", None)
    if isinstance(stmt, ast.With):
        value = stmt.items[0].context_expr
    return value if isinstance(value, ast.Call) else None


def _library_findings(name: str, trace: Trace, earlier: list[int], src: Source,
                      stmt: ast.stmt, call: ast.Call, line: int) -> list[Finding]:
    """tf.Variables created inside a call of library code on a non-first trace: which call,
    and fixes that fit (not the article's `tf.Variable(...)` ones)."""
    callee = ast.unparse(call.func)
    owner = call.func.value if isinstance(call.func, ast.Attribute) else None
    owner_text = ast.unparse(owner) if owner is not None else ""
    func = src.enclosing(stmt, _DEFS)
    fn = func.name if func is not None else name
    number = trace["index"] + 1
    cause = trace.get("cause") or {}
    why = (f" (`{cause['argument']}` is {cause['change']}, whose variables did not exist yet)"
           if cause.get("argument") and cause.get("argument") == owner_text
           and cause.get("what") == "object" else "")
    before = (f"trace {earlier[0]} already created variables, " if earlier else "")
    text = (f"`{callee}(...)` at line {line} created tf.Variables inside library code (there "
            f"is no `tf.Variable(...)` of yours on that line) on trace {number} of `{name}`"
            f"{why}: {before}and tf.function allows creating variables only on its first "
            "trace, so tracing failed")
    out = [finding("variable_pitfall", text, src, line, None, [], trace=trace["index"],
                   created_by=callee)]
    what = f"`{owner_text}`'s variables" if owner_text else "those variables"
    fixes = [f"create {what} before the first traced call, so traces only use them: e.g. "
             f"call `{fn}` with it once before tracing starts or build it eagerly"
             + (f" (a Keras optimizer: `{owner_text}.build(variables)`)"
                if "apply_gradients" in callee or "minimize" in callee else "")]
    if owner_text in _params(func):
        fixes.append(f"or make one tf.function per `{owner_text}` object (e.g. "
                     f"`tf.function({fn})` once for each), so each one's first trace may "
                     "create its variables")
    else:
        fixes.append(f"or create `{owner_text or callee}` once, outside `{fn}`, and keep "
                     "using that same object at every call")
    out += [finding("variable_fix", text, src, line, None, [], fix=i + 1)
            for i, text in enumerate(fixes)]
    return out


def _guard(func: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.If | None:
    """An `if` whose body creates a tf.Variable (`if self._b is None:`)."""
    for stmt in statements(func):
        if isinstance(stmt, ast.If) and any(_variable_call(s) for s in stmt.body):
            return stmt
    return None
