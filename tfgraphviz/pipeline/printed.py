"""What the user's code printed while tracing, capped before it is stored: every output file
(manifest, JSON, GraphML, TensorBoard, report) holds a copy, so 100 MB printed must not become
hundreds of MB of files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tfgraphviz.capture.records import TracedFunction

MAX_PRINTED = 20_000  # characters of one trace's (or the import's) output kept
MAX_PRINTS = 200  # print sites kept per trace


def capped(text: str, limit: int = MAX_PRINTED) -> str:
    """`text`, or its first `limit` characters and a line saying how much was cut."""
    if len(text) <= limit:
        return text
    return (text[:limit] + f"\n[tfgraphviz: {len(text) - limit} more characters printed, "
            f"not kept; the first {limit} are above]\n")


def cap_outputs(entries: list[TracedFunction]) -> None:
    """Cap, in place, every copy of what tracing printed that the traced functions carry."""
    for traced in entries:
        traced.trace_outputs = [capped(t) for t in traced.trace_outputs]
        for graph in traced.graphs:
            graph.trace_output = capped(graph.trace_output)
        for info in traced.traces:
            info.output = capped(info.output)
            left = MAX_PRINTED
            kept = []
            for site in info.prints[:MAX_PRINTS]:
                if left <= 0:
                    break
                site.text = capped(site.text, left)
                left -= len(site.text)
                kept.append(site)
            info.prints = kept
