"""Flask-Login over the server-side sessions of `service.users`."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager, UserMixin

from service import clock, users
from service.users import SignedIn


class Account(UserMixin):
    """The signed-in user; Flask-Login keeps the session token as its id."""

    def __init__(self, who: SignedIn) -> None:
        self.id = who.id
        self.name = who.name
        self.role = who.role
        self.token = who.token

    def get_id(self) -> str:
        return self.token


def init_app(app: Flask, database_url: str) -> None:
    manager = LoginManager(app)
    manager.session_protection = None  # the session row is the protection; no IP pinning

    @manager.user_loader
    def load(token: str) -> Account | None:
        who = users.signed_in(database_url, token, clock.now())
        return None if who is None else Account(who)
