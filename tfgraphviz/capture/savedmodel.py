"""SavedModel folders and `.keras` files as input: checked without TensorFlow, then loaded into
a module whose names are what gets drawn (`serving_default`, `model.__call__`, `model`)."""

from __future__ import annotations

import os
import re
import stat
import sys
import types
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tfgraphviz._util.frame import Frame
from tfgraphviz.errors import SourceFileError

SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
KERAS_MEMBERS = ("config.json",)  # what every .keras archive holds (Keras 3 saving format)
MODEL_NAME = "model"  # the loaded object's name: its functions are `model.<path>`
NESTED_DEPTH = 3  # restored functions of objects this many attributes down are listed


def is_model_input(path: Path) -> bool:
    """A SavedModel folder (or its saved_model.pb) or a `.keras` file, not Python source."""
    if path.suffix.lower() == ".keras":
        return True
    if path.name in SAVED_MODEL_FILES:
        return True
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def check_model_input(path: Path) -> Path:
    """The resolved SavedModel folder or `.keras` file, once it looks like one; else
    SourceFileError with one line a user can act on. Does not import TensorFlow."""
    shown = str(path)
    resolved = path.resolve()
    if resolved.name in SAVED_MODEL_FILES and resolved.is_file():
        resolved = resolved.parent
    if resolved.is_dir():
        entries = sorted(p.name for p in resolved.iterdir())
        if not entries:
            raise SourceFileError(f"{shown}: is an empty folder; give a SavedModel folder "
                                  "(with saved_model.pb), a .keras file or a Python file")
        if not any(name in entries for name in SAVED_MODEL_FILES):
            raise SourceFileError(f"{shown}: is a folder without saved_model.pb, so not a "
                                  "SavedModel; give a SavedModel folder, a .keras file or a "
                                  "Python file")
        return resolved
    if not resolved.is_file():
        raise SourceFileError(f"{shown}: no such file; give a .keras file, a SavedModel "
                              "folder or a Python file")
    try:
        with zipfile.ZipFile(resolved) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceFileError(f"{shown}: is not a readable .keras file (a zip archive): "
                              f"{exc}; save the model again with model.save(...)") from None
    missing = [m for m in KERAS_MEMBERS if m not in names]
    if broken is not None or missing:
        what = f"{broken} is damaged" if broken else f"it has no {missing[0]}"
        raise SourceFileError(f"{shown}: is not a valid .keras file ({what}); save the "
                              "model again with model.save(...)")
    return resolved


_MODULE_PREFIX = "_tfgraphviz_model_"


def model_module_name(path: Path) -> str:
    return _MODULE_PREFIX + "".join(c if c.isalnum() else "_" for c in path.stem)


def is_model_module(module: types.ModuleType) -> bool:
    """A module load_model_input made (its ConcreteFunctions are the saved signatures)."""
    return module.__name__.startswith(_MODULE_PREFIX)


def load_model_input(path: Path, tags: Sequence[str] = ()) -> types.ModuleType:
    """A module holding what the SavedModel (or .keras file) restores: `model` (the restored
    object or Keras model) and each serving signature under its own name."""
    import tensorflow as tf

    module = types.ModuleType(model_module_name(path))
    module.__file__ = str(path)
    try:
        if path.suffix.lower() == ".keras":
            import keras

            module.model = keras.saving.load_model(path)  # type: ignore[attr-defined]
        else:
            loaded = tf.saved_model.load(str(path), tags=list(tags) or None)
            for key in sorted(getattr(loaded, "signatures", {}) or {}):
                setattr(module, key, loaded.signatures[key])
            module.model = loaded  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a corrupt file, missing custom ops, wrong tags
        raise SourceFileError(f"{path.name}: cannot be loaded: {_reason(exc, tags)}") from exc
    sys.modules[module.__name__] = module
    return module


def _reason(exc: BaseException, tags: Sequence[str]) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "incompatible argument to `tags`" in text:  # one MetaGraph, other tags asked for
        saved = text.split("has one MetaGraph with tags", 1)[-1].split(".")[0].strip()
        return f"its MetaGraph has the tags {saved}, not {sorted(tags)}; give those with --tags"
    if "MetaGraphDef associated with tags" in text:
        return (f"no MetaGraph has the tags {sorted(tags) or ['serve']}; give the saved "
                "ones with --tags (saved_model_cli show --dir DIR lists them)")
    if "Op type not registered" in text:
        op = text.split("Op type not registered", 1)[1].split("'")[1:2]
        return (f"it uses the op {op[0] if op else '?'} that this TensorFlow does not have; "
                "import the library that defines it (e.g. tensorflow_text) in a Python file "
                "that loads the model, and render that file")
    first = text[:300]
    return f"{type(exc).__name__}: {first}; the file may be truncated or from another program"


def restored_children(name: str, obj: Any, depth: int = 1) -> list[tuple[str, Any, int]]:
    """(object path, restored object, depth) of the attributes of a restored object, by
    name, down to NESTED_DEPTH (`model.encoder`), each object once."""
    found: list[tuple[str, Any, int]] = []
    seen: set[int] = {id(obj)}

    def walk(prefix: str, owner: Any, level: int) -> None:
        attrs = getattr(owner, "__dict__", {})
        for attr in sorted(attrs):
            value = attrs[attr]
            if attr.startswith("_") or attr == "signatures" or id(value) in seen:
                continue
            seen.add(id(value))
            if type(value).__module__.startswith("tensorflow.python.saved_model"):
                found.append((f"{prefix}.{attr}", value, level))
                if level < NESTED_DEPTH:
                    walk(f"{prefix}.{attr}", value, level + 1)

    walk(name, obj, depth)
    return found


DEBUG_INFO = Path("debug") / "saved_model_debug_info.pb"  # written by save_debug_info=True
# folder -> ({saved function name: {op name: frames}}, {fingerprint: saved function name})
_DEBUG: dict[Path, tuple[dict[str, dict[str, list[Frame]]], dict[tuple[str, ...], str]]] = {}


def debug_sources(concrete: Any, graph_def: Any, folder: Path) -> dict[str, dict[str, list[Frame]]]:
    """{MAIN or a body's function name: {op name: the saving program's frames}} for a
    restored ConcreteFunction, from the SavedModel's debug info (empty without it). The
    functions were renamed when loaded: each is matched to its saved FunctionDef by its ops."""
    from tfgraphviz.capture.records import MAIN

    frames, saved_names = _debug_of(folder)
    if not frames:
        return {}
    found: dict[str, dict[str, list[Frame]]] = {}
    pairs = [(MAIN, concrete.function_def)]
    pairs += [(f.signature.name, f) for f in graph_def.library.function]
    for key, fdef in pairs:
        saved = saved_names.get(_fingerprint(fdef))
        if saved is not None and frames.get(saved):
            found[key] = frames[saved]
    return found


def _fingerprint(fdef: Any) -> tuple[str, ...]:
    """A FunctionDef's ops by name and type: the same before saving and after loading."""
    return tuple(sorted(f"{n.name}|{n.op}" for n in fdef.node_def))


def _debug_of(folder: Path) -> tuple[dict[str, dict[str, list[Frame]]],
                                     dict[tuple[str, ...], str]]:
    if folder not in _DEBUG:
        _DEBUG[folder] = _read_debug(folder)
    return _DEBUG[folder]


def _read_debug(folder: Path) -> tuple[dict[str, dict[str, list[Frame]]],
                                      dict[tuple[str, ...], str]]:
    """The debug info's frames by saved function and op, and the saved FunctionDefs by
    fingerprint ({} and {} when the model was saved without debug info)."""
    from tensorflow.core.framework import graph_debug_info_pb2
    from tensorflow.core.protobuf import saved_model_pb2

    path = folder / DEBUG_INFO
    if not path.is_file() or not (folder / SAVED_MODEL_FILES[0]).is_file():
        return {}, {}
    info = graph_debug_info_pb2.GraphDebugInfo()
    saved = saved_model_pb2.SavedModel()
    try:
        info.ParseFromString(path.read_bytes())
        saved.ParseFromString((folder / SAVED_MODEL_FILES[0]).read_bytes())
    except Exception:  # noqa: BLE001 - a damaged debug file: drawn without source lines
        return {}, {}
    traces = {key: info.traces[key] for key in info.traces}
    traces.update({key: info.traces_by_id[i] for key, i in info.name_to_trace_id.items()
                   if i in info.traces_by_id})
    frames: dict[str, dict[str, list[Frame]]] = {}
    for key, trace in traces.items():
        op, _, function = key.partition("@")
        stack = list(trace.file_line_cols) + [info.frames_by_id[i] for i in trace.frame_id
                                               if i in info.frames_by_id]  # older, newer form
        own = [Frame(Path(info.files[f.file_index]).name, f.line, f.func) for f in stack
               if f.file_index < len(info.files) and f.func != "<module>"
               and not _library_file(info.files[f.file_index])]
        if own:
            frames.setdefault(function, {})[op] = own
    names: dict[tuple[str, ...], str] = {}
    for graph in saved.meta_graphs:
        for fdef in graph.graph_def.library.function:
            names.setdefault(_fingerprint(fdef), fdef.signature.name)
    return frames, names


def _library_file(path: str) -> bool:
    """A file of Python or of an installed package (on the machine that saved the model), not
    of the program that saved it."""
    return ("site-packages" in path or "dist-packages" in path or path.startswith("<")
            or re.search(r"[/\\]lib[/\\]python\d", path) is not None)
