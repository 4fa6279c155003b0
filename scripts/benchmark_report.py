"""The report part of scripts/benchmark.py: facts of a render's files, the table with its targets
(outputs/benchmark.md) and README.md's speed block, all made from benchmark.json's data."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN = "<!-- benchmark: made by `scripts/benchmark.py --readme` from outputs/benchmark.json -->"
END = "<!-- /benchmark -->"

_SVG_ROOT = re.compile(r"<svg\b[^>]*?width=\"([\d.]+)(\w*)\"[^>]*?height=\"([\d.]+)(\w*)\"", re.S)


def render_facts(folder: Path) -> dict[str, Any]:
    """Sizes of one render: model nodes and edges, SVG files, bytes, drawn nodes, widest canvas."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    nodes = edges = svg_bytes = drawn = svgs = 0
    widest = (0.0, 0.0, "")
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


# ---- targets ----

@dataclass(frozen=True)
class Target:
    what: str  # as the table and the README say it
    limit: float
    at_most: bool  # the measured value must be <= limit (else >=)
    unit: str  # "x" (a ratio) or "k nodes/s"


TIME_FORWARD = Target("default render, ResNet50 forward", 1.15, True, "x")
TIME_STEP = Target("default render, training step", 1.2, True, "x")
TIME_ALL = Target("`--depth all`, 10k-15k-op training step", 1.3, True, "x")
BUILD_RATE = Target("model build", 100.0, False, "k nodes/s")
LINEAR = Target("model build linear 1k→64k (nodes/s at 64k ÷ at 1k)", 0.8, False, "x")
MEMORY = Target("peak memory", 1.2, True, "x")
STEPS = ("resnet50_train_step", "mobilenetv2_train_step")  # 14,517 and 10,908 ops


def _fmt(value: float, unit: str) -> str:
    return f"{value:.0f}k nodes/s" if unit == "k nodes/s" else f"{value:.2f}×"


def verdict(target: Target, value: float | None) -> str:
    """'met' or 'missed by N%' (how far the measured value is from the limit)."""
    if value is None:
        return "not measured"
    if (value <= target.limit) if target.at_most else (value >= target.limit):
        return "met"
    off = value / target.limit - 1 if target.at_most else 1 - value / target.limit
    return f"missed by {off:.0%}"


def _ratio(row: dict[str, Any] | None, column: str, key: str) -> float | None:
    value = ((row or {}).get(column) or {}).get(key)
    return float(value) if value is not None else None


def _rate(row: dict[str, Any] | None) -> float | None:
    rate = ((row or {}).get("build") or {}).get("nodes_per_s")
    return float(rate) / 1000 if rate is not None else None


def _ops(row: dict[str, Any]) -> int:
    return int(((row.get("default") or {}).get("info") or {}).get("bare", {}).get("nodes", 0))


def targets(data: dict[str, Any]) -> list[tuple[Target, str, float | None]]:
    """(target, case it is measured on, measured value) for each target in benchmark.json."""
    rows = {r["case"]: r for r in data["results"]}
    found: list[tuple[Target, str, float | None]] = [
        (TIME_FORWARD, "resnet50_forward",
         _ratio(rows.get("resnet50_forward"), "default", "time_ratio"))]
    found += [(TIME_STEP, case, _ratio(rows.get(case), "default", "time_ratio"))
              for case in STEPS]
    found += [(TIME_ALL, case, _ratio(rows.get(case), "depth_all", "time_ratio"))
              for case in STEPS]
    chains = [f"chain_{k}" for k in ("1k", "4k", "16k", "64k")]
    found += [(BUILD_RATE, case, _rate(rows.get(case))) for case in chains]
    first, last = _rate(rows.get(chains[0])), _rate(rows.get(chains[-1]))
    found.append((LINEAR, "chain_1k, chain_64k", last / first if first and last else None))
    for r in data["results"]:
        for column in ("default", "depth_all"):
            if _ratio(r, column, "mem_ratio") is not None:
                label = r["case"] + (" (--depth all)" if column == "depth_all" else "")
                found.append((MEMORY, label, _ratio(r, column, "mem_ratio")))
    return found


def _target_rows(data: dict[str, Any], compact: bool = False) -> list[str]:
    """One row per target and case; `compact`: of peak memory only the largest ratio."""
    found = targets(data)
    if compact:
        memory = [f for f in found if f[0] is MEMORY and f[2] is not None]
        found = [f for f in found if f[0] is not MEMORY]
        found += [max(memory, key=lambda f: f[2] or 0.0)] if memory else [(MEMORY, "-", None)]
    lines = ["| target | case | measured | verdict |", "|---|---|---|---|"]
    for target, case, value in found:
        bound = ("≤ " if target.at_most else "≥ ") + _fmt(target.limit, target.unit)
        shown = _fmt(value, target.unit) if value is not None else "-"
        lines.append(f"| {target.what} {bound} | {case} | {shown} | {verdict(target, value)} |")
    return lines


# ---- the table (outputs/benchmark.md) ----

def _col(column: dict[str, Any] | None) -> tuple[str, str, str]:
    """'s MB' of tfgraphviz, its time ratio and memory ratio (medians of per-pair ratios)."""
    if not column:
        return "-", "-", "-"
    if column.get("failed"):
        return str(column["failed"])[:100], "-", "-"
    return (f"{column['tool_s']:.1f} s, {column['tool_mb']:.0f} MB",
            f"{column['time_ratio']:.2f}×", f"{column['mem_ratio']:.2f}×")


def _case_row(r: dict[str, Any]) -> str:
    default, full = r.get("default") or {}, r.get("depth_all")
    info = default.get("info") or {}
    bare = (f"{default['bare_s']:.1f} s, {default['bare_mb']:.0f} MB"
            if default.get("pairs") else "-")
    svg = (f"{info.get('drawn_nodes', 0)}, {info.get('svg_bytes', 0) / 1024:.0f} KB"
           if info else "-")
    if info.get("problems"):
        svg += f" ({info['problems'][:60]})"
    build = r.get("build") or {}
    built = (f"{build['nodes_per_s'] / 1000:.0f}k nodes/s" if "nodes_per_s" in build
             else str(build.get("failed", "-"))[:80])
    plain = r.get("plain_dot") or {}
    dot = (f">{plain['capped']:.0f} s" if "capped" in plain
           else f"{plain['seconds']:.1f} s" if "seconds" in plain else "-")
    pairs = len(default.get("pairs", []))
    return (f"| {r['case']} | `{r['function']}` | {_ops(r) or '-'} | "
            f"{info.get('model_nodes', '-')}/{info.get('model_edges', '-')} | {pairs} | {bare} | "
            + " | ".join(_col(default)) + " | " + " | ".join(_col(full)) +
            f" | {svg} | {dot} | {built} |")


def table(data: dict[str, Any]) -> str:
    meta = data["meta"]
    note = " ".join([
        f"{meta['cpus']} CPUs, Python {meta['python']}; {meta['minutes']} min;",
        _load(meta) + ". Each case names",
        "one function. Bare TensorFlow: import the file, build, trace that function,",
        "`as_graph_def` (a function the file itself calls, as the small examples do, is traced",
        "by importing the file on both sides). tfgraphviz: `render -f FUNCTION` with the",
        "default outputs (dot, svg, json, tensorboard, drill-down pages, manifest,",
        "report.html). Pairs of fresh processes, one pair after another, the order inside a",
        "pair alternating; times are wall times, memory is peak RSS (ru_maxrss, covering the",
        "`dot` children). Seconds and MB are medians over the pairs; **×TF are medians of the",
        "per-pair ratios** tfgraphviz ÷ bare TensorFlow. Model build: extraction + networkx",
        "model (public capture_file and to_networkx), median of",
        f"{meta['build_repeat']} fresh process(es)."])
    if any("plain_dot" in r for r in data["results"]):
        note += " Plain dot: Graphviz alone on the --depth all graph, once."
    head = ("| case | function | TF ops | model nodes/edges | pairs | bare TF | render -f "
            "(default) | ×TF time (median of pair ratios) | ×TF mem (median of pair ratios) | "
            "--depth all | ×TF time | ×TF mem | default SVG (drawn nodes, size) | plain dot | "
            "model build |")
    lines = ["# tfgraphviz benchmark", "", note, "", "## Targets", "", *_target_rows(data), "",
             "## Cases", "", head, "|" + "---|" * (head.count("|") - 1)]
    lines += [_case_row(r) for r in data["results"]]
    return "\n".join(lines) + "\n"


# ---- README.md's block ----

def _load(meta: dict[str, Any]) -> str:
    """The load average (1 min) when the run started and ended: other work skews the times."""
    if not meta.get("load"):
        return "load average not recorded"
    start, end = meta["load"]
    return f"load average {start} at the start, {end} at the end"


def _wrap(text: str) -> str:
    return textwrap.fill(text, 99, break_long_words=False, break_on_hyphens=False)


def readme_block(data: dict[str, Any]) -> str:
    """The README's speed paragraph and target table, between BEGIN and END."""
    meta = data["meta"]
    body = [
        BEGIN,
        _wrap("How long it takes, side by side with bare TensorFlow doing the same work (bare: "
        "import the file, build, trace one function and `as_graph_def` it; tfgraphviz: `render -f` "
        "that function with all default outputs), in pairs of fresh processes with alternating "
        "order, as medians of the per-pair ratios, is in [`outputs/benchmark.md`]"
        "(outputs/benchmark.md), made by `scripts/benchmark.py --readme` (which also writes "
        f"this paragraph; {meta['cpus']} CPUs, {meta['repeat']} pairs per case, "
        f"{_load(meta)}):"),
        "",
        *_target_rows(data, compact=True),
        "",
        _wrap("Peak memory is the largest ratio over all cases. These are one function each. "
        "Rendering a whole file draws every tf.function and Keras model in it, and each "
        "other drawing (a Keras model beside the function, say) adds its own tracing, build "
        "and layout; `-f NAME` draws only NAME."),
        END,
    ]
    return "\n".join(body)


def write_readme(readme: Path, data: dict[str, Any]) -> None:
    """Replace README.md's block (BEGIN ... END) with readme_block(data)."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    readme.write_text(text[:start] + readme_block(data) + text[end:], encoding="utf-8")


def readme_block_in(readme: Path) -> str:
    """The block as README.md has it now."""
    text = readme.read_text(encoding="utf-8")
    return text[text.index(BEGIN):text.index(END) + len(END)]
