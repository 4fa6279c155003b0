"""The files of a user's folder that a Python file imports (what `serve` watches and what the
Sphinx directive's cache key hashes), read from the code, never imported."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

IGNORED_PARTS = ("__pycache__",)


def local_imports(source: Path, exclude: Path | None = None) -> list[Path]:
    """The files under `source`'s folder (on sys.path when it is imported) that it imports,
    followed from import to import: `import helpers`, `from pkg.mod import x`, `from . import
    y`; sorted, resolved. Never `source` itself, a symbolic link, `__pycache__` or a file under
    `exclude` (serve's output folder); a file that does not parse imports nothing."""
    root = source.resolve()
    folder = root.parent
    outside = exclude.resolve() if exclude is not None else None
    seen: set[Path] = set()
    todo = [root]
    while todo:
        path = todo.pop()
        try:
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for base, parts in _imported_modules(tree, folder, path.parent):
            for found in _module_files(base, parts):
                if (found != root and found not in seen and found.is_relative_to(folder)
                        and not set(found.parts) & set(IGNORED_PARTS)
                        and not (outside is not None and found.is_relative_to(outside))):
                    seen.add(found)
                    todo.append(found)
    return sorted(seen)


def _imported_modules(tree: ast.AST, folder: Path, here: Path) -> Iterator[tuple[Path, list[str]]]:
    """(folder to resolve from, dotted parts) of every module an import in `tree` may load:
    absolute imports from the imported file's folder, relative ones from `here`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield folder, alias.name.split(".")
        elif isinstance(node, ast.ImportFrom):
            base = here if node.level else folder
            for _ in range(node.level - 1):  # `from .. import x`: one folder up per extra dot
                base = base.parent
            module = node.module.split(".") if node.module else []
            yield base, module
            for alias in node.names:  # `from pkg import mod` may load pkg/mod.py
                yield base, [*module, alias.name]


def _module_files(base: Path, parts: list[str]) -> Iterator[Path]:
    """The files of `parts` and of each package above it under `base` (links not followed)."""
    for end in range(1, len(parts) + 1):
        if not parts[end - 1].isidentifier():
            return
        stem = base.joinpath(*parts[:end])
        for found in (stem.with_suffix(".py"), stem / "__init__.py"):
            if found.is_file() and not found.is_symlink():
                yield found
