"""report.html: one self-contained interactive page of a render (graphs, source, explanation)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from tfgraphviz.drawing import ViewOptions
from tfgraphviz.fsutil import write_text


@dataclass
class ReportGraph:
    """One drawing (a ConcreteFunction's graph) of a function."""

    title: str
    stem: str
    model: nx.MultiDiGraph
    view_options: ViewOptions = field(default_factory=ViewOptions)


@dataclass
class ReportFunction:
    """A function of the user's file: its AutoGraph code, explanation and drawings."""

    name: str
    autograph: str | None
    explanation: dict[str, Any]
    graphs: list[ReportGraph]


def write_report(path: Path, *, source_name: str, source_text: str,
                 functions: list[ReportFunction]) -> None:
    """Write report.html for the functions of one source file (atomically, deterministic)."""
    body = [f"<h1>{html.escape(source_name)}</h1>"]
    for function in functions:
        body.append(f"<h2>{html.escape(function.name)}</h2>")
        body += [f"<h3>{html.escape(g.title)}</h3>" for g in function.graphs]
        body.append(f"<pre>{html.escape(json.dumps(function.explanation, sort_keys=True))}</pre>")
    write_text(Path(path), "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
               f"{html.escape(source_name)}</title></head><body>{''.join(body)}</body></html>\n")
