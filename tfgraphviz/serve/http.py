"""The HTTP side of `serve`: Host and token checks, files confined to the output folder (no
`..`, no encoded slashes, no symbolic links), the live page and its server-sent events."""

from __future__ import annotations

import hmac
import mimetypes
import os
import queue
import re
import socket
import stat
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tfgraphviz.serve.page import ASSETS, CSP, SCRIPT, index_page, live_page
from tfgraphviz.serve.renderer import Target

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
COOKIE = "tfgraphviz_token"
HEARTBEAT = 15.0
_ENCODED_SEPARATOR = re.compile("%(2f|5c|00)", re.IGNORECASE)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.startswith("127.")


def host_name(header: str) -> str:
    """The name of a Host header without its port: `[::1]:8000` → `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


@dataclass
class Site:
    """What the server shows: one target at `/`, or a folder's targets at `/<stem>/`."""

    targets: list[Target]
    folder_name: str | None  # a folder was served: `/` is its index
    token: str | None
    bound_host: str
    _listeners: list[queue.Queue[str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def publish(self, target: Target) -> None:
        message = target.event()
        with self._lock:
            for listener in self._listeners:
                listener.put(message)

    def listen(self) -> queue.Queue[str | None]:
        listener: queue.Queue[str | None] = queue.Queue()
        with self._lock:
            self._listeners.append(listener)
            for target in self.targets:
                listener.put(target.event())
        return listener

    def forget(self, listener: queue.Queue[str | None]) -> None:
        with self._lock:
            self._listeners.remove(listener)

    def close(self) -> None:
        self.stopping.set()
        with self._lock:
            for listener in self._listeners:
                listener.put(None)


def confined(root: Path, parts: list[str]) -> Path | None:
    """The regular file `parts` names under `root`, reached without a symbolic link, or None."""
    current = root
    for index, part in enumerate(parts):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            return None
        last = index == len(parts) - 1
        if stat.S_ISLNK(mode) or (stat.S_ISREG(mode) != last) or (not last and not
                                                                    stat.S_ISDIR(mode)):
            return None
    return current if parts else None


def split_path(raw: str) -> list[str] | None:
    """The segments of a request path, or None for anything that could leave the folder."""
    path = urlsplit(raw).path
    if _ENCODED_SEPARATOR.search(path) or not path.startswith("/"):
        return None
    parts = unquote(path, errors="strict").split("/")[1:]
    for index, part in enumerate(parts):
        if part == "" and index == len(parts) - 1:
            continue
        if part in ("", ".", "..") or part.startswith(".") or "\\" in part or "\x00" in part:
            return None
    return parts


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD only; every request passes the Host and token checks first."""

    server: Server
    protocol_version = "HTTP/1.1"
    server_version = "tfgraphviz-serve"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal shows renders, not requests

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_POST(self) -> None:
        self._plain(405, "method not allowed", {"Allow": "GET, HEAD"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def _serve(self, head: bool) -> None:
        site = self.server.site
        if not self._host_allowed(site):
            self._plain(403, "forbidden: unknown Host header")
            return
        cookie = self._token_cookie(site)
        if cookie is None:
            self._plain(403, "forbidden: open the URL with ?token=... that serve printed")
            return
        try:
            parts = split_path(self.path)
        except UnicodeDecodeError:
            parts = None
        if parts is None:
            self._plain(404, "not found")
            return
        self._route(site, parts, head, cookie)

    def _host_allowed(self, site: Site) -> bool:
        name = host_name(self.headers.get("Host", ""))
        if site.token is not None:  # off loopback: the token guards every request
            return bool(name)
        return name in LOOPBACK_NAMES or name == site.bound_host

    def _token_cookie(self, site: Site) -> dict[str, str] | None:
        """{} when no token is needed or the cookie carries it; a Set-Cookie header for a
        right ?token=; None when the request is refused."""
        if site.token is None:
            return {}
        given = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
        cookies = dict(c.strip().split("=", 1) for c in self.headers.get("Cookie", "").split(";")
                       if "=" in c)
        if hmac.compare_digest(cookies.get(COOKIE, "").encode(), site.token.encode()):
            return {}
        if given and hmac.compare_digest(given.encode(), site.token.encode()):
            return {"Set-Cookie": f"{COOKIE}={site.token}; Path=/; HttpOnly; SameSite=Strict"}
        return None

    def _route(self, site: Site, parts: list[str], head: bool, extra: dict[str, str]) -> None:
        if parts[:1] == [ASSETS.strip("/")] and len(parts) == 2:
            if parts[1] == "events" and not head:
                self._events(site)
            elif parts[1] == "live.js":
                self._send(200, SCRIPT.encode(), "text/javascript; charset=utf-8", head, extra)
            else:
                self._plain(404, "not found")
            return
        target, rest = self._target(site, parts)
        if target is None:
            if site.folder_name is not None and parts == [""]:
                page = index_page(site.folder_name, site.targets)
                self._send(200, page.encode(), "text/html; charset=utf-8", head, extra, True)
            else:
                self._plain(404, "not found")
            return
        if rest == [""]:
            self._send(200, live_page(target).encode(), "text/html; charset=utf-8", head, extra,
                       True)
            return
        path = confined(target.output, rest)
        if path is None:
            self._plain(404, "not found")
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as handle:
                data = handle.read()
        except OSError:
            self._plain(404, "not found")
            return
        self._send(200, data, kind + ("; charset=utf-8" if kind.startswith("text/") else ""),
                   head, extra)

    def _target(self, site: Site, parts: list[str]) -> tuple[Target | None, list[str]]:
        if site.folder_name is None:
            return site.targets[0], parts
        for target in site.targets:
            if len(parts) > 1 and parts[0] == target.prefix.rstrip("/"):
                return target, parts[1:]
        return None, parts

    def _events(self, site: Site) -> None:
        """Server-sent events: `render` with the state of a target, a comment as heartbeat."""
        self.send_response(200)
        self._headers({"Content-Type": "text/event-stream", "Connection": "close"})
        self.close_connection = True
        listener = site.listen()
        try:
            while not site.stopping.is_set():
                try:
                    message = listener.get(timeout=HEARTBEAT)
                except queue.Empty:
                    self.wfile.write(b": heartbeat\n\n")
                else:
                    if message is None:
                        break
                    self.wfile.write(f"event: render\ndata: {message}\n\n".encode())
                self.wfile.flush()
        except OSError:
            pass  # the page went away
        finally:
            site.forget(listener)

    def _headers(self, extra: dict[str, str]) -> None:
        for name, value in {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                            "Referrer-Policy": "no-referrer", "X-Frame-Options": "SAMEORIGIN",
                            **extra}.items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, code: int, data: bytes, kind: str, head: bool,
              extra: dict[str, str], own_page: bool = False) -> None:
        """A response; the pages serve makes itself carry their CSP (report.html has its own)."""
        self.send_response(code)
        headers = {"Content-Type": kind, "Content-Length": str(len(data)), **extra}
        if own_page:
            headers["Content-Security-Policy"] = CSP
        self._headers(headers)
        if not head:
            self.wfile.write(data)

    def _plain(self, code: int, text: str, extra: dict[str, str] | None = None) -> None:
        self._send(code, (text + "\n").encode(), "text/plain; charset=utf-8", False, extra or {})


class Server(ThreadingHTTPServer):
    """A threading HTTP server holding the site it shows."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        self.site = site
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
