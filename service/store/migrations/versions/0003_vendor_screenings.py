"""vendor screenings: which matcher last screened each vendor

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:00:00

Vendors already stored get no row: they are `screening_pending` until the re-screen job (run
by the scheduler every minute) has screened them with the matcher in use.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vendor_screenings',
    sa.Column('vendor_id', sa.String(length=40), nullable=False),
    sa.Column('matcher', sa.Integer(), nullable=False),
    sa.Column('screened_at', service.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('vendor_id')
    )


def downgrade() -> None:
    op.drop_table('vendor_screenings')
