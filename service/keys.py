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
    with write_session(database_url) as session:
        writer = Writer(session, actor, now)
        key, secret = add_key(writer, name, role)
        version = writer.bump()
    return key, secret, version


def add_key(writer: Writer, name: str, role: str) -> tuple[ApiKey, str]:
    """Add a new key in the writer's transaction; return it and its secret (shown once)."""
    secret = new_secret()
    key = ApiKey(id=new_id("key"), name=name, role=role, key_hash=hash_key(secret),
                 created_at=writer.now, created_by=writer.actor, revoked_at=None)
    writer.session.add(key)
    writer.audit("create", "api_keys", key.id, {"name": name, "role": role})
    writer.bump()
    return key, secret


def revoke_key(database_url: str, key_id: str, actor: str, now: datetime) -> ApiKey | None:
    with write_session(database_url) as session:
        return revoke(Writer(session, actor, now), key_id)


def revoke(writer: Writer, key_id: str) -> ApiKey | None:
    """Revoke a key in the writer's transaction (revoking twice changes nothing more)."""
    key = writer.session.get(ApiKey, key_id)
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = writer.now
        writer.audit("revoke", "api_keys", key.id, {})
    writer.bump()
    return key


def key_json(key: ApiKey) -> dict[str, Any]:
    return {"id": key.id, "name": key.name, "role": key.role, "created_at": key.created_at,
            "revoked_at": key.revoked_at}
