"""A list a page at a time: its rows, and links to its first and next pages."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request, url_for

PER_PAGE = 50
T = TypeVar("T")


def paged(rows: list[T], per_page: int = PER_PAGE) -> tuple[list[T], dict[str, str | None]]:
    """The first `per_page` of `rows` (read one beyond the page, ordered by id) and the URLs
    of the `first` and `next` pages of the list this request shows (None: no such page)."""
    more = len(rows) > per_page
    rows = rows[:per_page]
    cursor: Any = getattr(rows[-1], "id", None) if more and rows else None
    endpoint = request.endpoint or ""
    values: dict[str, Any] = {**(request.view_args or {}),
                              **{k: v for k, v in request.args.items() if k != "cursor"}}
    return rows, {"first": url_for(endpoint, **values) if "cursor" in request.args else None,
                  "next": url_for(endpoint, **values, cursor=cursor) if cursor else None}
