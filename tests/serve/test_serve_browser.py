"""The live page in headless Chromium: report.html in its frame, reloaded with the new graph
when the file is saved."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ..report.test_report_browser import driver  # noqa: F401 - the fixture
from .conftest import MODEL, Served

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
