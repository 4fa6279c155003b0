"""What serve watches: the file and the files beside it that it imports, never the output
folder; a change counts once the files stay quiet, an unchanged save not at all."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tfgraphviz.serve import render_argv
from tfgraphviz.serve.watch import Watcher, local_sources


def _tree(root: Path) -> Path:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "layers.py").write_text("from . import util\n")
    (root / "pkg" / "util.py").write_text("X = 1\n")
    (root / "helper.py").write_text("import numpy\n")
    (root / "out").mkdir()
    (root / "out" / "__init__.py").write_text("")  # a package: excluded all the same
    (root / "out" / "gen.py").write_text("")
    (root / "elsewhere.py").write_text("")
    main = root / "main.py"
    main.write_text("import os, helper\nfrom pkg.layers import thing\nimport out.gen\n"
                    "import tensorflow as tf\n")
    return main


def test_local_imports_are_watched_and_the_output_folder_is_not(tmp_path: Path) -> None:
    main = _tree(tmp_path)
    for _ in range(2):
        found = {p.relative_to(tmp_path).as_posix()
                 for p in local_sources(main, tmp_path / "out")}
        assert found == {"main.py", "helper.py", "pkg/__init__.py", "pkg/layers.py",
                         "pkg/util.py"}


def test_a_file_that_does_not_parse_is_still_watched(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text("def (:\n")
    assert local_sources(main) == [main]


def test_a_change_counts_once_quiet_and_an_unchanged_save_not_at_all(tmp_path: Path) -> None:
    main = _tree(tmp_path)
    watcher = Watcher(main, tmp_path / "out", quiet=0.3)
    assert not watcher.poll(0.0)
    helper = tmp_path / "helper.py"
    helper.write_text("import numpy  # edited\n")
    assert not watcher.poll(1.0)  # changed: wait until quiet
    assert not watcher.poll(1.1)
    assert watcher.poll(1.4)
    assert not watcher.poll(2.0)  # once
    os.utime(helper, ns=(1, 1))  # touched, same text
    assert not watcher.poll(3.0)
    assert not watcher.poll(4.0)
    (tmp_path / "out" / "gen.py").write_text("changed = True\n")  # the output folder
    assert not watcher.poll(5.0) and not watcher.poll(6.0)
    replacement = tmp_path / "main.tmp"  # an editor's save by rename
    replacement.write_text(main.read_text() + "# saved\n")
    replacement.replace(main)
    assert not watcher.poll(7.0)
    assert watcher.poll(8.0)


def test_render_options_are_passed_on() -> None:
    args = argparse.Namespace(function=["f", "g"], skip=[], format="svg", call=["f(1)"],
                              dpi=120.0, timeout=600.0, depth="auto", expand=["a*"],
                              noise="off", layout_timeout=60.0, fold=False)
    for _ in range(2):
        assert render_argv(args) == [
            "-f", "f", "-f", "g", "--format", "svg", "--call", "f(1)", "--dpi", "120",
            "--timeout", "600", "--depth", "auto", "--expand", "a*", "--noise", "off",
            "--layout-timeout", "60", "--no-fold"]
