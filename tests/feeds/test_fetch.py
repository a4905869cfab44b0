"""Fetching feeds from a live server on 127.0.0.1 that plays every fault, and from file:// URLs."""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from service.feeds.csl import FeedInvalid, count_by_list, parse
from service.feeds.fetch import FeedUnavailable, Fetched, fetch
from service.feeds.reach import Reach
from tests.feeds.feed_server import FIXTURES, FeedServer, wait_for

SAMPLE = FIXTURES / "sample.json"
REACH = Reach(allow_hosts="127.0.0.1", file_dir=FIXTURES)  # the feed server, the fixtures


def get(url: str, dest: Path, **kwargs: Any) -> Fetched:
    options = {"etag": None, "last_modified": None, "reach": REACH, "connect_timeout": 2.0,
               "read_timeout": 2.0, "total_timeout": 10.0} | kwargs
    return fetch(url, dest, **options)


def unavailable(url: str, dest: Path, **kwargs: Any) -> str:
    with pytest.raises(FeedUnavailable) as caught:
        get(url, dest, **kwargs)
    assert "\n" not in caught.value.reason
    assert list(dest.iterdir()) == [], "a failed fetch must leave no file behind"
    return caught.value.reason


def test_a_feed_is_downloaded_with_its_hash_and_validators(feed_server, tmp_path):
    seen: list[int] = []
    got = get(feed_server.url("/sample.json"), tmp_path, progress=seen.append)
    assert got.changed and got.http_status == 200
    assert got.path is not None and got.path.parent == tmp_path
    assert got.path.read_bytes() == SAMPLE.read_bytes()
    assert got.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert got.size == SAMPLE.stat().st_size == seen[-1]
    assert got.etag and got.last_modified
    assert "If-None-Match" not in feed_server.headers_seen("/sample.json")[0]


def test_a_conditional_refetch_sends_the_validators_and_gets_304(feed_server, tmp_path):
    first = get(feed_server.url("/sample.csv"), tmp_path)
    assert first.path is not None
    first.path.unlink()
    again = get(feed_server.url("/sample.csv"), tmp_path, etag=first.etag,
                last_modified=first.last_modified)
    assert (again.changed, again.path, again.http_status) == (False, None, 304)
    assert (again.etag, again.last_modified) == (first.etag, first.last_modified)
    sent = feed_server.headers_seen("/sample.csv")[-1]
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == first.last_modified
    assert feed_server.count("/sample.csv") == 2
    assert list(tmp_path.iterdir()) == []


def test_if_modified_since_alone_is_honoured(feed_server, tmp_path):
    first = get(feed_server.url("/sample.json"), tmp_path)
    again = get(feed_server.url("/sample.json"), tmp_path, last_modified=first.last_modified)
    assert not again.changed
    assert "If-None-Match" not in feed_server.headers_seen("/sample.json")[-1]


def test_changed_content_behind_the_same_url_is_downloaded_again(feed_server, tmp_path):
    feed_server.serve("/csl.json", SAMPLE)
    first = get(feed_server.url("/csl.json"), tmp_path)
    feed_server.serve("/csl.json", FIXTURES / "sample-next.json")
    second = get(feed_server.url("/csl.json"), tmp_path, etag=first.etag,
                 last_modified=first.last_modified)
    assert second.changed and second.sha256 != first.sha256
    assert second.path is not None and len(list(parse(second.path, "csl-json"))) == 13


def test_not_modified_fault_is_not_a_change(feed_server, tmp_path):
    feed_server.mode = "not_modified"
    got = get(feed_server.url("/sample.json"), tmp_path, etag='"old"')
    assert (got.changed, got.etag, got.size) == (False, '"old"', 0)
    reason = unavailable(feed_server.url("/sample.json"), tmp_path)
    assert reason == "HTTP 304 Not Modified to a request that was not conditional"


@pytest.mark.parametrize(("path", "fault", "reason"), [
    ("/sample.json", "status500", "HTTP 500 Internal Server Error"),
    ("/missing.json", None, "HTTP 404 Not Found"),
    ("/sample.json", "truncated", "truncated body"),
    ("/sample.json", "reset", "the connection was reset mid-body"),
])
def test_http_errors_and_broken_bodies_are_unavailable(feed_server, tmp_path, path, fault,
                                                       reason):
    if fault:
        feed_server.faults[path] = fault
    assert reason in unavailable(feed_server.url(path), tmp_path)


def test_an_html_page_is_not_a_feed(feed_server, tmp_path):
    feed_server.mode = "html"
    with pytest.raises(FeedInvalid, match="served HTML, not a feed"):
        get(feed_server.url("/sample.json"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_body_downloads_and_then_fails_to_parse(feed_server, tmp_path):
    feed_server.faults["/sample.csv"] = "empty"
    got = get(feed_server.url("/sample.csv"), tmp_path)
    assert got.size == 0 and got.path is not None
    with pytest.raises(FeedInvalid, match="empty"):
        list(parse(got.path, "csl-csv"))


@pytest.mark.parametrize(("name", "fmt"), [("/sample.json", "csl-json"),
                                           ("/sample.csv", "csl-csv")])
def test_drop60_serves_a_feed_with_most_rows_gone(feed_server, tmp_path, name, fmt):
    feed_server.mode = "drop60"
    got = get(feed_server.url(name), tmp_path)
    assert got.path is not None
    counts = count_by_list(parse(got.path, fmt))
    assert sum(counts.values()) == 5  # of 13
    assert counts["EL"] < 8


def test_a_slow_drip_fails_at_the_total_deadline(feed_server, tmp_path):
    feed_server.mode = "slow"
    started = time.monotonic()
    reason = unavailable(feed_server.url("/sample.json"), tmp_path, read_timeout=0.5,
                         total_timeout=1.0)
    assert "total deadline" in reason and "bytes received" in reason
    assert time.monotonic() - started < 3.0


def test_a_hanging_server_fails_at_the_read_timeout(feed_server, tmp_path):
    feed_server.mode = "hang"
    assert unavailable(feed_server.url("/sample.json"), tmp_path,
                       read_timeout=0.3) == "no answer within 0.3 s"


def test_the_total_deadline_caps_a_longer_read_timeout(feed_server, tmp_path):
    feed_server.mode = "hang"
    started = time.monotonic()
    unavailable(feed_server.url("/sample.json"), tmp_path, read_timeout=30, total_timeout=0.5)
    assert time.monotonic() - started < 3.0


def test_a_content_length_over_the_cap_is_refused_before_reading(feed_server, tmp_path):
    reason = unavailable(feed_server.url("/sample.json"), tmp_path, max_bytes=1000)
    assert "over the 1,000-byte cap; refused before reading" in reason


def test_a_body_without_length_is_abandoned_at_the_cap(feed_server, tmp_path):
    feed_server.mode = "no_length"
    assert "grew past the 1,000-byte cap" in unavailable(feed_server.url("/sample.json"),
                                                         tmp_path, max_bytes=1000)
    got = get(feed_server.url("/sample.json"), tmp_path)  # and without a cap it is whole
    assert got.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()


def test_a_compressed_body_is_stored_and_hashed_decoded(feed_server, tmp_path):
    feed_server.mode = "gzip"
    got = get(feed_server.url("/sample.json"), tmp_path)
    assert got.path is not None and got.path.read_bytes() == SAMPLE.read_bytes()
    assert got.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    got.path.unlink()
    assert "grew past" in unavailable(feed_server.url("/sample.json"), tmp_path,
                                      max_bytes=SAMPLE.stat().st_size - 1)


def test_a_missing_destination_directory_is_not_blamed_on_the_feed(tmp_path):
    with pytest.raises(FileNotFoundError):
        get(SAMPLE.as_uri(), tmp_path / "absent")


def test_three_redirects_are_followed_and_a_fourth_is_refused(feed_server, tmp_path):
    got = get(feed_server.url("/redirect/3/sample.json"), tmp_path)
    assert got.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert got.path is not None
    got.path.unlink()
    assert unavailable(feed_server.url("/redirect/4/sample.json"),
                       tmp_path) == "more than 3 redirects"


def test_a_closed_port_is_a_connection_failure(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reason = unavailable(f"http://127.0.0.1:{port}/sample.json", tmp_path)
    assert reason.startswith("connection failed: ") and "refused" in reason.lower()


def test_an_unsupported_scheme_is_refused(tmp_path):
    assert "unsupported URL scheme 'ftp'" in unavailable("ftp://127.0.0.1/x.json", tmp_path)


def test_a_file_url_is_copied_and_hashed(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    got = get(SAMPLE.as_uri(), dest)
    assert got.changed and got.http_status is None and got.etag is None
    assert got.path is not None and got.path.parent == dest
    assert got.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    got.path.unlink()
    assert SAMPLE.is_file()


def test_a_missing_or_oversized_file_is_unavailable(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    missing = (FIXTURES / "nope.json").as_uri()
    assert unavailable(missing, dest).startswith("no such file: ")
    assert "cap; refused before reading" in unavailable(SAMPLE.as_uri(), dest, max_bytes=10)


def test_the_server_stops_promptly_with_a_request_hanging(tmp_path):
    server = FeedServer()
    server.start()
    server.mode = "hang"
    client = socket.create_connection(("127.0.0.1", int(server.base_url.rsplit(":", 1)[1])))
    try:
        client.sendall(b"GET /sample.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        wait_for(lambda: server.count("/sample.json") == 1)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
        assert server.live_threads() == []
    finally:
        client.close()
