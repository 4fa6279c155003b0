"""Hostile files whose functions and lines are odd: line breaks Python does not count, functions
made by exec/compile/eval, TensorFlow's own functions, callable objects, static and class
methods, nesting deeper than drawn. Each through the real CLI in a fresh process."""

from __future__ import annotations

import json
from pathlib import Path

from ..conftest import run_cli

# characters str.splitlines() breaks at but Python's tokenizer does not count as line ends
NOT_NEWLINES = "\u2028\u2029\x85\x0c\x1c\x1d\x1e\x0b"


def _write(path: Path, text: str) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    return path


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _explained(out: Path, name: str) -> dict:
    return next(f for f in _manifest(out)["explain"]["functions"] if f["name"] == name)


LINES_FILE = ("import tensorflow as tf\n"
              f"# odd line breaks: a{'b'.join(NOT_NEWLINES)}c\n"
              'X = "\u2028\u2029\x85"  # in a string too\n'
              "Y = 1\rZ = 2\r\n"  # a lone CR ends a line for Python too
              "\n\n\n\n\n\n"
              "@tf.function\n"
              "def f(x):\n"
              "    for v in [1, 2]:\n"
              "        x = x + v\n"
              '    print("tracing", x)\n'
              "    return x\n"
              "\n\n"
              "f(tf.constant(1.0))\n")


def test_python_lines_number_as_python_does() -> None:
    from tfgraphviz._util.sourcetext import python_lines

    code = compile(LINES_FILE, "lines.py", "exec")
    f_code = next(c for c in code.co_consts if getattr(c, "co_name", "") == "f")
    lines = python_lines(LINES_FILE)
    assert lines[f_code.co_firstlineno - 1] == "@tf.function"  # decorators counted
    assert lines[14 - 1] == "    for v in [1, 2]:"
    assert len(lines) == max(line for *_, line in code.co_lines() if line)
    assert lines[-1] == "f(tf.constant(1.0))"
    assert python_lines("a\r\nb\rc\n") == ["a", "b", "c"]
    assert python_lines("") == []
    assert python_lines("a") == ["a"]


def test_odd_line_breaks_do_not_shift_quoted_lines(tmp_path: Path) -> None:
    """U+2028, U+2029, U+0085, form feed and friends: one line each for Python, so the
    explanation quotes line 14 as `for v in [1, 2]`, not the line 5 lines further up."""
    out = tmp_path / "out"
    result = run_cli("explain", str(_write(tmp_path / "lines.py", LINES_FILE)), "-o", str(out),
                     "-q", "--format", "json")
    assert result.code == 0, result.stderr
    texts = [f["text"] for f in _explained(out, "f")["findings"]]
    assert any(t.startswith("`for v in [1, 2]` does not loop on a tensor") for t in texts), texts
    assert any('`print("tracing", x)`' in t for t in texts), texts
    assert "lines.py:14: `for v in [1, 2]`" in result.stdout, result.stdout
    graph = json.loads((out / "f.json").read_text(encoding="utf-8"))["graph"]
    assert graph["source_lines"]["15"] == "x = x + v"  # the tooltips' line texts agree


DEEP_FILE = """\
import tensorflow as tf

DEPTH = 40


@tf.function
def conds(x):
    def nest(x, n):
        if n == 0:
            return x * 2.0
        return tf.cond(x > 0, lambda: nest(x, n - 1), lambda: x)
    return nest(x, DEPTH)


def innermost(x):
    return x * 2.0


fns = [tf.function(innermost)]
for _ in range(DEPTH):
    fns.append(tf.function(lambda x, inner=fns[-1]: inner(x) + 1.0))
calls = fns[-1]
calls(tf.constant(1.0))
conds(tf.constant(1.0))
"""


def test_nesting_cut_is_said(tmp_path: Path) -> None:
    """40 nested conds and 40 nested tf.functions: the bodies below level 32 are not drawn,
    and the drawing, the JSON and the explanation say so, at which depth and what to do."""
    out = tmp_path / "out"
    result = run_cli("explain", str(_write(tmp_path / "deep.py", DEEP_FILE)), "-o", str(out),
                     "-q", "--format", "dot,json", "--depth", "all", "-f", "conds", "-f", "calls")
    assert result.code == 0, result.stderr
    for name in ("conds", "calls"):
        graph = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))["graph"]
        assert graph["nesting_cut"]["depth"] == 32, graph.get("nesting_cut")
        assert len(graph["nesting_cut"]["ops"]) >= 1
        dot = (out / f"{name}.dot").read_text(encoding="utf-8")
        assert "nested deeper than 32 levels" in dot, dot[:2000]
        found = [f for f in _explained(out, name)["findings"] if f["kind"] == "nesting_cut"]
        assert len(found) == 1 and "32 levels" in found[0]["text"], found
    calls_text = next(f["text"] for f in _explained(out, "calls")["findings"]
                      if f["kind"] == "nesting_cut")
    assert "-f" in calls_text, calls_text  # how to see more: draw the inner one on its own
