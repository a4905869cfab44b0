"""The demo history in a test's own database, and decisions given through the real API."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from config.settings import Settings
from service import clock
from service.demo_loader import load_into_database
from service.sources.refresh import refresh
from service.store.db import read_session
from service.store.models import DeviceModel, Match, Vendor
from service.store.pipeline import Source

PATCH = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
         "product": "Android", "version": "2019-06-05", "enhances_functionality": False}


def load(settings: Settings, with_feed: bool = False) -> None:
    """Load the demo; with the sample feed, refresh it here and now, as `serve --demo` does
    with its worker (it brings a near match of Huawei into the review queue)."""
    load_into_database(settings, with_feed=with_feed)
    if with_feed:
        with read_session(settings.database_url) as session:
            enabled = list(session.scalars(sa.select(Source.id)
                                           .where(Source.enabled.is_(True))))
        for source_id in enabled:
            refresh(settings, source_id, None, "manual", clock.now)


def vendor_id(settings: Settings, name: str) -> str:
    with read_session(settings.database_url) as session:
        return str(session.scalar(sa.select(Vendor.id).where(Vendor.name == name)))


def model_id(settings: Settings, name: str) -> str:
    with read_session(settings.database_url) as session:
        return str(session.scalar(sa.select(DeviceModel.id).where(DeviceModel.name == name)))


def pending_matches(settings: Settings, vendor: str) -> dict[str, str]:
    """The vendor's pending matches: listed name -> match id."""
    with read_session(settings.database_url) as session:
        rows = session.scalars(sa.select(Match).where(Match.vendor_id == vendor)
                               .order_by(Match.id, Match.version))
        newest = {row.id: row for row in rows}
    return {m.evidence["listed_name"]: m.id for m in newest.values() if m.status == "pending"}


def decide(app: Flask, keys: dict[str, dict[str, str]], body: dict[str, Any]) -> Any:
    """Ask the API for a decision, as an OTA server does."""
    answer = app.test_client().post("/api/v1/decisions", json=body, headers=keys["ota"])
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()
