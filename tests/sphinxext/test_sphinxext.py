"""The Sphinx directive in real builds: rst and MyST pages, the cache, bad input, LaTeX, and
the project's own docs opened in headless Chromium with a drill-down link followed."""

from __future__ import annotations

import functools
import http.server
import io
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import ROOT
from ..report.test_report_browser import driver  # noqa: F401 - the headless Chromium fixture

pytest.importorskip("sphinx")

CONF = 'extensions = ["myst_parser", "tfgraphviz.sphinxext"]\nexclude_patterns = ["_build"]\n'
HELPERS = "def scale(x):\n    return x * 3.0\n"
MODEL = '''import tensorflow as tf
from helpers import scale


@tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
def f(x):
    with tf.name_scope("block"):
        y = tf.nn.relu(scale(x) + 1.0)
    return y * 2.0


@tf.function
def g(x):
    return x + 1.0
'''
INDEX = """Models
======

.. toctree::

   markdown

.. tfgraphviz:: model.py
   :function: f
   :depth: 1
   :caption: The *f* function
   :report:
   :explain:
"""
MARKDOWN = """# In MyST

```{tfgraphviz} model.py
:function: g

g(tf.constant([1.0, 2.0]))
```
"""
OBJECT = re.compile(r'<object data="([^"]+)" type="image/svg\+xml" class="tfgraphviz"')


def _project(folder: Path, index: str = INDEX, markdown: bool = True) -> Path:
    """A tiny Sphinx project: an rst page, a MyST page, a file that imports a local module."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"conf.py": CONF, "index.rst": index, "model.py": MODEL, "helpers.py": HELPERS}
    if markdown:
        files["markdown.md"] = MARKDOWN
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _build(src: Path, builder: str = "html", strict: bool = False) -> tuple[int, str, str]:
    """Build in this process (renders still run in subprocesses): status code and output."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    status, warning = io.StringIO(), io.StringIO()
    with patch_docutils(src), docutils_namespace():  # as sphinx-build does, once per build
        app = Sphinx(src, src, src / "_build" / builder, src / "_build" / "doctrees", builder,
                     status=status, warning=warning, warningiserror=strict)
        app.build()
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", text.getvalue()) for text in (status, warning)]
    return app.statuscode, plain[0], plain[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    src = _project(tmp_path_factory.mktemp("sphinx") / "docs")
    code, status, warnings = _build(src, strict=True)
    assert code == 0, warnings
    return src, status, warnings


@pytest.mark.slow
def test_html_embeds_each_drawing_as_an_object_with_its_pages_copied(built):
    src, status, warnings = built
    out = src / "_build" / "html"
    assert status.count("tfgraphviz: rendered model.py") == 2  # two option sets, two renders
    index = (out / "index.html").read_text(encoding="utf-8")
    [svg] = OBJECT.findall(index)
    copied = out / svg
    assert copied.name == "f.svg" and copied.read_text().lstrip().startswith("<?xml")
    # the scope link inside the SVG resolves next to the copy: drill-down works in the output
    links = re.findall(r'xlink:href="([^"#]+)"', copied.read_text(encoding="utf-8"))
    assert "f.scopes/block.svg" in links
    assert (copied.parent / "f.scopes" / "block.svg").is_file()
    page = (copied.parent / "f.scopes" / "block.svg").read_text(encoding="utf-8")
    assert 'xlink:href="../f.svg"' in page  # and back up
    assert '<figcaption>' in index and "<em>f</em>" in index
    report = re.search(r'<a href="([^"]+report\.html)">interactive report</a>', index)
    assert report and (out / report.group(1)).is_file()
    assert "tfgraphviz-explain" in index
    assert "f: traced 1 time" in index  # the explanation of the same render
    markdown = (out / "markdown.html").read_text(encoding="utf-8")
    [svg_g] = OBJECT.findall(markdown)
    assert Path(svg_g).name == "g.svg" and (out / svg_g).is_file()
    assert "report.html" not in markdown and not (out / svg_g).with_name("report.html").exists()


@pytest.mark.slow
def test_latex_gets_a_pdf_of_each_drawing_and_text_its_alt_text(built):
    src, _, _ = built
    code, status, warnings = _build(src, "latex", strict=True)
    assert code == 0, warnings
    assert "tfgraphviz: rendered" not in status  # the renders of the HTML build are reused
    tex = next((src / "_build" / "latex").glob("*.tex")).read_text(encoding="utf-8")
    names = re.findall(r"\\sphinxincludegraphics\[\]\{(tfgraphviz-[0-9a-f]+-\d+\.pdf)\}", tex)
    assert len(names) == 2
    for name in names:
        assert (src / "_build" / "latex" / name).read_bytes().startswith(b"%PDF")
    code, status, warnings = _build(src, "text", strict=True)
    assert code == 0 and "tfgraphviz: rendered" not in status, warnings
    text = (src / "_build" / "text" / "index.txt").read_text(encoding="utf-8")
    assert "[graph: tf.function graph of f]" in text


@pytest.mark.slow
def test_the_readme_examples_build_as_written(tmp_path):
    from ..test_readme import blocks, section

    readme = section("Sphinx")
    [conf] = blocks(readme, "python")
    [rst] = blocks(readme, "rst")
    [markdown] = re.findall(r"^````markdown\n(.*?)^````$", readme, flags=re.M | re.S)
    shutil.copytree(ROOT / "tfgraphviz" / "examples", tmp_path / "tfgraphviz" / "examples")
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text(conf + 'extensions.append("myst_parser")\n', encoding="utf-8")
    (src / "index.rst").write_text(f"README\n======\n\n.. toctree::\n\n   page\n\n{rst}",
                                   encoding="utf-8")
    (src / "page.md").write_text(f"# Markdown\n\n{markdown}", encoding="utf-8")
    code, status, warnings = _build(src, strict=True)
    assert code == 0, warnings
    out = src / "_build" / "html"
    index = (out / "index.html").read_text(encoding="utf-8")
    [train_step] = OBJECT.findall(index)
    svg = (out / train_step).read_text(encoding="utf-8")
    assert "train_step(x: float32[2,4], y: float32[2,1])" in svg
    assert ".scopes/sgd_1.svg" not in svg  # :expand: sgd_1 opened the optimizer in place
    assert "interactive report" in index and "tfgraphviz-explain" in index
    page = (out / "page.html").read_text(encoding="utf-8")
    assert [Path(svg).name for svg in OBJECT.findall(page)] == ["collatz_steps.svg",
                                                                 "sum_of_abs.svg"]


@pytest.mark.slow
def test_a_failed_trace_is_one_warning_beside_the_drawings_made(tmp_path):
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    shutil.copy(ROOT / "tfgraphviz" / "examples" / "article_variable_fails.py", src)
    (src / "index.rst").write_text("Fails\n=====\n\n.. tfgraphviz:: article_variable_fails.py\n",
                                   encoding="utf-8")
    code, _, warnings = _build(src, strict=True)
    assert code == 1
    [line] = [line for line in warnings.splitlines() if "WARNING" in line]
    assert line.startswith(f"{src / 'index.rst'}:4: WARNING: tfgraphviz: "
                           "article_variable_fails.py: f: ValueError: tf.function only supports")
    assert line.endswith("(at article_variable_fails.py:15: b = tf.Variable(12.0)) [tfgraphviz]")
    [svg] = OBJECT.findall((src / "_build" / "html" / "index.html").read_text(encoding="utf-8"))
    assert (src / "_build" / "html" / svg).is_file()  # the first trace is drawn


@pytest.mark.slow
def test_an_unchanged_file_is_not_rendered_again_and_an_edited_one_is(tmp_path):
    src = _project(tmp_path / "docs", INDEX.replace(".. toctree::\n\n   markdown\n", ""),
                   markdown=False)
    assert _build(src)[1].count("tfgraphviz: rendered") == 1
    cache = src / "_build" / "doctrees" / "tfgraphviz"
    [first] = [p for p in cache.iterdir() if p.is_dir()]
    stamp = (first / "f.svg").stat().st_mtime_ns

    code, status, _ = _build(src)  # nothing changed: the page is not even read
    assert code == 0 and "tfgraphviz: rendered" not in status and "0 changed" in status
    time.sleep(0.01)
    (src / "model.py").touch()  # read again (note_dependency), same bytes: the cached render
    code, status, _ = _build(src)
    assert "1 changed" in status and "tfgraphviz: rendered" not in status
    assert (first / "f.svg").stat().st_mtime_ns == stamp

    # the file's local import changed: the page is read again and the file rendered again
    (src / "helpers.py").write_text(HELPERS.replace("3.0", "4.0"), encoding="utf-8")
    code, status, warnings = _build(src)
    assert code == 0, warnings
    assert "1 changed" in status and status.count("tfgraphviz: rendered model.py") == 1
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 2


@pytest.mark.slow
def test_parallel_workers_render_a_shared_file_once(tmp_path):
    pages = ["one", "two", "three", "four"]
    index = "Pages\n=====\n\n.. toctree::\n\n" + "".join(f"   {p}\n" for p in pages)
    src = _project(tmp_path / "docs", index, markdown=False)
    for page in pages:  # every page draws g of model.py with the same options
        (src / f"{page}.rst").write_text(f"{page}\n=====\n\n.. tfgraphviz:: model.py\n"
                                         "   :function: g\n\n   g(tf.constant(1.0))\n",
                                         encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-j", "2", "-b", "html",
                           str(src), str(src / "_build" / "html")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("tfgraphviz: rendered model.py") == 1, done.stdout
    cache = src / "_build" / "html" / ".doctrees" / "tfgraphviz"
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1
    objects = {OBJECT.findall((src / "_build" / "html" / f"{p}.html").read_text())[0]
               for p in pages}
    assert len(objects) == 1 and (src / "_build" / "html" / objects.pop()).is_file()


def _bad(tmp_path: Path, directive: str) -> str:
    """Build one page with this directive under -W: the single warning, after checks."""
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "model.py").write_text(MODEL, encoding="utf-8")
    (src / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (src / "index.rst").write_text(f"Bad\n===\n\n{directive}\n", encoding="utf-8")
    code, _, warnings = _build(src, strict=True)
    assert code == 1  # -W fails the build
    lines = [line for line in warnings.splitlines() if line.strip()]
    assert "Traceback" not in warnings and lines, warnings
    assert lines[0].startswith(f"{src / 'index.rst'}:"), warnings
    return warnings


def test_a_missing_file_is_one_warning_naming_it(tmp_path):
    warnings = _bad(tmp_path, ".. tfgraphviz:: nosuch.py")
    assert "WARNING: tfgraphviz: nosuch.py: no such file; give the path of a Python file" \
        in warnings


def test_a_bad_depth_is_an_error_saying_what_to_give(tmp_path):
    warnings = _bad(tmp_path, ".. tfgraphviz:: model.py\n   :depth: 0")
    assert ":depth: 0: give auto, all or a whole number from 1" in warnings
    assert not (tmp_path / "docs" / "_build" / "doctrees" / "tfgraphviz").exists()  # no render


@pytest.mark.slow
def test_an_unknown_function_is_one_warning_with_the_names_there(tmp_path):
    warnings = _bad(tmp_path, ".. tfgraphviz:: model.py\n   :function: nosuch")
    assert "WARNING: tfgraphviz: model.py: --function nosuch: no such name in the file; " \
           "names there: f, g" in warnings
    assert len([line for line in warnings.splitlines() if "WARNING" in line]) == 1


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        """No request lines in the test output."""


@pytest.fixture()
def served_docs(tmp_path: Path) -> Iterator[str]:
    """docs/ built with sphinx-build -W (a subprocess, as CI does), served over HTTP."""
    out = tmp_path / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-b", "html", str(ROOT / "docs"),
                           str(out), "-d", str(tmp_path / "doctrees")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


FIRST_SCOPE_LINK = """
const object = [...document.querySelectorAll('object.tfgraphviz')]
  .find(o => o.data.endsWith('/train_step.svg'));
const svg = object && object.contentDocument;
if (!svg || !svg.querySelector('g.node')) return null;
const link = [...svg.querySelectorAll('a')].find(a =>
  (a.getAttribute('xlink:href') || '').includes('.scopes/'));
const href = link.getAttribute('xlink:href');
link.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
return href;
"""


def _wait(check: Any, seconds: float = 30.0) -> Any:
    """Poll until `check()` gives something true."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    return check()


@pytest.mark.slow
def test_the_docs_build_and_a_drill_down_link_opens_its_page_in_chromium(served_docs,
                                                                        driver):  # noqa: F811
    driver.get(f"{served_docs}/index.html")
    assert len(driver.find_elements("css selector", "object.tfgraphviz")) == 4
    href = _wait(lambda: driver.execute_script(FIRST_SCOPE_LINK))
    assert href and href.startswith("train_step.scopes/"), href
    # the link has target="_top": the whole window goes to the scope's page, which draws
    url = _wait(lambda: ".scopes/" in driver.current_url and driver.current_url)
    assert url.endswith(href.split("/")[-1]), url
    nodes = _wait(lambda: driver.execute_script(
        "return document.documentElement.tagName === 'svg' && "
        "document.querySelectorAll('g.node').length"))
    assert nodes and nodes >= 2
    box = driver.execute_script(
        "const b = document.querySelector('g.graph').getBBox(); return [b.width, b.height];")
    assert box[0] > 50 and box[1] > 50
    back = driver.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.getAttribute('xlink:href'))")
    assert "../train_step.svg" in back


def test_local_imports_follow_absolute_relative_and_package_imports(tmp_path):
    from tfgraphviz.sphinxext.cache import local_imports

    files = {"main.py": "import tensorflow as tf\nimport helpers\nfrom pkg.mod import x\n",
             "helpers.py": "import numpy\nimport pkg\n", "pkg/__init__.py": "",
             "pkg/mod.py": "from . import other\nfrom .sub import y\n", "pkg/other.py": "",
             "pkg/sub.py": "from .. import helpers\n", "pkg/unused.py": "",
             "unused.py": "", "../outside.py": ""}
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / "src" / name).write_text(text, encoding="utf-8")
    (tmp_path / "src" / "main.py").write_text(files["main.py"] + "import outside\n")
    found = local_imports(tmp_path / "src" / "main.py")
    assert [p.relative_to(tmp_path / "src").as_posix() for p in found] == [
        "helpers.py", "pkg/__init__.py", "pkg/mod.py", "pkg/other.py", "pkg/sub.py"]
