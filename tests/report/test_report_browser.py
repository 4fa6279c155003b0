"""report.html in a real headless Chromium (Debian chromium + chromium-driver, Selenium):
clicking, opening bodies, finding links, no network, no console errors, a non-blank picture."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from ..conftest import DATA, EXAMPLES, ROOT, run_cli

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--window-size=1400,1000")


def _browser_parts() -> tuple[str, str] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return None
    return (chromium, driver) if chromium and driver else None


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    parts = _browser_parts()
    if parts is None:
        message = "headless Chromium test needs chromium, chromedriver and selenium " \
                  "(bash scripts/setup.sh installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = parts[0]
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(parts[1]))
    # a finding about many ops of a fit() step opens a big view: ~30 s on 2 busy cores
    browser.set_script_timeout(180)
    try:
        yield browser
    finally:
        browser.quit()


def _render(folder: Path, example: str, *options: str, code: int = 0) -> Path:
    """Render an example (or a file given by its path) with the real CLI; its report.html."""
    result = run_cli("render", str(EXAMPLES / example), "-o", str(folder), *options)
    assert result.code == code, result.stderr
    report = folder / "report.html"
    assert report.is_file()
    return report


@pytest.fixture(scope="module")
def loops_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("loops"), "loops_and_conds.py")


@pytest.fixture(scope="module")
def loops_depth1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("loops1"), "loops_and_conds.py", "--depth", "1",
                   "--format", "json")


def _open(driver: Any, report: Path, timeout: float = 60) -> float:
    """Load the page, wait until its first graph is drawn; the seconds it took."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get_log("performance")
    start = time.monotonic()
    driver.get(report.as_uri())
    while time.monotonic() - start < timeout:
        ready = driver.execute_script("return document.body.dataset.ready || ''")
        if ready:
            assert ready == "1", driver.execute_script(
                "return document.getElementById('message').textContent")
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError("report.html did not finish drawing")


def _draws(driver: Any) -> int:
    return int(driver.execute_script("return +(document.body.dataset.draws || 0)"))


def _wait_draw(driver: Any, before: int, timeout: float = 60) -> float:
    start = time.monotonic()
    while _draws(driver) <= before:
        assert time.monotonic() - start < timeout, "the graph was not drawn again"
        time.sleep(0.02)
    return time.monotonic() - start


def _click(driver: Any, element: Any) -> None:
    """A real mouse click (pointer events, hit testing) at the element's centre."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).move_to_element(element).click().perform()


def _node(driver: Any, model_id: str) -> Any:
    """The drawn <g> of a model node."""
    return driver.execute_script(
        "const s = tfgReport.state; const i = s.G.idIndex.get(arguments[0]);"
        "return s.svg.getElementById(s.vis[i]);", model_id)


def _problems(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] in ("SEVERE", "WARNING")]


@pytest.mark.slow
def test_report_opens_offline_without_errors_and_draws_something(driver, loops_report,
                                                                  tmp_path):
    from PIL import Image

    _open(driver, loops_report)
    assert driver.execute_script("return document.querySelectorAll('#stage g.node').length") > 10
    legend = driver.execute_script(
        "return [...document.querySelectorAll('#legend-body g.node')].map(g => g.textContent)")
    assert any("stateful op" in text or "input of the function" in text for text in legend)
    # nothing left the file: every request the browser made is the page itself or data:/blob:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls and all(u == loops_report.as_uri() or u.startswith(("data:", "blob:"))
                        for u in urls), urls
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(u.startswith(("data:", "blob:")) for u in resources), resources
    assert _problems(driver) == []
    shot = tmp_path / "report.png"
    assert driver.save_screenshot(str(shot))
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    colours = image.getcolors(1 << 24) or []
    background = max(count for count, _ in colours)
    assert len(colours) > 50 and background < 0.95 * image.width * image.height


def test_clicking_an_op_shows_it_beside_its_source_and_autograph_lines(driver, loops_report):
    _open(driver, loops_report)
    source = (EXAMPLES / "loops_and_conds.py").read_text().splitlines()
    loop_line = next(i for i, text in enumerate(source, 1) if "for v in values" in text)
    _click(driver, _node(driver, "while"))
    info = driver.find_element("id", "info").text
    assert info.splitlines()[0] == "while"
    assert "StatelessWhile" in info and "attr body" in info and "while_body" in info
    assert re.search(r"inputs \(\d+\)", info) and re.search(r"outputs \(\d+\)", info)
    assert f"loops_and_conds.py:{loop_line} in sum_of_abs" in info
    assert driver.find_element("css selector", "#stage g.node.sel").get_attribute("id") == \
        driver.execute_script("return tfgReport.state.vis[tfgReport.state.G.idIndex.get('while')]")
    highlighted = driver.find_element("css selector", "#src .line.main")
    assert highlighted.find_element("css selector", ".no").text == str(loop_line)
    autograph = driver.find_element("css selector", "#ag .line.main").text
    assert "for_stmt" in autograph  # the converted `for`, side by side with the original
    for panel in ("src", "ag"):  # both lines scrolled into view in their panels
        assert driver.execute_script(
            "const pre = document.getElementById(arguments[0]).getBoundingClientRect();"
            "const line = document.querySelector('#' + arguments[0] + ' .line.main')"
            ".getBoundingClientRect();"
            "return line.top >= pre.top && line.bottom <= pre.bottom;", panel), panel
    assert _problems(driver) == []


LOOKS = """
  const root = arguments[0] ? new DOMParser().parseFromString(arguments[0], 'image/svg+xml')
    .documentElement : tfgReport.state.svg;
  const out = [];
  for (const g of root.querySelectorAll('g.node')) {
    const title = g.querySelector('title').textContent;
    if (/^l\\d+[abt]$/.test(title)) continue;  // the SVG file's legend
    const texts = [...g.querySelectorAll('text')].map(t => t.textContent).join('|');
    const fills = [...g.querySelectorAll('polygon, ellipse, path')]
      .map(s => s.getAttribute('fill')).join('|');
    out.push(texts + ' ' + fills);
  }
  return out.sort();"""


def _same_looks_as(driver: Any, svg: Path) -> list[str]:
    """The page's drawn nodes (texts and fill colours), checked equal to the SVG file's."""
    page = driver.execute_script(LOOKS, "")
    assert page == driver.execute_script(LOOKS, svg.read_text())
    return list(page)


def test_the_page_draws_what_the_svg_file_draws(driver, loops_report):
    """Same nodes with the same texts and colours as sum_of_abs.svg (style.py made both), in
    the file's view (the first view closed the loop's bodies to fit the window)."""
    _open(driver, loops_report)
    button = driver.find_element("id", "file-view")
    assert button.is_displayed()
    drawn = _draws(driver)
    button.click()
    _wait_draw(driver, drawn)
    assert len(_same_looks_as(driver, loops_report.parent / "sum_of_abs.svg")) > 20


@pytest.fixture(scope="module")
def blocks_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("blocks"), str(DATA / "report_blocks.py"),
                   "--depth", "1", "--format", "svg")


@pytest.mark.slow
def test_a_collapsed_view_starts_as_the_svg_file_and_unfolds_in_place(driver, blocks_report):
    _open(driver, blocks_report)
    looks = _same_looks_as(driver, blocks_report.parent / "blocks.svg")
    assert any("×4" in text for text in looks)  # the four blocks folded into one box
    run = driver.find_element("css selector", "#stage g.node[id^='r']")
    drawn = _draws(driver)
    _click(driver, run)
    _wait_draw(driver, drawn)
    shown = driver.execute_script(
        "const s = tfgReport.state;"
        "return [...s.svg.querySelectorAll('g.node')].filter(g => g.id[0] === 's')"
        ".map(g => s.G.containers[+g.id.slice(1)].path).sort();")
    assert {"block0", "block1", "block2", "block3"} <= set(shown)
    drawn = _draws(driver)
    _click(driver, driver.execute_script(
        "const s = tfgReport.state; const c = s.G.containers.findIndex(x => x.path === 'block2');"
        "return s.svg.getElementById('s' + c);"))
    _wait_draw(driver, drawn)
    assert _node(driver, "block2/Relu").get_attribute("id").startswith("n")
    assert _node(driver, "block1/Relu").get_attribute("id").startswith("s")
    assert "opened block2" in driver.find_element("id", "info").text
    assert _problems(driver) == []


@pytest.mark.slow
def test_scopes_and_bodies_open_and_close_in_place(driver, loops_depth1):
    _open(driver, loops_depth1)
    assert driver.execute_script(
        "return document.querySelectorAll('#stage g.cluster').length") == 0
    body = driver.execute_script(
        "const s = tfgReport.state;"
        "return [...s.svg.querySelectorAll('g.node')].filter(g => g.id[0] === 's')"
        ".map(g => [g.id, s.G.containers[+g.id.slice(1)].path])"
        ".find(x => x[1].endsWith('while:body'));")
    assert body, "the loop body is a closed box at depth 1"
    assert "while_body" in driver.find_element("id", body[0]).text or \
        "while:body" in driver.find_element("id", body[0]).text
    drawn = _draws(driver)
    before = driver.execute_script("return +tfgReport.state.svg.dataset.nodes")
    _click(driver, driver.find_element("id", body[0]))
    _wait_draw(driver, drawn)
    assert driver.execute_script("return +tfgReport.state.svg.dataset.nodes") > before
    cluster = driver.find_elements("css selector", "#stage g.cluster")
    assert cluster and "of while (StatelessWhile)" in cluster[0].text
    ops_inside = driver.execute_script(
        "const s = tfgReport.state; const b = s.G.bodies.findIndex(x => x.id === 'while::body');"
        "return [...s.svg.querySelectorAll('g.node')].filter(g => g.id[0] === 'n' && "
        "s.G.nodes[+g.id.slice(1)].b === b + 1).length;")
    assert ops_inside >= 3
    # closing the scope again from the details panel
    close = [b for b in driver.find_elements("css selector", "#info button.close")
             if b.text.endswith("while:body")]
    assert close
    drawn = _draws(driver)
    close[0].click()
    _wait_draw(driver, drawn)
    assert driver.find_elements("css selector", "#stage g.cluster") == []
    assert _problems(driver) == []


def test_explanation_links_select_their_ops_and_lines(driver, loops_report):
    manifest = json.loads((loops_report.parent / "manifest.json").read_text())
    functions = manifest["explain"]["functions"]
    first = functions[0]
    finding = next(f for f in first["findings"] if f["ops"] and f["line"])
    _open(driver, loops_report)
    assert driver.execute_script("return tfgReport.state.fn") == 0
    links = driver.find_elements("css selector", "a.finding-link")
    assert [a.text for a in links] == [f["text"] for f in first["findings"]]
    _click(driver, links[first["findings"].index(finding)])
    driver.execute_script("return tfgReport.busy")
    lit = driver.execute_script(
        "return [...document.querySelectorAll('#stage g.node.hl')].map(g => g.id).sort()")
    wanted = driver.execute_script(
        "const s = tfgReport.state;"
        "return [...new Set(arguments[0].map(id => s.vis[s.G.idIndex.get(id)]))].sort()",
        finding["ops"])
    assert lit and lit == wanted
    line = driver.find_element("css selector", "#src .line.main .no").text
    assert line == str(finding["line"])
    assert driver.execute_script(  # the page panned to the selected op
        "const c = document.getElementById('canvas').getBoundingClientRect();"
        "const g = document.querySelector('#stage g.node.sel').getBoundingClientRect();"
        "const x = g.left + g.width / 2, y = g.top + g.height / 2;"
        "return x > c.left && x < c.right && y > c.top && y < c.bottom;")
    assert _problems(driver) == []


@pytest.mark.slow
def test_resnet50_training_step_stays_responsive(driver, tmp_path):
    report = _render(tmp_path, "resnet50.py", "-f", "train_step", "--format", "json")
    size = report.stat().st_size
    assert size < 8_000_000, size
    opened = _open(driver, report)
    assert driver.execute_script("return tfgReport.state.G.nodes.length") > 14000
    assert opened < 15, opened
    times = []
    for _ in range(3):  # open the biggest closed box three times, one level deeper each time
        box = driver.execute_script(
            "return [...tfgReport.state.svg.querySelectorAll('g.node')]"
            ".filter(g => g.id[0] === 's' || g.id[0] === 'r')"
            ".sort((a, b) => b.textContent.length - a.textContent.length)[0]")
        drawn = _draws(driver)
        start = time.monotonic()  # the click lays the new view out before it returns
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', "
                              "{bubbles: true}))", box)
        _wait_draw(driver, drawn)
        times.append(time.monotonic() - start)
    assert max(times) < 5, times
    nodes = driver.execute_script("return +tfgReport.state.svg.dataset.nodes")
    print(f"resnet50 train_step report: {size / 1e6:.1f} MB, open {opened:.2f} s, "
          f"scope openings {', '.join(f'{t:.2f}' for t in times)} s, {nodes} nodes drawn")
    assert _problems(driver) == []


@pytest.fixture(scope="module")
def control_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("control"), "control_deps.py", "--format", "json")


@pytest.mark.slow
def test_an_ordering_finding_marks_its_edge(driver, control_report):
    manifest = json.loads((control_report.parent / "manifest.json").read_text())
    findings = manifest["explain"]["functions"][0]["findings"]
    finding = next(f for f in findings if f["kind"] == "auto_control" and len(f["ops"]) == 2)
    _open(driver, control_report)
    link = driver.find_elements("css selector", "a.finding-link")[findings.index(finding)]
    _click(driver, link)
    driver.execute_script("return tfgReport.busy")
    edges = driver.execute_script(
        "const s = tfgReport.state;"
        "return [...s.svg.querySelectorAll('g.edge.hl')].map(g => s.G.edges[+g.id.slice(1)])"
        ".map(e => [s.G.nodes[e[0]].id, s.G.nodes[e[1]].id]);")
    assert edges and all(set(e) == set(finding["ops"]) for e in edges), (edges, finding)
    assert _problems(driver) == []


def test_wheel_zooms_and_dragging_pans(driver, control_report):
    from selenium.webdriver.common.action_chains import ActionChains

    _open(driver, control_report)
    state = "return [tfgReport.state.scale, tfgReport.state.tx, tfgReport.state.ty]"
    scale, tx, ty = driver.execute_script(state)
    canvas = driver.find_element("id", "canvas")
    driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "arguments[0].dispatchEvent(new WheelEvent('wheel', {deltaY: -300, bubbles: true,"
        " cancelable: true, clientX: r.left + 50, clientY: r.top + 50}));", canvas)
    zoomed = driver.execute_script(state)
    assert zoomed[0] > scale * 1.2
    ActionChains(driver).move_to_element_with_offset(canvas, -200, -150).click_and_hold() \
        .move_by_offset(80, 60).move_by_offset(40, 30).release().perform()
    moved = driver.execute_script(state)
    assert moved[0] == zoomed[0]
    assert abs(moved[1] - zoomed[1] - 120) < 2 and abs(moved[2] - zoomed[2] - 90) < 2
    transform = driver.execute_script("return tfgReport.state.svg.style.transform")
    assert re.fullmatch(r"translate\([-\d.]+px, [-\d.]+px\) scale\([\d.]+\)", transform)


def _walk_every_drawing(driver: Any, report: Path) -> int:
    """Show every drawing of a report, select some of its ops, follow every finding; no error
    may appear. The number of drawings."""
    _open(driver, report)
    choices = driver.execute_script(
        "return [...document.querySelectorAll('#graph-select option')].map(o => o.value)")
    for choice in choices:
        driver.execute_script(
            "const s = document.getElementById('graph-select'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('change')); return tfgReport.busy;", choice)
        fn = int(choice.split(":")[0])
        for op in driver.execute_script(
                "const s = tfgReport.state; return s.svg ? [...s.svg.querySelectorAll("
                "'g.node')].map(g => g.id).filter(i => i[0] === 'n').slice(0, 20) : []"):
            driver.execute_script("tfgReport.select(+arguments[0].slice(1), false)", op)
        count = len(driver.find_elements("css selector", "a.finding-link"))
        for k in range(count):  # a finding may switch the drawing: links are made anew
            driver.execute_script("document.querySelectorAll('a.finding-link')[arguments[0]]"
                                  ".click(); return tfgReport.busy;", k)
        assert driver.execute_script("return tfgReport.state.fn") == fn
        assert driver.find_element("id", "message").text == "", (report, choice)
    assert _problems(driver) == [], report
    return len(choices)


@pytest.mark.slow
def test_hostile_function_names_and_failed_traces(driver, tmp_path):
    report = _render(tmp_path, str(DATA / "hostile_names.py"), "--format", "json", code=1)
    names = [f["name"] for f in json.loads((tmp_path / "manifest.json").read_text())["functions"]]
    assert "" in names and "\x1b[31mred\x1b[0m" in names
    assert _walk_every_drawing(driver, report) >= len(names)
    options = driver.execute_script(
        "return [...document.querySelectorAll('#graph-select option')].map(o => o.textContent)")
    assert "exits (no drawing)" in options


@pytest.mark.slow
def test_every_gallery_report_draws_each_graph_cleanly(driver):
    """outputs/*/report.html (the committed gallery): every graph of every report draws, and
    clicking its ops and findings raises no error."""
    folders = [m.parent for m in sorted((ROOT / "outputs").glob("*/manifest.json"))
               if "report" in json.loads(m.read_text())]
    if not folders:
        pytest.skip("the gallery in outputs/ has no reports yet (scripts/render_gallery.py)")
    for folder in folders:
        assert _walk_every_drawing(driver, folder / "report.html") >= 1


# ---- the layout: the graph gets the room, text stays readable ---------------------------------

RECT = "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];"


def _rect(driver: Any, element: Any) -> list[float]:
    return [float(v) for v in driver.execute_script(RECT, element)]


def _inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def test_the_graph_gets_most_of_the_window_and_a_clicked_op_shows_its_lines(driver,
                                                                          loops_report):
    _open(driver, loops_report)
    width, height = driver.execute_script("return [innerWidth, innerHeight]")
    canvas = _rect(driver, driver.find_element("id", "canvas"))
    share = (canvas[2] - canvas[0]) * (canvas[3] - canvas[1]) / (width * height)
    assert share > 0.5, f"the graph area is {share:.0%} of the window"
    assert canvas[3] - canvas[1] > 0.8 * height
    _click(driver, _node(driver, "while"))
    window = [0.0, 0.0, float(width), float(height)]
    for panel in ("src", "ag"):  # both highlighted lines are on screen, beside the graph
        line = _rect(driver, driver.find_element("css selector", f"#{panel} .line.main"))
        assert _inside(line, window), (panel, line)
        assert line[0] >= canvas[2] - 1, (panel, line)
        assert line[3] - line[1] >= 12
    info = _rect(driver, driver.find_element("id", "info"))
    assert info[3] - info[1] > 100 and info[0] >= canvas[2] - 1
    # the splitter between graph and panel: dragging it 150 px left gives the panel 150 px
    from selenium.webdriver.common.action_chains import ActionChains

    splitter = driver.find_element("id", "splitter")
    side = _rect(driver, driver.find_element("id", "side"))
    ActionChains(driver).move_to_element(splitter).click_and_hold().move_by_offset(-50, 0) \
        .move_by_offset(-100, 0).release().perform()
    wider = _rect(driver, driver.find_element("id", "side"))
    assert abs((wider[2] - wider[0]) - (side[2] - side[0]) - 150) < 3, (side, wider)
    assert _rect(driver, driver.find_element("id", "canvas"))[2] < canvas[2] - 140
    assert _problems(driver) == []


FIRST_VIEW = """
  const s = tfgReport.state, c = document.getElementById('canvas').getBoundingClientRect();
  const g = s.svg.getBoundingClientRect();
  const top = document.getElementById('overlay').getBoundingClientRect().bottom;
  const whole = Math.min(c.width / (g.width / s.scale), (c.bottom - top) / (g.height / s.scale),
    1.5) * 0.97;
  const texts = [...s.svg.querySelectorAll('g.node text')].map(t => t.getBoundingClientRect()
    .height).sort((a, b) => a - b);
  return {scale: s.scale, whole: whole, canvas: [c.left, top, c.right, c.bottom],
          graph: [g.left, g.top, g.right, g.bottom], text: texts[texts.length - 1],
          fit: document.getElementById('fit').textContent};"""


def _check_readable_view(view: dict[str, Any]) -> None:
    """The whole graph when that is readable, else the readable scale, top, centred; under the
    caption (its title and note) either way."""
    canvas, graph = view["canvas"], view["graph"]
    assert view["scale"] >= 0.6 - 1e-9 and view["text"] >= 9, view  # 11 pt op names
    if view["whole"] >= 0.6:
        assert _inside(graph, canvas), view
        assert view["fit"] == "fit"
    else:
        assert abs(view["scale"] - 0.6) < 1e-9, view
        assert 0 <= graph[1] - canvas[1] <= 10, view  # its top, anchored
        left, right = graph[0] - canvas[0], canvas[2] - graph[2]
        assert abs(left - right) < 2, view  # centred
        assert view["fit"] == "fit all"


@pytest.fixture(scope="module")
def fails_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _render(tmp_path_factory.mktemp("fails"), "article_variable_fails.py",
                   "--format", "json", code=1)


@pytest.mark.slow
def test_the_first_view_and_fit_keep_labels_readable(driver, control_report, loops_report,
                                                     fails_report):
    for report in (control_report, loops_report, fails_report):
        _open(driver, report)
        _check_readable_view(driver.execute_script(FIRST_VIEW))
    # the failure note of the drawing: whole, at the page's text size, above the graph
    note = driver.find_element("css selector", "#caption .note")
    assert "tf.function only supports singleton tf.Variables" in note.text
    assert "article_variable_fails.py:15" in note.text
    canvas = _rect(driver, driver.find_element("id", "canvas"))
    assert _inside(_rect(driver, note), canvas)
    assert driver.execute_script(
        "return parseFloat(getComputedStyle(arguments[0]).fontSize)", note) >= 12
    assert driver.find_element("css selector", "#caption .title").text == "f()"
    _open(driver, control_report)
    canvas = driver.find_element("id", "canvas")
    driver.execute_script(  # zoom far out, then fit: readable again
        "const r = arguments[0].getBoundingClientRect();"
        "arguments[0].dispatchEvent(new WheelEvent('wheel', {deltaY: 900, bubbles: true,"
        " cancelable: true, clientX: r.left + 50, clientY: r.top + 50}));", canvas)
    assert driver.execute_script("return tfgReport.state.scale") < 0.4
    fit = driver.find_element("id", "fit")
    fit.click()
    view = driver.execute_script(FIRST_VIEW)
    _check_readable_view(view)
    if view["whole"] < 0.6:  # asked twice: the whole graph, however small its text
        fit.click()
        view = driver.execute_script(FIRST_VIEW)
        assert abs(view["scale"] - view["whole"]) < 1e-6
        assert _inside(view["graph"], view["canvas"]) and view["fit"] == "fit"
        fit.click()
        _check_readable_view(driver.execute_script(FIRST_VIEW))


def test_the_legend_is_readable_and_hides_no_part_of_the_graph(driver, control_report):
    _open(driver, control_report)
    legend = driver.find_element("id", "legend")
    _click(driver, legend.find_element("tag name", "summary"))
    assert driver.execute_script("return document.getElementById('legend').open")
    box = _rect(driver, legend)
    canvas = _rect(driver, driver.find_element("id", "canvas"))
    assert box[0] >= canvas[2] - 1 or box[1] >= canvas[3] - 1, (box, canvas)
    heights = sorted(driver.execute_script(
        "return [...document.querySelectorAll('#legend-body text')]"
        ".map(t => t.getBoundingClientRect().height)"))
    assert heights and heights[len(heights) // 2] >= 10, heights
    body = _rect(driver, driver.find_element("id", "legend-body"))
    svg = _rect(driver, driver.find_element("css selector", "#legend-body svg"))
    assert svg[2] - svg[0] <= body[2] - body[0] + 1  # one column: no sideways scrolling
    assert _problems(driver) == []


@pytest.fixture(scope="module")
def plain_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A function without AutoGraph code (like a Keras model) and one without a drawing."""
    import tensorflow as tf

    import tfgraphviz
    from tfgraphviz.report.html import ReportFunction, ReportGraph, write_report

    model = tfgraphviz.to_networkx(lambda x: tf.nn.relu(x * 2.0), tf.TensorSpec([2]))
    path = tmp_path_factory.mktemp("plain") / "report.html"
    write_report(path, source_name="plain.py", source_text="x = 1\n", functions=[
        ReportFunction("model", None, {}, [ReportGraph("model(x)", "model", model)]),
        ReportFunction("broken", "def tf__broken():\n    pass\n", {}, []),
    ])
    return path


def test_no_drawing_and_no_autograph_code_show_nothing_stale(driver, plain_report):
    _open(driver, plain_report)
    assert "nodes drawn" in driver.find_element("id", "status").text
    assert driver.find_element("id", "ag-title").text == "no AutoGraph code for model"
    assert driver.find_elements("css selector", "#ag .line") == []  # not an empty line 1
    assert len(driver.find_elements("css selector", "#src .line")) == 1
    driver.execute_script(
        "const s = document.getElementById('graph-select'); s.value = '1:0';"
        "s.dispatchEvent(new Event('change')); return tfgReport.busy;")
    assert driver.find_element("id", "status").text == "no drawing"
    assert "no drawing" in driver.find_element("id", "stage").text
    assert len(driver.find_elements("css selector", "#ag .line")) == 2
    assert _problems(driver) == []


# ---- frames, search, inputs and outputs, the first view, the first function -------------------

def _box_of(driver: Any, path: str) -> Any:
    """The drawn closed box of the scope `path`."""
    return driver.execute_script(
        "const s = tfgReport.state;"
        "const c = s.G.containers.findIndex(x => x.path === arguments[0]);"
        "return s.svg.getElementById('s' + c);", path)


def _frames(driver: Any) -> dict[str, list[float]]:
    """The titled frames drawn around opened scopes: their title -> their rectangle."""
    return {t: r for t, r in driver.execute_script(
        "return [...document.querySelectorAll('#stage g.cluster')].filter(g => g.id[0] === 'f')"
        ".map(g => { const r = g.querySelector('path, polygon').getBoundingClientRect();"
        "  return [g.querySelector('text').textContent, [r.left, r.top, r.right, r.bottom]]; })")}


def _op_rects(driver: Any, prefix: str) -> list[list[float]]:
    """The rectangles of the drawn ops (their outlines) whose name starts with `prefix`."""
    return driver.execute_script(
        "const s = tfgReport.state;"
        "return [...s.svg.querySelectorAll('g.node')].filter(g => g.id[0] === 'n' &&"
        "  s.G.nodes[+g.id.slice(1)].n.startsWith(arguments[0])).map(g => {"
        "  const r = g.querySelector('polygon, ellipse, path').getBoundingClientRect();"
        "  return [r.left, r.top, r.right, r.bottom]; })",
        prefix)


def test_opened_scopes_are_drawn_in_titled_nested_frames(driver, loops_depth1):
    _open(driver, loops_depth1)
    assert _frames(driver) == {}
    drawn = _draws(driver)
    _click(driver, _box_of(driver, "TensorArrayUnstack"))
    _wait_draw(driver, drawn)
    frames = _frames(driver)
    assert list(frames) == ["TensorArrayUnstack"]
    inside = _op_rects(driver, "TensorArrayUnstack/")
    assert len(inside) == 1 and _inside(inside[0], frames["TensorArrayUnstack"])
    # a body opened: its own titled cluster (no second frame); a scope in it: a frame in it
    drawn = _draws(driver)
    _click(driver, _box_of(driver, "while:body"))
    _wait_draw(driver, drawn)
    assert list(_frames(driver)) == ["TensorArrayUnstack"]
    # the group in the body that holds `while/add` (ops grouped by line or name prefix)
    inner, prefix = driver.execute_script(
        "const G = tfgReport.state.G; const n = G.nodes.find(x => x.n === 'while/add');"
        "const ops = G.nodes.filter(x => x.c === n.c && x.n.startsWith('while/')).map(x => x.n);"
        "return [G.containers[n.c].path, ops.length === 1 ? ops[0] : 'while/add'];")
    assert inner.startswith("while:body/")
    drawn = _draws(driver)
    _click(driver, _box_of(driver, inner))
    _wait_draw(driver, drawn)
    frames = _frames(driver)
    assert sorted(frames) == sorted(["TensorArrayUnstack", inner])
    body = _rect(driver, driver.find_element("css selector", "#stage g.cluster#b1 path"))
    assert _inside(frames[inner], body)
    adds = _op_rects(driver, prefix)
    assert adds and all(_inside(r, frames[inner]) for r in adds)
    assert not any(_inside(r, frames["TensorArrayUnstack"]) for r in adds)
    # a click on a frame's title closes its scope again
    drawn = _draws(driver)
    _click(driver, driver.find_element("css selector", "#stage g.cluster#f0 text"))
    _wait_draw(driver, drawn)
    assert sorted(_frames(driver)) == [inner]
    assert _box_of(driver, "TensorArrayUnstack") is not None
    assert _problems(driver) == []


SELECTED = """
  const s = tfgReport.state, c = document.getElementById('canvas').getBoundingClientRect();
  const g = document.querySelector('#stage g.node.sel');
  const r = g.getBoundingClientRect();
  return {name: s.G.nodes[s.sel].n, op: s.G.nodes[s.sel].o, id: g.id, shown: s.vis[s.sel],
          rect: [r.left, r.top, r.right, r.bottom], canvas: [c.left, c.top, c.right, c.bottom],
          count: document.getElementById('search-count').textContent, scale: s.scale};"""


def _search(driver: Any, *keys: str) -> dict[str, Any]:
    box = driver.find_element("id", "search")
    box.send_keys(*keys)
    driver.execute_script("return tfgReport.busy")
    return dict(driver.execute_script(SELECTED))


def test_search_opens_the_scopes_around_a_match_centres_it_and_cycles(driver, loops_depth1):
    from selenium.webdriver.common.keys import Keys

    _open(driver, loops_depth1)
    assert _box_of(driver, "while:body") is not None  # the loop body starts closed
    assert driver.execute_script(  # the If op in it is not drawn
        "const s = tfgReport.state; const i = s.G.nodes.findIndex(n => n.o === 'StatelessIf');"
        "return s.vis[i]") == _box_of(driver, "while:body").get_attribute("id")
    box = driver.find_element("id", "search")
    box.send_keys("StatelessIf")
    assert driver.find_element("id", "search-count").text == "1 found"
    found = _search(driver, Keys.ENTER)
    assert (found["name"], found["op"], found["count"]) == ("while/cond", "StatelessIf", "1 of 1")
    assert found["id"] == found["shown"] and found["id"].startswith("n")  # drawn as itself
    assert _box_of(driver, "while:body") is None  # its body was opened
    body = driver.find_element("css selector", "#stage g.cluster#b1")
    assert "of while (StatelessWhile)" in body.text
    assert _inside(found["rect"], found["canvas"]) and found["scale"] >= 0.6 - 1e-9
    middle = ((found["rect"][0] + found["rect"][2]) / 2, (found["rect"][1] + found["rect"][3]) / 2)
    assert abs(middle[0] - (found["canvas"][0] + found["canvas"][2]) / 2) < 5
    # Enter cycles through every match, Shift+Enter goes back; each one in view
    box.clear()
    box.send_keys("add")
    total = int(driver.find_element("id", "search-count").text.split()[0])
    assert total >= 4
    names = []
    for k in range(total + 1):
        found = _search(driver, Keys.ENTER)
        assert found["count"] == f"{k % total + 1} of {total}"
        assert _inside(found["rect"], found["canvas"]), found
        assert "add" in (found["name"] + found["op"]).lower()
        names.append(found["name"])
    assert names[0] == names[-1] and len(set(names)) == total
    assert _search(driver, Keys.SHIFT, Keys.ENTER)["name"] == names[-2]
    # a line of the file: the ops made by `if v > 0` (line 10)
    source = (EXAMPLES / "loops_and_conds.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "if v > 0" in text)
    box.clear()
    box.send_keys(str(line))
    found = _search(driver, Keys.ENTER)
    assert f"loops_and_conds.py:{line} " in driver.find_element("id", "info").text
    assert found["op"] in ("StatelessIf", "Greater")
    box.clear()
    box.send_keys("no such op")
    assert driver.find_element("id", "search-count").text == "no match"
    assert _problems(driver) == []


IO = """
  const s = tfgReport.state, own = s.vis[s.sel];
  const want = (list, end) => [...new Set(list.filter(k => s.vis[s.G.edges[k][end]] !== own)
    .map(k => s.edgeIds[k]))].sort();
  const have = (cls) => [...s.svg.querySelectorAll('g.edge.' + cls)].map(g => g.id).sort();
  const stroke = (cls, tags) => [...new Set([...s.svg.querySelectorAll(tags.split(',')
    .map(t => 'g.' + cls + ' ' + t).join(','))].map(e => getComputedStyle(e).stroke))];
  return {ins: have('in'), outs: have('out'), wantIns: want(s.G.ins[s.sel], 0),
          wantOuts: want(s.G.outs[s.sel], 1), inStroke: stroke('edge.in', 'path'),
          outStroke: stroke('edge.out', 'path'),
          ninStroke: stroke('node.nin', 'polygon,ellipse,path'),
          noutStroke: stroke('node.nout', 'polygon,ellipse,path'),
          key: [...document.querySelectorAll('#info .io-key .swatch')].map(e =>
            getComputedStyle(e).backgroundColor)};"""
BLUE, GREEN = "rgb(25, 113, 194)", "rgb(47, 158, 68)"


def test_a_selected_op_shows_its_inputs_and_outputs_in_two_colours(driver, loops_report):
    _open(driver, loops_report)
    _click(driver, _node(driver, "strided_slice"))
    io = driver.execute_script(IO)
    assert io["ins"] and io["outs"], io
    assert io["ins"] == io["wantIns"] and io["outs"] == io["wantOuts"]
    assert io["inStroke"] == [BLUE] and io["outStroke"] == [GREEN], io
    assert io["ninStroke"] == [BLUE] and io["noutStroke"] == [GREEN], io
    assert io["key"] == [BLUE, GREEN]  # the legend line of the details panel
    assert "inputs" in driver.find_element("css selector", "#info .io-key").text
    # an edge into a closed box (merged with others) is coloured too: `while` feeds the bodies
    _click(driver, _node(driver, "while"))
    io = driver.execute_script(IO)
    assert any(i.startswith("m") for i in io["outs"] + io["ins"]), io
    assert io["ins"] == io["wantIns"] and io["outs"] == io["wantOuts"]
    assert _problems(driver) == []


def test_a_control_flow_graph_is_whole_in_the_first_view(driver, loops_report, control_report):
    for report in (loops_report, control_report):
        _open(driver, report)
        view = driver.execute_script(FIRST_VIEW)
        assert view["whole"] >= 0.6 and _inside(view["graph"], view["canvas"]), (report, view)
        assert view["fit"] == "fit" and view["text"] >= 9
        closed = driver.execute_script(  # its bodies are closed boxes, ready to be opened
            "const s = tfgReport.state; return [...s.svg.querySelectorAll('g.node')]"
            ".filter(g => g.id[0] === 's').map(g => s.G.containers[+g.id.slice(1)].n)")
        assert closed and all(":" in name for name in closed), closed
        assert "bodies closed to fit" in driver.find_element("id", "status").text
        # reset view comes back to it after a body was opened
        drawn = _draws(driver)
        _click(driver, driver.find_element("css selector", "#stage g.node[id^='s']"))
        _wait_draw(driver, drawn)
        drawn = _draws(driver)
        driver.find_element("id", "reset").click()
        _wait_draw(driver, drawn)
        assert _inside(driver.execute_script(FIRST_VIEW)["graph"], view["canvas"])
    assert _problems(driver) == []


@pytest.mark.slow
def test_the_first_function_shown_is_the_first_one_written_by_the_user(driver, tmp_path):
    report = _render(tmp_path, "training_step.py", "--format", "json")
    names = [f["name"] for f in json.loads((tmp_path / "manifest.json").read_text())["functions"]]
    assert names[0] == "model" and names.index("train_step") < names.index("dataset_sum")
    _open(driver, report)
    assert driver.execute_script("return tfgReport.state.fn") == names.index("train_step")
    selected = driver.execute_script(
        "const s = document.getElementById('graph-select'); return s.options[s.selectedIndex].text")
    assert selected.startswith("train_step(")
    assert driver.find_element("id", "ag-title").text == "AutoGraph code of train_step"
    assert _problems(driver) == []


def test_a_hash_opens_that_drawing_with_the_op_revealed(driver, loops_depth1):
    """`report.html#STEM:OP` (where a box past the drill-down pages' budget links) shows the
    drawing STEM with OP's scopes and bodies opened and OP selected; twice in one page."""
    model = json.loads((loops_depth1.parent / "collatz_steps.json").read_text())
    inside = [n["id"] for n in model["nodes"] if n["body"] and n["kind"] == "op"
              and n["op"] not in ("Const", "Identity", "ReadVariableOp")]  # not folded away
    assert inside
    for op in (inside[0], inside[-1]):
        url = loops_depth1.as_uri() + "#" + quote(f"collatz_steps:{op}", safe="")
        driver.get("about:blank")
        driver.get(url)
        start = time.monotonic()
        while driver.execute_script("return document.body.dataset.ready || ''") != "1":
            assert time.monotonic() - start < 60
            time.sleep(0.05)
        driver.execute_script("return tfgReport.busy")
        state = driver.execute_script(
            "const s = tfgReport.state; const f = " + "document.getElementById('graph-select');"
            "return {sel: s.sel, id: s.sel >= 0 ? s.G.nodes[s.sel].id : null,"
            " vis: s.sel >= 0 ? s.vis[s.sel] : null, graph: f.value};")
        assert state["id"] == op, state
        assert state["vis"] == f"n{state['sel']}", state  # the op itself is drawn, not its box
        assert _node(driver, op) is not None
        assert not _problems(driver)
