"""Settings: defaults in code, overrides from the environment under one prefix.

`DATABASE_URL` and `REDIS_URL` keep their conventional names so that hosting platforms and
docker-compose can set them; everything else is `ELIG_<NAME>`. An empty `REDIS_URL` means
"start the private embedded Redis" (see `service/embedded.py`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from config.lists import DEFAULT_EFFECTS, LIST_NAMES
from service.eligibility.facts import Effect, StalePolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
PLAIN_NAMES = {"database_url", "redis_url"}  # read without the ELIG_ prefix


@dataclass(frozen=True)
class Settings:
    var_dir: str = str(VAR_DIR)  # runtime files: the SQLite database, the embedded Redis
    database_url: str = f"sqlite:///{VAR_DIR / 'service.db'}"
    redis_url: str = ""
    max_batch_items: int = 1000
    max_body_bytes: int = 2 * 1024 * 1024
    # Upper bound for Cache-Control max-age: a write can change any answer before valid_until.
    max_cache_seconds: int = 60
    stale_policy: StalePolicy = StalePolicy.REVIEW
    staleness_limit_hours: float = 48.0
    snapshot_poll_seconds: float = 0.5
    follow_snapshots: bool = True  # follow other processes' writes (tests turn it off)
    # Keep each snapshot out of the garbage collector's full passes (`gc.freeze`) until the
    # next rebuild. `python -m service web` turns it on for its workers; elsewhere (jobs, the
    # tests' in-process apps) other objects would be frozen with it.
    snapshot_gc_freeze: bool = False
    decision_log_batch: int = 500
    # The decision journal: the folder, under `var_dir` unless absolute, where each answer is
    # written before it is given, and shipped to the database from every `decision_log_ship_ms`.
    # It must outlive the process (every process of one host uses the same folder, and only
    # those). Empty: no journal; each answer waits for its database transaction instead.
    decision_log_journal: str = "decision-journal"
    decision_log_ship_ms: float = 200.0
    # `on`: each answer waits for the journal's fdatasync (a power loss loses nothing given);
    # `off`: for the kernel to hold it (any process may die, not the machine). `auto`: as
    # durable as the database it is shipped to: on for PostgreSQL, whose commits fsync; off
    # for SQLite, whose commits here (WAL, synchronous=NORMAL) survive processes, not power.
    decision_log_fsync: str = "auto"
    decision_log_queue: int = 20000
    # How long the decision log is kept, in whole months (60: five years, as 15 CFR 762.6
    # asks of export records); a month goes once all of it is older than that.
    decision_log_retention_months: int = 60
    web_workers: int = 2
    # Threads per web worker: requests waiting on the decision log's group commit hold one.
    web_threads: int = 8
    queue_name: str = "default"  # the RQ queue the worker serves (tests use one per test)
    # Feeds: how long to wait, how much to take, and how big a drop waits for a person.
    feed_connect_timeout: float = 10.0
    feed_read_timeout: float = 60.0
    feed_total_timeout: float = 600.0
    feed_max_bytes: int = 500 * 1024 * 1024
    max_drop_percent: float = 20.0  # a list losing more than this share of its rows is held
    min_drop_rows: int = 5  # ...when it loses at least this many (one of two is no incident)
    # After this many refreshes in a row bring no good data (failed or held), a source is
    # failing: `/readyz` lists it, `/metrics` flags it, subscribers get `source.failing`. 0: never.
    feed_failure_alert: int = 3
    # Feeds, like webhooks, reach no loopback/private/link-local host unless listed here (same
    # syntax as `webhook_allow_hosts`), and read file:// URLs only inside `feed_dir`.
    feed_allow_hosts: str = ""
    feed_file_dir: str = ""  # empty: `<var_dir>/feeds`
    # Webhooks: targets on loopback/private/link-local networks are refused unless listed
    # here (comma-separated hosts, IPs or CIDRs; the tests name 127.0.0.1).
    webhook_allow_hosts: str = ""
    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 8
    # Logs: WARNING keeps per-job and per-request lines out (INFO or `--verbose` shows them);
    # "json" writes one object per line for log shippers.
    log_level: str = "WARNING"
    log_format: str = "text"
    # Dashboard: the key that signs its cookies (empty: a random one kept in
    # `<var_dir>/secret_key`; several machines must share one, so set it there), how long a
    # sign-in lasts, and how many sign-ins Redis lets through per account and per address.
    secret_key: str = ""
    # How many proxies in front of the web app set X-Forwarded-For/-Proto/-Host (0: trust
    # none): the client address that sign-ins are throttled by, and whether a page came
    # over TLS (HSTS, `Secure` cookies), are read from them.
    trusted_proxies: int = 0
    session_hours: float = 12.0
    login_limit_account: str = "5 per minute; 20 per hour"
    login_limit_address: str = "20 per minute; 100 per hour"
    list_effects: Mapping[str, Effect] = field(default_factory=lambda: dict(DEFAULT_EFFECTS))
    list_names: Mapping[str, str] = field(default_factory=lambda: dict(LIST_NAMES))

    @property
    def journal_fsync(self) -> bool:
        if self.decision_log_fsync not in ("auto", "on", "off"):
            raise ValueError(f"ELIG_DECISION_LOG_FSYNC is auto, on or off, not "
                             f"{self.decision_log_fsync!r}")
        if self.decision_log_fsync == "auto":
            return not self.database_url.startswith("sqlite")
        return self.decision_log_fsync == "on"

    @property
    def journal_dir(self) -> Path | None:
        if not self.decision_log_journal:
            return None
        return Path(self.var_dir) / self.decision_log_journal

    @property
    def feed_dir(self) -> Path:
        """The folder file:// feeds are read from; nothing outside it is."""
        return Path(self.feed_file_dir or Path(self.var_dir) / "feeds")

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Settings:
        return replace(self, **dict(overrides or {}))


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, StalePolicy):
        return StalePolicy(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the defaults and the environment."""
    env = os.environ if environ is None else environ
    base = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in {"list_effects", "list_names"}:
            continue
        key = f.name.upper() if f.name in PLAIN_NAMES else f"ELIG_{f.name.upper()}"
        if key in env:
            values[f.name] = _coerce(env[key], getattr(base, f.name))
    effects = dict(DEFAULT_EFFECTS)
    for key, raw in env.items():
        if key.startswith("ELIG_EFFECT_"):
            effects[key.removeprefix("ELIG_EFFECT_")] = Effect(raw)
    values["list_effects"] = effects
    return replace(base, **values)
