"""Loading the demo history through the API itself, so it passes every check a client's would."""

from __future__ import annotations

import shutil
from typing import Any

import sqlalchemy as sa

from config.schedules import CSL_BULK_URL, DEFAULT_SOURCE_SCHEDULE
from config.settings import PROJECT_ROOT, Settings
from service import clock, create_app
from service.demo import load_demo
from service.keys import create_key, revoke_key
from service.store.db import read_session
from service.store.models import Vendor

MARKER = "Huawei Technologies Co., Ltd."
SAMPLE_FEED = PROJECT_ROOT / "tests" / "fixtures" / "csl" / "sample.json"


def demo_sources(settings: Settings) -> list[dict[str, Any]]:
    """The sample feed, copied into the feed folder (the only place file:// feeds are read
    from), and the real CSL bulk file."""
    settings.feed_dir.mkdir(parents=True, exist_ok=True)
    sample = shutil.copyfile(SAMPLE_FEED, settings.feed_dir / "sample.json")
    return [
        {"name": "Sample CSL feed (test fixture)", "format": "csl-json",
         "url": sample.resolve().as_uri(), "schedule": "0 */6 * * *", "enabled": True},
        {"name": "Consolidated Screening List (ITA bulk file)", "format": "csl-json",
         "url": CSL_BULK_URL, "schedule": DEFAULT_SOURCE_SCHEDULE, "enabled": False},
    ]


def already_loaded(settings: Settings) -> bool:
    with read_session(settings.database_url) as session:
        found = session.scalar(sa.select(Vendor.id).where(Vendor.name == MARKER).limit(1))
    return found is not None


def load_into_database(settings: Settings, with_feed: bool = False) -> str:
    """Load the demo unless it is there already; say what happened.

    `with_feed` also registers the sample CSL feed (a test fixture, copied into the feed
    folder) and asks for its first refresh, which the worker then runs; and the real CSL bulk
    file, disabled, so that an admin sees how the production default looks.
    """
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

    refreshing = []
    try:
        refs = load_demo(post)
        if with_feed:
            for source in demo_sources(settings):
                created = post("/api/v1/sources", source)
                if source["enabled"]:
                    post(f"/api/v1/sources/{created['id']}/refresh", {})
                    refreshing.append(source["url"])
    finally:
        revoke_key(settings.database_url, key.id, "demo", clock.now())
    loaded = f"demo data loaded: {len(refs)} records"
    if refreshing:
        loaded += f"; sample feed registered and refreshing ({', '.join(refreshing)})"
    return loaded
