"""The real command: a server in a subprocess, a real file edited, renders in real
subprocesses; the new graph over HTTP, stale renders stopped, Ctrl-C and SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from ..conftest import assert_clean_error, run_cli
from .conftest import MODEL, Served, session_members, start_serve, stop

SLEEPY = "import time\ntime.sleep(120)\n"


def _manifest(served: Served) -> dict:
    code, body, _ = served.get("/manifest.json")
    assert code == 200
    return json.loads(body)


@pytest.mark.slow
def test_an_edit_shows_the_new_graph_within_seconds(serving: Served, project: Path) -> None:
    serving.wait_line(r"rendered model\.py in")
    code, svg, _ = serving.get("/f.svg")
    assert code == 200 and b"Sin" not in svg
    assert serving.get("/")[0] == 200
    assert serving.get("/", host="evil.example:80")[0] == 403
    saved = time.monotonic()
    (project / "model.py").write_text(MODEL.replace("helper.g(x)", "tf.sin(helper.g(x))"))
    render = float(serving.wait_line(r"rendered model\.py in ([\d.]+) s", 60).group(1))
    took = time.monotonic() - saved
    code, svg, _ = serving.get("/f.svg")
    assert code == 200 and b"Sin" in svg
    assert took < 30, took
    print(f"save to new graph served: {took:.1f} s (the render {render:.1f} s)")
    # a local import changes: rendered again
    (project / "helper.py").write_text("def g(x):\n    return x - 1.0\n")
    serving.wait_line(r"rendered model\.py in", 60)
    assert b"Sub" in serving.get("/f.svg")[1]
    assert "Traceback" not in "\n".join(serving.lines)


@pytest.mark.slow
def test_a_stale_render_is_stopped(project: Path) -> None:
    (project / "model.py").write_text(SLEEPY + MODEL)
    served = start_serve("model.py", cwd=project)
    try:
        pid = int(served.wait_line(r"rendering model\.py \(pid (\d+)\)").group(1))
        time.sleep(0.5)
        (project / "model.py").write_text(MODEL)
        served.wait_line(rf"stopping stale render of model\.py \(pid {pid}\)", 10)
        newer = int(served.wait_line(r"rendering model\.py \(pid (\d+)\)", 10).group(1))
        assert newer != pid
        end = time.monotonic() + 10
        while session_members(pid) and time.monotonic() < end:
            time.sleep(0.1)
        assert session_members(pid) == []
        served.wait_line(r"rendered model\.py in", 60)
        assert _manifest(served)["functions"]
    finally:
        assert stop(served) == 0


@pytest.mark.slow
def test_ctrl_c_stops_the_server_and_its_render(project: Path) -> None:
    (project / "model.py").write_text(SLEEPY + MODEL)
    served = start_serve("model.py", cwd=project)
    pid = int(served.wait_line(r"rendering model\.py \(pid (\d+)\)").group(1))
    time.sleep(1)
    assert session_members(pid)
    started = time.monotonic()
    assert stop(served) == 0
    assert time.monotonic() - started < 10
    assert session_members(pid) == []
    assert served.proc.stderr is not None
    assert "Traceback" not in served.proc.stderr.read()
    served.wait_line("stopped", 5)


@pytest.mark.slow
def test_sigterm_and_a_token_off_loopback(project: Path) -> None:
    (project / "model.py").write_text("def (:\n")  # fails at once, without TensorFlow
    served = start_serve("model.py", "--host", "0.0.0.0", cwd=project)
    try:
        token = re.search(r"\?token=(\S+)", served.url).group(1)  # type: ignore[union-attr]
        served.wait_line(r"failed model\.py in .* \(exit 2\)", 30)
        assert served.get("/")[0] == 403
        assert served.get("/?token=nope")[0] == 403
        code, body, headers = served.get(f"/?token={token}", host="192.0.2.7:1")
        assert code == 200 and b"iframe" in body
        cookie = headers["Set-Cookie"].split(";")[0]
        assert served.get("/_tfgraphviz/live.js", headers={"Cookie": cookie})[0] == 200
    finally:
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(30) == 0


@pytest.mark.slow
def test_a_folder_gets_an_index(project: Path) -> None:
    (project / "broken.py").write_text("def (:\n")
    served = start_serve(".", cwd=project)
    try:
        for _ in range(3):
            served.wait_line(r"(rendered|failed) \w+\.py in", 60)
        code, index, _ = served.get("/")
        assert code == 200
        assert all(name in index for name in (b'href="model/"', b'href="broken/"',
                                              b'href="helper/"'))
        assert b"failed" in index and b'src="/_tfgraphviz/live.js"' in index
        assert served.get("/model/")[0] == 200
        assert served.get("/model/f.svg")[0] == 200
        assert served.get("/model/../broken/manifest.json")[0] == 404
        assert os.path.isdir(project / "tfgraphviz-out" / project.name / "model")
    finally:
        assert stop(served) == 0


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    assert_clean_error(run_cli("serve", str(tmp_path / "missing.py")), 2, "no such file")
    assert_clean_error(run_cli("serve", str(tmp_path)), 2, "no .py file")


@pytest.mark.slow
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\n")
    assert_clean_error(run_cli("serve", str(tmp_path / "m.py"), "--port", "70000"), 2,
                       "--port 70000")
    assert_clean_error(run_cli("serve", str(tmp_path / "m.py"), "--depth", "deep"), 2)
