"""decision log by month: PostgreSQL partitions, bodies kept per month

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 18:20:00

`decision_log` gets the primary key (id, evaluated_at) PostgreSQL requires of a table
partitioned by `evaluated_at`; `decision_bodies` gets `month` (the first day of the month of the
rows that use the body) in its key, so a month's bodies go with that month's rows and
retention never leaves a kept row without its body. On PostgreSQL both become partitioned by
month with a DEFAULT partition; the months of the existing rows, this month and the next two
get partitions. Existing rows are copied over (each body once per month that uses it; a body
no row uses is not kept). On SQLite the tables stay single tables with the new keys.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_LOG_COLUMNS = "id, evaluated_at, api_key_id, data_version, size, items"
_LOG = """(id VARCHAR(40) NOT NULL, evaluated_at {ts} NOT NULL, api_key_id VARCHAR(40),
           data_version VARCHAR(20) NOT NULL, size INTEGER NOT NULL, items TEXT NOT NULL{pk})"""
_BODIES = """(digest VARCHAR(32) NOT NULL, month DATE NOT NULL, body TEXT NOT NULL{pk})"""
# Each body once per month of the rows that use it.
_BODY_MONTHS = {
    "postgresql": """SELECT DISTINCT b.digest, CAST(date_trunc('month', l.evaluated_at) AS date),
                            b.body
                     FROM decision_log_old AS l,
                          json_array_elements(CAST(l.items AS json)) AS i(item)
                     JOIN decision_bodies_old AS b ON b.digest = i.item ->> 3""",
    "sqlite": """SELECT DISTINCT b.digest, substr(l.evaluated_at, 1, 7) || '-01', b.body
                 FROM decision_log_old AS l, json_each(l.items) AS i
                 JOIN decision_bodies_old AS b ON b.digest = json_extract(i.value, '$[3]')""",
}


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    pg = dialect == "postgresql"
    ts = "TIMESTAMP WITHOUT TIME ZONE" if pg else "DATETIME"
    op.execute("ALTER TABLE decision_log RENAME TO decision_log_old")
    op.execute("ALTER TABLE decision_bodies RENAME TO decision_bodies_old")
    op.execute("DROP INDEX ix_decision_log_evaluated_at")
    if pg:
        op.execute("ALTER INDEX decision_log_pkey RENAME TO decision_log_old_pkey")
        op.execute("ALTER INDEX decision_bodies_pkey RENAME TO decision_bodies_old_pkey")
    by = " PARTITION BY RANGE ({})" if pg else ""
    op.execute("CREATE TABLE decision_log " + _LOG.format(
        ts=ts, pk=", CONSTRAINT decision_log_pkey PRIMARY KEY (id, evaluated_at)")
        + by.format("evaluated_at"))
    op.execute("CREATE TABLE decision_bodies " + _BODIES.format(
        pk=", CONSTRAINT decision_bodies_pkey PRIMARY KEY (digest, month)") + by.format("month"))
    op.execute("CREATE INDEX ix_decision_log_evaluated_at ON decision_log (evaluated_at)")
    if pg:
        from service.store.partitions import AHEAD, add_months, create_month, month_of

        for table in ("decision_log", "decision_bodies"):
            op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        months = {month_of(m) for m in bind.scalars(sa.text(
            "SELECT DISTINCT date_trunc('month', evaluated_at) FROM decision_log_old"))}
        now = month_of(datetime.now(UTC))
        months |= {add_months(now, n) for n in range(AHEAD + 1)}
        for month in sorted(months):
            for table in ("decision_log", "decision_bodies"):
                create_month(bind, table, month)
    op.execute(f"INSERT INTO decision_log ({_LOG_COLUMNS}) "
               f"SELECT {_LOG_COLUMNS} FROM decision_log_old")
    op.execute("INSERT INTO decision_bodies (digest, month, body) " + _BODY_MONTHS[dialect])
    op.execute("DROP TABLE decision_log_old")
    op.execute("DROP TABLE decision_bodies_old")


def downgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    ts = "TIMESTAMP WITHOUT TIME ZONE" if pg else "DATETIME"
    op.execute("ALTER TABLE decision_log RENAME TO decision_log_new")
    op.execute("ALTER TABLE decision_bodies RENAME TO decision_bodies_new")
    op.execute("DROP INDEX ix_decision_log_evaluated_at")
    if pg:
        op.execute("ALTER INDEX decision_log_pkey RENAME TO decision_log_new_pkey")
        op.execute("ALTER INDEX decision_bodies_pkey RENAME TO decision_bodies_new_pkey")
    op.execute("CREATE TABLE decision_log " + _LOG.format(
        ts=ts, pk=", CONSTRAINT decision_log_pkey PRIMARY KEY (id)"))
    op.execute("CREATE TABLE decision_bodies (digest VARCHAR(32) NOT NULL, body TEXT NOT NULL, "
               "CONSTRAINT decision_bodies_pkey PRIMARY KEY (digest))")
    op.execute("CREATE INDEX ix_decision_log_evaluated_at ON decision_log (evaluated_at)")
    op.execute(f"INSERT INTO decision_log ({_LOG_COLUMNS}) "
               f"SELECT {_LOG_COLUMNS} FROM decision_log_new")
    op.execute("INSERT INTO decision_bodies (digest, body) "
               "SELECT digest, min(body) FROM decision_bodies_new GROUP BY digest")
    op.execute("DROP TABLE decision_log_new")
    op.execute("DROP TABLE decision_bodies_new")
