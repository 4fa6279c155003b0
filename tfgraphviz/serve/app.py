"""The serve command: targets checked, server bound, watchers polled until Ctrl-C/SIGTERM."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

from tfgraphviz.console import Console
from tfgraphviz.errors import InputError, SourceFileError
from tfgraphviz.serve.http import Server, Site, is_loopback
from tfgraphviz.serve.renderer import Renderer, Target
from tfgraphviz.serve.watch import Watcher

POLL = 0.25  # seconds between two looks at the watched files
# the render options serve passes on: (attribute, option, kind)
RENDER_OPTIONS = (("function", "-f", "list"), ("skip", "--skip", "list"),
                  ("format", "--format", "value"), ("call", "--call", "list"),
                  ("dpi", "--dpi", "value"), ("timeout", "--timeout", "value"),
                  ("depth", "--depth", "value"), ("expand", "--expand", "list"),
                  ("noise", "--noise", "value"), ("layout_timeout", "--layout-timeout", "value"))


def render_argv(args: argparse.Namespace) -> list[str]:
    """The options of `args` as `tfgraphviz render` takes them."""
    argv: list[str] = []
    for attribute, option, kind in RENDER_OPTIONS:
        value = getattr(args, attribute)
        for item in value if kind == "list" else [value]:
            argv += [option, f"{item:g}" if isinstance(item, float) else str(item)]
    if not args.fold:
        argv.append("--no-fold")
    return argv


def _targets(given: str, output: str | None) -> tuple[list[Target], str | None]:
    """One target for a file; for a folder, one per .py file in it, each in OUT/<stem>."""
    path = Path(given)
    if path.is_dir():
        folder = path.resolve()
        out = Path(os.path.abspath(output or os.path.join("tfgraphviz-out", folder.name)))
        files = sorted(p for p in folder.glob("*.py") if p.is_file() and not p.is_symlink())
        if not files:
            raise InputError(f"{given}: a folder with no .py file; give a Python file or a "
                             "folder of them")
        return [Target(p.name, p, out / p.stem, f"{p.stem}/") for p in files], str(folder)
    if not path.is_file():
        raise SourceFileError(f"{given}: no such file or folder; give a Python file or a "
                              "folder of them")
    source = path.resolve()
    out = Path(os.path.abspath(output or os.path.join("tfgraphviz-out", source.stem)))
    return [Target(source.name, source, out, "")], None


def _check_options(args: argparse.Namespace, targets: list[Target]) -> None:
    """The render options checked once, before anything starts (a syntax error in the file
    is not fatal here: the page shows it until the file is fixed)."""
    from tfgraphviz.pipeline import plan

    for target in targets:
        try:
            plan(target.source, target.output, functions=args.function, formats=args.format,
                 calls=args.call, layout_timeout=args.layout_timeout, dpi=args.dpi,
                 depth=args.depth, expand=args.expand, fold=args.fold,
                 noise={"auto": None, "on": True, "off": False}[args.noise], skip=args.skip)
        except SourceFileError:
            if not target.source.is_file():
                raise


def _bind(host: str, port: int, site: Site) -> Server:
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: give a port from 1 to 65535, or 0 for a free one")
    try:
        return Server((host, port), site)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot listen on {host}:{port} ({reason}); try another --port, "
                         "e.g. --port 0 for a free one") from None


def _url(host: str, port: int, token: str | None) -> str:
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(args: argparse.Namespace, console: Console) -> int:
    """Serve until Ctrl-C or SIGTERM; 0 when stopped so, 2 for bad input (raised)."""
    targets, folder = _targets(args.file, args.output)
    _check_options(args, targets)
    token = None if is_loopback(args.host) else secrets.token_urlsafe(32)
    site = Site(targets, folder, token, args.host)
    server = _bind(args.host, args.port, site)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    renderer = Renderer(render_argv(args), console.say, site.publish)
    try:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         name="tfgraphviz-http", daemon=True).start()
        port = server.server_address[1]
        console.say(f"serving {folder or targets[0].source} at {_url(args.host, port, token)}")
        if token:
            console.say("not on loopback: every request needs this token (the link sets a "
                        "cookie); anyone on the network with it can read your code")
        watchers = {t.name: Watcher(t.source, t.output) for t in targets}
        base = targets[0].source.parent
        watched = sorted({os.path.relpath(p, base) for w in watchers.values()
                          for p in w.paths()})
        shown = ", ".join(watched[:8]) + (f" and {len(watched) - 8} more" if watched[8:] else "")
        out = targets[0].output if folder is None else targets[0].output.parent
        console.say(f"watching {shown}; output in {out}; Ctrl-C stops")
        _watch(targets, watchers, renderer, stop)
    finally:
        renderer.close()
        site.close()
        server.shutdown()
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    console.say("stopped")
    return 0


def _watch(targets: list[Target], watchers: dict[str, Watcher], renderer: Renderer,
           stop: threading.Event) -> None:
    """Render every target once, then again each time its sources change."""
    renderer.start()
    for target in targets:
        renderer.request(target)
    while not stop.wait(POLL):
        now = time.monotonic()
        for target in targets:
            if watchers[target.name].poll(now):
                renderer.request(target)
