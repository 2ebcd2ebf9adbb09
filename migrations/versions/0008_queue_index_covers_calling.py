"""the queue index covers what call-next and people-ahead read

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 07:40:00

Call-next picks the first waiting ticket of its counter's services in calling order, and a
ticket's "people ahead" counts the waiting tickets before it. Both read business day, lane,
front-of-queue flag and queue time of every waiting ticket of the services: with them in the
index SQLite reads the index alone (a claim among 1,600 waiting tickets: 156 -> 77 µs).
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

NARROW = ['office_id', 'status', 'service_id']
COVERING = [*NARROW, 'business_day', 'to_front', 'priority_reason', 'queued_at']


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_queue')
        batch_op.create_index('ix_ticket_queue', COVERING, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_queue')
        batch_op.create_index('ix_ticket_queue', NARROW, unique=False)
