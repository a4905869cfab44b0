"""What the routes answer, described for the OpenAPI document (the routes build plain dicts).

Loose on purpose where stored data may be older than today's request rules (lengths, patterns,
enumerations of stored strings): they say which fields are always there and of what type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from service.eligibility import Basis, Verdict


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """A problem (RFC 9457); `errors` names each bad field."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []
    correlation_id: str = ""


class Recorded(BaseModel):
    id: str
    revision: int
    recorded_at: datetime
    recorded_by: str


class Vendor(Recorded):
    name: str
    aliases: list[str]
    country: str | None
    brands: list[str]


class VendorDesignation(BaseModel):
    id: str
    source: str
    name: str
    effective_from: datetime
    effective_until: datetime | None


class VendorMatch(BaseModel):
    id: str
    designation_id: str
    status: str
    score: float


class VendorDetail(Vendor):
    designations: list[VendorDesignation] = []
    matches: list[VendorMatch] = []
    status: str = "not_listed"


class DeviceModel(Recorded):
    vendor_id: str
    name: str
    device_class: str
    available_from: datetime | None


class Update(Recorded):
    supplier: str
    supplier_country: str | None
    kind: str
    product: str
    version: str | None
    enhances_functionality: bool | None
    publicly_available: bool


class Designation(Recorded):
    source: str
    name: str
    alt_names: list[str]
    country: str | None
    effective_from: datetime
    effective_until: datetime | None
    reference: str | None
    vendor_ids: list[str]


class Licence(Recorded):
    number: str
    kind: str
    authority: str | None
    holder: str | None
    vendor_ids: list[str]
    lifts: list[str]
    valid_from: datetime
    valid_until: datetime | None
    scope: dict[str, Any]
    conditions: str | None
    document_url: str | None


class Amendment(BaseModel):
    id: str
    effective_from: datetime
    valid_until: datetime | None
    scope: dict[str, Any]
    recorded_at: datetime
    recorded_by: str


class Revocation(BaseModel):
    id: str
    effective_from: datetime
    reason: str | None
    recorded_at: datetime
    recorded_by: str


class LicenceDetail(Licence):
    amendments: list[Amendment]
    revocations: list[Revocation]


class AmendmentRecorded(Amendment):
    licence_id: str


class RevocationRecorded(Revocation):
    licence_id: str


class Device(BaseModel):
    id: str
    model_id: str
    recorded_at: datetime


class DeviceListed(BaseModel):
    id: str
    model_id: str


class DeviceRegistration(BaseModel):
    registered: int
    already_known: int
    items: list[DeviceListed]


class Key(BaseModel):
    id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(Key):
    key: str | None = Field(description="The secret, shown in this answer only; null when the "
                            "answer is replayed for an Idempotency-Key (only its hash is kept).")


class DecisionDesignation(BaseModel):
    id: str
    source: str
    name: str
    effective_from: datetime
    effective_until: datetime | None
    reference: str | None


class DecisionLicence(BaseModel):
    id: str
    number: str
    kind: str
    valid_until: datetime | None


class Decision(BaseModel):
    decision_id: str
    verdict: Verdict
    basis: Basis
    reasons: list[str]
    designations: list[DecisionDesignation]
    licences: list[DecisionLicence]
    valid_until: datetime | None
    data_stale: bool
    data_version: str
    at: datetime
    evaluated_at: datetime


class DecisionGiven(Decision):
    """A decision as it was given, with the request it answered."""

    request: Any


class Batch(BaseModel):
    results: list[Decision | Problem]


class ReadyChecks(BaseModel):
    database: bool
    redis: bool
    lists_fresh: bool


class FailingSource(BaseModel):
    """A source whose last refreshes in a row (at least `ELIG_FEED_FAILURE_ALERT`) brought
    no good data."""

    id: str
    name: str
    consecutive_failures: int
    failing_since: datetime
    last_error: str | None


class Ready(BaseModel):
    status: str
    checks: ReadyChecks
    data_version: str | None
    # A detail for people: a failing source makes the service not ready only once stale.
    failing_sources: list[FailingSource] | None


class Live(BaseModel):
    status: str


class Source(BaseModel):
    """A sanctions source, where its refreshes stand, and whether it is stale."""

    id: str
    name: str
    format: str
    url: str
    schedule: str
    enabled: bool
    staleness_limit_hours: float
    max_drop_percent: float
    version: int
    counts: dict[str, Any]
    sha256: str | None
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    consecutive_failures: int  # refreshes in a row that brought no good data
    failing_since: datetime | None  # when the first of them finished
    age_seconds: int | None
    stale: bool
    created_at: datetime
    created_by: str


class Refresh(BaseModel):
    """One run of a source's refresh, whatever became of it."""

    id: str
    source_id: str
    job_id: str | None
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    reason: str | None
    http_status: int | None
    sha256: str | None
    size: int | None
    counts: dict[str, Any]
    previous_counts: dict[str, Any]
    added: int
    changed: int
    removed: int
    activated_version: int | None
    data_version: str | None
    decided_by: str | None


class SourceDetail(Source):
    held: Refresh | None
    refreshes: list[Refresh]
    last_refresh: Refresh | None


class JobQueued(BaseModel):
    job_id: str
    status: str


class DeviceImportQueued(JobQueued):
    import_id: str  # the staged file's id; the job (`GET /jobs/{job_id}`) imports it


class DeviceImport(BaseModel):
    id: str
    created_at: datetime
    rows: int  # data rows read from the file, good or bad
    result: dict[str, Any] | None  # the job's result once it has run
    job_id: str  # the job importing it, as `GET /jobs/{id}` (admin) names it
    status: str  # RQ's status name; `queued` until Redis has the job, `finished` once run
    progress: dict[str, Any] | None  # the job's stage, done and total while Redis keeps it


class ApprovalQueued(JobQueued):
    refresh_id: str


class MatchDesignation(BaseModel):
    name: str
    source: str
    alt_names: list[str]


class Match(BaseModel):
    id: str
    vendor_id: str
    designation_id: str
    status: str
    score: float
    evidence: dict[str, Any]
    reason: str | None
    designation: MatchDesignation | None
    revision: int
    recorded_at: datetime
    recorded_by: str


class Job(BaseModel):
    """A job as RQ holds it; `kwargs` and `result` are their repr where they are not JSON."""

    id: str
    status: str | None
    function: str | None
    kwargs: dict[str, Any] | str
    progress: Any
    error: str | None
    error_detail: str | None
    result: Any
    retries_left: int | None
    enqueued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
