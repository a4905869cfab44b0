"""What an admin does to users: create, change a role, disable, enable, reset a password.

Each runs in the caller's write transaction and is audited (`service.users` audits creation,
passwords and disabling; a role change records its before and after). Writes are serialised,
so the rule that at least one enabled admin is left holds however many admins act at once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service import users
from service.store.models import User, UserSession
from service.store.versions import Writer


class Refused(ValueError):
    """An admin's request that would break a rule; the message says which, for a person."""


def page(session: Session, after: str | None, limit: int) -> list[User]:
    """Users by name, from the one after `after`."""
    query = sa.select(User).order_by(User.name).limit(limit)
    if after:
        query = query.where(User.name > after)
    return list(session.scalars(query))


def live_sessions(session: Session, user_id: str, now: datetime) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None),
        UserSession.expires_at > now)) or 0


def create(writer: Writer, name: str, role: str) -> tuple[User, str]:
    """A new user with a generated password; return both (the password is shown once)."""
    if users.by_name(writer, name) is not None:
        raise Refused(f"A user named {name!r} exists already.")
    password = users.new_password()
    return users.add_user(writer, name, role, password), password


def change_role(writer: Writer, user: User, role: str) -> None:
    if role not in users.ROLES:
        raise Refused(f"The role must be one of {', '.join(users.ROLES)}.")
    if role == user.role:
        return
    if user.role == "admin":
        _keep_an_admin(writer.session, user, "take the admin role from")
    writer.audit("role", "users", user.id, {"role": {"before": user.role, "after": role}})
    user.role = role


def set_disabled(writer: Writer, user: User, disabled: bool) -> None:
    """Disable (ending every session of theirs) or enable a user."""
    if disabled == (user.disabled_at is not None):
        return
    if disabled and user.role == "admin":
        _keep_an_admin(writer.session, user, "disable")
    users.set_disabled(writer, user, disabled)


def reset_password(writer: Writer, user: User) -> str:
    """Give the user a generated password (ending their sessions); return it, shown once."""
    password = users.new_password()
    users.set_password(writer, user, password)
    return password


def _keep_an_admin(session: Session, user: User, doing: str) -> None:
    if user.disabled_at is not None:
        return  # a disabled admin already counts for nothing
    others = session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == "admin", User.disabled_at.is_(None), User.id != user.id)) or 0
    if others == 0:
        raise Refused(f"{user.name} is the last enabled admin: you cannot {doing} them "
                      "until another user is an admin.")
