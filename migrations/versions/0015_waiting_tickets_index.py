"""a new ticket's people ahead are counted from an index of the waiting tickets alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:00:00

A new ticket's answer counts the waiting tickets of its service. On PostgreSQL the generic plan
of that statement is made on each pooled connection in its first minutes, without statistics,
and it counted through the index of the day's numbers (every ticket of the day, read again for
each new ticket: 2,500 rows a ticket in a benchmark run of 1,648) or through the calling
order's index (every service's waiting tickets). The partial index holds the waiting tickets
only, by office, service and day, and is the smallest that answers without statistics.
PostgreSQL only: SQLite's count sends the status as a parameter, which a partial index cannot
serve.
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

WAITING_ONLY = sa.text("status = 'waiting'")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_ticket_waiting', 'ticket', ['office_id', 'service_id', 'business_day'],
                        unique=False, postgresql_where=WAITING_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_ticket_waiting', table_name='ticket')
