"""The package's shape: TensorFlow's internals only in capture/, modules and functions small."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tfgraphviz"
MAX_LINES = 450
MAX_FUNCTION = 80


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "examples" not in p.parts)


def test_tensorflow_internals_are_used_in_capture_only():
    """`tensorflow.python` (TensorFlow's private modules) is imported under capture/ alone,
    behind its compatibility check; the other stages use public APIs or ask capture."""
    found = []
    for path in _modules():
        if "capture" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(PACKAGE)}:{node.lineno} {n}" for n in names
                      if n.startswith("tensorflow.python")]
    assert found == []


def test_modules_and_functions_stay_small():
    big = [f"{p.relative_to(PACKAGE)}: {n} lines" for p in _modules()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert big == [] and long == []
