"""Routes for a versioned reference resource: list, get, create, change, withdraw.

Every write is one transaction that adds a version row, an audit entry and a data version,
then publishes the new snapshot before answering, so the next decision anywhere sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, Response, request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import InvalidInput, NotFound
from service.jsonio import json_response
from service.parsing import json_body, parse, validate
from service.store.db import read_session
from service.store.models import Versioned
from service.store.versions import Writer, latest

MAX_PAGE = 500
V = TypeVar("V", bound=Versioned)


@dataclass(frozen=True)
class Resource:
    name: str  # the path segment, e.g. "vendors"
    table: type[Versioned]
    prefix: str  # id prefix, e.g. "v"
    schema: type[BaseModel]
    columns: Callable[[Any], dict[str, Any]]  # validated body -> column values
    body: Callable[[Any], dict[str, Any]]  # column values -> the create schema's fields
    references: dict[str, type[Versioned]] = field(default_factory=dict)  # field -> table
    extra: Callable[[Versioned], dict[str, Any]] | None = None  # more for GET one
    columns_of: dict[str, str] = field(default_factory=dict)  # body field -> its column
    # Follow-up work a write needs, recorded in its transaction: (writer, new row, old row).
    follow_up: Callable[[Writer, Any, Any], None] | None = None


def to_json(resource: Resource, row: Versioned) -> dict[str, Any]:
    # `revision` counts the record's versions; "version" is a field of updates.
    return {"id": row.id, **resource.body(row), "revision": row.version,
            "recorded_at": row.recorded_at, "recorded_by": row.recorded_by}


def check_references(session: Session, resource: Resource, values: dict[str, Any]) -> None:
    """Refuse ids that name no current record, naming the field (nothing is written)."""
    errors = []
    for name, table in resource.references.items():
        wanted = values.get(name)
        ids = wanted if isinstance(wanted, list) else [wanted] if wanted else []
        for index, ref in enumerate(ids):
            if latest(session, table, ref) is None:
                path = f"{name}.{index}" if isinstance(wanted, list) else name
                errors.append({"field": path, "message": f"unknown id {ref!r}"})
    if errors:
        raise InvalidInput("Some ids refer to nothing.", errors)


def write(resource: Resource, change: Callable[[Writer], Versioned], status: int) -> Response:
    with transaction() as tx:
        return tx.answer(to_json(resource, change(tx.writer)), status)


def page_limit() -> int:
    """The `limit` query parameter: 1 to 500 written in ASCII digits, 100 if absent."""
    # Not str.isdigit: it accepts "²" and 5,000-digit strings, which int() then refuses.
    digits = re.fullmatch(r"0*([0-9]{1,3})", request.args.get("limit", "100"))
    if digits is None or not 1 <= int(digits[1]) <= MAX_PAGE:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE}.",
                           [{"field": "limit", "message": f"between 1 and {MAX_PAGE}"}])
    return int(digits[1])


def listing(filters: Mapping[str, Collection[str] | None]) -> int:
    """Check a list's query: refuse parameters it does not take and filter values outside
    their choices (None: any text), naming each; return the page size."""
    if unknown := sorted(set(request.args) - set(filters) - {"limit", "cursor"}):
        raise InvalidInput(f"Cannot filter by {', '.join(unknown)}.",
                           [{"field": name, "message": "not a query parameter of this list"}
                            for name in unknown])
    for name, choices in filters.items():
        value = request.args.get(name)
        if choices is not None and value is not None and value not in choices:
            raise InvalidInput(f"{name} is one of {', '.join(choices)}.",
                               [{"field": name, "message": f"unknown {name}"}])
    return page_limit()


def answer_page(items: list[dict[str, Any]], limit: int) -> Response:
    """Answer the first `limit` of `items`, read one beyond the page to know if more follow."""
    more = len(items) > limit
    return json_response({"items": items[:limit],
                          "next_cursor": items[limit - 1]["id"] if more else None})


def current(table: type[V]) -> sa.Select[V]:
    """The newest version of each record not withdrawn, ordered by id."""
    newest = (sa.select(table.id, sa.func.max(table.version).label("v"))
              .group_by(table.id).subquery())
    return (sa.select(table).join(newest, (table.id == newest.c.id)
                                  & (table.version == newest.c.v))
            .where(table.deleted.is_(False)).order_by(table.id))


def page(session: Session, resource: Resource) -> dict[str, Any]:
    """One page of current records ordered by id, filtered by query parameters."""
    table = resource.table
    limit = listing(dict.fromkeys(filterable(resource)))
    query = current(table)
    if cursor := request.args.get("cursor"):
        query = query.where(table.id > cursor)
    for name, value in request.args.items():
        if name not in {"limit", "cursor"}:
            query = query.where(getattr(table, resource.columns_of.get(name, name)) == value)
    rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [to_json(resource, r) for r in rows],
            "next_cursor": rows[-1].id if more else None}


def filterable(resource: Resource) -> list[str]:
    """The fields a list can be filtered by: those stored as text (a query string's value is
    text; lists, times and flags don't compare with it)."""
    names = []
    for name in resource.body(_Blank()):
        column = getattr(resource.table, resource.columns_of.get(name, name), None)
        if column is not None and isinstance(column.type, sa.String):
            names.append(name)
    return names


class _Blank:
    """Answers None for every attribute: lets `body` list a resource's field names."""

    def __getattr__(self, name: str) -> None:
        return None


def find(session: Session, resource: Resource, record_id: str) -> Versioned:
    """The current version of a record, or a 404 naming what is missing."""
    row = latest(session, resource.table, record_id)
    if row is None:
        raise NotFound(f"No {resource.name[:-1]} has id {record_id!r}.")
    return row


def create_record(writer: Writer, resource: Resource, body: BaseModel) -> Versioned:
    """Create a record from a validated body, with its references checked and its follow-up."""
    values = resource.columns(body)
    check_references(writer.session, resource, values)
    row = writer.create(resource.table, resource.prefix, values)
    if resource.follow_up:
        resource.follow_up(writer, row, None)
    return row


def change_record(writer: Writer, resource: Resource, record_id: str,
                  changes: dict[str, Any]) -> Versioned:
    """Write a new version with `changes` (JSON field values) merged into the current one."""
    current = find(writer.session, resource, record_id)
    merged = {**_jsonable(resource.body(current)), **changes}
    values = resource.columns(validate(resource.schema, merged))
    check_references(writer.session, resource, values)
    row = writer.change(resource.table, current, values)
    if resource.follow_up:
        resource.follow_up(writer, row, current)
    return row


def withdraw_record(writer: Writer, resource: Resource, record_id: str) -> Versioned:
    current = find(writer.session, resource, record_id)
    return writer.change(resource.table, current, {}, deleted=True, action="delete")


def register(bp: Blueprint, resource: Resource) -> None:
    """Add the five routes of `resource` to `bp`."""
    name = resource.name

    @requires(Role.VIEWER)
    def list_all() -> Response:
        with read_session(services().settings.database_url) as session:
            return json_response(page(session, resource))

    @requires(Role.VIEWER)
    def get_one(record_id: str) -> Response:
        with read_session(services().settings.database_url) as session:
            row = find(session, resource, record_id)
            body = to_json(resource, row)
        if resource.extra:
            body.update(resource.extra(row))
        return json_response(body)

    @requires(Role.EDITOR)
    def create() -> Response:
        body = parse(resource.schema)
        return write(resource, lambda writer: create_record(writer, resource, body), 201)

    @requires(Role.EDITOR)
    def patch(record_id: str) -> Response:
        patch_body = json_body()
        if not isinstance(patch_body, dict):
            raise InvalidInput("A PATCH body is a JSON object of the fields to change.",
                               [{"field": "body", "message": "expected an object"}])
        return write(resource,
                     lambda writer: change_record(writer, resource, record_id, patch_body), 200)

    @requires(Role.EDITOR)
    def withdraw(record_id: str) -> Response:
        return write(resource, lambda writer: withdraw_record(writer, resource, record_id), 200)

    for view in (list_all, get_one, create, patch, withdraw):
        view.resource = resource  # type: ignore[union-attr]  # read by the OpenAPI document
    bp.add_url_rule(f"/{name}", f"list_{name}", list_all, methods=["GET"])
    bp.add_url_rule(f"/{name}/<record_id>", f"get_{name}", get_one, methods=["GET"])
    bp.add_url_rule(f"/{name}", f"create_{name}", create, methods=["POST"])
    bp.add_url_rule(f"/{name}/<record_id>", f"patch_{name}", patch, methods=["PATCH"])
    bp.add_url_rule(f"/{name}/<record_id>", f"delete_{name}", withdraw, methods=["DELETE"])


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
