"""One exception hierarchy whose messages are written for users."""

from __future__ import annotations


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


class TracingError(TfGraphvizError):
    """TensorFlow failed to trace one function; other functions still render."""

    exit_code = 1


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
