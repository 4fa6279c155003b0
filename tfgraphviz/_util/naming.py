"""File names for function names: injective, bounded, never reserved, independent of the rest."""

from __future__ import annotations

import hashlib
import re

MAX_STEM = 100  # characters; `<stem>.<i>.autograph.py` stays far below any file-system limit
_SAFE = re.compile(r"[A-Za-z0-9_\-.@]")
_RESERVED = {"manifest", "tensorboard"}  # compared case-insensitively (macOS, Windows)
_SUFFIX_LIKE = re.compile(r"\d+|autograph")  # would collide with `f.0.svg`, `f.autograph.py`


def _escape(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))


def file_stem(name: str) -> str:
    """The stem of a function's files, e.g. `Net.__call__` -> `Net.__call__`.

    Characters outside `[A-Za-z0-9_-.@]` and `%` itself are written `%XX` (UTF-8 bytes), so
    different names never share a stem; a leading dot, a dotted part that looks like the
    `.0`/`.autograph` suffixes the pipeline adds, and reserved names (`manifest`,
    `tensorboard`) get their first character escaped; the empty name is `%empty`, which no
    other name gives. A stem longer than MAX_STEM is cut and ends in `~` and a hash of the
    whole name (`~` is always escaped otherwise). The stem depends on the name alone."""
    if name == "":
        return "%empty"
    parts = []
    for i, part in enumerate(name.split(".")):
        text = "".join(c if _SAFE.fullmatch(c) and c != "." else _escape(c) for c in part)
        if part and (i > 0 and _SUFFIX_LIKE.fullmatch(part)
                     or i == 0 and part.lower() in _RESERVED):
            text = _escape(part[0]) + text[1:]
        parts.append(text)
    stem = ".".join(parts)
    if stem.startswith("."):
        stem = "%2E" + stem[1:]
    if len(stem) > MAX_STEM:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        head = stem[:MAX_STEM - 13]
        cut = head.rfind("%")
        if cut >= len(head) - 2:
            head = head[:cut]  # never split a %XX escape
        stem = f"{head}~{digest}"
    return stem
