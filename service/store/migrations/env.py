"""Alembic environment: migrate the database named in the config, with our metadata."""

from alembic import context

from service.store import device_staging, pipeline  # noqa: F401  (their tables join the metadata)
from service.store.db import engine_for
from service.store.models import Base

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    with engine_for(url).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
