"""One exception hierarchy whose messages are written for users."""

from __future__ import annotations

# What the user's code may raise when tfgraphviz only looks at one of its objects (a property,
# __getattr__, __class__ or an isinstance check running the file's code): everything but
# Ctrl-C. Such an object is skipped with a note; it never ends the run.
PROBE_ERRORS: tuple[type[BaseException], ...] = (Exception, SystemExit, GeneratorExit)


class TfGraphvizError(Exception):
    """Base class: the message is one line a user can act on."""

    exit_code = 2


class InputError(TfGraphvizError):
    """The file or the options given cannot be used."""


class SourceFileError(InputError):
    """The Python file is missing, unreadable, or fails at import."""


class NoFunctionsError(InputError):
    """The file defines no tf.function (or none matches the names asked for)."""


class FunctionNotFoundError(InputError):
    """A name given with --function does not exist in the file."""


class CallSpecError(InputError):
    """A --call expression cannot be parsed or evaluated."""


class GraphvizNotFoundError(TfGraphvizError):
    """Graphviz's `dot` is not installed or not on PATH."""

    exit_code = 3


class LayoutError(TfGraphvizError):
    """Graphviz failed on a graph."""

    exit_code = 1


class LayoutTimeoutError(LayoutError):
    """Graphviz did not finish within the time limit."""


class UnsupportedTensorFlowError(TfGraphvizError):
    """The installed TensorFlow lacks the tracing internals tfgraphviz records."""


class OutputError(TfGraphvizError):
    """The output folder cannot be written."""


def exception_text(exc: BaseException) -> str:
    """`Type: message` on one line for any exception a user's code raised.

    TensorFlow's tracing errors read "in user code: File ... Type: message": their last line
    is the message. Other multi-line messages keep every line (their first line is often the
    cause), joined by spaces. A bare SystemExit says what it is."""
    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({'' if exc.code is None else repr(exc.code)})"
    name = type(exc).__name__
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return name
    text = lines[-1] if lines[0].startswith("in user code:") else " ".join(lines)
    return text if text.startswith(name) else f"{name}: {text}"
