"""The live page in headless Chromium: report.html in its frame, reloaded with the new graph
when the file is saved."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ..report.test_report_browser import driver  # noqa: F401 - the fixture
from .conftest import MODEL, Served, start_serve, stop

STAGE_TEXT = """
const frame = document.getElementById('report');
const doc = frame && frame.contentDocument;
const stage = doc && doc.querySelector('#stage');
return [document.getElementById('status').textContent, frame ? frame.getAttribute('src') : '',
        stage ? [...stage.querySelectorAll('g.node')].map(g => g.textContent).join('|') : ''];
"""


def _wait_for(driver: Any, needle: str, timeout: float) -> list[str]:  # noqa: F811
    end = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < end:
        seen = driver.execute_script(STAGE_TEXT)
        if needle in seen[2]:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} not shown in {timeout} s: {seen}")


@pytest.mark.slow
def test_the_page_reloads_with_the_new_graph(driver: Any, serving: Served,  # noqa: F811
                                             project: Path) -> None:
    driver.get(serving.url)
    status, src, _ = _wait_for(driver, "AddV2", 90)
    serving.wait_line(r"rendered model\.py in", 5)
    assert src.startswith("report.html?render=1")
    assert "rendered model.py" in status
    marker = driver.execute_script("window.tfgMarker = 1; return window.tfgMarker")
    saved = time.monotonic()
    (project / "model.py").write_text(MODEL.replace("helper.g(x)", "tf.sin(helper.g(x))"))
    status, src, texts = _wait_for(driver, "Sin", 90)
    took = time.monotonic() - saved
    render = float(serving.wait_line(r"rendered model\.py in ([\d.]+) s", 5).group(1))
    print(f"save to new graph shown in Chromium: {took:.1f} s (the render {render:.1f} s)")
    assert src.startswith("report.html?render=2") and "render 2" in status
    assert driver.execute_script("return window.tfgMarker") == marker  # the frame, not the page
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    assert took < 30


@pytest.mark.slow
def test_a_folders_index_reloads_when_a_render_is_done(driver: Any,  # noqa: F811
                                                       project: Path) -> None:
    (project / "helper.py").unlink()
    (project / "model.py").write_text(MODEL.replace("import helper\n", "").replace(
        "helper.g(x)", "x"))
    served = start_serve(str(project), cwd=project)
    try:
        driver.get(served.url)
        first = driver.execute_script("return document.body.textContent")
        assert "model.py" in first and "rendered" not in first
        served.wait_line(r"rendered model\.py in", 90)
        end = time.monotonic() + 10
        while "model.py — rendered" not in driver.execute_script(
                "return document.body.textContent") and time.monotonic() < end:
            time.sleep(0.1)
        assert "model.py — rendered" in driver.execute_script("return document.body.textContent")
        driver.find_element("link text", "model.py").click()
        _wait_for(driver, "Mul", 30)
    finally:
        assert stop(served) == 0
