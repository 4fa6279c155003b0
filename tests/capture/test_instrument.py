"""The hooks: captured output survives hostile code; frames are classified user/library."""

from __future__ import annotations

import sys
from pathlib import Path

from tfgraphviz.capture.hooks.output import captured_output
from tfgraphviz.capture.hooks.recorder import classify_frame


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


def test_hooks_are_all_removed_after_recording():
    from tensorflow.python.autograph.operators import control_flow
    from tensorflow.python.eager.polymorphic_function import polymorphic_function
    from tensorflow.python.ops import while_v2

    from tfgraphviz.capture.hooks.recorder import recording

    variable = polymorphic_function.UnliftedInitializerVariable
    before = (control_flow._tf_while_stmt, control_flow._tf_if_stmt, while_v2.while_loop,
              variable.__dict__["__init__"])
    with recording():
        assert control_flow._tf_while_stmt is not before[0]
        assert variable.__dict__["__init__"] is not before[3]
    assert (control_flow._tf_while_stmt, control_flow._tf_if_stmt, while_v2.while_loop,
            variable.__dict__["__init__"]) == before


def test_autograph_names_and_lines_helpers():
    from tfgraphviz.capture.hooks.autograph import _expand, converted_name, line_in

    assert converted_name("def tf____call__(self):\n    pass\n") == "tf____call__"
    assert converted_name(None) == "" and converted_name("x = 1") == ""
    assert _expand(["i", "pair", "total"], [1, 2, 1]) == ["i", "pair[0]", "pair[1]", "total"]
    assert _expand(["a", "b"], None) == ["a", "b"]
    assert _expand(["a", "empty"], [1, 0]) == ["a"]
    frames = (("tf__inner", 4), ("tf__outer", 12))
    assert line_in(frames, "tf__outer") == 12 and line_in(frames, "tf__inner") == 4
    assert line_in(frames, "tf__other") is None and line_in(frames, "") is None


def test_print_sites_join_the_pieces_of_one_print():
    import io

    from tfgraphviz.capture.hooks.recorder import _Tee

    sites: list[tuple[int, str, str]] = []
    line = [3]
    tee = _Tee(io.StringIO(), io.StringIO(), sites, lambda: (line[0], f"f.py:{line[0]}"))
    print("a", 1, file=tee)  # "a", " ", "1", "\n": one site
    print("a", 2, file=tee)  # the same line again: a second site
    line[0] = 5
    print("b", end="", file=tee)
    assert sites == [(3, "f.py:3", "a 1\n"), (3, "f.py:3", "a 2\n"), (5, "f.py:5", "b")]
