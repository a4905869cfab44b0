"""device sequence: the data version that registered each device, and staged imports

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 18:00:00

Devices registered before this revision get data version 0: a process reading devices for the
first time reads them all, and from then on only those of newer data versions. Imports are
staged in the database so that the job importing a file can run on any machine.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('devices') as batch:
        batch.add_column(sa.Column('data_version', sa.Integer(), server_default='0',
                                   nullable=False))
    op.create_index('ix_devices_data_version', 'devices', ['data_version'])
    op.create_table(
        'device_imports',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('created_at', service.store.models.UTCDateTime(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('error_count', sa.Integer(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'device_import_rows',
        sa.Column('import_id', sa.String(length=40), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.String(length=120), nullable=False),
        sa.Column('model_id', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('import_id', 'line'),
    )


def downgrade() -> None:
    op.drop_table('device_import_rows')
    op.drop_table('device_imports')
    op.drop_index('ix_devices_data_version', table_name='devices')
    with op.batch_alter_table('devices') as batch:
        batch.drop_column('data_version')
