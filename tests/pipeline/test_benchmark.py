"""scripts/benchmark.py runs end to end on its smallest cases and reports every column."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_benchmark_smoke_run_on_the_smallest_cases(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "benchmark.py"), "--quick", "--only", "chain_1k",
         "--only", "article_tf1_graph", "--out", str(tmp_path), "--silent"],
        capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "benchmark.json").read_text(encoding="utf-8"))
    rows = {r["case"]: r for r in data["results"]}
    assert sorted(rows) == ["article_tf1_graph", "chain_1k"]
    chain = rows["chain_1k"]
    assert chain["bare_tf"]["seconds"] > 0 and chain["bare_tf"]["max_rss_mb"] > 100
    assert chain["bare_tf"]["info"]["nodes"] >= 1000  # the traced chain, as TensorFlow sees it
    default = chain["default"]
    assert default["runs"] == 1 and default["seconds"] > 0 and default["max_rss_mb"] > 100
    assert default["info"]["model_nodes"] == 1002 and default["info"]["model_edges"] == 1001
    assert default["info"]["svgs"] == 1 and default["info"]["canvas"].endswith("pt")
    assert chain["plain_dot"]["seconds"] is not None or chain["plain_dot"]["capped"]
    table = (tmp_path / "benchmark.md").read_text(encoding="utf-8")
    assert table == proc.stdout.rstrip("\n") + "\n"
    row = next(line for line in table.splitlines() if line.startswith("| chain_1k |"))
    assert "| 1002/1001 |" in row and row.count("x |") >= 2  # ratios to bare TensorFlow
