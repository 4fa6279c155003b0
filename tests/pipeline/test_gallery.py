"""The committed gallery in outputs/ is what a fresh render of the examples gives, and
scripts/render_gallery.py never costs the committed files when a render cannot be made."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT

SCRIPT = str(ROOT / "scripts" / "render_gallery.py")


def run_gallery(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, SCRIPT, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=1200, check=False, env=env)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def gallery_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "outputs"
    shutil.copytree(ROOT / "outputs", copy)
    return copy


def test_missing_dot_leaves_the_outputs_untouched(gallery_copy: Path, tmp_path: Path) -> None:
    before = tree(gallery_copy)
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = run_gallery("--out", str(gallery_copy), path=str(empty))
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "`dot` is not on PATH" in lines[0], proc.stderr
    assert "outputs/ was not touched" in lines[0]
    assert tree(gallery_copy) == before
    assert sorted(p.name for p in gallery_copy.iterdir()) == sorted(
        p.name for p in (ROOT / "outputs").iterdir())


@pytest.mark.slow
def test_a_failed_render_leaves_that_example_untouched(gallery_copy: Path,
                                                       tmp_path: Path) -> None:
    """A `dot` that answers -V but cannot lay anything out (a broken Graphviz install: faked,
    since the real one works here): the example's committed folder stays as it was."""
    fake = tmp_path / "bin"
    fake.mkdir()
    dot = fake / "dot"
    dot.write_text('#!/bin/sh\nif [ "$1" = -V ]; then echo "dot - graphviz version 2.43.0 (0)"'
                   ' >&2; exit 0; fi\necho "Error: broken install" >&2\nexit 1\n')
    dot.chmod(0o755)
    before = tree(gallery_copy)
    proc = run_gallery("--out", str(gallery_copy), "--only", "control_deps",
                       path=f"{fake}{os.pathsep}{os.environ.get('PATH', '')}")
    assert proc.returncode == 1, proc.stderr
    assert "control_deps: outputs left as they were" in proc.stderr
    assert tree(gallery_copy) == before
    assert [p.name for p in gallery_copy.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_a_good_render_replaces_the_folder_and_says_why_it_exits_1(gallery_copy: Path) -> None:
    folder = gallery_copy / "article_variable_fails"
    (folder / "f.svg").unlink()
    (folder / "stale.svg").write_text("<svg/>")
    proc = run_gallery("--out", str(gallery_copy), "--only", "article_variable_fails")
    assert proc.returncode == 0, proc.stderr
    assert ("article_variable_fails: exit 1 (expected: the second trace creates a tf.Variable"
            " on a non-first call and fails — the lesson)") in proc.stdout
    assert (folder / "f.svg").is_file() and (folder / "manifest.json").is_file()
    assert not (folder / "stale.svg").exists()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if "source_path" in manifest:  # relative to the folder: still right after the swap
        example = ROOT / "tfgraphviz" / "examples" / "article_variable_fails.py"
        assert (folder / manifest["source_path"]).resolve() == example.resolve()
    assert [p.name for p in gallery_copy.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_outputs_match_a_fresh_render() -> None:
    proc = run_gallery("--check")
    assert proc.returncode == 0, (
        f"outputs/ is stale; run .venv/bin/python scripts/render_gallery.py\n{proc.stderr}")


def _retag(folder: Path, version: str) -> None:
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["graphviz"] = version
    manifest.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                        encoding="utf-8")


@pytest.mark.slow
def test_check_compares_drawings_only_with_the_graphviz_the_gallery_was_made_with(
        gallery_copy: Path) -> None:
    """Another Graphviz lays out the same DOT differently: --check then compares the drawings
    by name only, and still every DOT/JSON byte; with the same Graphviz, an SVG byte counts.
    (The copy's manifest differs anyway: its source_path is relative to another folder.)"""
    folder = gallery_copy / "control_deps"
    svg = sorted(folder.glob("*.svg"))[0]
    svg.write_bytes(svg.read_bytes().replace(b"</svg>", b"<!-- other layout --></svg>"))
    proc = run_gallery("--check", "--out", str(gallery_copy), "--only", "control_deps")
    assert f"differs: {svg.name}" in proc.stderr, proc.stderr
    assert "compared by name only" not in proc.stdout
    _retag(folder, "1.0.0")
    proc = run_gallery("--check", "--out", str(gallery_copy), "--only", "control_deps")
    assert "the gallery was made with 1.0.0: drawings compared by name only" in proc.stdout
    assert "differs: " in proc.stderr and ".svg" not in proc.stderr, proc.stderr
    assert ".dot" not in proc.stderr, proc.stderr
    dot = sorted(folder.glob("*.dot"))[0]
    dot.write_text(dot.read_text(encoding="utf-8") + "// edited\n", encoding="utf-8")
    proc = run_gallery("--check", "--out", str(gallery_copy), "--only", "control_deps")
    assert f"differs: {dot.name}" in proc.stderr, proc.stderr
