"""the unique index of the day's numbers is led by the number, not by office and day

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 15:30:00

UNIQUE (office_id, business_day, number) was also an index of the office's tickets of the day,
and the smallest one. A PostgreSQL plan made without column statistics (each pooled
connection's generic plans, made in its first minutes) could read the day's tickets through it
wherever a statement names the office and the day, and call-next's generic plan did, in its
priority-lane probes, at every call: 4,500 pages a call in the fifth of five benchmark runs on
one database, 450 with the number first. Led by the number, the constraint answers only what it
is for (a number once a day per office), and the probes use the queue's indexes.
"""

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ticket_office_id_business_day_number', type_='unique')
        batch_op.create_unique_constraint('uq_ticket_number_business_day_office_id',
                                          ['number', 'business_day', 'office_id'])


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ticket_number_business_day_office_id', type_='unique')
        batch_op.create_unique_constraint('uq_ticket_office_id_business_day_number',
                                          ['office_id', 'business_day', 'number'])
