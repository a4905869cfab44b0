"""Where feeds may be read from: public hosts, allow-listed ones, and files in the feed folder.

A source's URL is chosen by whoever holds an admin key, and the worker that fetches it sits
inside the network and can read its own disk. So an http(s) URL gets the webhooks' guard
(`service.net`): refused when its host leads to a non-public address that the allow-list
(`ELIG_FEED_ALLOW_HOSTS`) does not name, at registration and again on every socket a fetch
connects, redirects included. A file:// URL must lead into the feed folder
(`ELIG_FEED_FILE_DIR`) once symlinks and `..` are resolved, at registration and again for the
file a fetch actually opened.

A refusal is `FeedRefused`: configuration to change, not a passing fault, so it is not retried.
A host that resolves to nothing at registration is let through: DNS may be down for a moment,
and the fetch checks the address it really connects to anyway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from config.settings import Settings
from service.feeds.csl import FeedError
from service.net import HostUnresolved, TargetRefused, check_host


class FeedRefused(FeedError):
    """The URL leads where feeds may not be read from; `reason` says why and what to change."""


@dataclass(frozen=True)
class Reach:
    """What a feed may be read from: private hosts allowed, and the folder for file:// URLs."""

    allow_hosts: str = ""
    file_dir: Path | None = None  # None: no file:// feeds at all

    @classmethod
    def of(cls, settings: Settings) -> Reach:
        return cls(settings.feed_allow_hosts, settings.feed_dir)


def check_url(url: str, reach: Reach) -> None:
    """Raise `FeedRefused` unless `url` leads where feeds may be read from."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        feed_file(url, reach)
        return
    if not parts.hostname:
        return  # not a URL at all: the schema says so
    try:
        check_host(parts.hostname, parts.port or 443, reach.allow_hosts)
    except HostUnresolved:
        pass  # it may resolve later; each fetch judges the address it connected to
    except TargetRefused as exc:
        raise refused(exc) from None


def refused(exc: TargetRefused) -> FeedRefused:
    """The feed's version of a refused address, saying how to allow it."""
    return FeedRefused(f"{exc.reason}; feeds reach it only if ELIG_FEED_ALLOW_HOSTS names it")


def feed_file(url: str, reach: Reach) -> Path:
    """The real path a file:// URL leads to, if it lies in the feed folder; else `FeedRefused`."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FeedRefused(f"a file URL cannot name a host ({parts.netloc!r}); write "
                          "file:///path/to/feed.json")
    return _inside(Path(url2pathname(unquote(parts.path))), reach)


def open_feed_file(url: str, reach: Reach) -> BinaryIO:
    """Open a file:// feed that lies in the feed folder; OSError if it cannot be opened."""
    stream = feed_file(url, reach).open("rb")
    try:
        _inside(_opened(stream), reach)  # a symlink swapped in after the check leads nowhere
    except FeedRefused:
        stream.close()
        raise
    return stream


def _inside(named: Path, reach: Reach) -> Path:
    if reach.file_dir is None:
        raise FeedRefused("file URLs are not read here")
    folder = Path(os.path.realpath(reach.file_dir))
    real = Path(os.path.realpath(named))
    if not real.is_relative_to(folder):
        leads = "" if real == named else f", which leads to {real},"
        raise FeedRefused(f"{named}{leads} is outside the feed folder {folder}: put the feed "
                          "there, or name another folder in ELIG_FEED_FILE_DIR")
    return real


def _opened(stream: BinaryIO) -> Path:
    """The path of the file `stream` has open, as the kernel sees it (Linux)."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{stream.fileno()}"))
    except OSError:  # no /proc (macOS): the path checked before opening is all there is
        return Path(os.path.realpath(stream.name))
