"""Load a Python file as a module: check it without TensorFlow, import it by path, and record
every tf.function it creates."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import re
import signal
import stat
import sys
import tokenize
import traceback
import types
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

from tfgraphviz.capture.hooks.compat import check_tensorflow
from tfgraphviz.capture.hooks.creations import Created, watch_creations
from tfgraphviz.capture.hooks.modelcalls import recorded_inputs, watch_model_calls
from tfgraphviz.errors import SourceFileError, exception_text

__all__ = ["check_input", "check_source", "created_functions", "input_module_name",
           "load_module", "module_name", "recorded_inputs"]


def module_name(path: Path) -> str:
    stem = re.sub(r"\W", "_", path.stem)
    return f"_tfgraphviz_user_{stem}"


def check_input(path: Path) -> Path:
    """check_source for a Python file; for a SavedModel folder or a .keras file, the checks
    savedmodel.check_model_input makes. Never imports TensorFlow."""
    from tfgraphviz.capture import savedmodel

    if savedmodel.is_model_input(path):
        return savedmodel.check_model_input(path)
    return check_source(path)


def input_module_name(path: Path) -> str:
    """The sys.modules name of what load_module made of `path`."""
    from tfgraphviz.capture import savedmodel

    if savedmodel.is_model_input(path):
        return savedmodel.model_module_name(path)
    return module_name(path)


def check_source(path: Path) -> Path:
    """The file's fully resolved absolute path, once it is known to be a readable regular
    file that Python compiles; else SourceFileError with one line a user can act on.

    Does not import TensorFlow (so a wrong path is reported at once) and never opens anything
    but a regular file (a FIFO or a device would block). A UTF-8 BOM and a PEP 263 coding
    declaration are honoured as Python honours them."""
    shown = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SourceFileError(f"{shown}: no such file; give the path of a Python file") from None
    except OSError as exc:
        raise SourceFileError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceFileError(f"{shown}: is a folder; give the path of a Python file")
    if not stat.S_ISREG(info.st_mode):
        raise SourceFileError(f"{shown}: is not a regular file (a pipe, socket or device); "
                              "give the path of a Python file")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceFileError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        if isinstance(exc, UnicodeDecodeError):
            line = data[:exc.start].count(b"\n") + 1
            reason = f"line {line}: byte 0x{data[exc.start]:02x} is not {exc.encoding}"
        raise SourceFileError(f"{shown}: cannot be decoded as Python source ({reason}); save "
                              "it as UTF-8 or declare its encoding (# -*- coding: ... -*-)"
                              ) from None
    try:
        compile(data, shown, "exec", dont_inherit=True)
    except SyntaxError as exc:
        if exc.lineno is None:  # e.g. null bytes: not a text file at all
            raise SourceFileError(f"{shown}: is not Python source ({exc.msg})") from None
        raise SourceFileError(f"{Path(shown).name}:{exc.lineno}: syntax error: {exc.msg}; "
                              "fix the file and run again") from None
    except ValueError as exc:  # null bytes on some Python versions
        raise SourceFileError(f"{shown}: is not Python source ({exc})") from None
    try:
        return Path(os.path.abspath(path)).resolve()
    except (OSError, RuntimeError) as exc:
        raise SourceFileError(f"{shown}: cannot resolve the path ({exc})") from None


# Modules tfgraphviz imports later: imported before the user's folder goes on sys.path, so a
# user file named tensorboard.py or networkx.py is never taken for them.
_PRELOAD = ("numpy", "tensorflow", "networkx", "google.protobuf.json_format",
            "tensorboard.compat.proto.attr_value_pb2", "tensorboard.compat.proto.graph_pb2",
            "tensorboard.compat.proto.event_pb2", "tensorboard.compat.proto.tensor_shape_pb2",
            "tensorboard.summary.writer.record_writer")


def _preload() -> None:
    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # a missing one fails later, where it is used
            pass


_CREATED: weakref.WeakKeyDictionary[types.ModuleType, list[Created]] = \
    weakref.WeakKeyDictionary()


def created_functions(module: types.ModuleType) -> list[Created]:
    """The tf.functions the module's file created at import, in creation order."""
    return list(_CREATED.get(module, []))


def load_module(path: Path, tags: Sequence[str] = ()) -> types.ModuleType:
    """Import the file by its resolved path with its folder on sys.path; errors become
    SourceFileError. Records the tf.functions it creates (see created_functions). A SavedModel
    folder or a .keras file is loaded instead (see savedmodel.load_model_input, `tags`)."""
    from tfgraphviz.capture import savedmodel

    if savedmodel.is_model_input(path):
        check_tensorflow()
        return savedmodel.load_model_input(savedmodel.check_model_input(path), tags)
    path = check_source(path)
    _preload()
    check_tensorflow()  # before the user's code: a missing hook is not the file's fault
    name = module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SourceFileError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    sys.modules[name] = module
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        with watch_creations(path) as created, watch_model_calls(), _kept_signal_handlers():
            spec.loader.exec_module(module)  # the folder stays on sys.path: tracing may import
    except KeyboardInterrupt:
        sys.modules.pop(name, None)
        raise
    except BaseException as exc:  # user code may raise anything, SystemExit too
        sys.modules.pop(name, None)
        raise SourceFileError(
            f"importing {path.name} failed: {_describe(exc, path)}; "
            "fix the file (run it with python to see the full traceback) or use --debug"
        ) from exc
    _CREATED[module] = created
    return module


# What tfgraphviz relies on once the file is imported: SIGTERM and SIGINT end the run with one
# line, SIGCHLD left alone so `dot` can be waited for, SIGPIPE as Python set it
_GUARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGCHLD", "SIGPIPE")


@contextlib.contextmanager
def _kept_signal_handlers() -> Iterator[None]:
    """Put back the handlers of _GUARDED_SIGNALS the file's import changed."""
    saved = {}
    for name in _GUARDED_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            saved[number] = signal.getsignal(number)
    try:
        yield
    finally:
        for number, handler in saved.items():
            if handler is not None and signal.getsignal(number) is not handler:
                with contextlib.suppress(ValueError, OSError):  # not the main thread
                    signal.signal(number, handler)


def _describe(exc: BaseException, path: Path) -> str:
    """`Type: message (file.py:LINE)` with the deepest frame of the user's file."""
    text = exception_text(exc)
    where = ""
    resolved = str(path.resolve())
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == resolved or frame.filename == str(path):
            where = f" ({path.name}:{frame.lineno})"
    return text + where


