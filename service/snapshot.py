"""The immutable in-memory view of everything the rules read, swapped whole on a new version.

Each process holds one `Snapshot` in a `SnapshotHolder`. A write that changes the rules' data
commits a new `data_versions` row, rebuilds the writer's own snapshot and publishes the number
on Redis; every other process hears it on its subscription thread and rebuilds. Should a
message be lost (Redis down, restarted), the same thread compares the database's newest number
with its own every `poll_seconds`, which costs one indexed query. The request path only ever
reads `holder.current`, an attribute swapped atomically.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa

from service.device_index import DeviceIndex
from service.metrics import DATA_VERSION, SNAPSHOT_BUILT
from service.store.db import read_session
from service.store.models import ApiKey
from service.store.reads import Records, current_data_version, load_records
from service.views import View, build_view, screener_for

log = logging.getLogger(__name__)
CHANNEL = "eligibility:data_version"
_KNOWN_AT_VIEWS = 32
_RESUBSCRIBE_SECONDS = 1.0  # how soon to look for Redis again once it is away


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    role: str
    revoked: bool


@dataclass
class Snapshot:
    data_version: int
    built_at: datetime
    records: Records
    current: View
    keys: dict[str, KeyRecord]  # sha256 hex of the key -> its record
    _views: OrderedDict[datetime, View] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def view(self, known_at: datetime | None) -> View:
        """Return the facts as known at `known_at` (the latest when None or not before now)."""
        last = self.records.last_recorded_at
        if known_at is None or last is None or known_at >= last:
            return self.current
        with self._lock:
            view = self._views.get(known_at)
            if view is None:
                view = build_view(self.records, known_at)
                self._views[known_at] = view
                if len(self._views) > _KNOWN_AT_VIEWS:
                    self._views.popitem(last=False)
            return view

    def key(self, secret: str) -> KeyRecord | None:
        return self.keys.get(hash_key(secret))


def hash_key(secret: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is safe; a password hash is not needed.
    return hashlib.sha256(secret.encode()).hexdigest()


def build_snapshot(database_url: str, now: datetime,
                   devices: DeviceIndex | None = None) -> Snapshot:
    """Read the records and build the current view; `devices` is the process's index of
    devices, brought up to date here (a new one, reading all of them, when None)."""
    with read_session(database_url) as session:
        records = load_records(session, devices)
    keys = {
        k.key_hash: KeyRecord(k.id, k.name, k.role, k.revoked_at is not None)
        for k in records.api_keys
    }
    return Snapshot(records.data_version, now, records, build_view(records, None), keys)


def _stored_key(database_url: str, key_hash: str) -> KeyRecord | None:
    try:
        with read_session(database_url) as session:
            row = session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == key_hash))
    except sa.exc.SQLAlchemyError:  # the database is away: only the snapshot's keys count
        return None
    return None if row is None else KeyRecord(row.id, row.name, row.role,
                                              row.revoked_at is not None)


def announce(redis_url: str, data_version: int) -> None:
    """Tell every process that `data_version` is committed; Redis being down only delays
    them (they also compare versions with the database every `poll_seconds`)."""
    try:
        redis.Redis.from_url(redis_url, socket_timeout=0.5).publish(CHANNEL, data_version)
    except (redis.RedisError, ValueError) as exc:  # down, or none configured
        log.warning("could not publish data version %s: %s", data_version, exc)


class SnapshotHolder:
    """Holds this process's snapshot and keeps it current."""

    def __init__(self, database_url: str, redis_url: str, poll_seconds: float,
                 clock: Callable[[], datetime], gc_freeze: bool = False) -> None:
        self.database_url = database_url
        self.gc_freeze = gc_freeze
        self.redis_url = redis_url
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._current: Snapshot | None = None
        self.confirmed_at: datetime | None = None  # when the database last confirmed ours
        self.failing = False  # whether the last attempt to reach the database failed
        self._rebuild = threading.Lock()
        self._stop = threading.Event()
        self._follower_pid: int | None = None
        self.devices = DeviceIndex()  # shared by this process's successive snapshots

    @property
    def current(self) -> Snapshot:
        snapshot = self._current
        if snapshot is None:
            snapshot = self.refresh()
        return snapshot

    def refresh(self, at_least: int | None = None) -> Snapshot:
        """Rebuild from the database if it holds a newer version than this process's."""
        with self._rebuild:
            snapshot = self._current
            if snapshot is not None and at_least is not None and snapshot.data_version >= at_least:
                return snapshot
            if snapshot is not None and at_least is None:
                with read_session(self.database_url) as session:
                    if current_data_version(session) <= snapshot.data_version:
                        self.confirmed_at = self.clock()
                        return snapshot
            if self.gc_freeze:
                gc.unfreeze()  # the snapshot being replaced may be collected again
            snapshot = build_snapshot(self.database_url, self.clock(), self.devices)
            view = snapshot.current  # ready to screen inline names before it serves any
            view.screener = screener_for(view.listed)
            self._current = snapshot
            # Out of the collector's sight until the next rebuild: the snapshot holds most of
            # a process's objects, which a full collection would otherwise walk again and
            # again under load (pauses of tens of ms in the p99 of distinct decisions). The
            # build's own cyclic garbage is frozen with it, and freed after the next rebuild.
            if self.gc_freeze:
                gc.freeze()
            DATA_VERSION.set(snapshot.data_version)
            SNAPSHOT_BUILT.set(snapshot.built_at.timestamp())
            self.confirmed_at = snapshot.built_at
            return snapshot

    def key(self, secret: str) -> KeyRecord | None:
        """The API key with this secret: the snapshot's, or for a key made since the snapshot
        was built (by another process: `create-key`, another web worker), the database's,
        so that a new key works at its very next request."""
        found = self.current.key(secret)
        if found is None:
            found = _stored_key(self.database_url, hash_key(secret))
        return found

    def out_of_touch(self, now: datetime, limit: timedelta) -> bool:
        """Whether the database has not confirmed this snapshot for longer than `limit`."""
        return self.failing and self.confirmed_at is not None and now - self.confirmed_at > limit

    def publish(self, data_version: int) -> None:
        """Rebuild here, then tell the other processes; Redis being down only delays them."""
        self.refresh(at_least=data_version)
        announce(self.redis_url, data_version)

    def start(self) -> None:
        """Start the thread that follows new versions, once per process (after any fork)."""
        if self._follower_pid != os.getpid():
            self._follower_pid = os.getpid()
            threading.Thread(target=self._follow, name="snapshot", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _follow(self) -> None:
        pubsub = None
        while not self._stop.is_set():
            try:
                if pubsub is None:
                    pubsub = self._subscribe()  # after a reconnect, the check below catches up
                if pubsub is None:  # Redis is away: check the database, try again soon
                    self._stop.wait(min(self.poll_seconds, _RESUBSCRIBE_SECONDS))
                    message = None
                else:
                    message = pubsub.get_message(timeout=self.poll_seconds)
                version = int(message["data"]) if message and message["type"] == "message" else None
                self.refresh(at_least=version)
                self.failing = False
            except redis.RedisError:
                pubsub = None
            except Exception:  # keep following: a failed rebuild leaves the last good snapshot
                log.exception("snapshot refresh failed")
                self.failing = True
                self._stop.wait(self.poll_seconds)

    def _subscribe(self) -> redis.client.PubSub | None:
        try:
            pubsub = redis.Redis.from_url(self.redis_url, socket_timeout=5).pubsub(
                ignore_subscribe_messages=True
            )
            pubsub.subscribe(CHANNEL)
            return pubsub
        except redis.RedisError:
            return None
