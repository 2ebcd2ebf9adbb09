"""a closed complaint's contact details are erased after COMPLAINT_CONTACT_DAYS; record when

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 02:00:00

models/complaint_privacy.py erases the contact of complaints closed long enough ago and keeps
the time, so staff read "erased on ..." instead of "not given".
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('contact_erased_at')
