"""source failures: each source's failing streak, and the event types a webhook takes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00

Sources start with no failing streak; the next failed or held refresh starts one. A webhook
registered before subscriptions could choose event types heard only `decision.changed`: one
without filters took everything, and takes every event type from now on (an empty
`event_types`, like a new subscription that names none); one narrowed to some vendors or update
kinds asked for those decisions only, and keeps exactly that (`["decision.changed"]`).
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consecutive_failures', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('failing_since', service.store.models.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('failure_alerted_at', service.store.models.UTCDateTime(),
                                      nullable=True))
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_types', sa.JSON(), nullable=False,
                                      server_default='[]'))
    webhooks = sa.table('webhooks', sa.column('id', sa.String()),
                        sa.column('vendor_ids', sa.JSON()), sa.column('update_kinds', sa.JSON()),
                        sa.column('event_types', sa.JSON()))
    connection = op.get_bind()
    filtered = [row.id for row in connection.execute(
        sa.select(webhooks.c.id, webhooks.c.vendor_ids, webhooks.c.update_kinds))
        if row.vendor_ids or row.update_kinds]
    if filtered:
        connection.execute(sa.update(webhooks).where(webhooks.c.id.in_(filtered))
                           .values(event_types=['decision.changed']))


def downgrade() -> None:
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.drop_column('event_types')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('failure_alerted_at')
        batch_op.drop_column('failing_since')
        batch_op.drop_column('consecutive_failures')
