"""Redis stopped and started again: answers and writes go on, and notifications resume."""

from __future__ import annotations

from service import create_app
from service.embedded import EmbeddedRedis
from tests.conftest import make_settings
from tests.integration.test_snapshot_propagation import designate_acme, poll, verdict


def test_decisions_and_writes_survive_a_redis_restart(database_url, keys, tmp_path):
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    apps = [create_app(settings=make_settings(database_url, url, follow_snapshots=True,
                                              snapshot_poll_seconds=30.0)) for _ in range(2)]
    writer, reader = (app.test_client() for app in apps)
    try:
        assert verdict(reader, keys["ota"]) == "allow"
        server.stop()
        assert verdict(reader, keys["ota"]) == "allow"  # Redis down: still answering
        server.start()
        designate_acme(writer, keys["editor"])  # the write commits and is published
        # The fallback poll is 30 s away, so only a resumed subscription can bring it in time.
        assert poll(lambda: verdict(reader, keys["ota"]) == "deny", seconds=10.0)
    finally:
        for app in apps:
            app.extensions["eligibility"].snapshots.stop()
        server.stop()
