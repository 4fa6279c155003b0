"""What is drawn for one model: the view, its DOT source and layouts, and drill-down pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx

from tfgraphviz.errors import GraphvizNotFoundError, InputError, LayoutError
from tfgraphviz.fsutil import write_bytes, write_text

LAYOUT_FORMATS = ("svg", "png", "pdf")
MAX_PAGES = 40  # drill-down pages per drawing at most (each needs a layout)
PAGE_MAX_OPS = 1000  # bigger scopes get no page (unreadable at full depth anyway)
PAGE_TIMEOUT = 20.0  # seconds of layout per drill-down page at most
PAGES_BUDGET = 120.0  # seconds for all drill-down pages of one drawing


@dataclass(frozen=True)
class ViewOptions:
    """How much of a model is drawn (see tfgraphviz.view)."""

    depth: int | str = "auto"
    expand: tuple[str, ...] = ()
    fold: bool = True
    noise: bool | None = None


def parse_depth(text: str | int) -> int | str:
    """`auto`, `all` or a whole number from 1, for --depth."""
    value = str(text).strip().lower()
    if value in ("auto", "all"):
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise InputError(f"--depth {text}: give auto, all or a whole number from 1, e.g. --depth 2")


@dataclass
class Drawn:
    """Files written for one model (format -> path relative to the folder) and problems."""

    files: dict[str, str]
    problems: list[tuple[str, int]]  # (message, exit code)
    view: dict[str, Any]
    pages: list[str] | None = None  # drill-down pages written with this run's overview SVG


def _layout(source: str, fmt: str, timeout: float, dpi: float) -> tuple[bytes, list[str]]:
    """Image bytes and warnings (a cheaper strategy was used) from the layout engine."""
    from tfgraphviz.layout import render

    data, warnings = render(source, fmt, timeout, dpi if fmt == "png" else None)
    return data, list(warnings)


def _scope_pages(graph: nx.MultiDiGraph, drawn: nx.MultiDiGraph, shown: dict[str, str],
                 prefix: str) -> list[tuple[str, nx.MultiDiGraph, str]]:
    """(relative page path, the model's subgraph of one collapsed scope, its node in `drawn`)
    for the collapsed nodes of `drawn` (at most MAX_PAGES), each given a `link` to its page."""
    members: dict[str, list[str]] = {}
    for node, target in shown.items():
        members.setdefault(target, []).append(node)
    pages: list[tuple[str, nx.MultiDiGraph, str]] = []
    for node, data in sorted(drawn.nodes(data=True), key=lambda item: str(item[0])):
        if data.get("kind") != "scope" or node not in members or len(pages) >= MAX_PAGES \
                or len(members[node]) > PAGE_MAX_OPS:
            continue  # a scope too big for one readable page: --expand opens it instead
        sub = graph.subgraph(members[node]).copy()
        sub.graph.update(graph.graph, name=f"{graph.graph.get('name', '')} › "
                                           f"{data.get('scope_path') or data.get('name')}",
                         bodies=_page_bodies(graph, sub),
                         signature="", note="")
        page = f"{prefix}/scopes/{page_name(str(data.get('scope_path') or node))}.svg"
        data["link"] = quote(page)  # relative to the overview, which sits beside `prefix/`
        pages.append((page, sub, node))
    return pages


def _page_bodies(graph: nx.MultiDiGraph, sub: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """The bodies a page shows; one whose caller is not on the page carries the caller's name
    and op (`caller_data`) for its cluster's label."""
    shown = {d.get("body") for _, d in sub.nodes(data=True)}
    bodies = []
    for body in graph.graph.get("bodies", []):
        if body["id"] not in shown:
            continue
        if body["caller"] not in sub and body["caller"] in graph:
            caller = graph.nodes[body["caller"]]
            body = {**body, "caller_data": {"name": caller["name"], "op": caller["op"]}}
        bodies.append(body)
    return bodies


def page_name(scope: str) -> str:
    """A file name for a scope path: `conv2_block1/1_conv` -> `conv2_block1.1_conv`."""
    from tfgraphviz.naming import file_stem

    return file_stem(scope.replace("::", ".").replace("/", "."))


def draw(graph: nx.MultiDiGraph, stem: str, folder: Path, formats: tuple[str, ...],
         options: ViewOptions, timeout: float, dpi: float,
         progress: Callable[[str], None] = lambda _m: None) -> Drawn:
    """Write the DOT source and the layouts asked for of the view of `graph`; an SVG also gets
    a page per collapsed scope (`<stem>/scopes/<scope>.svg`) its node links to."""
    from tfgraphviz.dot import to_dot
    from tfgraphviz.view import view_and_visible

    drawn, shown = view_and_visible(graph, options.depth, options.expand, options.fold,
                                    options.noise)
    pages = _scope_pages(graph, drawn, shown, stem) if "svg" in formats else []
    source = to_dot(drawn)
    result = Drawn({}, [], dict(drawn.graph.get("view", {})))
    if "dot" in formats:
        write_text(folder / f"{stem}.dot", source)
        result.files["dot"] = f"{stem}.dot"
    for fmt in (f for f in formats if f in LAYOUT_FORMATS):
        progress(f"laying out {stem}.{fmt}")
        try:
            data, warnings = _layout(source, fmt, timeout, dpi)
        except GraphvizNotFoundError as exc:
            result.problems.append((str(exc), exc.exit_code))
            break
        except LayoutError as exc:
            result.problems.append((f"{stem}.{fmt}: {exc}; the .dot and .json files are "
                                    "written. Try --depth auto or a smaller --depth, a longer "
                                    "--layout-timeout, or fewer functions with -f", 1))
            break
        result.problems += [(f"{stem}.{fmt}: {w}", 0) for w in warnings]
        write_bytes(folder / f"{stem}.{fmt}", data)
        result.files[fmt] = f"{stem}.{fmt}"
    if "svg" in result.files:
        result.pages = []
        _write_pages(pages, folder, stem, options, timeout, dpi, result)
    if any(f in LAYOUT_FORMATS and f not in result.files for f in formats) \
            and "dot" not in result.files:
        write_text(folder / f"{stem}.dot", source)  # something to open when layout failed
        result.files["dot"] = f"{stem}.dot"
    result.files = dict(sorted(result.files.items()))
    return result


def _write_pages(pages: list[tuple[str, nx.MultiDiGraph, str]], folder: Path, stem: str,
                 options: ViewOptions, timeout: float, dpi: float, result: Drawn) -> None:
    """One SVG per collapsed scope, drawn at full depth, with a link back to the overview."""
    from tfgraphviz import outdir
    from tfgraphviz.dot import to_dot
    from tfgraphviz.view import view

    if not pages:
        return
    target = outdir.real_subfolder(outdir.real_subfolder(folder, stem), "scopes")
    written = 0
    deadline = time.monotonic() + PAGES_BUDGET
    for page, sub, _ in pages:
        left = deadline - time.monotonic()
        if left <= 1:
            result.problems.append((f"{stem}: drill-down pages stopped after {PAGES_BUDGET:g} s; "
                                    "the remaining scopes have no page (use --expand)", 0))
            break
        drawn = view(sub, "all", (), options.fold, False)
        drawn.graph["up"] = quote(f"../../{stem}.svg")
        try:
            data, _ = _layout(to_dot(drawn), "svg", min(timeout, left, PAGE_TIMEOUT), dpi)
        except LayoutError as exc:
            result.problems.append((f"{page}: {exc}; that drill-down page is missing", 0))
            continue
        write_bytes(target / Path(page).name, data)
        assert result.pages is not None
        result.pages.append(f"{stem}/scopes/{Path(page).name}")
        written += 1
    if written:
        result.files["scopes"] = f"{stem}/scopes"
