"""Findings read from one drawing's model: AutoGraph statements, prints, calls, tf.Graphs."""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Unpack

import networkx as nx

from tfgraphviz._util.sourcetext import python_lines
from tfgraphviz._util.tfops import CALL_OPS, IF_OR_CASE_OPS, WHILE_OPS
from tfgraphviz.explain.records import Extra, Finding
from tfgraphviz.explain.source import Source, frames, loop_of, own_frames, span, statements

MAX_SENTENCES = 8  # sentences of one sort per drawing before the rest is counted
MAX_OPS = 100  # op ids listed per finding (a summary of a 14k-op graph need not list all)


def finding(kind: str, text: str, src: Source, line: int = 0, graph: int | None = None,
            ops: list[str] | None = None, **extra: Unpack[Extra]) -> Finding:
    """One finding: a sentence, its place in the user's file, the drawing and ops it is about
    (at most MAX_OPS of them, `ops_total` saying how many there were)."""
    ids = sorted(set(ops or []))
    if len(ids) > MAX_OPS:
        extra["ops_total"] = len(ids)
    return {"kind": kind, "text": text, "where": src.where(line), "line": line,
            "graph": graph, "ops": ids[:MAX_OPS], **extra}


def user_line(data: dict[str, Any]) -> int:
    """The innermost line of the user's file that created an op (0 if none)."""
    found = frames(data.get("source") or [])
    return found[-1][0] if found else 0


def describe_op(data: dict[str, Any], src: Source) -> str:
    """`the PrintV2 at line 13 (`tf.print("x", x)`)` or `the NoOp NoOp` without a line."""
    line = user_line(data)
    if not line:
        return f"the {data['op']} `{data['name']}`"
    code = src.code(line, 40)
    return f"the {data['op']} at line {line}" + (f" (`{code}`)" if code else "")


def name_list(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# ---- AutoGraph -------------------------------------------------------------------------------
def _loop_variables(model: nx.MultiDiGraph, loop: str) -> list[str]:
    """Python names of a While's loop variables, from its body's arguments (`py_name`)."""
    bodies = [b for b in model.nodes[loop].get("calls", []) if b.endswith("::body")]
    names: list[str] = []
    for _, data in model.nodes(data=True):
        if data["kind"] == "arg" and bodies and data.get("body") == bodies[0]:
            name = data.get("py_name") or ""
            if name and name not in names and " " not in name:
                names.append(name)
    return names


def _converted(model: nx.MultiDiGraph, nodes: list[str], autograph: list[str]
               ) -> tuple[str, int]:
    """` (`ag__.while_stmt` at line 37 of the AutoGraph code)` for the first op that knows
    its line in the converted code (node attr `autograph_line`), and that line."""
    line = next((model.nodes[n].get("autograph_line") for n in nodes
                 if model.nodes[n].get("autograph_line")), None)
    if not isinstance(line, int) or not 0 < line <= len(autograph):
        return "", 0
    call = autograph[line - 1].strip().partition("(")[0]
    return f" (`{call}` at line {line} of the AutoGraph code)", line


def outer_frames(model: nx.MultiDiGraph, func: str) -> int:
    """How many frames of `func` every op of a drawing of a nested (recursive) trace has
    from the traces running around it: those of its outputs (made after its body returned),
    else the frames all its ops share."""
    stacks = [own_frames(d, func) for _, d in model.nodes(data=True)
              if d["kind"] not in ("arg", "ret") and not d.get("body")]
    outputs = [own_frames(d, func) for _, d in model.nodes(data=True)
               if d.get("function_output") and not d.get("body")]
    if outputs:
        return min(len(s) for s in outputs)
    common = 0
    while stacks and all(len(s) > common and s[common] == stacks[0][common] for s in stacks):
        common += 1
    return common


def called_defs(model: nx.MultiDiGraph, src: Source,
                func: ast.FunctionDef | ast.AsyncFunctionDef | None
                ) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The defs of the user's file, other than the traced one, that ran while tracing and
    made ops (a method the tf.function calls): by the (line, function) frames of its ops."""
    seen = {f for _, d in model.nodes(data=True) for f in frames(d.get("source") or [])}
    return [node for node, _ in src.defs() if node is not func and any(
        name == node.name and node.lineno <= line <= (node.end_lineno or node.lineno)
        for line, name in seen)]


def autograph_findings(model: nx.MultiDiGraph, index: int, src: Source,
                       func: ast.FunctionDef | ast.AsyncFunctionDef,
                       autograph: str | None = None, outer: int = 0, called_by: str = ""
                       ) -> list[Finding]:
    """Which statements of the def became graph control flow, and which ran in Python
    (`outer`: frames of `func` on every op's stack from traces around this one, dropped).
    For a def the traced function `called_by` calls, only what AutoGraph converted is said:
    its Python loops and ifs may have run once per call, which the ops do not tell."""
    scan = _Scan(model, index, src, python_lines(autograph or ""), called_by,
                 f" (in `{src.qualname(func)}`, called from `{called_by}`)" if called_by
                 else "")
    first, last = func.lineno, func.end_lineno or func.lineno
    for node, data in model.nodes(data=True):
        if data["kind"] in ("arg", "ret"):
            continue
        lines = [n for n in own_frames(data, func.name) if first <= n <= last][outer:]
        if lines:
            scan.own[node] = lines
            scan.at_line[lines[-1]].append(node)
    out: list[Finding] = []
    for stmt in statements(func):
        if isinstance(stmt, ast.For | ast.While):
            found = scan.loop(stmt)
        elif isinstance(stmt, ast.If):
            found = scan.branch(stmt)
        elif isinstance(stmt, ast.Assert):
            found = scan.assertion(stmt)
        elif isinstance(stmt, ast.Break | ast.Continue | ast.Return):
            found = scan.jump(stmt)
        else:
            found = None
        if found is not None:
            out.append(found)
    return out


@dataclass
class _Scan:
    """autograph_findings' state: the ops `func`'s own lines made, by op and by line."""

    model: nx.MultiDiGraph
    index: int
    src: Source
    converted: list[str]  # tf.autograph.to_code lines
    called_by: str
    where: str  # " (in `f`, called from `g`)" for a def the traced function calls
    own: dict[str, list[int]] = field(default_factory=dict)  # op -> its lines in func
    at_line: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    tensor_loops: dict[int, list[str]] = field(default_factory=dict)  # line -> While ops

    def made(self, line: int, kinds: tuple[str, ...]) -> list[str]:
        return [n for n in self.at_line.get(line, []) if self.model.nodes[n]["op"] in kinds]

    def inside(self, body: list[ast.stmt]) -> list[str]:
        lo, hi = span(body)
        return [n for n, lines in self.own.items() if lo <= lines[-1] <= hi]

    def said(self, stmt: ast.stmt) -> str:
        return f"`{self.src.header(stmt)}`{self.where}"

    def loop(self, stmt: ast.For | ast.While) -> Finding | None:
        ops, line, src, index = self.model.nodes, stmt.lineno, self.src, self.index
        said = self.said(stmt)
        loops = self.made(line, WHILE_OPS)
        others = [n for n in self.at_line.get(line, []) if ops[n].get("calls")
                  and ops[n]["op"] not in IF_OR_CASE_OPS + WHILE_OPS]
        if loops:
            self.tensor_loops[line] = loops
            names = _loop_variables(self.model, loops[0])
            carried = f", carrying {', '.join(names)}" if names else ""
            count = f"{len(loops)} While ops" if len(loops) > 1 else "a While op"
            at, ag_line = _converted(self.model, loops, self.converted)
            return finding(
                "autograph", f"{said} loops on a tensor: AutoGraph made it {count}{at} "
                f"with cond and body functions{carried}, looping at every call",
                src, line, index, loops, statement="for" if isinstance(stmt, ast.For)
                else "while", autograph_line=ag_line)
        if others:  # e.g. a for over a tf.data.Dataset: ReduceDataset with a body
            kinds = " and ".join(sorted({ops[n]["op"] for n in others}))
            return finding(
                "autograph", f"{said} loops over a dataset or iterator: AutoGraph made "
                f"it a {kinds} op whose body function runs for each element at every call",
                src, line, index, others, statement="for")
        body_ops = self.inside(stmt.body)
        if not body_ops or self.called_by:
            return None
        return self.unrolled(stmt, body_ops)

    def unrolled(self, stmt: ast.For | ast.While, body_ops: list[str]) -> Finding:
        ops, own = self.model.nodes, self.own
        computed = [n for n in body_ops if ops[n]["kind"] not in _NOT_COMPUTED] or body_ops
        sequence = [(own[n][-1], ops[n]["op"]) for n in computed]
        copies = _range_count(stmt) or _iterations(sequence)
        counts = Counter(sequence)
        copy_line, op = next((k for k in reversed(sequence) if counts[k] == copies),
                             counts.most_common(1)[0][0])
        shape = (f"its body was unrolled into {copies} copies of its ops ({copies} "
                 f"iterations: {counts[(copy_line, op)]} × {op} at line {copy_line})"
                 if copies > 1 else
                 "its body's ops appear once, with no loop in the graph")
        return finding(
            "unrolled", f"`{self.src.header(stmt)}` does not loop on a tensor, so it ran in "
            f"Python while tracing: {shape}", self.src, stmt.lineno, self.index, body_ops,
            copies=copies, iterations=copies)

    def branch(self, stmt: ast.If) -> Finding | None:
        line, src, index = stmt.lineno, self.src, self.index
        branches = self.made(line, IF_OR_CASE_OPS)
        if branches:
            at, ag_line = _converted(self.model, branches, self.converted)
            return finding(
                "autograph", f"{self.said(stmt)} tests a tensor: AutoGraph made it "
                f"{'an If op' if len(branches) == 1 else f'{len(branches)} If ops'}{at} "
                "whose then/else branches are both traced and chosen at every call",
                src, line, index, branches, statement="if", autograph_line=ag_line)
        if self.called_by:
            return None
        taken, other = self.inside(stmt.body), self.inside(stmt.orelse)
        if taken:
            what = (f"only the ops of its body (line {span(stmt.body)[0]}) are in the "
                    "graph")
        elif other:
            what = f"only the ops of its else branch (line {span(stmt.orelse)[0]}) are in " \
                   "the graph"
        else:
            what = "neither branch added ops to this graph"
        return finding(
            "folded_if", f"`{src.header(stmt)}` does not test a tensor, so Python decided it "
            f"while tracing and there is no If op: {what}", src, line, index, taken or other)

    def assertion(self, stmt: ast.Assert) -> Finding | None:
        asserts = self.made(stmt.lineno, ("Assert",))
        if self.called_by and not asserts:
            return None
        text = (f"{self.said(stmt)} became an Assert op, checked at every call" if asserts
                else f"`{self.src.header(stmt)}` made no Assert op: its condition is not a "
                "tensor, so Python checked it while tracing, never at calls")
        return finding("autograph" if asserts else "python_assert", text, self.src,
                       stmt.lineno, self.index, asserts, statement="assert")

    def jump(self, stmt: ast.Break | ast.Continue | ast.Return) -> Finding | None:
        loop = loop_of(self.src, stmt)
        if loop is None or loop.lineno not in self.tensor_loops:
            return None
        word = {ast.Break: "break", ast.Continue: "continue"}.get(type(stmt), "return")
        effect = {"break": "a loop variable that ends the While through its cond",
                  "continue": "a flag that skips the rest of the While's body",
                  "return": "loop variables (a flag and the value) that end the While, "
                            "the value returned after it"}[word]
        return finding(
            "autograph", f"{self.said(stmt)} inside the tensor loop at line {loop.lineno} "
            f"became {effect}", self.src, stmt.lineno, self.index,
            self.tensor_loops[loop.lineno], statement=word)


_NOT_COMPUTED = ("const", "placeholder", "variable")  # captures are made where first used


def _range_count(stmt: ast.For | ast.While) -> int:
    """The iterations of `for ... in range(3)` (literal bounds), 0 when not that plain."""
    it = getattr(stmt, "iter", None)
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
            and it.func.id == "range" and not it.keywords and 1 <= len(it.args) <= 3):
        return 0
    try:
        bounds = [ast.literal_eval(a) for a in it.args]
    except ValueError:
        return 0
    if not all(type(b) is int for b in bounds):
        return 0
    return len(range(*bounds))


def _iterations(sequence: list[tuple[int, str]]) -> int:
    """How many times a Python loop's body ran while tracing, from the (line, op type) of the
    ops it made, in the order they were made: the repeats of the shortest period when the
    sequence is periodic; else (the body took different branches at different iterations)
    the count the most (line, op type) pairs share, the larger one on a tie."""
    total = len(sequence)
    for period in range(1, total // 2 + 1):
        if total % period == 0 and all(sequence[i] == sequence[i + period]
                                       for i in range(total - period)):
            return total // period
    shared = Counter(Counter(sequence).values())
    return max(shared.items(), key=lambda kv: (kv[1], kv[0]))[0] if shared else 0


# ---- prints ----------------------------------------------------------------------------------
def print_op_findings(model: nx.MultiDiGraph, index: int, src: Source) -> list[Finding]:
    """tf.print calls: PrintV2 ops that print at every call of the graph."""
    by_line: dict[int, list[str]] = defaultdict(list)
    for node, data in model.nodes(data=True):
        if data["op"] == "PrintV2":
            by_line[user_line(data)].append(node)
    out = []
    for line, nodes in sorted(by_line.items()):
        code = src.code(line) if line else ""
        what = f"`{code}`" if code else "a tf.print"
        count = "a PrintV2 op" if len(nodes) == 1 else f"{len(nodes)} PrintV2 ops"
        out.append(finding("graph_print", f"{what} is {count} in the graph: it prints at every "
                           "call, not while tracing", src, line, index, nodes))
    return out


def call_findings(model: nx.MultiDiGraph, index: int, src: Source) -> list[Finding]:
    """Calls of other tf.functions: a (Stateful)PartitionedCall op with the callee's graph."""
    functions = {b["id"]: b.get("function", "") for b in model.graph.get("bodies", [])}
    by_line: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for node, data in model.nodes(data=True):
        callee = functions.get(f"{node}::callee")
        if callee and data["op"] in CALL_OPS:
            by_line[(user_line(data), data["op"], callee)].append(node)
    out = []
    for (line, op, callee), nodes in sorted(by_line.items())[:MAX_SENTENCES]:
        what = f"`{src.code(line)}`" if line else "this graph"
        out.append(finding(
            "call", f"{what} calls the tf.function `{callee}`: a {op} op runs `{callee}`'s "
            "own graph (drawn inside it) at every call", src, line, index, nodes))
    return out


def initializer_findings(model: nx.MultiDiGraph, index: int, src: Source
                         ) -> list[Finding]:
    """A TF1-style tf.Graph: nothing traced it; its variables wait for an initializer op."""
    nodes = model.nodes
    inits = sorted(n for n, d in model.nodes(data=True) if d["op"] == "NoOp" and any(
        nodes[u]["op"].startswith("Assign") for u, _, e in model.in_edges(n, data=True)
        if e["kind"] == "control"))
    variables = sorted({d["variable"] for _, d in model.nodes(data=True)
                        if d["kind"] == "variable" and d.get("variable")})
    text = (f"`{model.graph.get('name', '')}` is a tf.Graph built by hand (TensorFlow 1.x "
            "style): no tf.function traced it, so nothing was added for you (no automatic "
            "control dependencies, no variable initialisation)")
    out = [finding("tf1_graph", text, src, 0, index, [])]
    for init in inits:
        line = user_line(nodes[init]) or _initializer_line(src)
        made = (f"`{src.code(line)}` made the NoOp `{nodes[init]['name']}`" if line
                else f"the NoOp `{nodes[init]['name']}`")
        named = name_list([f"`{v}`" for v in variables]) or "the variables"
        out.append(finding(
            "tf1_graph", f"{made} that gives {named} initial values: a tf.compat.v1.Session "
            "must run it before anything reads them",
            src, line, index, [init]))
    return out


def _initializer_line(src: Source) -> int:
    """The line of a module-level `... = ...initializer()` call (TF1 graphs are built at
    module level, where ops record no line of their own)."""
    for stmt in ast.walk(src.tree) if src.tree is not None else []:
        if isinstance(stmt, ast.Assign | ast.Expr) and isinstance(stmt.value, ast.Call) \
                and ast.unparse(stmt.value.func).endswith("initializer"):
            return stmt.lineno
    return 0
