"""What the sources API takes: a feed to register, a change to one, an approval."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, cast
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field
from pydantic.json_schema import JsonDict

from config.schedules import DEFAULT_SOURCE_SCHEDULE as DEFAULT_SCHEDULE
from service.api.schemas import CONTROL, PRINTABLE, ShortName, Strict
from service.sources.schedule import valid_schedule


class FeedFormat(StrEnum):
    CSL_JSON = "csl-json"
    CSL_CSV = "csl-csv"


# `_feed_url` as a JSON Schema pattern, for the document (such patterns take no flags).
URL_PATTERN = "^([Hh][Tt][Tt][Pp][Ss]?|[Ff][Ii][Ll][Ee])://" + PRINTABLE[1:]


def _feed_url(url: str) -> str:
    if not url.lower().startswith(("http://", "https://", "file://")):
        raise ValueError("use an http(s):// or file:// address")
    if CONTROL.search(url):
        raise ValueError("control characters are not allowed")
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # `port` checks the number
    except ValueError as exc:  # e.g. "http://[::1" or "http://host:99999"
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme.lower() != "file" and not host:
        raise ValueError("an http(s) address needs a host, e.g. https://example.org/csl.json")
    if parts.scheme.lower() == "file" and not parts.path.strip("/"):
        raise ValueError("a file:// address needs a path, e.g. file:///srv/feeds/csl.json")
    return url


def _schedule(expression: str) -> str:
    if not valid_schedule(expression):
        raise ValueError("not a cron expression that ever comes due, e.g. '0 */6 * * *'")
    return expression


FeedUrl = Annotated[str, Field(min_length=1, max_length=2000,
                               json_schema_extra={"pattern": URL_PATTERN}),
                    AfterValidator(_feed_url)]
Schedule = Annotated[str, Field(min_length=1, max_length=60, pattern=PRINTABLE,
                                description="cron expression, UTC; the default is every six "
                                            "hours"),
                     AfterValidator(_schedule)]


Format = Annotated[FeedFormat, Field(strict=False)]
StalenessHours = Annotated[float, Field(gt=0, le=24 * 365)]
DropPercent = Annotated[float, Field(ge=0, le=100)]


class SourceIn(Strict):
    name: ShortName
    format: Format
    url: FeedUrl
    schedule: Schedule = DEFAULT_SCHEDULE
    enabled: bool = True
    staleness_limit_hours: StalenessHours | None = None
    max_drop_percent: DropPercent | None = None


def _no_defaults(schema: JsonDict) -> None:
    for field in cast(JsonDict, schema["properties"]).values():
        cast(JsonDict, field).pop("default", None)


class SourcePatch(Strict):
    """The fields to change; those left out keep their values, as do the limits set to null.

    Pydantic does not validate defaults: a field left out is None here, and dropped, while
    null sent for a field that takes none is refused.
    """

    model_config = ConfigDict(json_schema_extra=_no_defaults)

    name: ShortName = None  # type: ignore[assignment]
    format: Format = None  # type: ignore[assignment]
    url: FeedUrl = None  # type: ignore[assignment]
    schedule: Schedule = None  # type: ignore[assignment]
    enabled: bool = None  # type: ignore[assignment]
    staleness_limit_hours: StalenessHours | None = None
    max_drop_percent: DropPercent | None = None


class ApprovalIn(Strict):
    refresh_id: str | None = Field(None, max_length=40)
    reason: str | None = Field(None, max_length=2000, pattern=PRINTABLE)
