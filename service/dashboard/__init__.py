"""The admin dashboard: server-rendered pages for the people who keep the data right.

Pages call the same service functions as the API (never the API over HTTP), render SVG charts
on the server, and work without JavaScript; `static/dashboard.js` only adds keyboard shortcuts
and live progress.
"""

from __future__ import annotations

import importlib

from flask import Flask

from config.settings import Settings

PAGES = ("login", "overview", "vendors", "simulator", "decisions", "review", "licences",
         "reference", "devices", "designations", "sources", "audit", "jobs", "admin",
         "admin_keys", "admin_webhooks")


def init_app(app: Flask, settings: Settings) -> None:
    from service.dashboard import accounts, errors, security, throttle
    from service.dashboard.blueprint import bp

    for name in PAGES:  # each module adds its pages to `bp`
        importlib.import_module(f"service.dashboard.{name}")

    security.init_app(app, settings.secret_key, settings.var_dir, settings.trusted_proxies)
    accounts.init_app(app, settings.database_url)
    app.register_blueprint(bp)
    errors.init_app(app)
    app.extensions["sign_in_throttle"] = throttle.SignInThrottle(
        settings.redis_url, settings.database_url, settings.login_limit_account,
        settings.login_limit_address)
