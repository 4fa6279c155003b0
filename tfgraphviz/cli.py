"""The `tfgraphviz` command: a thin layer turning errors into one-line messages and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tfgraphviz.errors import TfGraphvizError

EPILOG = """\
examples:
  tfgraphviz render model.py -o outputs/model
  tfgraphviz render model.py -f train_step -f Net.__call__ --format svg,png
  tfgraphviz render model.py --call "f(tf.TensorSpec([None, 3], tf.float32))"
  tfgraphviz render model.py --call "f(tf.ones([2, 2]), 3)"

exit codes: 0 all rendered; 1 some function could not be traced or laid out (the rest
are rendered); 2 bad input (file, names, options, output folder); 3 Graphviz's dot missing.
"""


def build_parser() -> argparse.ArgumentParser:
    from tfgraphviz.render import DEFAULT_FORMATS, FORMATS

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
    render.add_argument("file", help="the Python file to import, e.g. model.py")
    render.add_argument("-o", "--output", metavar="DIR",
                        help="folder for the files (default: tfgraphviz-out/<file stem>), "
                             "e.g. -o outputs/model")
    render.add_argument("-f", "--function", action="append", default=[], metavar="NAME",
                        help="render only this function; repeatable. Plain names (f), methods "
                             "(Class.method or obj.method) and plain Python functions (traced "
                             "as if decorated) are accepted, e.g. -f f -f model.__call__")
    render.add_argument("--format", default=",".join(DEFAULT_FORMATS), metavar="LIST",
                        help=f"comma-separated formats from {','.join(FORMATS)} "
                             f"(default: %(default)s), e.g. --format svg,png")
    render.add_argument("--call", action="append", default=[], metavar="EXPR",
                        help="trace a function with these arguments: a call expression "
                             "evaluated in the file's namespace (tf and np available), with "
                             "real values or tf.TensorSpec; repeatable, e.g. --call "
                             "\"f(tf.TensorSpec([None], tf.float32), n=3)\"")
    render.add_argument("--layout-timeout", type=float, default=60.0, metavar="SECONDS",
                        help="stop Graphviz after this many seconds per graph; DOT and JSON "
                             "are still written (default: %(default)g), e.g. --layout-timeout "
                             "300")
    sub.add_parser("examples", help="list the bundled example files and their paths",
                   description="Print each bundled example's name, path and first docstring "
                               "line; render one with: tfgraphviz render PATH")
    render.add_argument("-q", "--quiet", action="store_true",
                        help="print only problems, not the list of files written, e.g. in "
                             "scripts: tfgraphviz render f.py -q")
    render.add_argument("--debug", action="store_true",
                        help="show Python tracebacks and TensorFlow's own log messages, e.g. "
                             "when a message is not enough: tfgraphviz render f.py --debug")
    return parser


def _error(message: str) -> None:
    first, *rest = message.strip().splitlines() or [""]
    print(f"tfgraphviz: {first}", file=sys.stderr)
    for line in rest[:1]:
        print(f"tfgraphviz: {line.strip()}", file=sys.stderr)


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


def main(argv: Sequence[str] | None = None) -> int:
    _fixed_hash_seed(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from tfgraphviz import __version__

        print(__version__)
        return 0
    if args.command == "examples":
        try:
            return _list_examples()
        except BrokenPipeError:  # e.g. piped into head
            sys.stderr.close()
            return 0
    if args.command != "render":
        parser.print_help()
        return 2
    if not args.debug:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from pathlib import Path

    from tfgraphviz.render import render

    path = Path(args.file)
    output = Path(args.output) if args.output else Path("tfgraphviz-out") / path.stem
    log = (lambda _m: None) if args.quiet else print
    try:
        if not args.debug:
            import logging

            logging.getLogger("tensorflow").setLevel(logging.ERROR)
        result = render(path, output, functions=args.function, formats=args.format,
                        calls=args.call, layout_timeout=args.layout_timeout, log=log)
    except TfGraphvizError as exc:
        if args.debug:
            raise
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted; files written so far are complete, the rest are missing")
        return 130
    except Exception as exc:
        if args.debug:
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (run again with --debug and "
               "report the traceback)")
        return 70
    seen: set[str] = set()
    for problem in result.problems:
        if problem.message not in seen:
            seen.add(problem.message)
            _error(problem.message)
    if not args.quiet:
        print(f"wrote {output / 'manifest.json'}")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
