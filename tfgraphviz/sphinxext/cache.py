"""Renders for the Sphinx directive: a subprocess per file and options, cached by content."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from tfgraphviz._util.imports import local_imports
from tfgraphviz._util.version import __version__

STATUS = "sphinx.json"  # the cache's own note in a render folder: exit code and problems
FORMATS = "svg,pdf"  # HTML embeds the SVG (and its pages), LaTeX includes the PDF


class RenderFailed(Exception):
    """A render that wrote nothing to show; its one-line reason."""


@dataclass(frozen=True)
class Request:
    """What one directive asks: the file and the `render` options."""

    source: Path
    functions: tuple[str, ...] = ()
    depth: str = "auto"
    expand: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    python: str = sys.executable
    timeout: float = 600.0


@dataclass(frozen=True)
class Rendered:
    """A render folder in the cache, and whether this call made it."""

    key: str
    folder: Path
    manifest: dict
    problems: tuple[str, ...]
    fresh: bool


def cache_key(request: Request, dependencies: list[Path]) -> str:
    """sha256 of the versions, the interpreter, the options and every file's bytes."""
    try:
        tensorflow = metadata.version("tensorflow")
    except metadata.PackageNotFoundError:
        tensorflow = None
    digest = hashlib.sha256()
    options = {**asdict(request), "source": request.source.name, "timeout": None}
    digest.update(json.dumps([__version__, tensorflow, options, FORMATS], sort_keys=True)
                  .encode())
    source = request.source.resolve()
    for path in [source, *dependencies]:
        digest.update(f"\0{path.relative_to(source.parent)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def command(request: Request, output: Path) -> list[str]:
    """The `python -m tfgraphviz render` command line for a request."""
    argv = [request.python, "-m", "tfgraphviz", "render", str(request.source), "-o",
            str(output), "--format", FORMATS, "--depth", request.depth, "-q",
            "--timeout", f"{request.timeout:g}"]
    for name in request.functions:
        argv += ["-f", name]
    for pattern in request.expand:
        argv += ["--expand", pattern]
    for call in request.calls:
        argv += ["--call", call]
    return argv


def render(request: Request, cache_dir: Path) -> Rendered:
    """The cached render of `request`, made in a subprocess when absent; RenderFailed if none."""
    key = cache_key(request, local_imports(request.source))
    folder = cache_dir / key
    fresh = False
    if not (folder / STATUS).is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _locked(cache_dir / f"{key}.lock"):
            if not (folder / STATUS).is_file():  # another worker may have made it meanwhile
                _run(request, folder)
                fresh = True
    status = json.loads((folder / STATUS).read_text(encoding="utf-8"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Rendered(key, folder, manifest, tuple(status["problems"]), fresh)


def _run(request: Request, folder: Path) -> None:
    """Render into a temporary folder, then move it into place whole; RenderFailed if useless."""
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        done = subprocess.run(command(request, tmp), cwd=request.source.parent,
                              capture_output=True, text=True, errors="replace",
                              timeout=request.timeout + 300, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RenderFailed(f"render took longer than {request.timeout:g} s "
                           f"(tfgraphviz_timeout)") from exc
    except OSError as exc:
        raise RenderFailed(f"cannot run {request.python} (tfgraphviz_python): "
                           f"{exc.strerror}") from exc
    problems = _problems(done.stderr)
    if done.returncode not in (0, 1) or not (tmp / "manifest.json").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        reason = problems[0] if problems else f"render exited with code {done.returncode}"
        raise RenderFailed(reason)
    status = {"exit_code": done.returncode, "problems": problems}
    (tmp / STATUS).write_text(json.dumps(status, indent=1), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)  # a folder left without its status
    os.replace(tmp, folder)


def _problems(stderr: str) -> list[str]:
    """The command's messages without their `tfgraphviz: ` prefix, a tracing error's second
    line (`at file.py:12: code`) joined to its first."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    found: list[str] = []
    for line in lines:
        if not line.startswith("tfgraphviz: "):
            continue
        text = line.removeprefix("tfgraphviz: ")
        if text.startswith("at ") and found:
            found[-1] += f" ({text})"
        else:
            found.append(text)
    return found or lines[-1:]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One render of a key at a time across parallel Sphinx workers (no lock off POSIX)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
