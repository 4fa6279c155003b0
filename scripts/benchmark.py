"""Benchmark tfgraphviz against bare TensorFlow doing the same work; print a table, save it as
outputs/benchmark.md and outputs/benchmark.json, and (--readme) rewrite README.md's speed block.

    .venv/bin/python scripts/benchmark.py --readme        # every case, then the README block
    .venv/bin/python scripts/benchmark.py --quick         # two tiny cases (CI smoke run)
    .venv/bin/python scripts/benchmark.py --only chain_1k --repeat 2 --out /tmp/bench
    .venv/bin/python scripts/benchmark.py --report-only   # benchmark.md and the README block
                                                          # again from benchmark.json

Each case names ONE function. Bare TensorFlow: import the file, build, trace that function and
`as_graph_def` it. tfgraphviz: `render -f THAT_FUNCTION` with the default outputs (and, for the
training steps, `--depth all`). Both run as pairs of fresh processes, one pair after another,
the order inside a pair alternating (bare first, then tfgraphviz first, ...). Per pair the
ratios tfgraphviz / bare of wall time and of peak memory (ru_maxrss of the child, which covers
the `dot` children it waited for) are taken; the table gives their medians. The model build
(capture's extraction of the traced graph plus the networkx model, timed through the public
`tfgraphviz.capture.capture_file` and `tfgraphviz.model.to_networkx`) runs in its own fresh
processes. The report part (table, targets, README block) is scripts/benchmark_report.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchmark_report as report  # the script's sibling, found through sys.path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tfgraphviz" / "examples"
PYTHON = sys.executable
SCRIPT = str(Path(__file__).resolve())

CHAIN = '''"""A chain of {n} tf.math ops built by a Python loop (benchmark case)."""
import tensorflow as tf

UNARY = [tf.math.sin, tf.math.cos, tf.math.tanh, tf.math.abs]


@tf.function(input_signature=[tf.TensorSpec([2, 2], tf.float32)])
def chain(x):
    for i in range({n}):
        x = UNARY[i % 4](x)
    return x
'''

# A Keras application's forward pass or Adam training step; the functions carry an
# input_signature, so importing the file traces nothing and each side traces once.
KERAS = '''"""Keras {app} (weights=None) {what} (benchmark case)."""
import keras
import tensorflow as tf

keras.utils.set_random_seed(0)
model = keras.applications.{app}(weights=None, input_shape={shape}, classes={classes})
optimizer = keras.optimizers.Adam(1e-3)
loss_fn = keras.losses.CategoricalCrossentropy()
IMAGES = tf.TensorSpec([2, *{shape}])
LABELS = tf.TensorSpec([2, {classes}])


@tf.function(input_signature=[IMAGES])
def predict(images):
    return model(images, training=False)


@tf.function(input_signature=[IMAGES, LABELS])
def train_step(images, labels):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(images, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
'''


@dataclass
class Case:
    name: str
    source: str  # a bundled example's path, or the text of a generated file
    function: str  # the one function both sides trace (tfgraphviz: -f FUNCTION)
    generated: bool = False
    depth_all: bool = False  # also measure `render --depth all`
    build: bool = False  # also time the model build


def keras_case(name: str, app: str, what: str, function: str, size: int) -> Case:
    source = KERAS.format(app=app, what=what, shape=(size, size, 3), classes=1000)
    return Case(name, source, function, True, depth_all=function == "train_step", build=True)


def cases(folder: Path) -> list[Case]:
    """Every case, generated files written into `folder`."""
    found = [Case("article_tf1_graph", str(EXAMPLES / "article_tf1_graph.py"), "g"),
             Case("article_global_fix", str(EXAMPLES / "article_global_fix.py"), "f"),
             Case("article_variable_argument", str(EXAMPLES / "article_variable_argument.py"),
                  "f"),
             Case("transformer_train_step", str(EXAMPLES / "transformer.py"), "train_step"),
             keras_case("resnet50_forward", "ResNet50", "forward pass", "predict", 224),
             keras_case("resnet50_train_step", "ResNet50", "Adam training step", "train_step",
                        224),
             keras_case("mobilenetv2_train_step", "MobileNetV2", "Adam training step",
                        "train_step", 96)]
    for n, label in ((1000, "1k"), (4000, "4k"), (16000, "16k"), (64000, "64k")):
        found.append(Case(f"chain_{label}", CHAIN.format(n=n), "chain", True, build=True))
    for case in found:
        if case.generated:
            path = folder / f"{case.name}.py"
            path.write_text(case.source, encoding="utf-8")
            case.source = str(path)
    return found


QUICK = ("article_tf1_graph", "chain_1k")


# ---- the child processes (`benchmark.py --child bare|build FILE FUNCTION`) ----

def child_bare(path: Path, function: str) -> dict[str, Any]:
    """Bare TensorFlow: import the file, trace `function` and as_graph_def it."""
    import tensorflow as tf

    spec = importlib.util.spec_from_file_location("bench_case", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_case"] = module
    spec.loader.exec_module(module)
    value: Any = module
    for part in function.split("."):
        value = getattr(value, part)
    if isinstance(value, tf.Graph):
        defs = [value.as_graph_def()]
    elif getattr(value, "input_signature", None) is not None:
        defs = [value.get_concrete_function().graph.as_graph_def()]
    else:  # traced by the file itself while it was imported
        defs = [c.graph.as_graph_def() for c in value._list_all_concrete_functions()]
    if not defs:
        sys.exit(f"benchmark.py: {function} has no input_signature and was not traced")
    nodes = sum(len(d.node) + sum(len(f.node_def) for f in d.library.function) for d in defs)
    return {"nodes": nodes, "graphs": len(defs)}


def child_build(path: Path, function: str) -> dict[str, Any]:
    """The model build of `function`, as `render` does it: extraction (timed by capture_file)
    plus the networkx model of each traced graph."""
    from tfgraphviz.capture import capture_file
    from tfgraphviz.capture.loader import check_input
    from tfgraphviz.model import to_networkx

    captured = capture_file(check_input(path), [function])
    seconds, nodes = captured.extract_seconds, 0
    for entry in captured.entries:
        for graph in entry.graphs:
            start = time.perf_counter()
            nodes += to_networkx(graph).number_of_nodes()
            seconds += time.perf_counter() - start
    return {"nodes": nodes, "seconds": seconds}


# ---- running and pairing ----

@dataclass
class Run:
    seconds: float
    max_rss_mb: float
    exit_code: int  # -9: killed at the cap
    stdout: str = ""
    stderr: str = ""

    def problem(self) -> str:
        tail = (self.stderr.strip().splitlines() or ["?"])[-1]
        return f"exit {self.exit_code}: {tail[:160]}"


def run(cmd: list[str], cap: float) -> Run:
    """Run a command in its own session: wall time and peak memory (wait4's rusage: the
    child's, or a child it waited for, whichever is larger); killed (exit -9) after `cap` s."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, start_new_session=True,
                                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.perf_counter() - start > cap:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


@dataclass
class Paired:
    """One tfgraphviz column measured against bare TensorFlow in pairs."""

    pairs: list[dict[str, Any]] = field(default_factory=list)  # order, both sides' s and MB
    failed: str = ""
    info: dict[str, Any] = field(default_factory=dict)  # facts of the last render's files
    last: Path = Path()  # the last render's folder (earlier ones are deleted)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        del data["last"]
        if self.pairs:
            for key in ("bare_s", "tool_s", "bare_mb", "tool_mb"):
                data[key] = statistics.median(p[key] for p in self.pairs)
            data["time_ratio"] = statistics.median(p["tool_s"] / p["bare_s"] for p in self.pairs)
            data["mem_ratio"] = statistics.median(p["tool_mb"] / p["bare_mb"]
                                                  for p in self.pairs)
        return data


def paired(bare_cmd: list[str], tool_cmd: list[str], out: Path, args: argparse.Namespace,
           ) -> Paired:
    """`args.repeat` pairs of fresh processes, bare first in even pairs, tfgraphviz first in
    odd ones; each tfgraphviz run writes into a fresh folder (`out` with the pair's number),
    deleted once the next pair's render is read."""
    column = Paired()
    for i in range(args.repeat):
        folder = out.with_name(f"{out.name}.{i}")
        sides = [("bare", bare_cmd), ("tool", [*tool_cmd, "-o", str(folder)])]
        if i % 2:
            sides.reverse()
        runs = {side: run(cmd, args.cap) for side, cmd in sides}
        if runs["bare"].exit_code or "BENCH" not in runs["bare"].stdout:
            column.failed = f"bare TensorFlow: {runs['bare'].problem()}"
        elif runs["tool"].exit_code not in (0, 1) or not (folder / "manifest.json").is_file():
            column.failed = f"tfgraphviz: {runs['tool'].problem()}"
        if column.failed:
            break
        column.info = report.render_facts(folder)
        if column.pairs:
            shutil.rmtree(column.last)
        column.last = folder
        column.info["bare"] = json.loads(runs["bare"].stdout.split("BENCH", 1)[1])
        if runs["tool"].exit_code:
            column.info["problems"] = runs["tool"].stderr.strip().splitlines()[-1][:160]
        column.pairs.append({"order": ",".join(s for s, _ in sides),
                             "bare_s": runs["bare"].seconds, "tool_s": runs["tool"].seconds,
                             "bare_mb": runs["bare"].max_rss_mb,
                             "tool_mb": runs["tool"].max_rss_mb})
    return column


def build_column(case: Case, args: argparse.Namespace) -> dict[str, Any]:
    """The model build's nodes/s: median of `args.build_repeat` fresh processes."""
    rates, nodes = [], 0
    for _ in range(args.build_repeat):
        one = run([PYTHON, SCRIPT, "--child", "build", case.source, case.function], args.cap)
        if one.exit_code or "BENCH" not in one.stdout:
            return {"failed": one.problem()}
        built = json.loads(one.stdout.split("BENCH", 1)[1])
        nodes = built["nodes"]
        rates.append(nodes / max(built["seconds"], 1e-9))
    rate = statistics.median(rates)
    return {"nodes": nodes, "runs": len(rates), "nodes_per_s": rate, "seconds": nodes / rate}


def plain_dot(folder: Path, cap: float) -> dict[str, Any]:
    """Graphviz's `dot -Tsvg` alone on the .dot files of a --depth all render, capped."""
    files = report.dot_files(folder)
    start, peak = time.perf_counter(), 0.0
    for path in files:
        left = cap - (time.perf_counter() - start)
        one = run(["dot", "-Tsvg", str(path), "-o", str(path.with_suffix(".plain.svg"))],
                  max(left, 0.1))
        peak = max(peak, one.max_rss_mb)
        if one.exit_code == -9:
            return {"capped": cap, "max_rss_mb": peak}
    return {"seconds": time.perf_counter() - start, "max_rss_mb": peak, "files": len(files)}


def bench_case(case: Case, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    say = (lambda m: None) if args.silent else (lambda m: print(m, file=sys.stderr, flush=True))
    result: dict[str, Any] = {"case": case.name, "function": case.function}
    bare = [PYTHON, SCRIPT, "--child", "bare", case.source, case.function]
    tool = [PYTHON, "-m", "tfgraphviz", "render", case.source, "-f", case.function, "-q",
            "--layout-timeout", str(args.layout_timeout)]
    views: list[tuple[str, list[str]]] = [("default", [])]
    if case.depth_all and not args.quick:
        views.append(("depth_all", ["--depth", "all"]))
    for label, extra in views:
        say(f"{case.name}: {args.repeat} pairs, bare TensorFlow / render -f {case.function} "
            f"{' '.join(extra)}")
        column = paired(bare, [*tool, *extra], work / f"{case.name}.{label}", args)
        result[label] = column.summary()
        if label == "depth_all" and args.plain_dot and column.pairs:
            say(f"{case.name}: plain dot on the --depth all graph")
            result["plain_dot"] = plain_dot(column.last, args.dot_cap)
    if case.build:
        say(f"{case.name}: model build")
        result["build"] = build_column(case, args)
    return result


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="pairs per column (median)")
    parser.add_argument("--build-repeat", type=int, default=3, help="model-build runs (median)")
    parser.add_argument("--quick", action="store_true",
                        help=f"only {' and '.join(QUICK)}, 2 pairs, no --depth all")
    parser.add_argument("--only", action="append", default=[], help="case name (repeatable)")
    parser.add_argument("--plain-dot", action="store_true",
                        help="also time plain `dot -Tsvg` on the --depth all graphs")
    parser.add_argument("--dot-cap", type=float, default=60.0, help="cap of plain dot, s")
    parser.add_argument("--cap", type=float, default=900.0, help="cap of any other run, s")
    parser.add_argument("--layout-timeout", type=float, default=120.0,
                        help="--layout-timeout given to tfgraphviz render")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs",
                        help="folder for benchmark.md and benchmark.json")
    parser.add_argument("--readme", action="store_true",
                        help="then rewrite README.md's benchmark block from benchmark.json")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: rewrite --out's benchmark.md and README.md's block "
                             "from --out's benchmark.json")
    parser.add_argument("--silent", action="store_true", help="no progress on stderr")
    parser.add_argument("--child", nargs=3, metavar=("bare|build", "FILE", "FUNCTION"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.build_repeat = min(args.repeat, 2), 1
        args.only = args.only or list(QUICK)
    if args.repeat < 1 or args.build_repeat < 1:
        parser.error("--repeat and --build-repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        kind, path, function = args.child
        made = (child_bare if kind == "bare" else child_build)(Path(path), function)
        print("BENCH" + json.dumps(made))
        return 0
    if args.report_only:
        data = json.loads((args.out / "benchmark.json").read_text(encoding="utf-8"))
        (args.out / "benchmark.md").write_text(report.table(data), encoding="utf-8")
        report.write_readme(ROOT / "README.md", data)
        return 0
    started, load = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="tfgv-bench-") as tmp:
        chosen = [c for c in cases(Path(tmp)) if not args.only or c.name in args.only]
        if not chosen or len(chosen) < len(set(args.only)):
            known = ", ".join(c.name for c in cases(Path(tmp)))
            sys.exit(f"benchmark.py: unknown case in --only (cases: {known})")
        results = [bench_case(case, args, Path(tmp)) for case in chosen]
    meta = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "repeat": args.repeat,
            "build_repeat": args.build_repeat, "quick": args.quick,
            "minutes": round((time.perf_counter() - started) / 60, 1),
            "load": [round(load, 1), round(os.getloadavg()[0], 1)]}
    data = {"meta": meta, "results": results}
    text = report.table(data)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmark.md").write_text(text, encoding="utf-8")
    (args.out / "benchmark.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n",
                                             encoding="utf-8")
    if args.readme:
        report.write_readme(ROOT / "README.md", data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
