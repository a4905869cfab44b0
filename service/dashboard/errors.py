"""Errors as pages: a person in a browser gets HTML, a script asking for JSON gets problem+json.

Inside the dashboard every error is a page. Outside it (an unknown URL), the page is given only
to a client that prefers HTML; the API's clients keep their problem+json.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from service.dashboard.blueprint import bp, render
from service.dashboard.security import protect
from service.errors import RETRY_AFTER_SECONDS, http_problem

TITLES = {400: "The form could not be accepted", 403: "Not for your role",
          404: "Nothing here", 405: "Not like that", 429: "Too many attempts"}


def error_page(error: HTTPException) -> Response:
    status = error.code or 500
    detail = error.description or ""
    if isinstance(error, CSRFError):
        detail = ("The form was too old or came from another site. Reload the page and try "
                  "again.")
    body, _ = render("error.html", status, code=status,
                     title=TITLES.get(status, error.name), detail=detail)
    response = protect(Response(body, status=status, mimetype="text/html"))
    response.headers.update([(k, v) for k, v in error.get_headers() if k.lower() != "content-type"])
    if status == 429:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.errorhandler(HTTPException)
def page_error(error: HTTPException) -> Response:
    return error_page(error)


def wants_page() -> bool:
    if request.path.startswith("/api/"):
        return False
    accepted = request.accept_mimetypes
    return accepted.best_match(["application/json", "text/html"]) == "text/html"


def init_app(app: Flask) -> None:
    def not_found(error: HTTPException) -> Response:
        return error_page(error) if wants_page() else http_problem(error)

    for status in (404, 405):
        app.register_error_handler(status, not_found)
