"""The hooks: captured output survives hostile code; frames are classified user/library."""

from __future__ import annotations

import sys
from pathlib import Path

from tfgraphviz.instrument import captured_output, classify_frame


def test_captured_output_survives_a_closed_stdout():
    with captured_output() as out:
        print("before close")
        sys.stdout.close()  # what a hostile user file may do at import
    assert "before close" in out[0]
    assert not sys.stdout.closed
    print("still printing")


def test_frames_classified_by_where_the_file_lives(tmp_path):
    roots = ("/usr/lib/python3/dist-packages/", "/venv/lib/python3.11/site-packages/",
             "/venv/lib/python3.11/")
    user = str(tmp_path / "model.py")
    assert classify_frame(user, 12, {user}, roots) == ("user", "model.py:12")
    assert classify_frame("/venv/lib/python3.11/site-packages/keras/src/x.py", 40, set(),
                          roots) == ("library", "keras/src/x.py:40")
    assert classify_frame("/home/me/project/helpers.py", 7, set(), roots) == \
        ("user", "helpers.py:7")
    installed = "/venv/lib/python3.11/site-packages/tfgraphviz/examples/control_deps.py"
    assert classify_frame(installed, 11, {installed}, roots)[0] == "user"
    assert classify_frame(str(Path("<string>")), 1, set(), roots)[0] == "library"
