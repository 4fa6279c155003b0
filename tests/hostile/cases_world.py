"""Hostile surroundings: paths, planted files, signals, a full disk, concurrent renders, and
big and deep graphs."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path

from .cases_contents import BASE, HEAD
from .harness import Case

TWO = HEAD + ("@tf.function\ndef f(x):\n    return x * 2.0\n\n\n"
              "@tf.function\ndef g(x):\n    return x - 1.0\n\n\n"
              "@tf.function\ndef h(x):\n    return x / 3.0\n\n\n"
              "f(tf.constant(1.0))\ng(tf.constant(1.0))\nh(tf.constant(1.0))\n")
ONLY_G = TWO.replace("@tf.function\ndef f(x):\n    return x * 2.0\n\n\n", "").replace(
    "f(tf.constant(1.0))\n", "")
MARK = "import os, time\nopen(os.path.join(os.path.dirname(__file__), '..', 'marker'), 'w')\n"
CHAIN = HEAD + ("@tf.function\ndef f(x):\n    for i in range(400):\n"
                "        with tf.name_scope(f's{i % 7}'):\n"
                "            x = tf.sin(x) * float(i) + tf.cos(x)\n    return x\n\n\n"
                "f(tf.constant(1.0))\n")


def _p(id: str, **kw: object) -> Case:
    return Case(id=f"paths-{id}", **kw)  # type: ignore[arg-type]


def _mkdir(rel: str, mode: int | None = None):
    def setup(folder: Path) -> None:
        (folder / rel).mkdir(parents=True, exist_ok=True)
        if mode is not None:
            (folder / rel).chmod(mode)
    return setup


def _symlink(rel: str, to: str, make: str | None = None, content: str | None = None):
    """`rel` -> `to`; `make` a folder or (with content) a file first."""
    def setup(folder: Path) -> None:
        if make is not None:
            target = folder / make
            target.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                target.mkdir(exist_ok=True)
            else:
                target.write_text(content)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(to, folder / rel)
    return setup


def _plant(rel: str, content: str | None = None):
    """A file (or, content None, a folder holding one) where an output will go."""
    def setup(folder: Path) -> None:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
            (path / "keep.txt").write_text("mine")
        else:
            path.write_text(content)
    return setup


def _fifo(folder: Path) -> None:
    (folder / "in").mkdir(exist_ok=True)
    os.mkfifo(folder / "in" / "pipe.py")


M = {"model.py": BASE}
PATHS = [
    _p("spaces", files={"my dir/model file.py": BASE}, target="in/my dir/model file.py",
       out="out/out dir", functions=("f",)),
    _p("unicode", files={"ünï çødé/模型.py": BASE}, target="in/ünï çødé/模型.py",
       out="out/輸出 ✓", functions=("f",)),
    _p("relative-dotdot", files={**M, "sub/keep.txt": "x"}, target="../model.py",
       out="../../out", cwd="in/sub", functions=("f",)),
    _p("dotted-out", files=M, out="out/./a/../b/", functions=("f",)),
    _p("deep-new-out", files=M, out="out/a/b/c/d", functions=("f",)),
    _p("out-in-input-folder", files={**M, "data.txt": "keep"}, out="in/out",
       functions=("f",)),
    _p("out-is-input-folder", files={**M, "data.txt": "keep"}, out="in", functions=("f",)),
    _p("input-via-symlink", files=M, target="in/link.py",
       setup=_symlink("in/link.py", "model.py"), functions=("f",)),
    _p("input-symlink-outside", files={}, target="in/link.py",
       setup=_symlink("in/link.py", "../elsewhere/model.py", "elsewhere/model.py", BASE)),
    _p("out-symlink", files=M, code=(0, 2), setup=_symlink("out", "real_out", "real_out"),
       outside_ok=("real_out",)),
    _p("out-dangling-symlink", files=M, code=2, setup=_symlink("out", "nowhere")),
    _p("out-is-file", files=M, code=2, setup=_plant("out", "not a folder")),
    _p("out-under-file", files=M, code=2, out="in/model.py/x"),
    _p("out-is-input-file", files=M, code=2, out="in/model.py"),
    _p("out-in-proc", files=M, code=2, out="/proc/tfgraphviz-out"),
    _p("out-empty-string", files=M, out="", outside_ok=("tfgraphviz-out",)),
    _p("no-out-default-folder", files=M, out=None, outside_ok=("tfgraphviz-out",)),
    _p("input-missing", code=2, target="in/nope.py"),
    _p("input-folder", files={"x.txt": "no python"}, code=2, target="in"),
    _p("input-fifo", code=2, target="in/pipe.py", setup=_fifo, timeout=120),
    _p("input-dev-null", code=2, target="/dev/null"),
    _p("input-txt-suffix", files={"model.txt": BASE}, code=(0, 2), target="in/model.txt"),
    _p("input-dash", code=2, target="-"),
    _p("planted-svg-symlink", files=M, code=(0, 1, 2),
       setup=_symlink("out/f.svg", "../victim/f.svg", "victim/f.svg", "victim")),
    _p("planted-manifest-symlink", files=M, code=(0, 1, 2),
       setup=_symlink("out/manifest.json", "../victim/manifest.json", "victim/manifest.json",
                      "{}")),
    _p("planted-report-symlink", files=M, code=(0, 1, 2),
       setup=_symlink("out/report.html", "../victim/r.html", "victim/r.html", "victim")),
    _p("planted-tensorboard-symlink", files=M, code=(0, 1, 2),
       setup=_symlink("out/tensorboard", "../victim", "victim")),
    _p("planted-folder-svg", files=M, code=(0, 1, 2), setup=_plant("out/f.svg")),
    _p("planted-folder-report", files=M, code=(1, 2), setup=_plant("out/report.html")),
    _p("foreign-files-kept", files=M, setup=_plant("out/notes.txt", "mine"),
       functions=("f",)),
]

EARLIER = [
    Case(id="earlier-other-input", files=M, earlier={"other.py": TWO},
         earlier_target="in/other.py", functions=("f",)),
    Case(id="earlier-same-input-rerender", files=M, earlier=M, functions=("f",)),
    Case(id="earlier-function-removed", files={"model.py": ONLY_G}, earlier={"model.py": TWO},
         earlier_may_go=True, functions=("g", "h")),
    Case(id="earlier-import-now-fails", files={"model.py": TWO + "raise ValueError('x')\n"},
         earlier={"model.py": TWO}, code=2),
    Case(id="earlier-trace-now-fails", code=1,
         files={"model.py": TWO.replace("return x - 1.0", "return undefined_name")
                .replace("g(tf.constant(1.0))\n", "")},
         earlier={"model.py": TWO}, args=("--call", "g(tf.constant(1.0))"),
         functions=("f", "g", "h")),
    Case(id="earlier-only-one-function", files={"model.py": TWO}, earlier={"model.py": TWO},
         args=("-f", "g"), functions=("g",)),
]

EARLY = ("catalogue finding: Ctrl-C/SIGTERM in the first moments (before the handlers, "
         "across the PYTHONHASHSEED re-exec) give a KeyboardInterrupt traceback or death by "
         "the signal with nothing said")
SIGNALS = [
    Case(id=f"signal-{name}-{when.split(':')[0]}{when[6:] if when.startswith('after') else ''}",
         files=files, code=code, signal=(sig, when),
         earlier=earlier, outside_ok=("marker",), timeout=300)
    for name, sig, code in (("sigint", signal.SIGINT, 130), ("sigterm", signal.SIGTERM, 143))
    for when, files, earlier in (
        ("after:0.05", M, M),
        ("marker:marker", {"model.py": MARK + "time.sleep(60)\n" + BASE}, M),
        ("marker:marker", {"model.py": HEAD + "@tf.function\ndef f(x):\n"
                           + "".join(f"    {ln}\n" for ln in MARK.splitlines())
                           + "    time.sleep(60)\n    return x\n\n\nf(tf.constant(1.0))\n"},
         None),
        ("dot", {"model.py": CHAIN}, M),
    )
]
# the two marker cases differ by where the marker is written: name them apart
SIGNALS = [replace(c, id=c.id + ("-trace" if "    open(" in c.files["model.py"] else ""),
                   xfail=EARLY if c.signal and c.signal[1] == "after:0.05" else None)
           for c in SIGNALS]

DISK = [
    Case(id=f"full-disk-{limit}", files=M, earlier=earlier, code=(0, 1, 2), fsize=limit)
    for limit in (0, 100, 1000, 4000, 20000, 200000)
    for earlier in (None, M)
]
DISK = [replace(c, id=c.id + ("-earlier" if c.earlier else ""),
                xfail=None if c.fsize else "catalogue finding: a disk full from the start (no "
                "file can grow) is an internal error, exit 70: tempfile finds no usable "
                "temporary directory") for c in DISK]
DISK.append(Case(id="full-disk-huge-print", files={"model.py": BASE + "print('z' * 3_000_000)\n"},
                 fsize=1_000_000, code=(0, 1, 2)))

CONCURRENT = [
    Case(id="concurrent-two-same", files={"model.py": TWO}, concurrent=2,
         functions=("f", "g", "h")),
    Case(id="concurrent-three-functions", files={"model.py": TWO},
         variants=(("-f", "f"), ("-f", "g"), ("-f", "h")), functions=("f", "g", "h")),
    Case(id="concurrent-formats", files={"model.py": TWO},
         variants=(("--format", "svg"), ("--format", "json,graphml")), functions=("f",)),
]

WIDE = HEAD + ("@tf.function\ndef wide(x):\n"
               "    return tf.add_n([x * float(i) for i in range(2500)])\n\n\n"
               "wide(tf.constant(1.0))\n")
DEEP = HEAD + ("def nest(x, d):\n    if d == 0:\n        return x + 1.0\n"
               "    return tf.cond(x > 0, lambda: nest(x - 1.0, d - 1), lambda: x)\n\n\n"
               "@tf.function\ndef deep(x):\n    return nest(x, 40)\n\n\n"
               "deep(tf.constant(1.0))\n")
MANY = HEAD + ("for _i in range(200):\n"
               "    globals()[f'fn{_i:03d}'] = tf.function(lambda x, _i=_i: x * float(_i))\n"
               "    globals()[f'fn{_i:03d}'](tf.constant(1.0))\n")
SCOPES = HEAD + ("@tf.function\ndef scoped(x):\n"
                 "    def down(x, d):\n        if d == 0:\n            return x * 2.0\n"
                 "        with tf.name_scope(f'level{d}'):\n"
                 "            return down(x + 1.0, d - 1)\n"
                 "    return down(x, 40)\n\n\nscoped(tf.constant(1.0))\n")
BIG = [
    Case(id="big-wide-5k-ops", files={"model.py": WIDE}, functions=("wide",)),
    Case(id="big-deep-40-conds", files={"model.py": DEEP}, functions=("deep",)),
    Case(id="big-deep-40-scopes", files={"model.py": SCOPES}, functions=("scoped",),
         args=("--depth", "all")),
    Case(id="big-200-functions", files={"model.py": MANY}, args=("--format", "dot,svg,json"),
         functions=("fn000", "fn199")),
]
