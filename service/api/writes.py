"""One write per request: its transaction, the answer kept with it, and what follows.

Every write route of the API runs its changes in `transaction()` and gives its answer with
`tx.answer(...)` before the block ends, so that the answer to an `Idempotency-Key` is stored in
the very transaction that commits the write (`service.idempotency`). After the commit the
process serves the new data version, tells the others and relays the outbox; none of that can
turn the committed write into an error (`Services.committed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Response, g
from sqlalchemy.orm import Session

from service import idempotency
from service.context import services
from service.jsonio import json_response
from service.store.db import write_session
from service.store.versions import Writer


@dataclass
class Tx:
    session: Session
    writer: Writer

    def answer(self, body: object, status: int = 200, *, kept: object = None) -> Response:
        """The route's answer, kept with the write for a retry with the same key (`kept`
        instead, where the answer holds a secret that must not be stored)."""
        response = json_response(body, status)
        idempotency.keep(self.session, response if kept is None
                         else json_response(kept, status))
        return response


@contextmanager
def transaction() -> Iterator[Tx]:
    """A write transaction by the request's actor; the commit is followed by `committed`."""
    ctx = services()
    try:
        with write_session(ctx.settings.database_url) as session:
            tx = Tx(session, Writer(session, g.actor, ctx.clock()))
            yield tx
    except BaseException:
        idempotency.rolled_back()  # the answer kept with the write went with it
        raise
    ctx.committed(tx.writer.data_version)
