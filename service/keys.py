"""Creating and revoking API keys; only the SHA-256 of a key is ever stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.auth import new_secret
from service.snapshot import hash_key
from service.store.db import write_session
from service.store.models import ApiKey
from service.store.versions import Writer, new_id


def create_key(database_url: str, name: str, role: str, actor: str, now: datetime
               ) -> tuple[ApiKey, str, int]:
    """Store a new key; return it, its secret (shown once) and the new data version."""
    secret = new_secret()
    with write_session(database_url) as session:
        writer = Writer(session, actor, now)
        key = ApiKey(id=new_id("key"), name=name, role=role, key_hash=hash_key(secret),
                     created_at=now, created_by=actor, revoked_at=None)
        session.add(key)
        writer.audit("create", "api_keys", key.id, {"name": name, "role": role})
        version = writer.bump()
    return key, secret, version


def revoke_key(database_url: str, key_id: str, actor: str, now: datetime
               ) -> tuple[ApiKey, int] | None:
    with write_session(database_url) as session:
        key = session.get(ApiKey, key_id)
        if key is None:
            return None
        writer = Writer(session, actor, now)
        if key.revoked_at is None:
            key.revoked_at = now
            writer.audit("revoke", "api_keys", key.id, {})
        version = writer.bump()
    return key, version


def key_json(key: ApiKey) -> dict[str, Any]:
    return {"id": key.id, "name": key.name, "role": key.role, "created_at": key.created_at,
            "revoked_at": key.revoked_at}
