"""A real HTTP server on loopback that serves feed files and plays the faults feeds really have.

    with FeedServer() as server:            # serves tests/fixtures/csl/* by file name
        server.faults["/sample.json"] = "reset"   # one path, or `server.mode = "hang"` for all
        fetch(server.url("/sample.json"), ...)
        server.count("/sample.json"), server.headers_seen("/sample.json")[-1]

Bodies are served with an ETag (a hash of the body) and a Last-Modified, and conditional requests
get 304. `serve(path, body)` puts other content at a path (each change moves Last-Modified on by at
least a second, so If-Modified-Since sees it). `/redirect/<n>/<path>` redirects n times, then
serves <path>; `redirect(path, location)` sends a path to any URL, another server's included.
Faults (see `FAULTS`): `slow` drips a byte every `slow_interval` seconds, `hang` accepts and never
answers, `reset` sends half the body then a TCP RST, `truncated` promises the whole
Content-Length, sends half and closes, `html` is a 200 error page as text/html, `empty` a 200
with no body, `status500`, `not_modified` answers 304 to anything, `drop60` serves the body with
60 % of its entries removed, `no_length` sends the body without a Content-Length, `gzip` sends
it with Content-Encoding gzip.

`stop()` (or leaving the `with`) releases hanging and dripping handlers and joins every thread.
It only ever binds loopback: 127.0.0.1, or another 127.x.y.z address given as `host` (on Linux
they all reach this machine, so a test can have a second server at an address it has not allowed).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import ipaddress
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csl"
FAULTS = frozenset({"slow", "hang", "reset", "truncated", "html", "empty", "status500",
                    "not_modified", "drop60", "no_length", "gzip"})
TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8"}
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>"
             b"<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>\n")


class FeedServer:
    """Serves feed bodies and faults; records requests per path."""

    def __init__(self, root: Path = FIXTURES, *, slow_interval: float = 0.05,
                 host: str = "127.0.0.1") -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the feed server binds loopback addresses only, not {host}")
        self.host = host
        self.root = root
        self.slow_interval = slow_interval
        self.mode: str | None = None
        self.faults: dict[str, str] = {}
        self._bodies: dict[str, tuple[bytes, str, float]] = {}
        self._redirects: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        self._headers: dict[str, list[dict[str, str]]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._handlers: list[threading.Thread] = []
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Start serving on an ephemeral port; return the base URL."""
        self._httpd = _Server((self.host, 0), _Handler)
        self._httpd.feeds = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="feed-server")
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Release waiting handlers, stop serving and join every thread."""
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()  # joins the handler threads (daemon_threads is False)
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> FeedServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start the server first"
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve(self, path: str, body: bytes | Path, content_type: str | None = None) -> None:
        """Serve `body` (bytes or a file's content) at `path` from now on."""
        data = body.read_bytes() if isinstance(body, Path) else body
        kind = content_type or TYPES.get(Path(path).suffix, "application/octet-stream")
        with self._lock:
            previous = self._bodies.get(path, (b"", "", 0.0))[2]
            self._bodies[path] = (data, kind, max(float(int(time.time())), previous + 1))

    def redirect(self, path: str, location: str) -> None:
        """Answer `path` with a 302 to `location` (any URL) from now on."""
        with self._lock:
            self._redirects[path] = location

    def redirect_for(self, path: str) -> str | None:
        with self._lock:
            return self._redirects.get(path)

    def count(self, path: str) -> int:
        with self._lock:
            return self._counts[path]

    def headers_seen(self, path: str) -> list[dict[str, str]]:
        """The request headers of every request to `path`, oldest first."""
        with self._lock:
            return [dict(h) for h in self._headers.get(path, [])]

    def live_threads(self) -> list[threading.Thread]:
        threads = [*self._handlers, *([self._thread] if self._thread else [])]
        return [t for t in threads if t.is_alive()]

    def fault_for(self, path: str) -> str | None:
        fault = self.faults.get(path, self.mode)
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        return fault

    def content(self, path: str) -> tuple[bytes, str, float] | None:
        with self._lock:
            if path in self._bodies:
                return self._bodies[path]
        file = self.root / path.lstrip("/")
        if "/" in path.lstrip("/") or not file.is_file():
            return None
        return (file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream"),
                float(int(file.stat().st_mtime)))

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._counts[path] += 1
            self._headers.setdefault(path, []).append(headers)
            self._handlers.append(threading.current_thread())


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll `condition` until it holds; fail after `seconds` (for tests, instead of sleeping)."""
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"condition not met within {seconds} s"
        pause.wait(0.005)


def drop60(body: bytes, content_type: str) -> bytes:
    """Return the feed `body` with 60 % of its entries removed, spread evenly over the file."""
    def keep(items: list[Any]) -> list[Any]:
        return [item for i, item in enumerate(items) if (i * 2) // 5 != (i * 2 + 2) // 5]

    if content_type.startswith("application/json"):
        document = json.loads(body)
        document["results"] = keep(document["results"])
        return json.dumps(document, indent=1, ensure_ascii=False).encode()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *keep(rows[1:])])
    return out.getvalue().encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() joins every handler: nothing outlives the test
    block_on_close = True
    feeds: FeedServer


class _Dropped(Exception):
    """The handler closed the connection on purpose."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a client that connects and never sends a request cannot hold up stop()
    server: _Server

    def handle(self) -> None:
        self.close_connection = True
        try:
            self.handle_one_request()
        except (_Dropped, ConnectionError, TimeoutError):
            pass  # the client gave up, or this fault closed the connection itself

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean

    def do_GET(self) -> None:
        feeds = self.server.feeds
        path = urlsplit(self.path).path
        feeds.record(path, dict(self.headers.items()))
        if path.startswith("/redirect/"):
            return self._redirect(path)
        location = feeds.redirect_for(path)
        if location is not None:
            return self._head(302, None, 0, None, None, {"Location": location})
        fault = feeds.fault_for(path)
        if fault == "hang":
            feeds.stopping.wait()
            raise _Dropped
        if fault in ("status500", "not_modified", "html"):
            return self._canned(fault)
        found = feeds.content(path)
        if found is None:
            return self._send(404, b"not found\n", "text/plain")
        body, kind, modified = found
        if fault == "empty":
            body = b""
        elif fault == "drop60":
            body = drop60(body, kind)
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self._not_modified(etag, modified):
            return self._send(304, b"", None, etag=etag, modified=modified)
        self._body(fault, body, kind, etag, modified)

    def _redirect(self, path: str) -> None:
        _, _, hops, rest = path.split("/", 3)
        target = f"/redirect/{int(hops) - 1}/{rest}" if int(hops) > 1 else f"/{rest}"
        self._head(302, None, 0, None, None, {"Location": target})

    def _canned(self, fault: str) -> None:
        if fault == "status500":
            self._send(500, b"internal error\n", "text/plain")
        elif fault == "not_modified":
            self._send(304, b"", None)
        else:
            self._send(200, HTML_PAGE, "text/html; charset=utf-8")

    def _not_modified(self, etag: str, modified: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return match.strip() == "*" or etag in [t.strip() for t in match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return modified <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def _body(self, fault: str | None, body: bytes, kind: str, etag: str, modified: float) -> None:
        if fault == "no_length":
            self._head(200, kind, None, etag, modified)
            self.wfile.write(body)
        elif fault in ("reset", "truncated"):
            self._head(200, kind, len(body), etag, modified)
            self.wfile.write(body[: len(body) // 2])
            if fault == "reset":
                self._reset()
        elif fault == "gzip":
            packed = gzip.compress(body, mtime=0)
            self._head(200, kind, len(packed), etag, modified, {"Content-Encoding": "gzip"})
            self.wfile.write(packed)
        elif fault == "slow":
            self._head(200, kind, len(body), etag, modified)
            self._drip(body)
        else:
            self._send(200, body, kind, etag=etag, modified=modified)

    def _drip(self, body: bytes) -> None:
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            if self.server.feeds.stopping.wait(self.server.feeds.slow_interval):
                raise _Dropped

    def _reset(self) -> None:
        """Close the connection with a TCP RST (SO_LINGER 0) instead of an orderly FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        raise _Dropped

    def _send(self, status: int, body: bytes, kind: str | None, *, etag: str | None = None,
              modified: float | None = None) -> None:
        self._head(status, kind, len(body) if status != 304 else None, etag, modified)
        if status != 304:
            self.wfile.write(body)

    def _head(self, status: int, kind: str | None, length: int | None, etag: str | None,
              modified: float | None, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if kind:
            self.send_header("Content-Type", kind)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if etag:
            self.send_header("ETag", etag)
        if modified is not None:
            self.send_header("Last-Modified", formatdate(modified, usegmt=True))
        self.send_header("Connection", "close")
        self.end_headers()
