"""The three changes a licence takes (new, amendment, revocation), each by the API's rules.

A `Change` says which form and schema it uses, how it is checked beyond the schema (the
API's own checks), what the rules would see were it saved (`impact`), from which instant,
and how it is saved (the API's functions, in the caller's transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from pydantic import BaseModel
from sqlalchemy.orm import Session

from service import eligibility as el
from service.api import schemas
from service.api.licences import (
    LICENCES,
    amend_licence,
    check_amendment,
    create_licence,
    history,
    revoke_licence,
)
from service.api.resources import check_references
from service.dashboard import impact
from service.dashboard.licence_forms import (
    AmendmentForm,
    LicenceForm,
    RevocationForm,
    day,
    fill_scope,
)
from service.errors import InvalidInput
from service.store import models as m
from service.store.versions import Writer


@dataclass(frozen=True)
class Change:
    name: str  # "new", "amend", "revoke": the endpoints' middle word
    title: str
    form: type[FlaskForm]
    schema: type[BaseModel]
    # Checks beyond the schema, as the API makes them: (session, licence or None, body).
    check: Callable[[Session, Any, Any], None]
    propose: Callable[[el.Licence | None, Any], el.Licence]  # the licence as it would be
    takes_effect: Callable[[Any], datetime]
    save: Callable[[Writer, Any, Any], str]  # (writer, licence id, body) -> the licence id
    saved: str  # the message once saved


def _check_new(session: Session, record: None, body: schemas.LicenceIn) -> None:
    check_references(session, LICENCES, LICENCES.columns(body))


def _check_amendment(session: Session, record: m.Licence, body: schemas.AmendmentIn) -> None:
    check_amendment(record, body)


def _check_revocation(session: Session, record: m.Licence, body: schemas.RevocationIn) -> None:
    # The API lets a revocation go without a reason; a person revoking here must give one.
    if not body.reason or not body.reason.strip():
        raise InvalidInput("A revocation needs its reason.",
                           [{"field": "reason", "message": "Give the reason for the revocation."}])


def _as_amended(before: el.Licence | None, body: schemas.AmendmentIn) -> el.Licence:
    assert before is not None  # an amendment has its licence
    return impact.proposed_amendment(before, body)


def _as_revoked(before: el.Licence | None, body: schemas.RevocationIn) -> el.Licence:
    assert before is not None  # a revocation has its licence
    return impact.proposed_revocation(before, body)


NEW = Change(
    "new", "New licence", LicenceForm, schemas.LicenceIn, _check_new,
    lambda before, body: impact.proposed_licence(body), lambda body: body.valid_from,
    lambda writer, _, body: create_licence(writer, body).id, "The licence is recorded.")
AMEND = Change(
    "amend", "Amend the licence", AmendmentForm, schemas.AmendmentIn, _check_amendment,
    _as_amended, lambda body: body.effective_from,
    lambda writer, licence_id, body: amend_licence(writer, licence_id, body).licence_id,
    "The amendment is recorded.")
REVOKE = Change(
    "revoke", "Revoke the licence", RevocationForm, schemas.RevocationIn, _check_revocation,
    _as_revoked, lambda body: body.effective_from,
    lambda writer, licence_id, body: revoke_licence(writer, licence_id, body).licence_id,
    "The revocation is recorded.")


def blank(change: Change, session: Session, record: m.Licence | None, now: datetime
          ) -> FlaskForm:
    """The form a change starts from: today's date, and for an amendment the latest terms."""
    today = now.date().isoformat()
    if change is NEW:
        return LicenceForm(data={"kind": "general", "valid_from": today, "lifts": ["EL"]})
    if change is REVOKE:
        return RevocationForm(data={"effective_from": today})
    assert record is not None
    amendments, _ = history(session, record.id)
    last = max(amendments, key=lambda a: (a.effective_from, a.recorded_at), default=None)
    form = AmendmentForm(data={"effective_from": today,
                               "valid_until": day(last.valid_until if last else
                                                  record.valid_until)})
    fill_scope(form, last.scope if last else record.scope)
    return form
