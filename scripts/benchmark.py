"""Benchmark tfgraphviz against bare TensorFlow on real and synthetic graphs; print a table and
save it as outputs/benchmark.md and outputs/benchmark.json.

    .venv/bin/python scripts/benchmark.py                 # every case (~10-15 min on 2 cores)
    .venv/bin/python scripts/benchmark.py --quick         # tiny cases only (CI smoke run)
    .venv/bin/python scripts/benchmark.py --only chain_1k --repeat 1 --out /tmp/bench

Columns, each run in a fresh subprocess: bare TensorFlow (import + build + trace +
as_graph_def), `tfgraphviz render` with the default view, `tfgraphviz render --depth all`,
and plain `dot -Tsvg` on the full op graph (the .dot of the `--depth all` render, or of the
default render when `--depth` is not available) capped at --dot-cap seconds. Wall time and peak
memory (ru_maxrss of the finished child, which covers the `dot` it ran) are medians of up to
--repeat runs; a column stops repeating once its runs took --budget seconds. Plain `dot` runs
once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tfgraphviz" / "examples"
PYTHON = sys.executable

# Import a case file and trace what tfgraphviz would draw, with TensorFlow only.
BARE_TF = r"""
import importlib.util, sys
import tensorflow as tf
path = sys.argv[1]
spec = importlib.util.spec_from_file_location("bench_case", path)
module = importlib.util.module_from_spec(spec)
sys.modules["bench_case"] = module
spec.loader.exec_module(module)
Poly = tf.types.experimental.PolymorphicFunction
defs = []

def concretes(fn):
    found = list(fn._list_all_concrete_functions())
    if not found and getattr(fn, "input_signature", None) is not None:
        found = [fn.get_concrete_function()]
    return found

for value in list(vars(module).values()):
    if isinstance(value, tf.Graph):
        defs.append(value.as_graph_def())
    elif isinstance(value, Poly):
        defs += [c.graph.as_graph_def() for c in concretes(value)]
    elif hasattr(value, "inputs") and hasattr(value, "trainable_variables"):  # a Keras model
        specs = [tf.TensorSpec(t.shape, t.dtype) for t in value.inputs]
        concrete = tf.function(value).get_concrete_function(specs[0] if len(specs) == 1
                                                            else specs)
        defs.append(concrete.graph.as_graph_def())
    elif not isinstance(value, type) and type(value).__module__ == "bench_case":
        for attr in dir(type(value)):
            if isinstance(getattr(type(value), attr, None), Poly):
                defs += [c.graph.as_graph_def() for c in concretes(getattr(value, attr))]
print("BARE_TF_NODES", sum(len(d.node) for d in defs))
"""

# Trace a case file as `tfgraphviz render` does and time the model build alone: extraction
# (ConcreteFunction -> plain data) plus the networkx model, summed over its graphs.
BUILD = r"""
import sys, time
from pathlib import Path
from tfgraphviz.capture import capture_file
from tfgraphviz.capture.loader import check_source
from tfgraphviz.model.build import to_networkx
captured = capture_file(check_source(Path(sys.argv[1])), sys.argv[2:] or None)
spent = captured.extract_seconds
nodes = 0
for entry in captured.entries:
    for graph in entry.graphs:
        start = time.perf_counter()
        nodes += to_networkx(graph).number_of_nodes()
        spent += time.perf_counter() - start
print("BUILD", nodes, spent)
"""

CHAIN = '''"""A chain of {n} tf.math ops built by a Python loop (benchmark case)."""
import tensorflow as tf

UNARY = [tf.math.sin, tf.math.cos, tf.math.tanh, tf.math.abs]


@tf.function(input_signature=[tf.TensorSpec([2, 2], tf.float32)])
def chain(x):
    for i in range({n}):
        x = UNARY[i % 4](x)
    return x


chain.get_concrete_function()
'''

RESNET = '''"""Keras ResNet50 (weights=None) {what} (benchmark case)."""
import keras
import tensorflow as tf

keras.utils.set_random_seed(0)
model = keras.applications.ResNet50(weights=None)
optimizer = keras.optimizers.Adam(1e-3)
loss_fn = keras.losses.CategoricalCrossentropy()


@tf.function
def predict(images):
    return model(images, training=False)


@tf.function
def train_step(images, labels):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(images, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


{call}
'''
RESNET_CALLS = {
    "forward pass": "predict.get_concrete_function(tf.TensorSpec([2, 224, 224, 3]))",
    "training step (Adam)": "train_step.get_concrete_function(tf.TensorSpec([2, 224, 224, 3]), "
                            "tf.TensorSpec([2, 1000]))",
}


@dataclass
class Case:
    name: str
    source: str  # a bundled example's path, or the text of a generated file
    generated: bool = False
    functions: tuple[str, ...] = ()  # -f options (all functions when empty)


def cases(folder: Path) -> list[Case]:
    # as the gallery renders them (article_eager's lesson is a failing trace of f)
    found = [Case(p.stem, str(p), functions=("f",) if p.stem == "article_eager" else ())
             for p in sorted(EXAMPLES.glob("article_*.py"))]
    found.append(Case("transformer", str(EXAMPLES / "transformer.py")))
    found.append(Case("resnet50_forward", RESNET.format(
        what="forward pass", call=RESNET_CALLS["forward pass"]), True, ("predict",)))
    found.append(Case("resnet50_train_step", RESNET.format(
        what="training step", call=RESNET_CALLS["training step (Adam)"]), True,
        ("train_step",)))
    for n, label in ((1000, "1k"), (4000, "4k"), (16000, "16k"), (64000, "64k")):
        found.append(Case(f"chain_{label}", CHAIN.format(n=n), True))
    for case in found:
        if case.generated:
            path = folder / f"{case.name}.py"
            path.write_text(case.source, encoding="utf-8")
            case.source = str(path)
    return found


QUICK = ("article_tf1_graph", "article_global_fix", "chain_1k")


@dataclass
class Run:
    seconds: float
    max_rss_mb: float
    exit_code: int  # -9: killed at the cap
    stdout: str = ""
    stderr: str = ""


def run(cmd: list[str], cap: float, cwd: Path | None = None) -> Run:
    """Run a command in its own session; wall time and its peak memory (wait4's rusage),
    killed (exit -9) when it outlives `cap` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, start_new_session=True,
                                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.perf_counter() - start > cap:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


@dataclass
class Column:
    runs: int = 0
    seconds: float | None = None
    max_rss_mb: float | None = None
    capped: bool = False
    failed: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def repeated(make: Callable[[], Run], repeat: int, budget: float) -> tuple[Column, Run | None]:
    """Median time and memory of up to `repeat` runs (fewer once they took `budget` s)."""
    times: list[float] = []
    rss: list[float] = []
    last = None
    for _ in range(repeat):
        last = make()
        if last.exit_code not in (0, 1):
            tail = (last.stderr.strip().splitlines() or ["?"])[-1]
            return Column(len(times) + 1, failed=f"exit {last.exit_code}: {tail[:120]}"), last
        times.append(last.seconds)
        rss.append(last.max_rss_mb)
        if sum(times) > budget:
            break
    return Column(len(times), statistics.median(times), statistics.median(rss)), last


_SVG_ROOT = re.compile(r"<svg\b[^>]*?width=\"([\d.]+)(\w*)\"[^>]*?height=\"([\d.]+)(\w*)\"", re.S)


def svg_facts(folder: Path) -> dict[str, Any]:
    """Sizes of the SVGs of one render: bytes, the widest canvas, drawn nodes and edges."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    nodes = edges = svg_bytes = drawn = 0
    widest = (0.0, 0.0, "")
    svgs = 0
    for fn in manifest["functions"]:
        for cf in fn["concrete_functions"]:
            nodes += cf.get("nodes", 0)
            edges += sum(cf.get("edges", {}).get(k, 0) for k in ("data", "control", "call",
                                                                  "return"))
            svg = cf["files"].get("svg")
            if not svg:
                continue
            text = (folder / svg).read_text(encoding="utf-8")
            svgs += 1
            svg_bytes += len(text.encode())
            drawn += text.count('class="node"')
            m = _SVG_ROOT.search(text)
            if m and float(m.group(1)) > widest[0]:
                widest = (float(m.group(1)), float(m.group(3)), m.group(2))
    return {"model_nodes": nodes, "model_edges": edges, "svgs": svgs, "svg_bytes": svg_bytes,
            "drawn_nodes": drawn,
            "canvas": f"{widest[0]:.0f}x{widest[1]:.0f}{widest[2]}" if svgs else "-"}


def dot_files(folder: Path) -> list[Path]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [folder / cf["files"]["dot"] for fn in manifest["functions"]
            for cf in fn["concrete_functions"] if "dot" in cf["files"]]


def depth_supported() -> bool:
    proc = subprocess.run([PYTHON, "-m", "tfgraphviz", "render", "--help"], capture_output=True,
                          text=True, cwd=ROOT)
    return "--depth" in proc.stdout


def bench_case(case: Case, args: argparse.Namespace, work: Path, depth: bool) -> dict[str, Any]:
    say = (lambda m: None) if args.silent else (lambda m: print(m, file=sys.stderr, flush=True))
    result: dict[str, Any] = {"case": case.name}
    fopts = [x for f in case.functions for x in ("-f", f)]
    say(f"{case.name}: bare TensorFlow")
    bare, last = repeated(lambda: run([PYTHON, "-c", BARE_TF, case.source], args.cap), args.repeat,
                          args.budget)
    if last is not None and "BARE_TF_NODES" in last.stdout:
        bare.info["nodes"] = int(last.stdout.split("BARE_TF_NODES")[1].split()[0])
    result["bare_tf"] = asdict(bare)
    say(f"{case.name}: model build")
    built = run([PYTHON, "-c", BUILD, case.source, *case.functions], args.cap, ROOT)
    if "BUILD" in built.stdout:
        nodes, seconds = built.stdout.split("BUILD")[1].split()[:2]
        result["build"] = {"nodes": int(nodes), "seconds": float(seconds),
                           "nodes_per_s": int(nodes) / max(float(seconds), 1e-9)}
    else:
        result["build"] = {"failed": (built.stderr.strip().splitlines() or ["?"])[-1][:120]}
    views: list[tuple[str, list[str]]] = [("default", [])]
    if depth:
        views.append(("depth_all", ["--depth", "all"]))
    full_dot: list[Path] = []
    for label, extra in views:
        out = work / f"{case.name}.{label}"
        say(f"{case.name}: tfgraphviz render {' '.join(extra) or '(default view)'}")
        cmd = [PYTHON, "-m", "tfgraphviz", "render", case.source, "-o", str(out), "-q",
               "--layout-timeout", str(args.layout_timeout), *fopts, *extra]
        column, last = repeated(partial(run, cmd, args.cap, ROOT), args.repeat, args.budget)
        if not column.failed and (out / "manifest.json").is_file():
            column.info = svg_facts(out)
            full_dot = dot_files(out)
            if last is not None and last.exit_code:
                column.info["problems"] = last.stderr.strip().splitlines()[-1][:160]
        result[label] = asdict(column)
    if not depth:
        result["depth_all"] = {"failed": "n/a (not yet available)"}
    say(f"{case.name}: plain dot on the full op graph ({len(full_dot)} file(s))")
    plain = Column()
    if full_dot:
        start = time.perf_counter()
        peak = 0.0
        for path in full_dot:
            left = args.dot_cap - (time.perf_counter() - start)
            one = run(["dot", "-Tsvg", str(path), "-o", str(path.with_suffix(".plain.svg"))],
                      max(left, 0.1))
            peak = max(peak, one.max_rss_mb)
            if one.exit_code == -9:
                plain.capped = True
                break
        plain.runs, plain.seconds, plain.max_rss_mb = 1, time.perf_counter() - start, peak
    else:
        plain.failed = "no .dot written"
    result["plain_dot"] = asdict(plain)
    return result


def _secs(col: dict[str, Any], cap: float | None = None) -> str:
    if col.get("failed"):
        return str(col["failed"])
    if col.get("capped"):
        return f">{cap:.0f}s"
    return f"{col['seconds']:.1f}s" if col.get("seconds") is not None else "-"


def _ratio(col: dict[str, Any], bare: dict[str, Any], key: str) -> str:
    if col.get("failed") or not col.get(key) or not bare.get(key):
        return "-"
    return f"{col[key] / bare[key]:.2f}x"


def _build(build: dict[str, Any]) -> str:
    if "nodes_per_s" not in build:
        return str(build.get("failed", "-"))
    return f"{build['seconds']:.2f}s, {build['nodes_per_s'] / 1000:.0f}k nodes/s"


def table(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    head = ("| case | model nodes/edges | bare TF | default view | ×TF time | ×TF mem | "
            "default SVG (drawn nodes, KB, widest canvas) | --depth all | ×TF time | "
            "all SVG (drawn nodes, KB, widest canvas) "
            "| plain dot | model build |")
    lines = [f"# tfgraphviz benchmark\n\n{meta['note']}\n", head,
             "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        bare, default, full = r["bare_tf"], r["default"], r["depth_all"]
        info = default.get("info", {}) or full.get("info", {})
        counts = f"{info.get('model_nodes', '-')}/{info.get('model_edges', '-')}"
        dinfo, finfo = default.get("info", {}), full.get("info", {})
        dsvg, fsvg = (f"{i.get('drawn_nodes', 0)}, {i.get('svg_bytes', 0) / 1024:.0f} KB, "
                      f"{i.get('canvas', '-')}" if i else "-" for i in (dinfo, finfo))
        if dinfo.get("problems"):
            dsvg += f" ({dinfo['problems'][:60]})"
        mem = f"{bare['max_rss_mb']:.0f} MB" if bare.get("max_rss_mb") else ""
        lines.append(
            f"| {r['case']} | {counts} | {_secs(bare)} {mem} | {_secs(default)} "
            f"{default.get('max_rss_mb') or 0:.0f} MB | {_ratio(default, bare, 'seconds')} | "
            f"{_ratio(default, bare, 'max_rss_mb')} | {dsvg} | {_secs(full)} | "
            f"{_ratio(full, bare, 'seconds')} | {fsvg} | "
            f"{_secs(r['plain_dot'], meta['dot_cap'])} | {_build(r.get('build', {}))} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per column (median)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="stop repeating a column once its runs took this many seconds")
    parser.add_argument("--quick", action="store_true", help="tiny cases only, one run each")
    parser.add_argument("--only", action="append", default=[], help="case name (repeatable)")
    parser.add_argument("--dot-cap", type=float, default=60.0, help="cap of plain dot, s")
    parser.add_argument("--cap", type=float, default=600.0, help="cap of any other run, s")
    parser.add_argument("--layout-timeout", type=float, default=120.0,
                        help="--layout-timeout given to tfgraphviz render")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs",
                        help="folder for benchmark.md and benchmark.json")
    parser.add_argument("--silent", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.dot_cap = 1, min(args.dot_cap, 20.0)
    with tempfile.TemporaryDirectory(prefix="tfgv-bench-") as tmp:
        work = Path(tmp)
        chosen = [c for c in cases(work) if (not args.only or c.name in args.only)
                  and (not args.quick or c.name in QUICK)]
        if not chosen:
            parser.error("no case selected")
        depth = depth_supported()
        results = [bench_case(case, args, work, depth) for case in chosen]
    meta = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "repeat": args.repeat,
            "budget": args.budget, "dot_cap": args.dot_cap, "depth_available": depth,
            "note": (f"{os.cpu_count()} CPUs; medians of up to {args.repeat} runs per column "
                     f"(a column stops repeating after {args.budget:.0f} s); times are wall "
                     "times of fresh processes, memory is peak RSS; ×TF = ratio to bare "
                     "TensorFlow (import + build + trace + as_graph_def); model build = "
                     "extraction + networkx model of the traced graphs, one run; plain dot "
                     "runs once on "
                     f"the full op graph, capped at {args.dot_cap:.0f} s. Default outputs: "
                     "dot, svg, json, tensorboard.")}
    text = table(results, meta)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmark.md").write_text(text, encoding="utf-8")
    (args.out / "benchmark.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=1, sort_keys=True) + "\n",
        encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
