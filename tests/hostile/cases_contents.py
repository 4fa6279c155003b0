"""Hostile file contents: what the user's file does at import or while it is traced."""

from __future__ import annotations

from .harness import Case

HEAD = "import tensorflow as tf\n"
FUNC = ("@tf.function\n"
        "def f(x):\n"
        "    return x * 2.0 + 1.0\n\n\n"
        "f(tf.constant(1.0))\n")
BASE = HEAD + FUNC


def _file(before: str = "", after: str = "", body: str | None = None) -> dict[str, str]:
    """The base file with code before the function, after it, or in the function's body."""
    if body is not None:
        func = ("@tf.function\ndef f(x):\n" + "".join(f"    {ln}\n" for ln in body.splitlines())
                + "    return x * 2.0 + 1.0\n\n\nf(tf.constant(1.0))\n")
        return {"model.py": HEAD + before + func + after}
    return {"model.py": HEAD + before + FUNC + after}


def c(id: str, code: int | tuple[int, ...] = 0, *, before: str = "", after: str = "",
      body: str | None = None, files: dict[str, str | bytes] | None = None,
      ok: bool | None = None, **kw: object) -> Case:
    """A contents case; `ok` (default: code 0) asks for f drawn and listed."""
    functions = ("f",) if (code == 0 if ok is None else ok) else ()
    kw.setdefault("xfail", FINDINGS.get(id))
    return Case(id=f"contents-{id}", files=files or _file(before, after, body), code=code,
                functions=functions, **kw)  # type: ignore[arg-type]


FINDINGS = {  # real defects the catalogue found beyond issue 14's list
    "os-exit-0": "catalogue finding: "
        "os._exit(0) at import ends tfgraphviz with exit 0, nothing written and nothing "
        "said",
    "os-exit-3": "catalogue finding: "
        "os._exit(3) at import ends tfgraphviz silently with exit 3 (documented as: dot "
        "missing)",
    "raise-unprintable": "catalogue finding: "
        "an exception whose str() raises is an internal error (exit 70)",
    "monkeypatch-open": "catalogue finding: "
        "builtins.open replaced at import is an internal error (exit 70)",
    "monkeypatch-json": "catalogue finding: "
        "json.dumps replaced at import writes that text as manifest.json",
    "monkeypatch-os-replace": "catalogue finding: "
        "os.replace replaced at import: exit 0 and no manifest.json",
}
SPIN = "while True:\n    pass\n"
CONTENTS = [
    c("plain"),
    c("chdir-root", before="import os\nos.chdir('/')\n"),
    c("chdir-input-folder", before="import os\nos.chdir(os.path.dirname(__file__))\n"),
    c("sys-exit-0-end", 2, after="import sys\nsys.exit(0)\n", needles=("sys.exit(0)",)),
    c("sys-exit-1-end", 2, after="import sys\nsys.exit(1)\n", needles=("sys.exit(1)",)),
    c("sys-exit-msg", 2, after="import sys\nsys.exit('bye <b>')\n", needles=("bye <b>",)),
    c("sys-exit-none", 2, after="import sys\nsys.exit()\n"),
    c("os-exit-0", 2, after="import os\nos._exit(0)\n"),
    c("os-exit-3", 2, after="import os\nos._exit(3)\n"),
    c("raise-at-import", 2, after="raise ValueError('boom at import')\n",
      needles=("boom at import",)),
    c("raise-keyboardinterrupt-at-import", (2, 130), after="raise KeyboardInterrupt\n"),
    c("raise-base-exception", 2, after="class E(BaseException):\n    pass\nraise E('odd')\n"),
    c("raise-unprintable", 2, after="class E(Exception):\n    def __str__(self):\n"
                                    "        raise RuntimeError('no str')\nraise E()\n"),
    c("raise-multiline-huge", 2, after="raise ValueError('line\\n' * 20000)\n"),
    c("raise-in-trace", 2, body="raise ValueError('boom in trace')", ok=False,
      needles=("boom in trace",)),
    c("sys-exit-in-trace", 2, body="import sys\nsys.exit(0)", ok=False),
    c("generator-exit-in-trace", 2, body="raise GeneratorExit('closed')", ok=False),
    c("keyboardinterrupt-in-trace", (2, 130), body="raise KeyboardInterrupt", ok=False),
    c("infinite-loop-import", 2, after=SPIN, args=("--timeout", "4"), needles=("--timeout",)),
    c("infinite-loop-trace", 2, body="while True:\n    pass", args=("--timeout", "4")),
    c("sleep-import", 2, after="import time\ntime.sleep(3600)\n", args=("--timeout", "4")),
    c("deep-recursion-import", 2, after="def r(n):\n    return r(n + 1)\nr(0)\n",
      needles=("RecursionError",)),
    c("low-recursion-limit", (0, 1, 2), before="import sys\nsys.setrecursionlimit(120)\n"),
    c("thread-forever", after="import threading, time\n"
                              "threading.Thread(target=time.sleep, args=(3600,)).start()\n"),
    c("thread-raises", after="import threading\ndef bad():\n    raise ValueError('thread')\n"
                             "t = threading.Thread(target=bad)\nt.start()\nt.join()\n",
      ),
    c("thread-prints", after="import threading\ndef talk():\n    for _ in range(10000):\n"
                             "        print('chatter')\nthreading.Thread(target=talk, "
                             "daemon=True).start()\n"),
    c("print-control-chars", after="print('\\x00\\x01\\x07\\x1b[31mred\\x1b[0m\\r\\x08\\x7f"
                                   "\\u202e\\u200b\\ufeff')\n"),
    c("print-in-trace-control", body="print('\\x00 \\x1b]0;title\\x07 \\x1b[2J </svg> &amp;')"),
    c("print-ansi-stderr", after="import sys\nsys.stderr.write('\\x1b[31mraw\\x1b[0m\\n')\n"),
    c("print-huge", after="print('y' * 5_000_000)\n"),
    c("print-many-lines", after="for i in range(100000):\n    print(i)\n"),
    c("print-surrogate-bytes", after="import sys\nsys.stdout.buffer.write(b'\\xff\\xfe\\x00')\n"),
    c("tf-print-hostile", body="tf.print('<script>alert(1)</script>', '\\x00\\x1b[31m')"),
    c("non-utf8", 2, files={"model.py": BASE.encode() + b"# caf\xe9\n"}),
    c("latin1-cookie", files={"model.py": b"# -*- coding: latin-1 -*-\n" + BASE.encode()
                              + b"# caf\xe9\n"}),
    c("bom", files={"model.py": b"\xef\xbb\xbf" + BASE.encode()}),
    c("bogus-cookie", 2, files={"model.py": "# -*- coding: nope -*-\n" + BASE}),
    c("syntax-error", 2, files={"model.py": BASE + "def (:\n"}, needles=("syntax error",)),
    c("null-byte", 2, files={"model.py": BASE.encode() + b"x = 1\x00\n"}),
    c("tabs-mixed", 2, files={"model.py": BASE + "if True:\n\tx = 1\n        y = 2\n"}),
    c("empty-file", 2, files={"model.py": ""}),
    c("comments-only", 2, files={"model.py": "# nothing here\n"}),
    c("huge-source", files={"model.py": BASE + "# padding\n" * 100_000}),
    c("crlf-lines", files={"model.py": BASE.replace("\n", "\r\n")}),
    c("close-stdout", after="import sys\nsys.stdout.close()\n"),
    c("close-fd1", after="import os\nos.close(1)\n"),
    c("replace-stderr", after="import io, sys\nsys.stderr = io.StringIO()\n"),
    c("stdout-none", after="import sys\nsys.stdout = None\n"),
    c("closerange", (0, 2), after="import os\nos.closerange(3, 4096)\n"),
    c("sigint-ignored", before="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"),
    c("sigterm-handler", before="import signal, sys\n"
                                "signal.signal(signal.SIGTERM, lambda *a: sys.exit(9))\n"),
    c("atexit-print", after="import atexit\natexit.register(print, 'bye from atexit')\n"),
    c("atexit-raise", after="import atexit\ndef bad():\n    raise ValueError('late')\n"
                            "atexit.register(bad)\n"),
    c("atexit-os-exit", after="import atexit, os\natexit.register(os._exit, 5)\n"),
    c("monkeypatch-tf-function", 2, before="tf.function = lambda f=None, **k: f\n"),
    c("monkeypatch-print", after="import builtins\nbuiltins.print = None\n"),
    c("monkeypatch-open", after="import builtins\n"
                                "builtins.open = lambda *a, **k: 1 / 0\n"),
    c("monkeypatch-json", after="import json\njson.dumps = lambda *a, **k: '<broken>'\n"),
    c("monkeypatch-os-replace", after="import os\nos.replace = lambda *a: None\n"),
    c("umask-777", after="import os\nos.umask(0o777)\n"),
    c("environ-cleared", after="import os\nos.environ.clear()\n"),
    c("deletes-itself", after="import os\nos.remove(__file__)\n", outside_ok=("in/model.py",)),
    c("reads-stdin", 2, after="input()\n", needles=("EOFError",)),
    c("missing-import", 2, before="import not_a_module_xyz\n",
      needles=("not_a_module_xyz",)),
    c("sibling-import", files={"model.py": "from helper import g\n" + BASE,
                               "helper.py": "def g():\n    return 1\n"},
      outside_ok=("in/__pycache__",)),
    c("globals-exit", after="import sys\nclass Trap:\n    def __getattribute__(self, name):\n"
                            "        sys.exit(0)\ntrap = Trap()\n"),
    c("warning-at-import", after="import warnings\nwarnings.warn('careful')\n"),
    c("surrogate-in-print", 2, after="print('\\udcff')\n"),
]
