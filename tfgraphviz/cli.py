"""The `tfgraphviz` command: a thin layer turning errors into one-line messages and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tfgraphviz.console import Console, Watchdog, on_sigterm, quiet_inherited
from tfgraphviz.errors import TfGraphvizError

if TYPE_CHECKING:
    from tfgraphviz.explain.records import Explanation

EPILOG = """\
examples:
  tfgraphviz render model.py -o outputs/model
  tfgraphviz render model.py -f train_step -f Net.__call__ --format svg,png
  tfgraphviz render model.py --call "f(tf.TensorSpec([None, 3], tf.float32))"
  tfgraphviz render model.py --call "f(tf.ones([2, 2]), 3)"
  tfgraphviz explain model.py          # the same, then what tf.function did and why

exit codes: 0 all rendered; 1 some function could not be traced or laid out (the rest
are rendered); 2 bad input (file, names, options, output folder), TensorFlow older than
2.16, a file that could not be written (the others are), or importing, tracing and waiting
for another render into the folder took longer than --timeout; 3 Graphviz's dot missing;
130/143 interrupted (Ctrl-C/SIGTERM).
"""

SERVE_EPILOG = """\
examples:
  tfgraphviz serve model.py                 # http://127.0.0.1:8000/, reloads on every save
  tfgraphviz serve models/ --port 0         # a folder: an index of its .py files
  tfgraphviz serve model.py --host 0.0.0.0  # other machines: open the URL with its token

exit codes: 0 stopped by Ctrl-C or SIGTERM (the running render is stopped too); 2 bad input
(file or folder, options, port taken).
"""

EXPLAIN_EPILOG = """\
examples:
  tfgraphviz explain model.py
  tfgraphviz explain model.py -f train_step --json
  tfgraphviz explain model.py --call "f(tf.ones([2]))" --call "f(tf.ones([3]))"

exit codes: as for render.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfgraphviz",
        description="Make tf.function visible: trace the tf.functions of a Python file and "
                    "draw their graphs (DOT/SVG/PNG/PDF, JSON, GraphML, TensorBoard logs).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    render = sub.add_parser(
        "render", help="trace a file's tf.functions and write their graphs",
        description="Import FILE, find its tf.functions (module-level functions, methods of "
                    "module-level objects, tf.Graph objects, built Keras models), trace them "
                    "into ConcreteFunctions and write one set of files per ConcreteFunction "
                    "plus manifest.json.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    explain = sub.add_parser(
        "explain", help="render like `render`, then say what tf.function did and why",
        description="Render FILE exactly like `render` (same options, same files), then print\n"
                    "what tf.function did: every trace and what caused each retrace, what\n"
                    "Python printed while tracing beside the tf.print ops, the tf.Variable\n"
                    "pitfall and its fixes, which statements AutoGraph turned into graph\n"
                    "control flow, the control edges added, and the variables used. One\n"
                    "finding a line, with its file:line. The same object is stored in\n"
                    "manifest.json under \"explain\" and shown in report.html.",
        epilog=EXPLAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    explain.add_argument("--json", action="store_true",
                         help="print the explanation as one JSON object instead of lines "
                              "(nothing else on stdout), e.g. tfgraphviz explain f.py --json")
    for command in (render, explain):
        _render_options(command, command is explain)
    serve = sub.add_parser(
        "serve", help="re-render a file on every change and show it in the browser",
        description="Render FILE (or each .py file of DIR) in a fresh `tfgraphviz render` "
                    "process whenever it or a file beside it that it imports changes, serve "
                    "the output folder over HTTP and a page that reloads when a render is done.",
        epilog=SERVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--port", type=int, default=8000, metavar="N",
                       help="port to listen on, 0 for a free one (default: %(default)s)")
    serve.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                       help="address to listen on (default: %(default)s, this machine only); "
                            "any other address requires the token printed with the URL, "
                            "e.g. --host 0.0.0.0")
    _render_options(serve, False, serve=True)
    sub.add_parser("examples", help="list the bundled example files and their paths",
                   description="Print each bundled example's name, path and first docstring "
                               "line; render one with: tfgraphviz render PATH")
    return parser


def _render_options(render: argparse.ArgumentParser, explain: bool, serve: bool = False) -> None:
    """The options `render`, `explain` and `serve` share (serve: no --list, -q)."""
    from tfgraphviz._util.defaults import DEFAULT_DPI, DEFAULT_FORMATS, FORMATS, LAYOUT_TIMEOUT

    render.add_argument("file", help="the Python file to import (e.g. model.py), a SavedModel "
                        "folder or a .keras file" if not serve
                        else "the Python file to watch, or a folder of them, e.g. model.py")
    render.add_argument("-o", "--output", metavar="DIR",
                        help="folder for the files (default: tfgraphviz-out/<file stem>), "
                             "e.g. -o outputs/model")
    render.add_argument("-f", "--function", action="append", default=[], metavar="NAME",
                        help="render only this function; repeatable. Plain names (f), methods "
                             "(Class.method or obj.method) and plain Python functions (traced "
                             "as if decorated) are accepted, e.g. -f f -f model.__call__")
    render.add_argument("--skip", action="append", default=[], metavar="NAME",
                        help="leave this candidate out (a name as --list shows it, or a glob; "
                             "`f` covers the shadowed definitions f@LINE too); repeatable, "
                             "e.g. --skip 'train_step@*' --skip 'model.*_function'")
    if not serve:  # serve watches Python files
        render.add_argument("--tags", action="append", default=[], metavar="TAG",
                            help="a SavedModel's MetaGraph by its tags (default: serve); "
                                 "repeatable, e.g. --tags serve --tags gpu")
    render.add_argument("--format", default=",".join(DEFAULT_FORMATS), metavar="LIST",
                        help=f"comma-separated formats from {','.join(FORMATS)} "
                             f"(default: %(default)s), e.g. --format svg,png")
    render.add_argument("--call", action="append", default=[], metavar="EXPR",
                        help="trace a function with these arguments: a call expression "
                             "evaluated in the file's namespace (tf and np available), with "
                             "real values or tf.TensorSpec; repeatable, e.g. --call "
                             "\"f(tf.TensorSpec([None], tf.float32), n=3)\"")
    render.add_argument("--dpi", type=float, default=DEFAULT_DPI, metavar="N",
                        help="resolution of --format png in dots per inch (default: "
                             "%(default)g), e.g. --dpi 192 for a high-density screen")
    render.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                        help="stop when importing and tracing the file (and waiting for "
                             "another render into the same folder) take longer, with one line "
                             "and exit 2, earlier files untouched (default: %(default)g), "
                             "e.g. --timeout 60")
    render.add_argument("--depth", default="auto", metavar="N",
                        help="how deep name scopes and cond/while bodies are drawn: a number "
                             "collapses every scope below that level into one node, all draws "
                             "every op, auto (default) the deepest level that stays readable; "
                             "JSON and TensorBoard files always hold every op, e.g. --depth 2")
    render.add_argument("--expand", action="append", default=[], metavar="PATTERN",
                        help="open the scopes whose path matches this glob whatever --depth "
                             "says; repeatable, e.g. --expand 'conv2_block1*'")
    render.add_argument("--no-fold", dest="fold", action="store_false",
                        help="draw runs of identical blocks one by one instead of one node "
                             "marked ×N, e.g. --no-fold")
    render.add_argument("--noise", choices=("auto", "on", "off"), default="auto",
                        help="fold constants, Identity chains and single-use variable reads "
                             "into the op they feed: auto (default) does it unless --depth "
                             "all, e.g. --noise off")
    render.add_argument("--layout-timeout", type=float, default=LAYOUT_TIMEOUT, metavar="SECONDS",
                        help="stop Graphviz after this many seconds per graph; DOT and JSON "
                             "are still written (default: %(default)g), e.g. --layout-timeout "
                             "300")
    if serve:
        render.add_argument("--debug", action="store_true",
                            help="show Python tracebacks of serve itself")
        return
    render.add_argument("--list", action="store_true",
                        help="import the file and print every candidate function with what "
                             "it is or why it is skipped; write nothing, e.g. tfgraphviz "
                             "render f.py --list")
    render.add_argument("-q", "--quiet", action="store_true",
                        help="print only problems (and the explanation), not the list of "
                             "files written, e.g. in scripts: tfgraphviz render f.py -q"
                        if explain else "print only problems, not the list of files "
                        "written, e.g. in scripts: tfgraphviz render f.py -q")
    render.add_argument("--debug", action="store_true",
                        help="show Python tracebacks and TensorFlow's own log messages, e.g. "
                             "when a message is not enough: tfgraphviz render f.py --debug")


def _fixed_hash_seed(argv: Sequence[str] | None) -> None:
    """Re-run under PYTHONHASHSEED=0: AutoGraph orders names by set iteration, and the
    AutoGraph source written must be byte-identical from one process to the next."""
    if argv is None and os.environ.get("PYTHONHASHSEED") is None:
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        args = [sys.executable, "-m", "tfgraphviz", *sys.argv[1:]]
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, args, env)


def _list_examples() -> int:
    import ast

    from tfgraphviz import examples

    for name in examples.names():
        path = examples.path(name)
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        print(f"{name:28} {path}")
        print(f"{'':28} {doc.splitlines()[0] if doc else ''}")
    return 0


def _render(args: argparse.Namespace, console: Console) -> int:
    """Check every argument (no TensorFlow yet), then import, trace and write."""
    from tfgraphviz.pipeline import MAX_SECONDS, execute, list_candidates, plan, positive

    shown = args.output or os.path.join("tfgraphviz-out", Path(args.file).stem)
    timeout = positive(args.timeout, "--timeout", "60", most=MAX_SECONDS)
    watchdog = Watchdog(console, timeout, code=2)
    try:
        if args.list:
            if args.output or args.function or args.call:
                console.error("--list takes only FILE (and --skip, --tags): it writes nothing "
                              "and traces nothing")
                return 2
            watchdog.start()
            for name, what in list_candidates(args.file, args.skip, args.tags):
                console.say(f"{name}: {what}" if what else name)
            return 0
        checked = plan(args.file, shown, functions=args.function, formats=args.format,
                       calls=args.call, layout_timeout=args.layout_timeout, dpi=args.dpi,
                       depth=args.depth, expand=args.expand, fold=args.fold,
                       noise={"auto": None, "on": True, "off": False}[args.noise],
                       skip=args.skip, tags=args.tags)
        watchdog.start()
        if not args.debug:
            import logging

            logging.getLogger("tensorflow").setLevel(logging.ERROR)
        status = console.status if not args.quiet else (lambda _m: None)

        def progress(phase: str) -> None:
            watchdog.progress(phase)
            status(phase)

        as_json = getattr(args, "json", False)
        quiet = args.quiet or as_json
        result = execute(checked, (lambda _m: None) if quiet else console.say, progress)
    finally:
        watchdog.progress("")
        console.status("")
    seen: set[str] = set()
    for problem in result.problems:
        if problem.message not in seen:
            seen.add(problem.message)
            console.error(problem.message)
    if not quiet:
        for name, why in result.notes:  # drawn only when named: not a problem
            if not why.startswith("skipped: "):
                console.error(f"note: {name}: {why}")
        console.say(f"wrote {os.path.join(shown, 'manifest.json')}")
    if args.command == "explain":
        _print_explanation(result.manifest.get("explain", {}), as_json, console)
    return result.exit_code


def _print_explanation(explanation: dict, as_json: bool, console: Console) -> None:
    """The explanation on stdout: one JSON object (ASCII only, so escaping leaves it valid),
    or one finding a line."""
    import json

    from tfgraphviz.explain import to_text

    if as_json:
        console.say(json.dumps(explanation, sort_keys=True, ensure_ascii=True))
    else:
        console.say("\n".join(to_text(cast("Explanation", explanation))))


def _run(args: argparse.Namespace, console: Console) -> int:
    try:
        if args.command == "serve":
            from tfgraphviz.serve import serve

            return serve(args, console)
        return _render(args, console)
    except TfGraphvizError as exc:
        if args.debug:
            console.traceback()
        console.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        console.error("interrupted; files written so far are complete, the rest are missing")
        return 130
    except BaseException as exc:  # noqa: BLE001 - a SystemExit from user code included
        if args.debug:
            console.traceback()
        console.error(f"internal error: {type(exc).__name__}: {exc} (run again with --debug "
                      "and report the traceback)")
        return 70


def main(argv: Sequence[str] | None = None) -> int:
    """The command; called with argv=None (a real command line) it ends the process itself
    once done, whatever threads the user's file started."""
    _fixed_hash_seed(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from tfgraphviz._util.version import __version__

        print(__version__)
        return 0
    if args.command == "examples":
        try:
            return _list_examples()
        except BrokenPipeError:  # e.g. piped into head
            sys.stderr.close()
            return 0
    if args.command not in ("render", "explain", "serve"):
        parser.print_help()
        return 2
    if not args.debug:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    console = Console()
    if args.command != "serve":  # serve stops its render and exits 0
        on_sigterm(console)
        if argv is None and not args.debug:  # a real command line: its own process
            quiet_inherited()
    code = _run(args, console)
    if argv is None:
        console.finish(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
