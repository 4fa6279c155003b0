"""The hostile-input harness: the real CLI in a fresh process on one case, the whole case folder
snapshotted before and after, and the rules every case must keep (issue 14's catalogue).

A case folder holds `in/` (the user's file and its siblings), `out/` (the -o folder, unless the
case says otherwise) and whatever the case's `setup` makes. Rules checked by `check`:
- the exit code is the one the case documents, and one of those `tfgraphviz --help` lists;
- stderr is lines starting "tfgraphviz: ", no "Traceback", none longer than MAX_LINE;
- nothing outside the output folder changed (the input file and its siblings intact);
- earlier outputs are intact unless replaced by files the new manifest lists;
- every .svg/.graphml parses as XML, every .json as JSON, every .dot is accepted by
  `dot -Tcanon`, and report.html keeps its scripts closed.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

DOCUMENTED = {0, 1, 2, 3, 130, 143}  # cli.py EPILOG's exit codes
MAX_LINE = 2000  # characters of one stderr line: "one clear line", not a dump
LAUNCH = ("import os, resource, signal, sys\n"
          "limit = int(sys.argv[1])\n"
          "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
          "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
          "os.execv(sys.executable, [sys.executable, '-m', 'tfgraphviz', *sys.argv[2:]])\n")

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One hostile input: files under in/, the command line, what it must end with."""

    id: str
    files: Mapping[str, str | bytes] = field(default_factory=dict)  # in/<path> -> content
    target: str = "in/model.py"  # FILE, relative to the case folder ({case} = its path)
    out: str | None = "out"  # -o, relative to the case folder; None: no -o given
    args: tuple[str, ...] = ()  # more arguments ({case} = the case folder)
    code: int | tuple[int, ...] = 0
    needles: tuple[str, ...] = ()  # in stderr
    functions: tuple[str, ...] = ()  # names the manifest must list with their files
    env: Mapping[str, str] = field(default_factory=dict)
    signal: tuple[int, str] | None = None  # (signal, "after:SECONDS" | "marker:FILE" | "dot")
    fsize: int | None = None  # RLIMIT_FSIZE in bytes: a full disk, SIGXFSZ ignored
    earlier: Mapping[str, str] | None = None  # in/ files rendered into out first
    earlier_target: str | None = None  # the file rendered first (default: target)
    earlier_args: tuple[str, ...] = ()
    setup: Setup | None = None  # run on the case folder after files and earlier outputs
    cwd: str = "."
    concurrent: int = 1  # this many identical commands at once
    variants: tuple[tuple[str, ...], ...] = ()  # or these argument sets at once
    outside_ok: tuple[str, ...] = ()  # paths outside the output folder allowed to change
    earlier_may_go: bool = False  # earlier files may be removed (same input, function gone)
    xfail: str | None = None  # a known issue-14 defect this case shows
    timeout: float = 600.0


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    signalled: bool


@dataclass
class Outcome:
    case: Case
    folder: Path
    runs: list[Run]
    before: dict[str, tuple]
    after: dict[str, tuple]

    @property
    def out(self) -> Path | None:
        """The -o folder, as the command (run in the case's cwd) takes it."""
        if self.case.out is None:
            return None
        return Path(os.path.normpath(self.folder / self.case.cwd
                                     / self.case.out.format(case=self.folder)))


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under root (symlinks not followed): kind, mode, content hash or target."""
    found: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", mode)
            elif not stat.S_ISREG(info.st_mode):  # a FIFO or device: never opened
                found[rel] = ("special", stat.S_IFMT(info.st_mode), mode)
            else:
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except PermissionError:
                    digest = f"unreadable:{info.st_size}"
                found[rel] = ("file", mode, digest)
    return found


def _command(case: Case, folder: Path, extra: tuple[str, ...]) -> list[str]:
    args = ["render", case.target.format(case=folder)]
    if case.out is not None:
        args += ["-o", case.out.format(case=folder)]
    args += [a.format(case=folder) for a in (*case.args, *extra)]
    if case.fsize is not None:
        return [sys.executable, "-c", LAUNCH, str(case.fsize), *args]
    return [sys.executable, "-m", "tfgraphviz", *args]


def _env(case: Case) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **case.env}
    env.pop("PYTHONHASHSEED", None)
    return env


def _is_version_query(pid: int) -> bool:
    """Whether the process is a `-V` run (tfgraphviz's brief check of `dot`, not a layout)."""
    try:
        return b"-V" in (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return True


def _descendant(pid: int, comm: str) -> bool:
    """Whether a process named `comm` (not a `-V` query) runs below `pid`, at any depth."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        parents[int(entry.name)] = (int(text[text.rindex(")") + 2:].split()[1]), name)
    for start, (_, name) in parents.items():
        if name != comm or _is_version_query(start):
            continue
        up = parents[start][0]
        for _ in range(64):  # walk up the parents of this `dot` to `pid` or the root
            if up == pid:
                return True
            if up not in parents:
                break
            up = parents[up][0]
    return False


def _signaller(proc: subprocess.Popen, folder: Path, spec: tuple[int, str],
               sent: list[bool]) -> None:
    """Send the signal once its trigger is seen: a delay, a marker file, or `dot` running."""
    signum, when = spec
    start = time.monotonic()
    while proc.poll() is None and time.monotonic() - start < 300:
        if when.startswith("after:"):
            ready = time.monotonic() - start >= float(when[6:])
        elif when.startswith("marker:"):
            ready = (folder / when[7:]).exists()
        else:
            ready = _descendant(proc.pid, "dot")
        if ready:
            try:
                os.killpg(proc.pid, signum) if signum == signal.SIGINT else proc.send_signal(signum)
            except ProcessLookupError:
                return
            sent.append(True)
            return
        time.sleep(0.01)


def _launch(case: Case, folder: Path) -> list[Run]:
    """Start every command of the case at once; wait for all."""
    sets = case.variants or ((),) * case.concurrent
    procs = [subprocess.Popen(_command(case, folder, extra), cwd=folder / case.cwd,
                              env=_env(case), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              start_new_session=True) for extra in sets]
    sent: list[bool] = []
    threads = []
    if case.signal is not None:
        threads = [threading.Thread(target=_signaller, args=(p, folder, case.signal, sent))
                   for p in procs]
        for t in threads:
            t.start()
    runs = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=case.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            err += b"\n<harness: killed after the case's timeout>"
        runs.append(Run(proc.returncode, out.decode("utf-8", "replace"),
                        err.decode("utf-8", "replace"), bool(sent)))
    for t in threads:
        t.join()
    return runs


def _write_inputs(folder: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = folder / "in" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
        path.write_bytes(data)


def execute(case: Case, folder: Path) -> Outcome:
    """Lay out the case folder, make the earlier outputs, snapshot, run, snapshot."""
    folder.mkdir(parents=True, exist_ok=True)
    if case.earlier is not None:
        _write_inputs(folder, case.earlier)
        first = Case(id=case.id + "-earlier", target=case.earlier_target or case.target,
                     out=case.out, args=case.earlier_args)
        (run,) = _launch(first, folder)
        assert run.code == 0, ("the earlier render failed", run.stderr)
    _write_inputs(folder, case.files)
    if case.setup is not None:
        case.setup(folder)
    before = snapshot(folder)
    runs = _launch(case, folder)
    after = snapshot(folder)
    return Outcome(case, folder, runs, before, after)


class _ScriptCounter(HTMLParser):
    """Counts <script> elements and checks each one closes before the next opens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open = 0
        self.scripts = 0
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "script":
            if self.open:
                self.bad.append("nested <script>")
            self.open += 1
            self.scripts += 1
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.bad.append(f"active attribute {name}={value!r} on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.open -= 1


def report_scripts(text: str) -> int:
    """The number of <script> elements of a report.html; fails on an active attribute."""
    parser = _ScriptCounter()
    parser.feed(text)
    parser.close()
    assert not parser.bad and parser.open == 0, parser.bad
    return parser.scripts


def check_file(path: Path) -> None:
    """The file is valid for its kind (see the module docstring)."""
    suffix = path.suffix
    if suffix in (".svg", ".graphml"):
        ET.fromstring(path.read_bytes())
    elif suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif suffix == ".dot":
        proc = subprocess.run(["dot", "-Tcanon", str(path)], capture_output=True, check=False,
                              timeout=120)
        assert proc.returncode == 0, (path, proc.stderr[-500:])
    elif path.name == "report.html":
        report_scripts(path.read_text(encoding="utf-8"))


def manifest_files(out: Path) -> set[str]:
    """Every path (relative to out) the manifest there lists, and the manifest itself."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    listed = {"manifest.json", "report.html"}
    for fn in manifest.get("functions", []):
        if fn.get("autograph"):
            listed.add(fn["autograph"])
        for cf in fn.get("concrete_functions", []):
            listed.update(cf.get("files", {}).values())
            listed.update(cf.get("view", {}).get("pages", []))
    return listed


def _inside(rel: str, prefix: str | None) -> bool:
    return prefix is not None and (rel == prefix or rel.startswith(prefix + "/"))


def check_stderr(case: Case, run: Run) -> None:
    codes = case.code if isinstance(case.code, tuple) else (case.code,)
    assert run.code in DOCUMENTED, ("undocumented exit code", run.code, run.stderr[-2000:])
    assert run.code in codes, (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert all(ln.startswith("tfgraphviz: ") for ln in lines), run.stderr[-3000:]
    assert all(len(ln) <= MAX_LINE for ln in lines), max(len(ln) for ln in lines)
    if run.code != 0:
        assert lines, "a failure with nothing on stderr"
    for needle in case.needles:
        assert needle in run.stderr, (needle, run.stderr[-2000:])
    if case.signal is not None:
        assert run.signalled, "the process ended before the signal's trigger"


def check_tree(outcome: Outcome) -> None:
    """Nothing outside -o changed; earlier outputs intact unless listed anew; all files valid."""
    case, before, after = outcome.case, outcome.before, outcome.after
    out_rel = None
    if outcome.out is not None:
        out_rel = os.path.relpath(outcome.out, outcome.folder)
        out_rel = None if out_rel.startswith("..") else Path(out_rel).as_posix()
    allowed = tuple(case.outside_ok)
    for rel in sorted(set(before) | set(after)):
        if _inside(rel, out_rel) or any(_inside(rel, a) for a in allowed):
            continue
        if out_rel is not None and out_rel.startswith(rel + "/") and after.get(rel, ("",))[0] \
                == "dir" and rel not in before:
            continue  # a parent folder of -o, made for it
        assert before.get(rel) == after.get(rel), ("changed outside -o", rel, before.get(rel),
                                                   after.get(rel))
    if out_rel is None or not (outcome.folder / out_rel).is_dir():
        return
    out = outcome.folder / out_rel
    listed = manifest_files(out)
    for rel, was in before.items():
        if not _inside(rel, out_rel) or rel == out_rel or was[0] == "dir":
            continue
        inner = rel[len(out_rel) + 1:]
        now = after.get(rel)
        if now == was or inner.endswith(".lock") or inner.startswith(".tfgraphviz"):
            continue
        if now is None:
            assert case.earlier_may_go, ("an earlier output was removed", inner)
        else:
            assert any(inner == f or inner.startswith(f + "/") for f in listed), (
                "an earlier output was changed but is not listed anew", inner)
    for rel, now in after.items():
        if _inside(rel, out_rel) and now[0] == "file" and before.get(rel) != now:
            check_file(outcome.folder / rel)
    for name in case.functions:
        check_function(out, name)


def check_function(out: Path, name: str) -> None:
    """The manifest lists the function by its exact name, with files that are inside -o."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entries = [f for f in manifest["functions"] if f["name"] == name]
    assert len(entries) == 1, (name, [f["name"] for f in manifest["functions"]])
    (entry,) = entries
    assert entry["concrete_functions"], (name, entry["errors"])
    real_out = out.resolve()
    for cf in entry["concrete_functions"]:
        assert cf["files"], name
        for rel in cf["files"].values():
            path = (out / rel).resolve()
            assert path.is_relative_to(real_out) and path.exists(), (name, rel)


def check(outcome: Outcome) -> None:
    for run in outcome.runs:
        check_stderr(outcome.case, run)
    check_tree(outcome)
