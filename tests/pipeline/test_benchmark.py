"""scripts/benchmark.py: same work on both sides in alternating pairs, medians of per-pair
ratios, targets with verdicts, and README.md's speed block made from benchmark.json."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def script(name: str) -> types.ModuleType:
    """scripts/NAME.py as a module (scripts/ is not a package)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def test_readme_speed_block_is_what_benchmark_json_gives() -> None:
    report = script("benchmark_report")
    data = json.loads((ROOT / "outputs" / "benchmark.json").read_text(encoding="utf-8"))
    assert report.readme_block_in(ROOT / "README.md") == report.readme_block(data), (
        "README.md's benchmark block drifted: run scripts/benchmark.py --report-only")
    assert "adds its own tracing" in " ".join(report.readme_block(data).split())


def test_ratios_are_medians_of_the_per_pair_ratios() -> None:
    bench = script("benchmark")
    pairs = [{"order": "bare,tool", "bare_s": 10.0, "tool_s": 12.0, "bare_mb": 500, "tool_mb": 600},
             {"order": "tool,bare", "bare_s": 4.0, "tool_s": 8.0, "bare_mb": 400, "tool_mb": 400},
             {"order": "bare,tool", "bare_s": 5.0, "tool_s": 5.5, "bare_mb": 500, "tool_mb": 550}]
    summary = bench.Paired(pairs=pairs).summary()
    # the ratio of the medians would be 8.0 / 5.0 = 1.6; the median of 1.2, 2.0, 1.1 is 1.2
    assert summary["time_ratio"] == pytest.approx(1.2)
    assert summary["mem_ratio"] == pytest.approx(1.1)
    assert summary["tool_s"] == 8.0 and summary["bare_s"] == 5.0


def test_targets_say_whether_met_and_by_how_much() -> None:
    report = script("benchmark_report")
    assert report.verdict(report.TIME_FORWARD, 1.10) == "met"
    assert report.verdict(report.TIME_FORWARD, 1.15) == "met"
    assert report.verdict(report.TIME_FORWARD, 1.265) == "missed by 10%"
    assert report.verdict(report.BUILD_RATE, 28.0) == "missed by 72%"
    assert report.verdict(report.BUILD_RATE, 120.0) == "met"
    assert report.verdict(report.MEMORY, None) == "not measured"
    rows = [{"case": f"chain_{k}", "function": "chain", "build": {"nodes_per_s": rate}}
            for k, rate in (("1k", 50_000.0), ("64k", 30_000.0))]
    found = {(t.what, case): value for t, case, value in
             report.targets({"meta": {}, "results": rows})}
    assert found[(report.LINEAR.what, "chain_1k, chain_64k")] == pytest.approx(0.6)
    assert found[(report.BUILD_RATE.what, "chain_64k")] == pytest.approx(30.0)
    assert found[(report.TIME_FORWARD.what, "resnet50_forward")] is None  # not measured


@pytest.mark.slow
def test_benchmark_smoke_run_on_the_smallest_cases(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "benchmark.py"), "--quick", "--out", str(tmp_path),
         "--silent"], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "benchmark.json").read_text(encoding="utf-8"))
    rows = {r["case"]: r for r in data["results"]}
    assert sorted(rows) == ["article_tf1_graph", "chain_1k"]
    chain = rows["chain_1k"]
    assert chain["function"] == "chain"
    default = chain["default"]
    assert [p["order"] for p in default["pairs"]] == ["bare,tool", "tool,bare"]
    assert default["bare_s"] > 0 and default["bare_mb"] > 100 and default["tool_mb"] > 100
    assert default["info"]["bare"]["nodes"] >= 1000  # the traced chain, as TensorFlow sees it
    assert default["info"]["model_nodes"] == 1002 and default["info"]["model_edges"] == 1001
    assert default["info"]["svgs"] == 1 and default["info"]["canvas"].endswith("pt")
    assert chain["build"]["nodes"] == 1002 and chain["build"]["nodes_per_s"] > 0
    assert rows["article_tf1_graph"]["default"]["info"]["bare"]["nodes"] >= 5
    table = (tmp_path / "benchmark.md").read_text(encoding="utf-8")
    assert table == proc.stdout.rstrip("\n") + "\n"
    row = next(line for line in table.splitlines() if line.startswith("| chain_1k |"))
    assert "| 1002/1001 |" in row and row.count("× |") >= 2  # ratios to bare TensorFlow
    assert "| model build ≥ 100k nodes/s | chain_1k |" in table
