"""The user's source as the explanation needs it: the traced def, its statements, op lines."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgraphviz._util.frame import Frame
from tfgraphviz._util.sourcetext import python_lines

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


@dataclass
class Source:
    """One user file: its lines and syntax tree (None when it cannot be parsed)."""

    path: Path
    lines: list[str] = field(default_factory=list)
    tree: ast.Module | None = None
    parents: dict[int, ast.AST] = field(default_factory=dict)  # id(node) -> parent

    @classmethod
    def read(cls, path: Path, text: str | None = None) -> Source:
        try:
            text = path.read_text(encoding="utf-8") if text is None else text
            tree: ast.Module | None = ast.parse(text)
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            text, tree = text or "", None
        source = cls(path, python_lines(text), tree)
        for parent in ast.walk(tree) if tree is not None else []:
            for child in ast.iter_child_nodes(parent):
                source.parents[id(child)] = parent
        return source

    def where(self, line: int) -> str:
        return f"{self.path.name}:{line}" if line > 0 else ""

    def code(self, line: int, limit: int = 60) -> str:
        """The stripped text of one line, cut to `limit` characters."""
        text = _without_comment(self.lines[line - 1]) if 0 < line <= len(self.lines) else ""
        return text if len(text) <= limit else text[:limit - 1] + "…"

    def header(self, stmt: ast.stmt) -> str:
        """A statement's first line without its trailing colon: `for v in values`."""
        return self.code(stmt.lineno).removesuffix(":").strip()

    def defs(self) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
        """Every def with its qualified name (`F.__call__`, `f`)."""
        found = []
        for node in ast.walk(self.tree) if self.tree is not None else []:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((node, self.qualname(node)))
        return sorted(found, key=lambda item: item[0].lineno)

    def qualname(self, node: ast.AST) -> str:
        names = [getattr(node, "name", "")]
        parent = self.parents.get(id(node))
        while parent is not None and not isinstance(parent, ast.Module):
            if isinstance(parent, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                names.append(parent.name)
            parent = self.parents.get(id(parent))
        return ".".join(reversed(names))

    def enclosing(self, node: ast.AST, kinds: tuple[type, ...]) -> Any:
        parent = self.parents.get(id(node))
        while parent is not None and not isinstance(parent, kinds):
            parent = self.parents.get(id(parent))
        return parent

    def statement_at(self, line: int) -> ast.stmt | None:
        """The innermost simple statement holding `line` (a call on a continuation line of
        a statement is reported at that line)."""
        best: ast.stmt | None = None
        for node in ast.walk(self.tree) if self.tree is not None else []:
            if (isinstance(node, ast.stmt) and not hasattr(node, "body")
                    and node.lineno <= line <= (node.end_lineno or node.lineno)
                    and (best is None or node.lineno > best.lineno)):
                best = node
        return best


def _without_comment(line: str) -> str:
    """A line stripped of its `# comment` (kept whole when it does not tokenize alone)."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.COMMENT:
                return line[:tok.start[1]].strip()
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return line.strip()


def frames(source_list: list[Frame]) -> list[tuple[int, str]]:
    """An op's frames as (line, function), outermost first."""
    return [(frame.line, frame.function) for frame in source_list]


def own_frames(data: dict[str, Any], func: str) -> list[int]:
    """Lines of `func` (a def's plain name) in an op's creation stack, outermost first."""
    return [line for line, name in frames(data.get("source") or []) if name == func]


def find_def(source: Source, name: str, seen_lines: set[int], def_line: int = 0
             ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The def a traced function runs: the one starting at `def_line` (its code object's
    first line, decorators included) when known, whatever its name (`g = tf.function(f)`);
    else by name, `f`, `F.__call__`, `obj.method`, `f@12`, chosen among defs of that name by
    the lines its ops and prints were seen at (the last one on a tie)."""
    if def_line:
        at_line = [node for node, _ in source.defs() if def_line in
                   (node.lineno, *[d.lineno for d in node.decorator_list])]
        if at_line:
            return at_line[0]
    base, _, at = name.partition("@")
    short = base.rpartition(".")[2]
    line_hint = int(re.match(r"\d*", at).group() or 0) if at else 0  # type: ignore[union-attr]
    candidates = [node for node, _ in source.defs() if node.name == short]
    if line_hint:
        hinted = [n for n in candidates if line_hint in
                  (n.lineno, *[d.lineno for d in n.decorator_list])]
        candidates = hinted or candidates
    if not candidates:
        return None

    def score(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
        end = node.end_lineno or node.lineno
        return sum(1 for line in seen_lines if node.lineno <= line <= end), node.lineno

    return max(candidates, key=score)


def statements(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """Statements of the def's own body, nested defs and classes left out, in source order."""
    found: list[ast.stmt] = []

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, _SCOPES):
                continue
            found.append(stmt)
            for attr in ("body", "orelse", "finalbody"):
                visit(getattr(stmt, attr, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body)
            for case in getattr(stmt, "cases", []) or []:
                visit(case.body)

    visit(func.body)
    return found


def span(body: list[ast.stmt]) -> tuple[int, int]:
    """First and last line of a list of statements ((0, -1) if empty)."""
    if not body:
        return 0, -1
    return body[0].lineno, max(s.end_lineno or s.lineno for s in body)


def loop_of(source: Source, stmt: ast.stmt) -> ast.stmt | None:
    """The innermost loop around a break/continue/return, within the same def."""
    parent = source.parents.get(id(stmt))
    while parent is not None and not isinstance(parent, _SCOPES):
        if isinstance(parent, _LOOPS):
            return parent
        parent = source.parents.get(id(parent))
    return None
