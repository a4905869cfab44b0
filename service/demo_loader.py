"""Loading the demo history through the API itself, so it passes every check a client's would."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from config.settings import Settings
from service import clock, create_app
from service.demo import load_demo
from service.keys import create_key, revoke_key
from service.store.db import read_session
from service.store.models import Vendor

MARKER = "Huawei Technologies Co., Ltd."


def already_loaded(settings: Settings) -> bool:
    with read_session(settings.database_url) as session:
        found = session.scalar(sa.select(Vendor.id).where(Vendor.name == MARKER).limit(1))
    return found is not None


def load_into_database(settings: Settings) -> str:
    """Load the demo unless it is there already; say what happened."""
    if already_loaded(settings):
        return "demo data already loaded"
    key, secret, _ = create_key(settings.database_url, "demo loader", "admin", "demo",
                                clock.now())
    app = create_app(settings=settings)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    def post(path: str, body: Any) -> Any:
        response = client.post(path, json=body, headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {path} failed: {response.get_json()}")
        return response.get_json()

    try:
        refs = load_demo(post)
    finally:
        revoke_key(settings.database_url, key.id, "demo", clock.now())
    return f"demo data loaded: {len(refs)} records"
