"""Flask-Login over the server-side sessions of `service.users`."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager, UserMixin, current_user

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
    manager = LoginManager()
    manager.session_protection = None  # the session row is the protection; no IP pinning
    # What `manager.init_app(app)` does, but for its remember-cookie hook: no remember cookie
    # is ever set here, and that hook would open the session on every answer of the app (and
    # put `Vary: Cookie` on the API's decisions).
    app.login_manager = manager  # type: ignore[attr-defined]
    app.context_processor(lambda: {"current_user": current_user})

    @manager.user_loader
    def load(token: str) -> Account | None:
        who = users.signed_in(database_url, token, clock.now())
        return None if who is None else Account(who)
