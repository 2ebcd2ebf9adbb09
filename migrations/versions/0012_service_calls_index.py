"""estimated waits read a service's calls of today from an index, not every call ever

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:40:00

After each finish, the next estimated wait of a service reads the mean time of its served
calls of today. With no index on the service, that read scanned every visit segment the
office ever recorded (after a year, some 250,000 of them), for each service on the page.
"""

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visit_segment', schema=None) as batch_op:
        batch_op.create_index('ix_visit_segment_service_called', ['service_id', 'called_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit_segment', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_segment_service_called')
