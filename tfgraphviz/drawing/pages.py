"""What is drawn for one model: the view, its DOT source and layouts, and drill-down pages."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx

from tfgraphviz._util.fs import write_bytes, write_text
from tfgraphviz.drawing.scene import Scene
from tfgraphviz.errors import GraphvizNotFoundError, LayoutError
from tfgraphviz.views.build import ViewPlan
from tfgraphviz.views.options import ViewOptions, parse_depth  # noqa: F401 - re-exported

LAYOUT_FORMATS = ("svg", "png", "pdf")
MAX_PAGES = 60  # drill-down pages per drawing at most (each needs a layout); boxes past it
# link to report.html, which opens any box
PAGE_TIMEOUT = 20.0  # seconds of layout per drill-down page at most
PAGES_BUDGET = 120.0  # seconds for all drill-down pages of one drawing


@dataclass
class Drawn:
    """Files written for one model (format -> path relative to the folder) and problems."""

    files: dict[str, str]
    problems: list[tuple[str, int]]  # (message, exit code)
    view: dict[str, Any]
    pages: list[str] | None = None  # drill-down pages written with this run's overview SVG


def _layout(source: Scene, fmt: str, timeout: float, dpi: float) -> tuple[bytes, list[str]]:
    """Image bytes and warnings (a cheaper strategy was used) from the layout engine."""
    from tfgraphviz.drawing.layout import render

    data, warnings = render(source, fmt, timeout, dpi if fmt == "png" else None)
    return data, list(warnings)


def _scope_pages(graph: nx.MultiDiGraph, drawn: nx.MultiDiGraph, shown: dict[str, str],
                 stem: str, up_depth: int) -> list[tuple[str, Callable[[], nx.MultiDiGraph], str]]:
    """(page path relative to the output folder, what makes the model's subgraph of one
    collapsed box, its node in `drawn`) for every collapsed box of `drawn`; each box gets a
    `link` to its page (relative to a drawing `up_depth` folders below the output folder) and,
    until the page is written, `report_link`: the same box opened in report.html. The
    subgraph is copied only for a page that is written (a box past MAX_PAGES has none)."""
    members: dict[str, list[str]] = {}
    for node, target in shown.items():
        members.setdefault(target, []).append(node)
    pages: list[tuple[str, Callable[[], nx.MultiDiGraph], str]] = []
    back = "../" * up_depth
    for node, data in sorted(drawn.nodes(data=True), key=lambda item: str(item[0])):
        if data.get("kind") != "scope" or node not in members:
            continue
        scope = str(data.get("scope_path") or data.get("name"))
        inside = members[node]
        if data.get("variables_of"):  # the variables, not the call's arguments they feed
            inside = [n for n in inside if graph.nodes[n]["kind"] == "variable"] or inside
        folded = int(data.get("folded", 1))
        page = f"{pages_folder(stem)}/{page_name(scope, folded)}.svg"
        data["link"] = quote(back + page)
        first = min(members[node], key=lambda n: (graph.nodes[n]["kind"] in ("arg", "ret"),
                                                     str(n)))  # an op of the box, shown opened
        data["report_link"] = back + "report.html#" + quote(f"{stem}:{first}", safe="")
        pages.append((page, functools.partial(_page_graph, graph, inside, scope), node))
    return pages


def _page_graph(graph: nx.MultiDiGraph, inside: list[str], scope: str) -> nx.MultiDiGraph:
    """The model's subgraph of the ops `inside` one box, titled by its scope."""
    sub = graph.subgraph(inside).copy()
    sub.graph.update(graph.graph, name=f"{graph.graph.get('name', '')} › {scope}",
                     bodies=_page_bodies(graph, sub), signature="", note="")
    return sub


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


def page_name(scope: str, folded: int = 1) -> str:
    """A file name for a scope path: `conv2_block1/1_conv` -> `conv2_block1.1_conv` (one per
    scope and run length: see naming.page_stem)."""
    from tfgraphviz._util.naming import page_stem

    return page_stem(scope, folded)


def pages_folder(stem: str) -> str:
    """The folder of a drawing's drill-down pages, `<stem>.scopes`: no file the pipeline
    writes ends in `.scopes`, so it never meets another output (a function named `f.svg`
    has `f.svg.scopes`, beside `f`'s file `f.svg`)."""
    return f"{stem}.scopes"


def draw(graph: nx.MultiDiGraph, stem: str, folder: Path, formats: tuple[str, ...],
         options: ViewOptions, timeout: float, dpi: float,
         progress: Callable[[str], None] = lambda _m: None,
         planned: ViewPlan | None = None) -> Drawn:
    """Write the DOT source and the layouts asked for of the view of `graph`; an SVG also gets
    a page per collapsed box (`<stem>.scopes/<scope>.svg`) its node links to, and those pages
    pages of their own boxes, one level at a time, up to MAX_PAGES pages; a box past that
    links to itself opened in report.html."""
    from tfgraphviz.drawing.dot import to_scene
    from tfgraphviz.views.build import view_and_visible

    drawn, shown = view_and_visible(graph, options.depth, options.expand, options.fold,
                                    options.noise, planned=planned)
    pages = _plan_pages(graph, drawn, shown, stem, options) if "svg" in formats else []
    source = to_scene(drawn)
    text = source.text()
    result = Drawn({}, [], dict(drawn.graph.get("view", {})))
    overview = None  # the SVG, written after its pages: it never links to a page not there
    if "dot" in formats:
        write_text(folder / f"{stem}.dot", text)
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
        if fmt == "svg":
            overview = data
        else:
            write_bytes(folder / f"{stem}.{fmt}", data)
        result.files[fmt] = f"{stem}.{fmt}"
    if overview is not None:
        result.pages = []
        progress(f"laying out {len(pages)} drill-down pages of {stem}")
        _write_pages(pages, folder, stem, timeout, dpi, result)
        write_bytes(folder / f"{stem}.svg", overview)
    if any(f in LAYOUT_FORMATS and f not in result.files for f in formats) \
            and "dot" not in result.files:
        write_text(folder / f"{stem}.dot", text)  # something to open when layout failed
        result.files["dot"] = f"{stem}.dot"
    result.files = dict(sorted(result.files.items()))
    return result


def _plan_pages(graph: nx.MultiDiGraph, drawn: nx.MultiDiGraph, shown: dict[str, str],
                stem: str, options: ViewOptions) -> list[tuple[str, nx.MultiDiGraph]]:
    """The drill-down pages to write, breadth first ((page path, its view), at most
    MAX_PAGES); every box of `drawn` and of the pages links to its page, or to itself in
    report.html when its page is past the budget. Each page draws its box one level deeper,
    its own boxes collapsed again as the default view would, with a link up."""
    from collections import deque

    from tfgraphviz.views.build import view_and_visible

    planned: dict[str, nx.MultiDiGraph] = {}
    queue = deque([(drawn, _scope_pages(graph, drawn, shown, stem, 0), f"{stem}.svg")])
    while queue:
        parent, boxes, parent_page = queue.popleft()
        for page, make, node in boxes:
            if page in planned:
                continue  # the same box drawn from another page
            if len(planned) >= MAX_PAGES:
                _link_to_report(parent.nodes[node])
                continue
            sub = make()
            folded = int(parent.nodes[node].get("folded", 1)) > 1  # its blocks one by one
            view, seen = view_and_visible(sub, "auto", (), options.fold and not folded, None,
                                          whole=True)
            view.graph["up"] = quote("../" + parent_page if parent is drawn
                                     else Path(parent_page).name)
            planned[page] = view
            queue.append((view, _scope_pages(sub, view, seen, stem, 1), page))
    return list(planned.items())


def _link_to_report(data: dict[str, Any]) -> None:
    """A box whose page is not written links to itself opened in report.html instead."""
    data["link"] = data["report_link"]
    data["link_to_report"] = True


def _write_pages(pages: list[tuple[str, nx.MultiDiGraph]], folder: Path, stem: str,
                 timeout: float, dpi: float, result: Drawn) -> None:
    """Lay out and write the planned pages: the small ones (most) in two shared `dot` runs
    (see batch.render_many), the others, and all of a shared run that failed, one by one,
    two at a time (Graphviz runs in its own processes); a page whose layout fails is
    reported and left out."""
    from concurrent.futures import ThreadPoolExecutor

    from tfgraphviz._util.fs import real_subfolder
    from tfgraphviz.drawing.batch import batchable, render_many
    from tfgraphviz.drawing.dot import to_scene

    if not pages:
        return
    target = real_subfolder(folder, pages_folder(stem))
    deadline = time.monotonic() + PAGES_BUDGET
    scenes = [to_scene(view) for _, view in pages]
    laid: dict[int, bytes] = {}
    small = [i for i, scene in enumerate(scenes) if batchable(scene)]
    halves = [small[:len(small) // 2], small[len(small) // 2:]] if len(small) >= 8 else [small]

    def shared(indices: list[int]) -> None:
        left = deadline - time.monotonic()
        images = render_many([scenes[i] for i in indices], min(timeout, left / 2, PAGE_TIMEOUT))
        if images is not None:
            laid.update(zip(indices, images, strict=True))

    def lay_out(i: int) -> tuple[str, bytes | None, str]:
        page = pages[i][0]
        if i in laid:
            return page, laid[i], ""
        left = deadline - time.monotonic()
        if left <= 1:
            return page, None, f"drill-down pages stopped after {PAGES_BUDGET:g} s"
        try:
            return page, _layout(scenes[i], "svg", min(timeout, left, PAGE_TIMEOUT), dpi)[0], ""
        except LayoutError as exc:
            return page, None, str(exc)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(shared, [h for h in halves if h]))
        laid_out = list(pool.map(lay_out, range(len(pages))))
    for page, data, problem in reversed(laid_out):  # a page after the pages it links to
        if data is None:
            result.problems.append((f"{page}: {problem}; that page is missing", 0))
            continue
        write_bytes(target / Path(page).name, data)
        assert result.pages is not None
        result.pages.append(page)
    if result.pages:
        result.files["scopes"] = pages_folder(stem)
