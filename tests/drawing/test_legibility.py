"""The README's drawings read at 900 px: the median text size of each, scaled to 900 px wide,
is at least 6.5 px (scripts/legibility.py measures it)."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

from tfgraphviz.drawing.dot import to_dot
from tfgraphviz.drawing.layout import lay_out
from tfgraphviz.model.build import to_networkx
from tfgraphviz.views.build import view_and_visible

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from legibility import MIN_PX, WIDTH, main, measure_svg

README_IMAGES = re.findall(r"!\[[^\]]*\]\(outputs/(\w+)/([\w.]+)\.svg\)",
                           (ROOT / "README.md").read_text(encoding="utf-8"))
# a full drawing of 110 ops: dot cannot make it narrow enough; its overview must collapse
# scopes (the view's automatic depth) to read at 900 px


def _svg(traced_examples: Any, example: str, function: str) -> str:
    model = to_networkx(traced_examples[example].functions[function].graphs[0], function)
    drawn, _ = view_and_visible(model, "auto", (), True, None)
    return lay_out(to_dot(drawn), "svg").data.decode("utf-8")


def test_readme_shows_the_drawings_measured_here():
    assert len(README_IMAGES) >= 5
    assert ("control_deps", "step") in README_IMAGES


@pytest.mark.parametrize(("example", "function"), README_IMAGES)
def test_readme_drawing_reads_at_900_px(traced_examples, example, function):
    found = measure_svg(_svg(traced_examples, example, function), WIDTH)
    assert found.texts > 20
    assert found.median_px >= MIN_PX, (example, function, found)


def test_script_prints_a_table_and_fails_below_the_minimum(tmp_path, capsys):
    wide = tmp_path / "wide.svg"
    wide.write_text('<svg width="3600pt" height="100pt" viewBox="0.00 0.00 3600.00 100.00">'
                    + '<text font-size="10.00">a</text>' * 3 + "</svg>", encoding="utf-8")
    narrow = tmp_path / "narrow.svg"
    narrow.write_text('<svg width="900pt" height="100pt" viewBox="0.00 0.00 900.00 100.00">'
                      '<text font-size="8.00">a</text><text font-size="14.00">b</text>'
                      '<text font-size="9.00">c</text></svg>', encoding="utf-8")
    assert main([str(wide), str(narrow)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[-1] == "2.50" and out[2].split()[-1] == "9.00"
    assert main([str(wide), str(narrow), "--min", "6.5"]) == 1
    assert main([str(narrow), "--min", "6.5", "--width", "700"]) == 0  # 7.00 px
