"""Dashboard users: accounts, argon2id passwords, and sessions kept as rows.

A session is a random token in the (signed) cookie whose SHA-256 is a `user_sessions` row, so
a logout, a password change or a disabled user ends it at the next request, in every process.
Signing in costs one argon2 verification whether the name exists or not, so an unknown user and
a wrong password take the same time and get the same answer; every attempt is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.store.db import read_session, write_session
from service.store.models import User, UserSession
from service.store.versions import Writer, new_id

ROLES = ("viewer", "editor", "admin")
MIN_PASSWORD = 12
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against when the name is unknown, so that both failures cost the same.
_NOBODY = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class SignedIn:
    """The user behind a live session, as a request sees it."""

    id: str
    name: str
    role: str
    token: str


class PasswordRefused(ValueError):
    """A new password that does not meet the rules; the message says which."""


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise PasswordRefused(f"Use at least {MIN_PASSWORD} characters.")
    if len(password) > 1024:
        raise PasswordRefused("Use at most 1,024 characters.")
    return password


def new_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


def create_user(database_url: str, name: str, role: str, password: str, actor: str,
                now: datetime) -> User:
    """Store a new user; ValueError when the name is taken or the role unknown."""
    with write_session(database_url) as session:
        writer = Writer(session, actor, now)
        if by_name(writer, name) is not None:
            raise ValueError(f"a user named {name!r} exists")
        return add_user(writer, name, role, password)


def demo_admin(database_url: str, name: str, now: datetime) -> str:
    """Give the demo's admin a new generated password (creating the user the first time) and
    return it: `serve --demo` prints it, and every earlier session of it ends."""
    password = new_password()
    with write_session(database_url) as session:
        writer = Writer(session, "demo", now)
        user = by_name(writer, name)
        if user is None:
            add_user(writer, name, "admin", password)
        else:
            set_password(writer, user, password)
            if user.disabled_at is not None:
                set_disabled(writer, user, False)
    return password


def add_user(writer: Writer, name: str, role: str, password: str) -> User:
    """Create a user in the writer's transaction (audited; the hash only)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user = User(id=new_id("usr"), name=name, role=role,
                password_hash=_hasher.hash(check_password(password)),
                created_at=writer.now, created_by=writer.actor,
                password_changed_at=writer.now, disabled_at=None)
    writer.session.add(user)
    writer.session.flush()
    writer.audit("create", "users", user.id, {"name": name, "role": role})
    return user


def set_password(writer: Writer, user: User, password: str) -> None:
    """Change a user's password and end every session they have."""
    user.password_hash = _hasher.hash(check_password(password))
    user.password_changed_at = writer.now
    end_sessions(writer, user.id)
    writer.audit("password", "users", user.id, {})


def change_password(database_url: str, user_id: str, current: str, new: str,
                    now: datetime) -> bool:
    """Change one's own password, given the current one; every session ends. False when
    `current` is wrong (nothing changes)."""
    stored = _stored_hash(database_url, sa.select(User.password_hash).where(User.id == user_id))
    if stored is None or not _verify(stored, current):
        return False
    check_password(new)
    with write_session(database_url) as session:
        user = session.get(User, user_id)
        if user is None or user.password_hash != stored:  # changed while we checked
            return False
        set_password(Writer(session, f"user:{user_id}", now), user, new)
        return True


def set_disabled(writer: Writer, user: User, disabled: bool) -> None:
    """Disable (ending every session) or enable a user."""
    user.disabled_at = writer.now if disabled else None
    if disabled:
        end_sessions(writer, user.id)
    writer.audit("disable" if disabled else "enable", "users", user.id, {})


def end_sessions(writer: Writer, user_id: str) -> None:
    writer.session.execute(sa.update(UserSession)
                           .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                           .values(ended_at=writer.now))


def by_name(writer: Writer, name: str) -> User | None:
    return writer.session.scalar(sa.select(User).where(User.name == name))


def sign_in(database_url: str, name: str, password: str, client: str, now: datetime,
            lifetime: timedelta) -> SignedIn | None:
    """Start a session for `name` if the password is right; audit the attempt either way."""
    stored = _stored_hash(database_url, sa.select(User.password_hash).where(User.name == name))
    good = _verify(stored or _NOBODY, password)  # outside the write lock: it takes ~50 ms
    with write_session(database_url) as session:
        writer = Writer(session, f"login:{name[:100]}", now)
        user = by_name(writer, name)
        if user is None or not good or user.disabled_at is not None \
                or user.password_hash != stored:  # (changed while we checked: try again)
            writer.audit("login_failed", "users", None, {"name": name[:120], "client": client})
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        token = secrets.token_urlsafe(32)
        session.add(UserSession(token_hash=_digest(token), user_id=user.id, created_at=now,
                                expires_at=now + lifetime, ended_at=None, client=client[:64]))
        writer.audit("login", "users", user.id, {"client": client})
        return SignedIn(user.id, user.name, user.role, token)


def audit_attempt(database_url: str, action: str, name: str, client: str,
                  now: datetime) -> None:
    """Audit a sign-in attempt that was refused before its password was checked."""
    with write_session(database_url) as session:
        Writer(session, f"login:{name[:100]}", now).audit(
            action, "users", None, {"name": name[:120], "client": client})


def signed_in(database_url: str, token: str, now: datetime) -> SignedIn | None:
    """The user of a live session with this token, or None."""
    with read_session(database_url) as session:
        row = session.execute(
            sa.select(User.id, User.name, User.role)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == _digest(token), UserSession.ended_at.is_(None),
                   UserSession.expires_at > now, User.disabled_at.is_(None))).first()
    return None if row is None else SignedIn(row.id, row.name, row.role, token)


def sign_out(database_url: str, token: str, actor: str, now: datetime) -> None:
    with write_session(database_url) as session:
        writer = Writer(session, actor, now)
        session.execute(sa.update(UserSession)
                        .where(UserSession.token_hash == _digest(token),
                               UserSession.ended_at.is_(None))
                        .values(ended_at=now))
        writer.audit("logout", "users", actor.removeprefix("user:"), {})


def _stored_hash(database_url: str, query: sa.Select[str]) -> str | None:
    with read_session(database_url) as session:
        return session.scalar(query)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
