"""call-next's priority-lane probes read an index of the waiting priority tickets alone

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 17:00:00

Call-next probes the priority lane (usually a few tickets) before or after the normal lane.
On PostgreSQL the generic plan of call-next, made on each pooled connection in its first
minutes without column statistics, read those probes through ix_ticket_queue, which is led by
(office_id, status): every waiting ticket of the office, of both lanes and every service, at
every call, and sorted what it found (31 pages a probe with 3,000 waiting, two probes a call).
The partial index holds the waiting priority tickets alone, in calling order within the day
and part of the queue. PostgreSQL only: SQLite's probes find the lane in ix_ticket_calling.
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

PRIORITY_WAITING = sa.text("status = 'waiting' AND priority_reason IS NOT NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_ticket_priority_waiting', 'ticket',
                        ['office_id', 'business_day', 'to_front', 'queued_at', 'id'],
                        unique=False, postgresql_where=PRIORITY_WAITING)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_ticket_priority_waiting', table_name='ticket')
