"""Text every stage writes: XML-safe escapes, DOT strings, shortened names, tensor types."""

from __future__ import annotations

import re
from typing import Any

from tfgraphviz._util.shape import shape_text

__all__ = ["XML_INVALID", "html", "quoted", "short", "type_text", "utf8", "xml_safe"]


def _xml_invalid() -> re.Pattern[str]:
    """Characters XML 1.0 cannot carry or discourages (C0/C1 controls, surrogates, U+FFFE...)."""
    planes = "".join(chr(p << 16 | 0xFFFE) + chr(p << 16 | 0xFFFF) for p in range(1, 17))
    return re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff"
                      "\ufdd0-\ufdef\ufffe\uffff" + planes + "]")


XML_INVALID = _xml_invalid()


def utf8(text: str) -> bytes:
    """The UTF-8 bytes every written file and pipe gets: a lone surrogate (a name the user's
    file made with setattr or globals(), a message it raised) is written as its escape
    `\\udcff`, as xml_safe shows it, the same in every run, instead of failing."""
    return text.encode("utf-8", errors="backslashreplace")


def xml_safe(text: str) -> str:
    """`text` with every character XML cannot carry shown as a visible escape (`\\x07`)."""
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
            else f"\\U{code:08x}"
    return XML_INVALID.sub(escape, text)


def html(text: str) -> str:
    """Escape user text for a DOT HTML-like label."""
    text = xml_safe(text)
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(raw, escaped)
    return text.replace("\r", "").replace("\n", "<br/>")


def quoted(text: str) -> str:
    """A DOT double-quoted string whose escapes (\\N, \\G, ...) cannot be triggered by users."""
    text = xml_safe(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def short(text: str, limit: int = 32) -> str:
    """`text` shortened in the middle (`very_long_pre…_suffix`) to at most `limit` characters."""
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    return text[: limit - 1 - tail] + "…" + text[len(text) - tail:]


def type_text(spec: dict[str, Any]) -> str:
    """`float32[2,?]`; a scalar `float32[]` (as in signatures), an unknown rank `float32[*]`."""
    shape = spec.get("shape")
    return str(spec.get("dtype", "?")) + ("[*]" if shape is None else shape_text(shape))
