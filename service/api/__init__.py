"""The JSON API of `api.md`: decisions for OTA servers, reference data and keys for admins."""

from flask import Flask

from service.api import decisions, devices, keys, licences, openapi, reference


def init_app(app: Flask) -> None:
    for module in (decisions, reference, devices, licences, keys, openapi):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
