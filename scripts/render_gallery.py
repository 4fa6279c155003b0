"""Render every bundled example into outputs/ with the real CLI, or check that outputs/ is fresh.

    .venv/bin/python scripts/render_gallery.py            # regenerate outputs/
    .venv/bin/python scripts/render_gallery.py --check    # render into a temporary folder, compare
    .venv/bin/python scripts/render_gallery.py --only control_deps   # one example (repeatable)

--check compares DOT, JSON, manifests and reports byte for byte always, and the SVG/PNG/PDF
drawings only when this machine's Graphviz is the version the gallery was made with (each
example's manifest.json records it): another Graphviz lays out the same DOT differently.

Each example is rendered into a temporary folder first; its folder in outputs/ is replaced only
when that render ended as expected, so a missing or broken Graphviz never costs the committed
files. Exit 0 when every example rendered as expected, 1 otherwise, 3 when `dot` is missing.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tfgraphviz" / "examples"
PROG = "render_gallery"


@dataclass(frozen=True)
class Example:
    """How the gallery renders one example and how that render is expected to end."""

    args: list[str] = field(default_factory=list)
    exit_code: int = 0
    why: str = ""  # for a non-zero exit: the lesson the failure demonstrates
    stderr_has: str = ""  # ... and the words that prove it failed for that reason


_VARIABLE_ERROR = "tf.function only supports singleton tf.Variables created on the first call"

GALLERY: dict[str, Example] = {
    "article_tf1_graph": Example(),
    "article_eager": Example(
        ["-f", "f"], 1,
        "tracing the eager function as a tf.function fails: it creates a tf.Variable on every"
        " call — the lesson", _VARIABLE_ERROR),
    "article_variable_fails": Example(
        [], 1,
        "the second trace creates a tf.Variable on a non-first call and fails — the lesson",
        _VARIABLE_ERROR),
    "article_global_fix": Example(),
    "article_class_fix": Example(),
    "article_variable_argument": Example(),
    "loops_and_conds": Example(),
    "control_deps": Example(),
    "keras_model": Example(),
    "training_step": Example(),
    "gan_fit": Example(["--format", "dot,svg,json"]),
    "text_model": Example(["--format", "dot,svg,json"]),
    # big models: drawings only (their JSON and TensorBoard files are megabytes)
    "resnet50": Example(["-f", "predict", "-f", "train_step", "--format", "dot,svg"]),
    "transformer": Example(["-f", "predict", "-f", "train_step", "--format", "dot,svg,json"]),
}


def check_dot() -> str | None:
    """None when Graphviz's `dot` runs, else a one-line reason."""
    exe = shutil.which("dot")
    if exe is None:
        return ("Graphviz's `dot` is not on PATH; install it (bash scripts/setup.sh, or apt-get"
                " install graphviz) and run this again. outputs/ was not touched")
    try:
        proc = subprocess.run([exe, "-V"], capture_output=True, text=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Graphviz's `dot` ({exe}) does not run: {exc}. outputs/ was not touched"
    if proc.returncode != 0:
        return (f"Graphviz's `dot` ({exe}) does not run (exit {proc.returncode}):"
                f" {proc.stderr.strip()[:200]}. outputs/ was not touched")
    return None


def render_one(name: str, example: Example, out: Path) -> str | None:
    """Render one example into `out`; None when it ended as expected, else the problem."""
    cmd = [sys.executable, "-m", "tfgraphviz", "render", str(EXAMPLES / f"{name}.py"),
           "-o", str(out), "-q", *example.args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    code = proc.returncode
    if code == example.exit_code and (not example.stderr_has or example.stderr_has in proc.stderr):
        note = f" (expected: {example.why})" if example.why else ""
        print(f"{name}: exit {code}{note}", flush=True)
        return None
    if code == example.exit_code:
        why = f"exit {code} as expected, but not because {example.why}"
    else:
        why = f"exit {code}, expected {example.exit_code}"
        if example.why:
            why += f" ({example.why})"
    print(f"{name}: {why}", flush=True)
    return f"{name}: {why}\n{proc.stderr.rstrip()}"


def replace_folder(fresh: Path, target: Path, scratch: Path) -> None:
    """Put `fresh` where `target` is, moving the old folder aside first (same file system)."""
    old = scratch / f"old-{target.name}"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def scratch_folder(out: Path) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder beside `out`: the same file system, and the same depth, so paths that
    the manifest records relative to its folder come out as they would in `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.render-")


def regenerate(out: Path, names: list[str]) -> list[str]:
    """Render each example beside `out`, then swap it in only when it rendered as expected."""
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    with scratch_folder(out) as tmp:
        scratch = Path(tmp)
        for name in names:
            fresh = scratch / name
            problem = render_one(name, GALLERY[name], fresh)
            if problem is None:
                replace_folder(fresh, out / name, scratch)
            else:
                problems.append(problem + f"\n{name}: outputs left as they were")
    return problems


LAYOUTS = (".svg", ".png", ".pdf")  # made by Graphviz: their bytes depend on its version


def graphviz_of(folder: Path) -> str | None:
    """The Graphviz version an example's manifest says its drawings were made with."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("graphviz") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) else None


def _same_manifest(expected: Path, actual: Path) -> bool:
    """Two manifests equal but for the Graphviz version they record."""
    def read(path: Path) -> object:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data.pop("graphviz", None)
        return data
    try:
        return read(expected) == read(actual)
    except (OSError, ValueError):
        return False


def differences(expected: Path, actual: Path, layouts: bool = True) -> list[str]:
    """Files that differ, are missing or are extra between two folders (recursively); with
    `layouts` False, drawings Graphviz made are compared by name only, and manifests but for
    the Graphviz version they record."""
    found = []
    cmp = filecmp.dircmp(expected, actual)
    stack = [(cmp, Path())]
    while stack:
        node, rel = stack.pop()
        found += [f"only in committed outputs/: {rel / n}" for n in node.left_only]
        found += [f"only in fresh render: {rel / n}" for n in node.right_only]
        common = node.common_files
        if not layouts:
            common = [n for n in common if not n.endswith(LAYOUTS)]
        _, mismatch, errors = filecmp.cmpfiles(node.left, node.right, common, shallow=False)
        if not layouts:
            mismatch = [n for n in mismatch if n != "manifest.json"
                        or not _same_manifest(Path(node.left) / n, Path(node.right) / n)]
        found += [f"differs: {rel / n}" for n in mismatch + errors]
        stack += [(sub, rel / n) for n, sub in node.subdirs.items()]
    return sorted(found)


def check(out: Path, names: list[str]) -> list[str]:
    """Render into a temporary folder and list how it differs from `out`."""
    problems = []
    with scratch_folder(out) as tmp:
        fresh = Path(tmp)
        for name in names:
            problem = render_one(name, GALLERY[name], fresh / name)
            if problem is not None:
                problems.append(problem)
            elif (out / name).is_dir():
                made, here = graphviz_of(out / name), graphviz_of(fresh / name)
                if made != here:
                    print(f"{name}: Graphviz {here} here, the gallery was made with {made}:"
                          " drawings compared by name only", flush=True)
                problems += [f"{name}: {d}" for d in differences(out / name, fresh / name,
                                                                   layouts=made == here)]
            else:
                problems.append(f"{name}: not in {out}")
    if names == list(GALLERY) and out.is_dir():
        problems += [f"{p.name}: in {out} but not an example of the gallery"
                     for p in sorted(out.iterdir()) if p.is_dir() and p.name not in GALLERY
                     and not p.name.startswith(".")]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "outputs",
                        help="the gallery folder (default: outputs/)")
    parser.add_argument("--check", action="store_true",
                        help="render into a temporary folder and compare with --out")
    parser.add_argument("--only", action="append", choices=sorted(GALLERY), metavar="NAME",
                        help="only this example; repeatable")
    args = parser.parse_args(argv)
    reason = check_dot()
    if reason is not None:
        print(f"{PROG}: {reason}", file=sys.stderr)
        return 3
    names = args.only or list(GALLERY)
    out = args.out.absolute()
    problems = check(out, names) if args.check else regenerate(out, names)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
