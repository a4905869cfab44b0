"""Signing in and out, and changing one's own password."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from service import clock, users
from service.auth import Role, public
from service.context import services
from service.dashboard.accounts import Account
from service.dashboard.blueprint import bp, page, render, safe_next
from service.dashboard.forms import LoginForm, PasswordForm

FAILED = "The user name or the password is wrong."  # the same for both, by design


@bp.get("/login")
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    return render("login.html", form=form)


@bp.post("/login")
@public
def login_submit() -> ResponseReturnValue:
    form = LoginForm()
    if not form.validate():
        return render("login.html", 422, form=form)
    settings = services().settings
    address = request.remote_addr or ""
    refused = current_app.extensions["sign_in_throttle"].attempt(form.name.data, address)
    if refused is not None:
        users.audit_attempt(settings.database_url, "login_throttled", form.name.data, address,
                            clock.now())
        form.password.errors = [f"Too many attempts: try again in {refused.retry_after} s."]
        body, status = render("login.html", 429, form=form)
        return Response(body, status, headers={"Retry-After": str(refused.retry_after)})
    who = users.sign_in(settings.database_url, form.name.data.strip(), form.password.data,
                        address, clock.now(),
                        timedelta(hours=settings.session_hours))
    if who is None:
        form.password.errors = [FAILED]
        return render("login.html", 401, form=form)
    login_user(Account(who))
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
@page(Role.VIEWER)
def logout() -> ResponseReturnValue:
    users.sign_out(services().settings.database_url, current_user.token,
                   f"user:{current_user.id}", clock.now())
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("dashboard.login"))


@bp.get("/account")
@page(Role.VIEWER)
def account() -> tuple[str, int]:
    return render("account.html", form=PasswordForm())


@bp.post("/account/password")
@page(Role.VIEWER)
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    if not form.validate():
        return render("account.html", 422, form=form)
    if not users.change_password(services().settings.database_url, current_user.id,
                                 form.current.data, form.new.data, clock.now()):
        form.current.errors = ["This is not your current password."]
        return render("account.html", 422, form=form)
    logout_user()
    flash("Your password is changed and every session of yours has ended: sign in again.")
    return redirect(url_for("dashboard.login"))
