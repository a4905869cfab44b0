"""The device security-update eligibility service: the Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from config.settings import Settings


def create_app(overrides: Mapping[str, Any] | None = None, settings: Settings | None = None
               ) -> Flask:
    """Build the app from the environment's settings, with `overrides` applied on top."""
    from config.settings import from_env
    from service import api, dashboard, errors, extensions, health, idempotency, logs, metrics
    from service.decisions.wsgi import LeanDecisions

    settings = (settings or from_env()).with_overrides(overrides)
    app = Flask(__name__, static_folder=None)  # the dashboard serves its own files
    metrics.time_requests(app)  # first: its clock starts before any other hook's work
    logs.init_app(app)  # first: the other hooks' log lines carry the request's id
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    errors.init_app(app)
    extensions.init_app(app, settings)
    idempotency.init_app(app, settings.database_url)
    app.register_blueprint(health.bp)
    api.init_app(app)
    dashboard.init_app(app, settings)
    # The decisions' lean route answers the plain requests ahead of Flask (service.decisions).
    app.wsgi_app = LeanDecisions(app.extensions["eligibility"], app.wsgi_app)  # type: ignore[method-assign]
    return app
