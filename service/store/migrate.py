"""Schema migrations with Alembic, run programmatically (no alembic.ini to keep in sync)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`, and make the decision log's partitions for
    this month and the next ones (so a fresh deployment never writes into a missing month)."""
    from service import clock
    from service.store.partitions import ensure_ahead

    command.upgrade(alembic_config(url), revision)
    ensure_ahead(url, clock.now())
