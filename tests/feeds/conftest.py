"""A live feed server on 127.0.0.1 for each test that asks for `feed_server`.

Other test directories can use the server directly: `from tests.feeds.feed_server import
FeedServer` (a context manager), or copy the fixture below.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feeds.feed_server import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server
    assert not server.live_threads(), "the feed server left threads running"
