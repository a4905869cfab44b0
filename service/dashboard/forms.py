"""The sign-in and account forms (Flask-WTF: every form carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from service.users import MIN_PASSWORD


class LoginForm(FlaskForm):
    name = StringField("User name", validators=[InputRequired(), Length(max=120)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[InputRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("New password",
                        validators=[InputRequired(), Length(min=MIN_PASSWORD, max=1024)],
                        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField("New password again",
                           validators=[InputRequired(), EqualTo("new", "The two differ.")],
                           render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: sign out, and other one-button actions."""
