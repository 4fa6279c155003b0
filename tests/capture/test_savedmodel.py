"""SavedModel folders and .keras files as input: what is listed and drawn, names that do not
depend on the save, and one clear line for what cannot be loaded (exit 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import DATA, assert_clean_error, run_cli


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real SavedModels and a .keras file, saved by a fresh process."""
    folder = tmp_path_factory.mktemp("saved")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, str(DATA / "make_savedmodels.py"), str(folder)],
                          capture_output=True, text=True, timeout=600, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return folder


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_list_names_signatures_and_restored_functions_by_object_path(saved):
    listed = run_cli("render", str(saved / "counter"), "--list")
    assert listed.code == 0, listed.stderr
    names = [line.split(":")[0] for line in listed.stdout.splitlines() if line.strip()]
    assert names == ["serving_default", "model.__call__", "model.twice"]
    exported = run_cli("render", str(saved / "regressor_export" / "saved_model.pb"), "--list")
    assert "serving_default" in exported.stdout and "model.serve" in exported.stdout


@pytest.mark.slow
def test_a_saved_model_is_drawn_the_same_whichever_save_it_comes_from(saved, tmp_path):
    outs = []
    for folder in ("counter", "counter_again"):
        out = tmp_path / folder
        result = run_cli("render", str(saved / folder), "-o", str(out), "--format", "dot,json")
        assert result.code == 0, result.stderr
        outs.append(out)
    files = sorted(p.name for p in outs[0].iterdir() if p.suffix in (".dot", ".json")
                   and p.name != "manifest.json")
    assert files == sorted(p.name for p in outs[1].iterdir() if p.suffix in (".dot", ".json")
                           and p.name != "manifest.json")
    assert "model.twice.0.dot" in files and "model.twice.1.dot" in files  # two signatures
    for name in files:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    functions = {f["name"]: f for f in _manifest(outs[0])["functions"]}
    assert functions["model.__call__"]["kind"] == "restored"
    graph = json.loads((outs[0] / "model.__call__.json").read_text(encoding="utf-8"))
    variables = {n.get("variable") for n in graph["nodes"] if n.get("kind") == "variable"}
    assert {"model.total", "model.scale.w"} <= variables  # named by their object paths
    ops = {n.get("op") for n in graph["nodes"]}
    assert {"While", "If", "AssignAddVariableOp"} <= ops
    origins = {e.get("origin") for e in graph["links"] if e.get("kind") == "control"}
    assert origins == {"unknown"}  # traced by another program: who added them is not known


@pytest.mark.slow
def test_a_keras_file_draws_its_forward_pass(saved, tmp_path):
    result = run_cli("render", str(saved / "regressor.keras"), "-o", str(tmp_path),
                     "--format", "json")
    assert result.code == 0, result.stderr
    (function,) = _manifest(tmp_path)["functions"]
    assert function["name"] == "model" and function["kind"] == "keras"
    graph = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert {"MatMul", "Relu"} <= {n.get("op") for n in graph["nodes"]}


@pytest.mark.slow
def test_what_cannot_be_loaded_is_one_line_and_exit_2(saved, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not a model")
    truncated = tmp_path / "truncated"
    shutil.copytree(saved / "counter", truncated)
    data = (truncated / "saved_model.pb").read_bytes()
    (truncated / "saved_model.pb").write_bytes(data[: len(data) // 3])
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes((saved / "regressor.keras").read_bytes()[:400])
    cases = {empty: "is an empty folder", other: "without saved_model.pb",
             truncated: "cannot be loaded", corrupt: "is not a readable .keras file"}
    for path, needle in cases.items():
        out = tmp_path / f"out_{path.name}"
        assert_clean_error(run_cli("render", str(path), "-o", str(out)), 2, needle)
        assert not out.exists() or not any(out.iterdir()), path  # nothing written
    assert_clean_error(run_cli("render", str(saved / "counter"), "--tags", "gpu", "-o",
                               str(tmp_path / "tags")), 2, "give those with --tags")


@pytest.mark.slow
def test_source_lines_come_from_the_debug_info_when_it_was_saved(saved, tmp_path):
    """A model saved with save_debug_info=True: its ops, in the main graph and inside the
    While and If bodies, carry the lines of the program that saved it; saved without, none,
    and explain says how to get them."""
    lines = {}
    for folder in ("counter_debug", "counter"):
        out = tmp_path / folder
        result = run_cli("explain", str(saved / folder), "-o", str(out), "-f", "model.__call__",
                         "--format", "json")
        assert result.code == 0, result.stderr
        graph = json.loads((out / "model.__call__.json").read_text(encoding="utf-8"))
        lines[folder] = {n["id"].rsplit("::", 1)[-1]: n.get("source") for n in graph["nodes"]
                         if n.get("op") in ("While", "AssignAddVariableOp")}
        assert ("debug info" in result.stdout) and (
            ("save_debug_info=True" in result.stdout) == (folder == "counter"))
    assert lines["counter"] == {"while": [], "while/cond/AssignAddVariableOp": []}
    assert lines["counter_debug"]["while"] == ["make_savedmodels.py:20 in __call__"]
    assert lines["counter_debug"]["while/cond/AssignAddVariableOp"][-1] == \
        "make_savedmodels.py:22 in __call__"  # self.total.assign_add(...), inside for and if
