"""Which model each registered device is, held per process and read incrementally.

Devices are never changed or deleted once registered, so a process need not read them all
again on every snapshot rebuild (with a million of them that took seconds, and the objects
hundreds of MB). Decision: one `DeviceIndex` per `SnapshotHolder`, shared by the successive
snapshots of the process, brought up to date by each rebuild in the rebuild's own read
transaction with the devices whose `data_version` is newer than the last one read. Writes are
serialised (`store.db.write_session`), so data versions commit in order: the snapshot that
reports version N has read every device of a version up to N, and a decision never misses a
device whose registration it could have seen. An older snapshot still serving sees devices
registered since; that is harmless, as a device's model never changes.

Model ids are interned (one string per model, however many devices), and the count of devices
per model is kept alongside for the dashboard and the flip scan. Lookups are a dict's, under
no lock: only the rebuild (one at a time, under the holder's lock) adds entries.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store.models import Device

_FETCH = 10_000


class DeviceIndex(Mapping[str, str]):
    """Device id → model id, for every device up to `read_up_to`."""

    def __init__(self) -> None:
        self._models: dict[str, str] = {}
        self._interned: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        self.read_up_to = -1  # the data version read up to; -1 before the first read
        self._lock = threading.Lock()

    def __getitem__(self, device_id: str) -> str:
        return self._models[device_id]

    def get(self, device_id: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self._models.get(device_id, default)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._models))  # a copy: a rebuild may add while one iterates

    def __len__(self) -> int:
        return len(self._models)

    def counts(self) -> dict[str, int]:
        """How many devices each model has."""
        return dict(self._counts)

    def catch_up(self, session: Session, version: int) -> None:
        """Read the devices registered up to `version`, in the caller's read transaction."""
        with self._lock:
            if version < self.read_up_to:  # the database went back (restored): start again
                self._models, self._interned, self._counts = {}, {}, Counter()
                self.read_up_to = -1
            if version == self.read_up_to:
                return
            rows = session.execute(
                sa.select(Device.id, Device.model_id)
                .where(Device.data_version > self.read_up_to, Device.data_version <= version)
                .execution_options(yield_per=_FETCH))
            for device_id, model_id in rows:
                self._add(device_id, model_id)
            self.read_up_to = version

    def _add(self, device_id: str, model_id: str) -> None:
        if device_id in self._models:
            return
        model_id = self._interned.setdefault(model_id, model_id)
        self._models[device_id] = model_id
        self._counts[model_id] += 1


class NoDevices(DeviceIndex):
    """An index that never reads a device: for a snapshot whose user resolves no device by
    its id (the flip scan counts devices in the database), so building it costs the same with
    a million devices registered as with none."""

    def catch_up(self, session: Session, version: int) -> None:
        self.read_up_to = version
