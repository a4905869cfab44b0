"""RQ job functions: plain, importable, taking ids; exceptions propagate so RQ records them."""

from __future__ import annotations

from config.settings import from_env
from service.store import audit
from service.store.db import read_session


def verify_audit_chain() -> dict[str, int | None]:
    """Check the audit log's hash chain; fail loudly (and so visibly in RQ) if it is broken."""
    with read_session(from_env().database_url) as session:
        broken = audit.first_broken(session)
    if broken is not None:
        raise RuntimeError(f"the audit log was altered at entry {broken}")
    return {"first_broken": None}
