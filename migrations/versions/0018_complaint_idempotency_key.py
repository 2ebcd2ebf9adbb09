"""a complaint form sent twice (a double tap, a retried request) files one complaint

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 11:45:00

Each view of the complaint form carries a fresh key; a complaint keeps the key it was sent
with, unique within the office, and the same key again is answered with that complaint.
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_complaint_office_id_idempotency_key',
                                          ['office_id', 'idempotency_key'])


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint('uq_complaint_office_id_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')
