"""Hostile files whose functions and lines are odd: line breaks Python does not count, functions
made by exec/compile/eval, TensorFlow's own functions, callable objects, static and class
methods, nesting deeper than drawn. Each through the real CLI in a fresh process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


ODD_FILE = """\
import tensorflow as tf

ns = {"tf": tf}
exec("def made(x):\\n    return x * 2\\n", ns)
made = tf.function(ns["made"])
lam = tf.function(eval("lambda x: x + 1"))
code = compile("def g(x):\\n    return x * 5\\n", __file__, "exec")
exec(code, ns)
g = tf.function(ns["g"])
add = tf.function(tf.math.add)


class Obj:
    def __call__(self, x):
        return x - 1


obj_fn = tf.function(Obj())


class Cls:
    @staticmethod
    @tf.function
    def smeth(x):
        return x * 3

    @classmethod
    @tf.function
    def cmeth(cls, x):
        return x * 4


made(tf.constant(1.0))
lam(tf.constant(1.0))
g(tf.constant(1.0))
obj_fn(tf.constant(1.0))
Cls.smeth(tf.constant(1.0))
Cls.cmeth(tf.constant(1.0))
add(tf.constant(1.0), tf.constant(2.0))
"""


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], object]:
    """The odd file's --list ({name: description}) and its explain run."""
    folder = tmp_path_factory.mktemp("odd")
    path = _write(folder / "odd.py", ODD_FILE)
    listed = run_cli("render", str(path), "--list")
    assert listed.code == 0, listed.stderr
    names = dict(line.split(": ", 1) for line in listed.stdout.splitlines() if ": " in line)
    result = run_cli("explain", str(path), "-o", str(folder / "out"), "-q", "--format", "json")
    return folder / "out", names, result


def test_odd_functions_are_listed_by_their_names(odd: tuple[Path, dict[str, str], object]
                                                 ) -> None:
    _, names, _ = odd
    assert not [n for n in names if "@" in n], names  # each is held by its name
    for name in ("made", "lam", "g"):
        assert "skipped" not in names[name], names
        assert "defined in exec'd code, no source" in names[name], names
    assert "tf.math.add (TensorFlow, no source in this file)" in names["add"], names
    assert "Obj.__call__ (line 14)" in names["obj_fn"], names
    assert "skipped" not in names["Cls.smeth"] and "line 24" in names["Cls.smeth"], names
    assert "skipped" not in names["Cls.cmeth"] and "line 29" in names["Cls.cmeth"], names


def test_odd_functions_are_explained_truthfully(odd: tuple[Path, dict[str, str], object]
                                                ) -> None:
    out, _, result = odd
    assert result.code == 0, result.stderr  # no source is not an error
    assert "AutoGraph could not convert" not in result.stderr, result.stderr
    where = {f["name"]: (f["line"], f["where"]) for f in _manifest(out)["explain"]["functions"]}
    assert where["obj_fn"] == (14, "odd.py:14"), where
    assert where["Cls.smeth"] == (24, "odd.py:24"), where
    assert where["Cls.cmeth"] == (29, "odd.py:29"), where
    for name in ("made", "lam", "g", "add"):
        assert where[name] == (0, ""), where  # no line of this file is theirs
        texts = [f["text"] for f in _explained(out, name)["findings"] if f["kind"] == "no_source"]
        assert len(texts) == 1, (name, texts)
    assert "exec'd code" in next(f["text"] for f in _explained(out, "g")["findings"]
                                 if f["kind"] == "no_source")
    ops = json.loads((out / "g.json").read_text(encoding="utf-8"))["nodes"]
    assert not [n["source"] for n in ops if n["source"]], "line 2 of odd.py is not g's"
