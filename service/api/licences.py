"""Licences with their amendments and revocations; every version stays on record."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response

from service.api import schemas
from service.api.resources import Resource, register
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import InvalidInput, NotFound
from service.parsing import parse
from service.store import models as m
from service.store.db import read_session
from service.store.versions import Writer, latest, new_id

bp = Blueprint("licences", __name__)


def _history(row: m.Versioned) -> dict[str, Any]:
    with read_session(services().settings.database_url) as session:
        amendments = session.scalars(sa.select(m.LicenceAmendment)
                                     .where(m.LicenceAmendment.licence_id == row.id)
                                     .order_by(m.LicenceAmendment.effective_from))
        revocations = session.scalars(sa.select(m.LicenceRevocation)
                                      .where(m.LicenceRevocation.licence_id == row.id))
        return {"amendments": [_amendment(a) for a in amendments],
                "revocations": [_revocation(r) for r in revocations]}


def _amendment(a: m.LicenceAmendment) -> dict[str, Any]:
    return {"id": a.id, "effective_from": a.effective_from, "valid_until": a.valid_until,
            "scope": a.scope, "recorded_at": a.recorded_at, "recorded_by": a.recorded_by}


def _revocation(r: m.LicenceRevocation) -> dict[str, Any]:
    return {"id": r.id, "effective_from": r.effective_from, "reason": r.reason,
            "recorded_at": r.recorded_at, "recorded_by": r.recorded_by}


LICENCES = Resource(
    name="licences", table=m.Licence, prefix="lic", schema=schemas.LicenceIn,
    columns=lambda b: b.model_dump(mode="json") | {"valid_from": b.valid_from,
                                                    "valid_until": b.valid_until},
    body=lambda r: {"number": r.number, "kind": r.kind, "authority": r.authority,
                    "holder": r.holder, "vendor_ids": r.vendor_ids, "lifts": r.lifts,
                    "valid_from": r.valid_from, "valid_until": r.valid_until,
                    "scope": r.scope, "conditions": r.conditions,
                    "document_url": r.document_url},
    references={"vendor_ids": m.Vendor},
    extra=_history,
)
register(bp, LICENCES)


def _record(licence_id: str, make: Any) -> Response:
    with transaction() as tx:
        licence = latest(tx.session, m.Licence, licence_id)
        if licence is None:
            raise NotFound(f"No licence has id {licence_id!r}.")
        row = make(tx.writer, licence)
        tx.session.add(row)
        tx.writer.bump()
        tx.writer.audit(f"licence_{row.__tablename__.removeprefix('licence_')}", "licences",
                        licence_id, {"id": row.id,
                                     "effective_from": row.effective_from.isoformat()})
        body = _amendment(row) if isinstance(row, m.LicenceAmendment) else _revocation(row)
        return tx.answer({"licence_id": licence_id, **body}, 201)


@bp.post("/licences/<licence_id>/amendments")
@requires(Role.EDITOR)
def amend(licence_id: str) -> Response:
    body = parse(schemas.AmendmentIn)

    def make(writer: Writer, licence: m.Licence) -> m.LicenceAmendment:
        if body.effective_from < licence.valid_from:
            raise InvalidInput("An amendment cannot take effect before the licence starts.",
                               [{"field": "effective_from", "message": "before valid_from"}])
        if body.valid_until is not None and body.valid_until <= body.effective_from:
            raise InvalidInput("valid_until must be after effective_from.",
                               [{"field": "valid_until", "message": "not after effective_from"}])
        return m.LicenceAmendment(
            id=new_id("am"), licence_id=licence.id, recorded_at=writer.now,
            recorded_by=writer.actor, effective_from=body.effective_from,
            valid_until=body.valid_until, scope=body.scope.model_dump(mode="json"))

    return _record(licence_id, make)


@bp.post("/licences/<licence_id>/revocation")
@requires(Role.EDITOR)
def revoke(licence_id: str) -> Response:
    body = parse(schemas.RevocationIn)

    def make(writer: Writer, licence: m.Licence) -> m.LicenceRevocation:
        return m.LicenceRevocation(
            id=new_id("rv"), licence_id=licence.id, recorded_at=writer.now,
            recorded_by=writer.actor, effective_from=body.effective_from, reason=body.reason)

    return _record(licence_id, make)
