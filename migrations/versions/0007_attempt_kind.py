"""failed attempts get a kind: sign-in or rating by typed number

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 04:50:00

Rating-number failures used to be stored as sign-in failures under a marker: the username
"rate-lookup:<address>" and the address "rate-lookup". They become rows of their own kind.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

MARKER = "rate-lookup"


def upgrade() -> None:
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('sign_in', 'rating_number',
                                                      name='attempt_kind', native_enum=False,
                                                      length=16),
                                      server_default='sign_in', nullable=False))
    failures = sa.table('sign_in_failure', sa.column('kind', sa.String),
                        sa.column('username', sa.String), sa.column('remote_addr', sa.String))
    op.execute(failures.update().where(failures.c.remote_addr == MARKER).values(
        kind='rating_number', remote_addr=sa.func.substr(failures.c.username, len(MARKER) + 2, 45),
        username=''))


def downgrade() -> None:
    failures = sa.table('sign_in_failure', sa.column('kind', sa.String),
                        sa.column('username', sa.String), sa.column('remote_addr', sa.String))
    op.execute(failures.update().where(failures.c.kind == 'rating_number').values(
        username=sa.func.substr(MARKER + ':' + failures.c.remote_addr, 1, 64),
        remote_addr=MARKER))
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_column('kind')
