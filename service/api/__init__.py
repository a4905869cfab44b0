"""The JSON API of `api.md`: decisions for OTA servers, reference data and keys for admins."""

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here so that `service.api.schemas` can be imported without every route module.
    from service.api import (
        decisions,
        devices,
        jobs,
        keys,
        licences,
        matches,
        openapi,
        reference,
        sources,
        webhooks,
    )
    from service.parsing import printable_arguments

    app.before_request(printable_arguments)
    for module in (decisions, reference, devices, licences, keys, sources, matches, jobs,
                   webhooks, openapi):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
