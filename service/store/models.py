"""The tables. Reference data is append-only: a change is a new version row, never an update.

Each versioned table is keyed by `(id, version)`; the newest version of an id is its current
state, and a version whose `deleted` is true withdraws the record from that time on.
`recorded_at` and `recorded_by` say when the service learnt it and from whom, which is what
`known_at` replays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Store instants as naive UTC and hand them back timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: sa.JSON, list[Any]: sa.JSON}


class Versioned:
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
    deleted: Mapped[bool] = mapped_column(default=False)


class Vendor(Versioned, Base):
    __tablename__ = "vendors"
    name: Mapped[str] = mapped_column(sa.Text)
    aliases: Mapped[list[Any]]
    country: Mapped[str | None] = mapped_column(sa.String(2))
    brands: Mapped[list[Any]]


class DeviceModel(Versioned, Base):
    __tablename__ = "device_models"
    vendor_id: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.Text)
    device_class: Mapped[str] = mapped_column(sa.String(40))
    available_from: Mapped[datetime | None]


class Update(Versioned, Base):
    __tablename__ = "updates"
    supplier: Mapped[str] = mapped_column(sa.Text)
    supplier_country: Mapped[str | None] = mapped_column(sa.String(2))
    kind: Mapped[str] = mapped_column(sa.String(40))
    product: Mapped[str] = mapped_column(sa.Text)
    version_label: Mapped[str | None] = mapped_column(sa.Text)
    enhances_functionality: Mapped[bool | None]
    publicly_available: Mapped[bool]


class Device(Base):
    """A unit in the field. Devices are immutable: re-registering one is idempotent."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    model_id: Mapped[str] = mapped_column(sa.String(40), index=True)  # devices per flip
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
    # The data version that registered it (0 for those registered before the column): lets
    # each process's `DeviceIndex` read only the devices added since its last read.
    data_version: Mapped[int] = mapped_column(index=True, server_default="0")


class Designation(Versioned, Base):
    __tablename__ = "designations"
    source: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.Text)
    alt_names: Mapped[list[Any]]
    country: Mapped[str | None] = mapped_column(sa.String(2))
    effective_from: Mapped[datetime]
    effective_until: Mapped[datetime | None]
    reference: Mapped[str | None] = mapped_column(sa.Text)
    vendor_ids: Mapped[list[Any]]
    # Set when a feed keeps this designation: which source, its entry there, and digests of the
    # entry (all of it; its names alone) so that a refresh sees what changed.
    source_id: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    entry_key: Mapped[str | None] = mapped_column(sa.String(120))
    content_digest: Mapped[str | None] = mapped_column(sa.String(64))
    names_digest: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any] | None]
    removed_at: Mapped[datetime | None]  # when its feed stopped listing it


class Licence(Versioned, Base):
    __tablename__ = "licences"
    number: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10))
    authority: Mapped[str | None] = mapped_column(sa.Text)
    holder: Mapped[str | None] = mapped_column(sa.Text)
    vendor_ids: Mapped[list[Any]]
    lifts: Mapped[list[Any]]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    scope: Mapped[dict[str, Any]]
    conditions: Mapped[str | None] = mapped_column(sa.Text)
    document_url: Mapped[str | None] = mapped_column(sa.Text)


class LicenceAmendment(Base):
    __tablename__ = "licence_amendments"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    licence_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
    effective_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    scope: Mapped[dict[str, Any]]


class LicenceRevocation(Base):
    __tablename__ = "licence_revocations"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    licence_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
    effective_from: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(sa.Text)


class Match(Versioned, Base):
    """A screening match between a vendor and a designation; status changes are versions."""

    __tablename__ = "matches"
    vendor_id: Mapped[str] = mapped_column(sa.String(40))
    designation_id: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(12))
    score: Mapped[float]
    evidence: Mapped[dict[str, Any]]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # The designation's names when this was decided: a person's verdict holds until they change.
    names_digest: Mapped[str | None] = mapped_column(sa.String(64))


class VendorScreening(Base):
    """Which matcher last screened a vendor's names against every active list, and when.

    Written in the transaction that writes the vendor, and by the re-screen job after a
    matcher change. A list change screens every vendor against its new names in its own
    transaction, so a vendor whose matcher is current is screened against the active lists.
    """

    __tablename__ = "vendor_screenings"
    vendor_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    matcher: Mapped[int]
    screened_at: Mapped[datetime]


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(10))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    revoked_at: Mapped[datetime | None]


class DataVersion(Base):
    """One row per committed change to anything the rules read; the newest names the data."""

    __tablename__ = "data_versions"
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))


class AuditEntry(Base):
    """An append-only, hash-chained log of every write."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(40))
    resource: Mapped[str] = mapped_column(sa.String(40))
    resource_id: Mapped[str | None] = mapped_column(sa.String(120))
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class DecisionLogEntry(Base):
    """One decision request as answered: a single decision or a whole batch.

    On PostgreSQL the table is partitioned by month of `evaluated_at`, hence the key (id,
    evaluated_at); see service.store.partitions."""

    __tablename__ = "decision_log"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    evaluated_at: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    api_key_id: Mapped[str | None] = mapped_column(sa.String(40))
    data_version: Mapped[str] = mapped_column(sa.String(20))
    size: Mapped[int]
    # JSON: [[item index or null, the request as sent, the instant judged, body digest], ...]
    items: Mapped[str] = mapped_column(sa.Text)


class DecisionBody(Base):
    """The part of an answer shared by every request in one decision's window, stored once
    per month of the log rows that use it (so dropping a month keeps every kept row's body)."""

    __tablename__ = "decision_bodies"
    digest: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)  # first day of the rows' month
    body: Mapped[str] = mapped_column(sa.Text)


class AuditHead(Base):
    """The chain's head, one row: updating it serialises concurrent appends."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))


class User(Base):
    """A person who signs in to the dashboard. Only an argon2id hash of the password is kept."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    role: Mapped[str] = mapped_column(sa.String(10))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    password_changed_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class UserSession(Base):
    """A dashboard sign-in. The cookie carries a random token; only its SHA-256 is kept here,
    so ending the row (logout, password change, user disabled) ends the session at once."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    client: Mapped[str] = mapped_column(sa.String(64))
