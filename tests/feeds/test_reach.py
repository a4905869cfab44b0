"""A fetch goes only where the reach allows, and says why not before a byte is read."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from service.feeds.fetch import fetch
from service.feeds.reach import FeedRefused, Reach
from tests.feeds.feed_server import FIXTURES, FeedServer


def refusal(url: str, dest: Path, reach: Reach) -> str:
    with pytest.raises(FeedRefused) as caught:
        fetch(url, dest, etag=None, last_modified=None, reach=reach, connect_timeout=1.0,
              read_timeout=1.0, total_timeout=3.0)
    assert list(dest.iterdir()) == [], "a refused fetch must leave no file behind"
    return caught.value.reason


def test_an_address_not_allowed_gets_no_request(feed_server: FeedServer, tmp_path: Path) -> None:
    reason = refusal(feed_server.url("/sample.json"), tmp_path, Reach(file_dir=FIXTURES))
    assert reason.startswith("127.0.0.1 leads to a loopback address 127.0.0.1")
    assert feed_server.count("/sample.json") == 0


def test_a_refused_address_answers_alike_whether_a_port_is_open_or_closed(
        feed_server: FeedServer, tmp_path: Path) -> None:
    # Otherwise redirects would let whoever registers a feed map the internal network's ports.
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        closed = probe.getsockname()[1]
    with FeedServer(host="127.0.0.2") as internal:
        feed_server.redirect("/open.json", internal.url("/sample.json"))
        feed_server.redirect("/closed.json", f"http://127.0.0.2:{closed}/sample.json")
        reach = Reach(allow_hosts="127.0.0.1")
        assert refusal(feed_server.url("/open.json"), tmp_path, reach) == \
            refusal(feed_server.url("/closed.json"), tmp_path, reach)
        assert internal.count("/sample.json") == 0


def test_file_urls_are_refused_without_a_feed_folder(tmp_path: Path) -> None:
    reason = refusal((FIXTURES / "sample.json").as_uri(), tmp_path, Reach("127.0.0.1"))
    assert reason == "file URLs are not read here"
