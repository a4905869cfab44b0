"""flip scope: digests of the answers' inputs, and the indexes a scoped recompute reads by

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'flip_inputs',
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key'),
    )
    op.create_index('ix_answers_update_id', 'answers', ['update_id'])
    op.create_index('ix_answers_valid_until', 'answers', ['valid_until'])
    op.create_index('ix_devices_model_id', 'devices', ['model_id'])


def downgrade() -> None:
    op.drop_index('ix_devices_model_id', table_name='devices')
    op.drop_index('ix_answers_valid_until', table_name='answers')
    op.drop_index('ix_answers_update_id', table_name='answers')
    op.drop_table('flip_inputs')
