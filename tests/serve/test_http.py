"""The HTTP side in-process on a real server and a real output folder: confinement, Host
header, token, methods, the live page and its events."""

from __future__ import annotations

import http.client
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tfgraphviz.serve.http import Server, Site, confined, host_name, split_path
from tfgraphviz.serve.renderer import Target

TRAVERSALS = ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
              "/..%2fsecret.txt", "/sub%2f..%2f..%2fsecret.txt", "/..%5csecret.txt",
              "//secret.txt", "/./report.html", "/sub/../report.html", "/link.txt",
              "/linkdir/x.txt", "/.hidden", "/%00", "/%ff", "/sub", "/nothing.svg",
              "http://127.0.0.1/../secret.txt"]


def _folder(root: Path) -> Path:
    out = root / "out"
    (out / "sub").mkdir(parents=True)
    (out / "report.html").write_text("<html>report</html>")
    (out / "f.svg").write_text("<svg/>")
    (out / "sub" / "x.txt").write_text("x")
    (out / ".hidden").write_text("h")
    (root / "secret.txt").write_text("secret")
    os.symlink(root / "secret.txt", out / "link.txt")
    os.symlink(root, out / "linkdir")
    (root / "x.txt").write_text("x")
    return out


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return _folder(tmp_path)


def _serve(folder: Path, token: str | None) -> Iterator[tuple[Server, Site]]:
    site = Site([Target("f.py", folder / "f.py", folder, "")], None, token, "127.0.0.1")
    server = Server(("127.0.0.1", 0), site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server, site
    finally:
        site.close()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server(folder: Path) -> Iterator[tuple[Server, Site]]:
    yield from _serve(folder, None)


@pytest.fixture
def token_server(folder: Path) -> Iterator[tuple[Server, Site]]:
    yield from _serve(folder, "s3cret-token")


def _get(server: Server, path: str, host: str = "127.0.0.1", method: str = "GET",
         headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", f"{host}:{server.server_address[1]}")
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


def test_files_of_the_output_folder_are_served(server: tuple[Server, Site]) -> None:
    for _ in range(2):
        code, body, response = _get(server[0], "/report.html")
        assert (code, body) == (200, b"<html>report</html>")
        assert response.getheader("Content-Type") == "text/html; charset=utf-8"
        assert response.getheader("Cache-Control") == "no-cache"
        assert response.getheader("Content-Security-Policy") is None  # report.html has its own
        assert _get(server[0], "/sub/x.txt")[:2] == (200, b"x")
        assert _get(server[0], "/f.svg?render=3")[:2] == (200, b"<svg/>")


def test_traversal_attempts_get_404(server: tuple[Server, Site]) -> None:
    for path in TRAVERSALS:
        code, body, _ = _get(server[0], path)
        assert code == 404, path
        assert b"secret" not in body


def test_a_foreign_host_header_is_refused(server: tuple[Server, Site]) -> None:
    for host in ("evil.example", "127.0.0.1.evil.example", "localhost.evil"):
        assert _get(server[0], "/report.html", host=host)[0] == 403
    for host in ("localhost", "127.0.0.1", "[::1]"):
        assert _get(server[0], "/report.html", host=host)[0] == 200


def test_only_get_and_head(server: tuple[Server, Site]) -> None:
    assert _get(server[0], "/report.html", method="POST")[0] == 405
    code, body, _ = _get(server[0], "/report.html", method="HEAD")
    assert (code, body) == (200, b"")


def test_the_token_is_checked_on_every_request(token_server: tuple[Server, Site]) -> None:
    server = token_server[0]
    assert _get(server, "/report.html")[0] == 403
    assert _get(server, "/report.html?token=wrong")[0] == 403
    assert _get(server, "/report.html", headers={"Cookie": "tfgraphviz_token=wrong"})[0] == 403
    code, _, response = _get(server, "/?token=s3cret-token", host="192.0.2.1")
    assert code == 200
    cookie = response.getheader("Set-Cookie") or ""
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie
    value = cookie.split(";")[0]
    assert _get(server, "/report.html", headers={"Cookie": value})[:2] == (
        200, b"<html>report</html>")
    assert _get(server, "/../secret.txt", headers={"Cookie": value})[0] == 404


def test_the_live_page_holds_the_report_in_a_frame(server: tuple[Server, Site]) -> None:
    code, body, response = _get(server[0], "/")
    assert code == 200
    assert b'<iframe id="report"' in body and b'src="/_tfgraphviz/live.js"' in body
    assert "script-src 'self'" in (response.getheader("Content-Security-Policy") or "")
    code, script, _ = _get(server[0], "/_tfgraphviz/live.js")
    assert code == 200 and b"EventSource" in script


def test_events_say_when_a_render_is_done(server: tuple[Server, Site]) -> None:
    instance, site = server
    connection = http.client.HTTPConnection("127.0.0.1", instance.server_address[1], timeout=5)
    connection.request("GET", "/_tfgraphviz/events")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    first = response.fp.readline() + response.fp.readline()
    assert b'"state": "waiting"' in first
    target = site.targets[0]
    target.state, target.generation = "rendered", 1
    site.publish(target)
    response.fp.readline()  # the blank line ending the first event
    event = response.fp.readline() + response.fp.readline()
    assert event.startswith(b"event: render\n") and b'"generation": 1' in event
    connection.close()


def test_split_path_and_confined(folder: Path) -> None:
    for _ in range(2):
        assert split_path("/a/b.svg?x=1") == ["a", "b.svg"]
        assert split_path("/") == [""]
        assert split_path("/a/%2e%2e/b") is None
        assert split_path("/a%2Fb") is None
        assert confined(folder, ["sub", "x.txt"]) == folder / "sub" / "x.txt"
        assert confined(folder, ["link.txt"]) is None
        assert confined(folder, ["linkdir", "x.txt"]) is None
        assert confined(folder, ["sub"]) is None


def test_host_name() -> None:
    for _ in range(2):
        assert host_name("LocalHost:8000") == "localhost"
        assert host_name("[::1]:8000") == "::1"
        assert host_name("::1") == "::1"
        assert host_name("evil.example") == "evil.example"
