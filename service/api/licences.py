"""Licences with their amendments and revocations; every version stays on record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import sqlalchemy as sa
from flask import Blueprint, Response
from sqlalchemy.orm import Session

from service.api import schemas
from service.api.resources import Resource, create_record, register
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import InvalidInput, NotFound
from service.parsing import parse
from service.store import models as m
from service.store.db import read_session
from service.store.versions import Writer, latest, new_id

bp = Blueprint("licences", __name__)


def history(session: Session, licence_id: str
            ) -> tuple[list[m.LicenceAmendment], list[m.LicenceRevocation]]:
    """A licence's amendments (by effective date) and revocations, as recorded."""
    amendments = session.scalars(sa.select(m.LicenceAmendment)
                                 .where(m.LicenceAmendment.licence_id == licence_id)
                                 .order_by(m.LicenceAmendment.effective_from))
    revocations = session.scalars(sa.select(m.LicenceRevocation)
                                  .where(m.LicenceRevocation.licence_id == licence_id))
    return list(amendments), list(revocations)


def _history(row: m.Versioned) -> dict[str, Any]:
    with read_session(services().settings.database_url) as session:
        amendments, revocations = history(session, row.id)
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


def create_licence(writer: Writer, body: schemas.LicenceIn) -> m.Licence:
    """Record a new licence; its vendors must exist."""
    return cast(m.Licence, create_record(writer, LICENCES, body))


def check_amendment(licence: m.Licence, body: schemas.AmendmentIn) -> None:
    """Refuse an amendment that starts before the licence or ends before it starts."""
    if body.effective_from < licence.valid_from:
        raise InvalidInput("An amendment cannot take effect before the licence starts.",
                           [{"field": "effective_from", "message": "before valid_from"}])
    if body.valid_until is not None and body.valid_until <= body.effective_from:
        raise InvalidInput("valid_until must be after effective_from.",
                           [{"field": "valid_until", "message": "not after effective_from"}])


def amend_licence(writer: Writer, licence_id: str, body: schemas.AmendmentIn
                  ) -> m.LicenceAmendment:
    """Record an amendment: new terms (validity, whole scope) from its effective date."""
    def make(licence: m.Licence) -> m.LicenceAmendment:
        check_amendment(licence, body)
        return m.LicenceAmendment(
            id=new_id("am"), licence_id=licence.id, recorded_at=writer.now,
            recorded_by=writer.actor, effective_from=body.effective_from,
            valid_until=body.valid_until, scope=body.scope.model_dump(mode="json"))

    return cast(m.LicenceAmendment, _record(writer, licence_id, make))


def revoke_licence(writer: Writer, licence_id: str, body: schemas.RevocationIn
                   ) -> m.LicenceRevocation:
    """Record a revocation from its effective date."""
    def make(licence: m.Licence) -> m.LicenceRevocation:
        return m.LicenceRevocation(
            id=new_id("rv"), licence_id=licence.id, recorded_at=writer.now,
            recorded_by=writer.actor, effective_from=body.effective_from, reason=body.reason)

    return cast(m.LicenceRevocation, _record(writer, licence_id, make))


def _record(writer: Writer, licence_id: str,
            make: Callable[[m.Licence], m.LicenceAmendment | m.LicenceRevocation]
            ) -> m.LicenceAmendment | m.LicenceRevocation:
    licence = latest(writer.session, m.Licence, licence_id)
    if licence is None:
        raise NotFound(f"No licence has id {licence_id!r}.")
    row = make(licence)
    writer.session.add(row)
    writer.bump()
    writer.audit(f"licence_{row.__tablename__.removeprefix('licence_')}", "licences",
                 licence_id, {"id": row.id, "effective_from": row.effective_from.isoformat()})
    return row


@bp.post("/licences/<licence_id>/amendments")
@requires(Role.EDITOR)
def amend(licence_id: str) -> Response:
    body = parse(schemas.AmendmentIn)
    with transaction() as tx:
        row = amend_licence(tx.writer, licence_id, body)
        return tx.answer({"licence_id": licence_id, **_amendment(row)}, 201)


@bp.post("/licences/<licence_id>/revocation")
@requires(Role.EDITOR)
def revoke(licence_id: str) -> Response:
    body = parse(schemas.RevocationIn)
    with transaction() as tx:
        row = revoke_licence(tx.writer, licence_id, body)
        return tx.answer({"licence_id": licence_id, **_revocation(row)}, 201)
