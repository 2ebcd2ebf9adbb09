"""Alembic environment: migrates the database of the Flask app in the current app context."""

from alembic import context

from models import Base, db
from models.schema import on_this_database

target_metadata = Base.metadata


def run_migrations() -> None:
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            include_object=on_this_database(connection.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
