"""What is drawn: views chosen on the command line, drill-down pages, and the whole model kept
in the machine-readable files."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest

from ..conftest import DATA, EXAMPLES, assert_clean_error, run_cli


@pytest.mark.slow
def test_collapsed_view_links_every_scope_to_its_page(tmp_path):
    result = run_cli("render", str(EXAMPLES / "training_step.py"), "-o", str(tmp_path),
                     "-f", "train_step", "--depth", "1")
    assert result.code == 0, result.stderr
    (cf,) = json.loads((tmp_path / "manifest.json").read_text())["functions"][0][
        "concrete_functions"]
    assert cf["view"]["depth"] == 1 and cf["view"]["visible_nodes"] < cf["nodes"]
    model = json.loads((tmp_path / "train_step.json").read_text())
    assert len(model["nodes"]) == cf["nodes"]  # the JSON keeps every op
    svg = (tmp_path / "train_step.svg").read_text()
    links = sorted(set(re.findall(r'xlink:href="([^"]+)"', svg)))
    assert links and all(link.startswith("train_step.scopes/") for link in links)
    for link in links:
        page = (tmp_path / unquote(link)).read_text()
        ET.fromstring(page)  # a well-formed SVG
        assert 'href="../train_step.svg"' in page  # and a link back up
    assert cf["files"]["scopes"] == "train_step.scopes"


@pytest.mark.slow
def test_depth_all_draws_every_op_and_is_the_same_in_a_fresh_process(tmp_path):
    for run in ("a", "b"):
        result = run_cli("render", str(EXAMPLES / "training_step.py"), "-o",
                         str(tmp_path / run), "-f", "train_step", "--depth", "all",
                         "--format", "dot,svg")
        assert result.code == 0, result.stderr
    for name in ("train_step.dot", "train_step.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert not (tmp_path / "a" / "train_step.scopes").exists()  # nothing collapsed: no pages


def test_bad_depth_is_refused_before_tensorflow_loads(tmp_path):
    result = run_cli("render", str(EXAMPLES / "control_deps.py"), "-o", str(tmp_path / "o"),
                     "--depth", "zero")
    assert_clean_error(result, 2, "--depth zero: give auto, all or a whole number")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_page_of_a_body_without_its_caller_names_the_caller(tmp_path):
    """At depth 1 a called function's body is a scope of its own: its page holds the body but
    not the op that calls it (this raised KeyError before)."""
    result = run_cli("render", str(DATA / "drawing_nested_call.py"), "-o", str(tmp_path),
                     "-f", "outer", "--depth", "1", "--format", "svg")
    assert result.code == 0, result.stderr
    (page,) = (tmp_path / "outer.scopes").iterdir()
    text = page.read_text()
    ET.fromstring(text)
    assert "function called by PartitionedCall" in text and "(PartitionedCall)" not in text
    assert all(f">{name}<" in text for name in ("Sin", "Sin_1", "Sin_2"))  # the body


@pytest.mark.slow
def test_pages_a_new_render_no_longer_links_to_are_deleted(tmp_path):
    """Re-rendering at another depth replaces the drill-down pages; a file the user put in the
    pages folder, which no manifest lists, stays."""
    source = str(EXAMPLES / "training_step.py")
    first = run_cli("render", source, "-o", str(tmp_path), "-f", "train_step", "--depth", "1",
                    "--format", "svg")
    assert first.code == 0, first.stderr
    scopes = tmp_path / "train_step.scopes"
    before = {p.name for p in scopes.iterdir()}
    (scopes / "mine.svg").write_text("<svg/>")
    second = run_cli("render", source, "-o", str(tmp_path), "-f", "train_step", "--depth", "2",
                     "--format", "svg")
    assert second.code == 0, second.stderr
    (cf,) = json.loads((tmp_path / "manifest.json").read_text())["functions"][0][
        "concrete_functions"]
    listed = {p.rpartition("/")[2] for p in cf["view"]["pages"]}
    assert listed and listed != before
    assert {p.name for p in scopes.iterdir()} == listed | {"mine.svg"}
    svg = (tmp_path / "train_step.svg").read_text()
    linked = {unquote(link) for link in re.findall(r'xlink:href="train_step.scopes/([^"]+)"', svg)}
    assert linked == listed
