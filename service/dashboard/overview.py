"""The overview: whether the data is fresh and what needs a person, at a glance."""

from __future__ import annotations

from service.auth import Role
from service.dashboard.blueprint import bp, page, render


@bp.get("/")
@page(Role.VIEWER)
def overview() -> tuple[str, int]:
    return render("overview.html")
