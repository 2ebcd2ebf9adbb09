"""a counter holds one ticket at a time: a unique index on the counter of called tickets

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:10:00

Call-next checks that its counter holds no ticket before it claims one. On PostgreSQL two
calls of one counter at the same moment each read that from their own snapshot and could both
claim (a double tap on the console). With this index the second claim fails whole and
call-next answers counter_busy. (SQLite has one writer at a time: there the check suffices.)
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

AT_A_COUNTER = sa.text("status IN ('called', 'serving')")


def upgrade() -> None:
    # Before this index, that race on PostgreSQL may have left a counter holding two tickets:
    # the index cannot be built then, and which visit is really at the counter is for staff
    # to say, not for a migration to guess.
    held = op.get_bind().execute(sa.text(
        "SELECT counter_id, number, business_day FROM ticket WHERE counter_id IN ("
        "  SELECT counter_id FROM ticket WHERE " + AT_A_COUNTER.text +
        "  GROUP BY counter_id HAVING count(*) > 1) AND " + AT_A_COUNTER.text +
        " ORDER BY counter_id, business_day, number")).all()
    if held:
        listed = "; ".join(f"counter id {row.counter_id}: {row.number} of {row.business_day}"
                           for row in held)
        raise RuntimeError(
            "These counters hold more than one called or served ticket: " + listed + ". "
            "Finish or mark as no-show all but one at each counter (staff console), then "
            "run init-db again.")
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ux_ticket_counter_active', ['counter_id'], unique=True,
                              sqlite_where=AT_A_COUNTER, postgresql_where=AT_A_COUNTER)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ux_ticket_counter_active')
