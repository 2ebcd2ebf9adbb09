"""an index in calling order, so call-next probes instead of sorting the queue

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:00:00

Call-next sorted every waiting ticket of its counter's services to take the first, so a call
cost more as the queue grew (and on a PostgreSQL whose statistics lagged a fast-filling day,
1.6 ms a call). ix_ticket_calling holds a day's waiting tickets by front flag and lane, in
queue time order within the normal lane, with the service last so a probe skips the tickets
of other counters' services from the index alone.
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_calling', [
            'office_id', 'business_day', 'status', 'to_front', 'priority_reason', 'queued_at',
            'id', 'service_id'],
            unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_calling')
