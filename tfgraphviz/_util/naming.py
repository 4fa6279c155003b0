"""File names for function names: injective, bounded, never reserved, independent of the rest."""

from __future__ import annotations

import hashlib
import re

MAX_STEM = 100  # characters; `<stem>.<i>.autograph.py` stays far below any file-system limit
_SAFE = re.compile(r"[A-Za-z0-9_\-.@]")
_PAGE_SAFE = re.compile(r"[A-Za-z0-9_\-]")
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
    return _bounded(stem, name)


def _bounded(stem: str, key: str) -> str:
    """`stem` if it is at most MAX_STEM long, else its start and `~` and a hash of `key` (the
    whole name it stands for; `~` is escaped everywhere else, so a cut stem meets no other)."""
    if len(stem) <= MAX_STEM:
        return stem
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    head = stem[:MAX_STEM - 13]
    cut = head.rfind("%")
    if cut >= len(head) - 2:
        head = head[:cut]  # never split a %XX escape
    return f"{head}~{digest}"


def page_stem(scope: str, folded: int = 1) -> str:
    """The stem of a drill-down page for a scope path (and a run of `folded` boxes drawn as
    one), e.g. `conv2_block1/1_conv` -> `conv2_block1.1_conv`, `block` x3 -> `block@x3`.

    Injective: each `/`-separated part keeps `[A-Za-z0-9_-]` and writes every other character
    (`.`, `%`, `:`, `@`, `~` included) as `%XX`, an empty part is `%empty`, parts are joined
    by `.` and a run adds `@x<N>`; so `a.b/c` (`a%2Eb.c`) and `a/b.c` (`a.b%2Ec`) differ, and
    no stem starts with `.` or holds `..`. Cut with a hash like file_stem when long."""
    parts = ["".join(c if _PAGE_SAFE.fullmatch(c) else _escape(c) for c in part) or "%empty"
             for part in scope.split("/")]
    stem = ".".join(parts) + (f"@x{folded}" if folded > 1 else "")
    return _bounded(stem, f"{scope}\0{folded}")
