"""Hostile function names: one file defines a tf.function under each name (one process draws
them all), and each name is its own test; names that hit a known defect get their own file,
drawn at --depth 1 so that each function's name scope has a drill-down page (and folder)."""

from __future__ import annotations

from dataclasses import dataclass

from .cases_contents import HEAD
from .harness import Case

NAMES = [
    "föö", "函数", "🙂", "ℌ𝔢𝔩𝔩𝔬", "e\u0301", "\u00e9", "\u202eevil.svg", "שלום", "مرحبا",
    "a\u200bb", "\u200d", "\ufeffbom", "f" * 300, "é" * 300, "ab" * 150 + "x",
    ".", "..", "...", "../..", "", " ", "x ", "manifest", "MANIFEST", "manifest.json",
    "tensorboard", "report", "<script>window.__pwned=1</script>",
    "<img src=x onerror=alert(1)>", "javascript:alert(1)", '"quoted"', "'single'",
    "a\"b'c", "graph", "digraph", "node", "edge", "subgraph", "strict", "a -> b -- c",
    "a;b{c}[label=x]", "&amp;", "&lt;b&gt;", "&#x41;", "&", "%41", "%2E", "%empty", "Abc",
    "abc", "ABC", "f.0", "f.autograph", "a/b", "a\\b", "a b", "\t", "line\nbreak",
    "\x1b[31mred\x1b[0m", "\x00nul", "-rf", "--help", "${7*7}", "{{7*7}}", "]]>", "<!--",
]


def names_file(names: list[str]) -> str:
    lines = [HEAD, "NAMES = [\n"]
    lines += [f"    {name!r},\n" for name in names]
    lines.append("]\n\n\ndef make(i):\n    def fn(x):\n"
                 "        with tf.name_scope('outer'):\n"
                 "            with tf.name_scope('inner'):\n"
                 "                return tf.sin(x) + float(i)\n"
                 "    return tf.function(fn)\n\n\n"
                 "for _i, _n in enumerate(NAMES):\n"
                 "    globals()[_n] = make(_i)\n"
                 "    globals()[_n](tf.constant(1.0))\n")
    return "".join(lines)


NAMES_CASE = Case(id="names-all", files={"model.py": names_file(NAMES)}, timeout=900)


@dataclass(frozen=True)
class Name:
    """One name of the shared names file: the pytest id is the name's own."""

    name: str
    case: Case = NAMES_CASE


def _own(id: str, names: list[str], xfail: str | None = None, code: int = 0) -> Case:
    return Case(id=f"names-{id}", files={"model.py": names_file(names)}, code=code,
                functions=tuple(names), xfail=xfail, args=("--depth", "1"))


OWN = [
    _own("report.html", ["report.html"]),
    _own("f-and-f.svg", ["f", "f.svg"]),
    _own("surrogate", ["bad\udcffname"]),
    _own("case-only", ["Net", "NET", "net", "nEt"]),
]
