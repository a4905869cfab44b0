"""Logging for every process: one line per record, as text for people or JSON for shippers.

Each entry point (`python -m service serve|web|worker|cron|...`) calls `configure` once; the web
server also hands `dict_config` to granian, which applies it in each of its worker processes
before it builds the app. A line logged while a request or a job is handled carries its
correlation id: the request's `X-Request-Id` (the caller's when sane, else a new one) or the
RQ job's id.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any

from flask import Flask, Response, g, request

FORMATS = ("text", "json")
CORRELATION_ID: ContextVar[str | None] = ContextVar("correlation_id", default=None)
SANE_REQUEST_ID = re.compile(r"[!-~]{1,128}")  # printable ASCII without spaces: safe to echo
# granian warns that 8 threads are many for few cores; they wait on the decision log's group
# commit, not on the CPU, so the warning would only worry whoever starts the service.
DELIBERATE = ("Configuration allows spawning up to",)

log = logging.getLogger(__name__)


def level_of(name: str, verbose: bool = False) -> int:
    """The level called `name` (`warning`, `INFO`...); `verbose` lowers it to INFO at least."""
    number = logging.getLevelName(name.strip().upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {name!r}: use DEBUG, INFO, WARNING or ERROR")
    return min(number, logging.INFO) if verbose else number


def configure(level: int, fmt: str) -> None:
    """Send this process's log records, and uncaught exceptions, to standard error."""
    logging.config.dictConfig(dict_config(level, fmt))
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def dict_config(level: int, fmt: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` of `configure` (also applied by granian's workers)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: use {' or '.join(FORMATS)}")
    upwards = {"level": level, "handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"deliberate": {"()": "service.logs.DropDeliberateWarnings"}},
        "handlers": {"stderr": {"()": "service.logs.handler", "fmt": fmt}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "rq.worker": {"level": level},  # RQ sets it to INFO when imported
            # `serve` always says where it serves, what it loaded and where things live.
            "service.cli": {"level": min(level, logging.INFO)},
            # granian's loggers print on their own unless told to hand their records up.
            "_granian": {**upwards, "filters": ["deliberate"]},
            "granian.access": upwards,
        },
    }


def handler(fmt: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing one line per record (text or JSON) to `stream`, standard error."""
    out = logging.StreamHandler(stream)
    out.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    out.addFilter(_with_correlation_id)
    return out


class TextFormatter(logging.Formatter):
    """`12:00:01 WARNING service.outbox: ...`, with `[correlation id]` after the logger."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        correlation_id = getattr(record, "correlation_id", None)
        tag = f" [{correlation_id}]" if correlation_id else ""
        return f"{record.asctime} {record.levelname} {record.name}{tag}: {record.message}"


class JsonFormatter(logging.Formatter):
    """One object per line: timestamp, level, logger, message, correlation_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class DropDeliberateWarnings(logging.Filter):
    """Drop the warnings about choices this service makes on purpose (see DELIBERATE)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(DELIBERATE)


def _with_correlation_id(record: logging.LogRecord) -> bool:
    if getattr(record, "correlation_id", None) is None:
        record.correlation_id = CORRELATION_ID.get()
    return True


def _log_uncaught(kind: type[BaseException], exc: BaseException,
                  tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    log.critical("uncaught exception, the process stops", exc_info=(kind, exc, tb))


def init_app(app: Flask) -> None:
    """Give each request a correlation id: on its log lines and in its `X-Request-Id`."""
    app.before_request(_begin)
    app.after_request(_stamp)
    app.teardown_request(_end)


def request_id() -> str:
    """This request's correlation id: the caller's `X-Request-Id` if sane, else a new one."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    return str(g.request_id)


def _begin() -> None:
    g.correlation_token = CORRELATION_ID.set(request_id())


def _stamp(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()
    return response


def _end(error: BaseException | None) -> None:
    token = g.pop("correlation_token", None)
    if token is not None:
        CORRELATION_ID.reset(token)
