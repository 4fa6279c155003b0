"""A Sphinx extension: `.. tfgraphviz:: file.py` draws a file's tf.functions into the docs."""

from __future__ import annotations

import html
import os
import shutil
import sys
from pathlib import Path
from typing import Any, ClassVar, cast
from urllib.parse import quote

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxTranslator
from sphinx.util.osutil import relative_uri

from tfgraphviz._util.version import __version__
from tfgraphviz.sphinxext.cache import Rendered, RenderFailed, Request, local_imports, render

logger = logging.getLogger(__name__)
OUTPUT = "_tfgraphviz"  # the HTML output's folder of rendered files, one subfolder per key


class tfgraphviz_diagram(nodes.General, nodes.Element):  # lower case, as docutils names nodes
    """One drawing: its render folder, its SVG and PDF, and what HTML copies beside it."""


def _names(argument: str | None) -> list[str]:
    """A comma or space separated list option, e.g. `:function: f, g`."""
    return [part for part in (argument or "").replace(",", " ").split() if part]


def _depth(argument: str | None) -> str:
    """`auto`, `all` or a whole number from 1, as --depth takes it."""
    from tfgraphviz.errors import InputError
    from tfgraphviz.views.options import parse_depth

    try:
        return str(parse_depth(argument or ""))
    except InputError as exc:
        raise ValueError(str(exc).replace("--depth", ":depth:")) from exc


class TfgraphvizDirective(SphinxDirective):
    """`.. tfgraphviz:: path/to/file.py` with options; body lines are `--call` expressions."""

    required_arguments = 1
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "function": directives.unchanged_required, "depth": _depth,
        "expand": directives.unchanged_required, "caption": directives.unchanged_required,
        "alt": directives.unchanged, "report": directives.flag, "explain": directives.flag}

    def run(self) -> list[nodes.Node]:
        """Render (or find in the cache) the file, then one node per drawing."""
        relative, absolute = self.env.relfn2path(self.arguments[0], self.env.docname)
        source = Path(absolute)
        if not source.is_file():
            return self._warn(f"{relative}: no such file; give the path of a Python file, "
                              "relative to this document (or to the source folder with a "
                              "leading /)")
        for path in [source, *local_imports(source)]:
            self.env.note_dependency(str(path))
        config = self.env.config
        request = Request(source, tuple(_names(self.options.get("function"))),
                          self.options.get("depth", "auto"),
                          tuple(_names(self.options.get("expand"))),
                          tuple(line.strip() for line in self.content if line.strip()),
                          config.tfgraphviz_python or sys.executable,
                          float(config.tfgraphviz_timeout))
        try:
            done = render(request, _cache_dir(self.env))
        except RenderFailed as exc:
            return self._warn(f"{relative}: {exc}")
        if done.fresh:
            logger.info("tfgraphviz: rendered %s", relative)
        for problem in done.problems:
            logger.warning("tfgraphviz: %s: %s", relative, problem, location=self.get_location(),
                           type="tfgraphviz")
        return self._figure(done)

    def _warn(self, message: str) -> list[nodes.Node]:
        """One located warning (an error under -W), and nothing drawn."""
        logger.warning("tfgraphviz: %s", message, location=self.get_location(),
                       type="tfgraphviz")
        return []

    def _figure(self, done: Rendered) -> list[nodes.Node]:
        """The drawings (in a figure when captioned), the report link, the explanation."""
        result: list[nodes.Node] = []
        for index, (name, files) in enumerate(_drawings(done.manifest)):
            node = tfgraphviz_diagram()
            node.update_all_atts({
                "folder": str(done.folder), "key": done.key, "svg": files["svg"],
                "pdf": files.get("pdf", ""), "pages": files.get("scopes", ""), "index": index,
                "alt": self.options.get("alt", f"tf.function graph of {name}")})
            self.set_source_info(node)
            result.append(node)
        if "report" in self.options and result:
            result[-1]["report"] = done.manifest.get("report", "report.html")
        if "caption" in self.options and result:
            figure = nodes.figure("", *result)
            inline, messages = self.parse_inline(self.options["caption"])
            figure += nodes.caption(self.options["caption"], "", *inline)
            result = [figure, *messages]
        if "explain" in self.options:
            from tfgraphviz.explain import to_text

            text = "\n".join(to_text(done.manifest.get("explain", {})))
            result.append(nodes.literal_block(text, text, classes=["tfgraphviz-explain"]))
        return result


def _drawings(manifest: dict) -> list[tuple[str, dict[str, str]]]:
    """(function name, its files) of every drawing, from the manifest (never guessed names)."""
    found = []
    for function in manifest.get("functions", []):
        for concrete in function.get("concrete_functions", []):
            files = concrete.get("files", {})
            if "svg" in files:
                found.append((function["name"], files))
    return found


def _cache_dir(env: BuildEnvironment) -> Path:
    """Where renders are kept: tfgraphviz_cache_dir (from the source folder), or beside the
    doctrees, Sphinx's own cache."""
    configured = env.config.tfgraphviz_cache_dir
    return Path(env.srcdir, configured) if configured else Path(env.doctreedir, "tfgraphviz")


def _copy(source: Path, target: Path) -> None:
    """Copy a file or folder once (content-addressed: an existing copy is the same)."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    if source.is_dir():
        shutil.copytree(source, tmp, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, tmp)
    try:
        os.replace(tmp, target)
    except OSError:  # a parallel writer put the same copy there first
        shutil.rmtree(tmp, ignore_errors=True)


def _missing(node: tfgraphviz_diagram, path: Path) -> bool:
    """Warn when a render folder went away after the page was read (the build needs -E)."""
    if path.exists():
        return False
    logger.warning("tfgraphviz: %s is gone (the cache was removed); rebuild with -E", path,
                   location=node, type="tfgraphviz")
    return True


def html_visit(self: SphinxTranslator, node: tfgraphviz_diagram) -> None:
    """An `<object>` of the copied SVG (links and tooltips work), its pages beside it."""
    folder, key = Path(node["folder"]), node["key"]
    if _missing(node, folder / node["svg"]):
        raise nodes.SkipNode
    target = Path(self.builder.outdir, OUTPUT, key)
    _copy(folder / node["svg"], target / node["svg"])
    if node["pages"] and (folder / node["pages"]).is_dir():
        _copy(folder / node["pages"], target / node["pages"])
    builder = cast(StandaloneHTMLBuilder, self.builder)  # html, dirhtml, singlehtml, epub
    here = builder.get_target_uri(builder.current_docname)
    uri = relative_uri(here, f"{OUTPUT}/{key}/{quote(node['svg'])}")
    alt = html.escape(node["alt"])
    self.body.append(f'<div class="tfgraphviz"><object data="{html.escape(uri)}" '
                     f'type="image/svg+xml" class="tfgraphviz" style="max-width:100%">'
                     f'<p>{alt}</p></object></div>\n')
    if node.get("report") and not self.builder.name.startswith("epub"):  # EPUB takes XHTML
        _copy(folder / node["report"], target / node["report"])
        link = relative_uri(here, f"{OUTPUT}/{key}/{quote(node['report'])}")
        self.body.append(f'<p class="tfgraphviz-report"><a href="{html.escape(link)}">'
                         f'interactive report</a> (pan, zoom, open every scope, search)</p>\n')
    raise nodes.SkipNode


def latex_visit(self: SphinxTranslator, node: tfgraphviz_diagram) -> None:
    """The drawing's PDF, copied next to the .tex under a name LaTeX takes."""
    source = Path(node["folder"], node["pdf"])
    if not node["pdf"] or _missing(node, source):
        raise nodes.SkipNode
    name = f"tfgraphviz-{node['key'][:16]}-{node['index']}.pdf"
    _copy(source, Path(self.builder.outdir, name))
    self.body.append(f"\n\\sphinxincludegraphics[]{{{name}}}\n")
    raise nodes.SkipNode


def text_visit(self: SphinxTranslator, node: tfgraphviz_diagram) -> None:
    """Plain text: the alt text in brackets."""
    self.add_text(f"[graph: {node['alt']}]")
    raise nodes.SkipNode


def body_visit(self: SphinxTranslator, node: tfgraphviz_diagram) -> None:
    """man, texinfo and others with a body: the alt text in brackets."""
    self.body.append(f"[graph: {node['alt']}]")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive, its node and its settings."""
    app.add_node(tfgraphviz_diagram, html=(html_visit, None), latex=(latex_visit, None),
                 text=(text_visit, None), man=(body_visit, None), texinfo=(body_visit, None))
    app.add_directive("tfgraphviz", TfgraphvizDirective)
    app.add_config_value("tfgraphviz_python", "", "env", types=frozenset({str}))
    app.add_config_value("tfgraphviz_timeout", 600.0, "", types=frozenset({int, float}))
    app.add_config_value("tfgraphviz_cache_dir", "", "", types=frozenset({str}))
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
