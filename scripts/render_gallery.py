"""Render every bundled example into outputs/ with the real CLI, or check that outputs/ is fresh.

    python scripts/render_gallery.py            # regenerate outputs/
    python scripts/render_gallery.py --check    # render into a temporary folder and compare
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tfgraphviz" / "examples"

# example -> (extra CLI arguments, expected exit code)
GALLERY: dict[str, tuple[list[str], int]] = {
    "article_tf1_graph": ([], 0),
    "article_eager": (["-f", "f"], 1),  # tracing it as a tf.function fails: the lesson
    "article_variable_fails": ([], 1),
    "article_global_fix": ([], 0),
    "article_class_fix": ([], 0),
    "article_variable_argument": ([], 0),
    "loops_and_conds": ([], 0),
    "control_deps": ([], 0),
    "keras_model": ([], 0),
    "training_step": ([], 0),
}


def render_all(out: Path) -> list[str]:
    """Render each example in its own process; return a list of problems."""
    problems = []
    for name, (extra, expected) in GALLERY.items():
        cmd = [sys.executable, "-m", "tfgraphviz", "render", str(EXAMPLES / f"{name}.py"),
               "-o", str(out / name), "-q", *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        print(f"{name}: exit {proc.returncode}")
        if proc.returncode != expected:
            problems.append(f"{name}: exit {proc.returncode}, expected {expected}\n{proc.stderr}")
    return problems


def differences(expected: Path, actual: Path) -> list[str]:
    """Files that differ, are missing or are extra between two folders (recursively)."""
    found = []
    cmp = filecmp.dircmp(expected, actual)
    stack = [(cmp, Path())]
    while stack:
        node, rel = stack.pop()
        found += [f"only in committed outputs/: {rel / n}" for n in node.left_only]
        found += [f"only in fresh render: {rel / n}" for n in node.right_only]
        _, mismatch, errors = filecmp.cmpfiles(node.left, node.right, node.common_files,
                                               shallow=False)
        found += [f"differs: {rel / n}" for n in mismatch + errors]
        stack += [(sub, rel / n) for n, sub in node.subdirs.items()]
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "outputs")
    parser.add_argument("--check", action="store_true",
                        help="render into a temporary folder and compare with --out")
    args = parser.parse_args()
    if not args.check:
        for name in GALLERY:
            shutil.rmtree(args.out / name, ignore_errors=True)
        problems = render_all(args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            problems = render_all(Path(tmp))
            problems += [d for d in differences(args.out, Path(tmp)) if "README" not in d]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
