"""Download a feed into a local file, or say in one line why not.

Decisions:

- Errors: whatever stops a download is `FeedUnavailable` (network, timeouts, an HTTP error status,
  the size cap, a truncated body, a 304 to a request that was not conditional). A 200 whose
  Content-Type is HTML is `FeedInvalid` ("served HTML, not a feed"): it is the error `csl.parse`
  raises for an HTML page that arrives under another Content-Type, so the caller handles "not a
  feed" one way whichever layer notices. Both are `FeedError` with a one-line `reason`.
- Time: connect and read timeouts bound each socket operation and a total deadline bounds the
  whole download. The body is read with `read1`, which returns whatever one socket read brought,
  and the deadline is checked after every read, so a server that drips a byte at a time fails
  on time. Both timeouts are capped at the time left when the request starts; the deadline can
  be overshot by at most one such read timeout. A server that drips its *headers* is bounded by
  the read timeout per byte only (requests gives no hook there).
- Redirects: at most 3 (feeds move between hosts now and then; a loop must not spin).
- Size: a Content-Length over `max_bytes` is refused before reading; a body that grows past it is
  abandoned. The cap counts decoded bytes, so a compressed bomb is caught too.
- The body goes to a temporary file in `dest_dir`, hashed as it is written; any failure removes
  it. On success the caller owns (and deletes) `Fetched.path`.
- file:// URLs are read the same way (cap, hash, deadline) and copied, so deleting `path` never
  touches the source. No conditional logic there: `changed` is always True; compare `sha256`.
- Reach (`reach.py`): every connection, redirects included, goes through `service.net`'s
  guard (the host's addresses before connecting, the connected peer before sending), and a file
  must lie in the feed folder. A refusal is `FeedRefused`, raised before a byte is read. Proxy
  settings from the environment are not used: a proxy would hide where a connection goes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from service.feeds.csl import FeedError, FeedInvalid
from service.feeds.reach import Reach, open_feed_file, refused
from service.net import TargetRefused, guarded_session

MAX_REDIRECTS = 3
_CHUNK = 64 * 1024
_PROGRESS_EVERY = 1024 * 1024
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class FeedUnavailable(FeedError):
    """The feed could not be downloaded; `reason` says why in one line."""


@dataclass(frozen=True)
class Fetched:
    """What a fetch brought: a new body in a file, or word that nothing changed (304)."""

    changed: bool
    path: Path | None
    sha256: str | None
    size: int
    etag: str | None
    last_modified: str | None
    http_status: int | None


@dataclass(frozen=True)
class _Limits:
    connect_timeout: float
    read_timeout: float
    total_timeout: float
    deadline: float
    max_bytes: int
    progress: Callable[[int], None] | None

    def left(self) -> float:
        return max(self.deadline - time.monotonic(), 0.001)

    def check(self, size: int) -> None:
        if time.monotonic() >= self.deadline:
            raise FeedUnavailable(f"download not finished within the {self.total_timeout:g} s "
                                  f"total deadline ({size:,} bytes received)")


def fetch(url: str, dest_dir: Path, *, etag: str | None, last_modified: str | None,
          reach: Reach, connect_timeout: float = 5.0, read_timeout: float = 30.0,
          total_timeout: float = 300.0, max_bytes: int = 200 * 1024 * 1024,
          progress: Callable[[int], None] | None = None) -> Fetched:
    """Download `url` into a new file in `dest_dir`; conditionally when etag/last_modified given."""
    limits = _Limits(connect_timeout, read_timeout, total_timeout,
                     time.monotonic() + total_timeout, max_bytes, progress)
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return _fetch_file(url, dest_dir, reach, limits)
    if scheme in ("http", "https"):
        return _fetch_http(url, dest_dir, etag, last_modified, reach, limits)
    raise FeedUnavailable(f"unsupported URL scheme {scheme!r} (use http, https or file)")


def _fetch_http(url: str, dest_dir: Path, etag: str | None, last_modified: str | None,
                reach: Reach, limits: _Limits) -> Fetched:
    headers = {"Accept": "application/json, text/csv;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    left = limits.left()
    read_timeout = min(limits.read_timeout, left)
    with guarded_session(reach.allow_hosts) as session:
        session.max_redirects = MAX_REDIRECTS
        try:
            response = session.get(url, headers=headers, stream=True,
                                   timeout=(min(limits.connect_timeout, left), read_timeout))
        except TargetRefused as exc:
            raise refused(exc) from exc
        except requests.RequestException as exc:
            raise FeedUnavailable(_request_failure(exc, limits.connect_timeout,
                                                   read_timeout)) from exc
        with response:
            return _receive(response, dest_dir, etag, last_modified, limits, read_timeout)


def _receive(response: requests.Response, dest_dir: Path, etag: str | None,
             last_modified: str | None, limits: _Limits, read_timeout: float) -> Fetched:
    status = response.status_code
    if status == 304:
        if not (etag or last_modified):
            raise FeedUnavailable("HTTP 304 Not Modified to a request that was not conditional")
        return Fetched(False, None, None, 0, response.headers.get("ETag") or etag,
                       response.headers.get("Last-Modified") or last_modified, 304)
    if status != 200:
        raise FeedUnavailable(f"HTTP {status} {response.reason or ''}".strip())
    content_type = response.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() in _HTML_TYPES:
        raise FeedInvalid(f"served HTML, not a feed (Content-Type {content_type})")
    length = _content_length(response)
    if length is not None and length > limits.max_bytes:
        raise FeedUnavailable(f"the feed is {length:,} bytes, over the {limits.max_bytes:,}-byte "
                              "cap; refused before reading")

    def read(size: int) -> bytes:
        try:
            return response.raw.read1(size, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise FeedUnavailable(f"the body stalled: no data for {read_timeout:g} s") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise FeedUnavailable(_body_failure(exc)) from exc

    path, digest, size = _write(read, dest_dir, limits)
    if length is not None and "Content-Encoding" not in response.headers and size != length:
        path.unlink(missing_ok=True)
        raise FeedUnavailable(f"truncated body: {size:,} of {length:,} bytes")
    return Fetched(True, path, digest, size, response.headers.get("ETag"),
                   response.headers.get("Last-Modified"), status)


def _fetch_file(url: str, dest_dir: Path, reach: Reach, limits: _Limits) -> Fetched:
    try:
        stream = open_feed_file(url, reach)
    except FileNotFoundError as exc:
        raise FeedUnavailable(f"no such file: {exc.filename}") from exc
    except OSError as exc:
        raise FeedUnavailable(f"cannot read {exc.filename}: {exc.strerror or exc}") from exc
    source = stream.name

    def read(size: int) -> bytes:
        try:
            return stream.read(size)
        except OSError as exc:
            raise FeedUnavailable(f"cannot read {source}: {exc.strerror or exc}") from exc

    with stream:
        length = os.fstat(stream.fileno()).st_size
        if length > limits.max_bytes:
            raise FeedUnavailable(f"the feed is {length:,} bytes, over the "
                                  f"{limits.max_bytes:,}-byte cap; refused before reading")
        path, digest, size = _write(read, dest_dir, limits)
    return Fetched(True, path, digest, size, None, None, None)


def _write(read: Callable[[int], bytes], dest_dir: Path,
           limits: _Limits) -> tuple[Path, str, int]:
    """Copy what `read` gives into a new temporary file; return its path, sha256 and size."""
    handle, name = tempfile.mkstemp(prefix="feed-", suffix=".download", dir=dest_dir)
    path = Path(name)
    hasher = hashlib.sha256()
    size = reported = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while True:
                limits.check(size)
                chunk = read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limits.max_bytes:
                    raise FeedUnavailable(f"the body grew past the {limits.max_bytes:,}-byte "
                                          "cap; download abandoned")
                hasher.update(chunk)
                out.write(chunk)
                if limits.progress and size - reported >= _PROGRESS_EVERY:
                    limits.progress(size)
                    reported = size
        if limits.progress:
            limits.progress(size)
    except BaseException:  # whatever stops the copy, no half-written file may remain
        path.unlink(missing_ok=True)
        raise
    return path, hasher.hexdigest(), size


def _content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _request_failure(exc: requests.RequestException, connect: float, read: float) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {connect:g} s"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {read:g} s"
    if isinstance(exc, requests.TooManyRedirects):
        return f"more than {MAX_REDIRECTS} redirects"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed: {_cause(exc)}"
    return f"request failed: {_cause(exc)}"


def _body_failure(exc: Exception) -> str:
    if any(isinstance(arg, urllib3.exceptions.IncompleteRead) for arg in exc.args):
        return "truncated body: the connection closed before the promised Content-Length"
    if "reset" in str(exc).lower():
        return "the connection was reset mid-body"
    return f"the connection broke mid-body: {_cause(exc)}"


def _cause(exc: Exception) -> str:
    text = str(exc)
    found = _ERRNO.search(text)
    if found:
        return found.group(0).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line[:200]
