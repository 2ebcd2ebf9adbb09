"""Schema migrations (Alembic, batch mode so SQLite can alter tables)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from models.base import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_database() -> None:
    """Bring the database of the current app to the newest schema. Needs an app context."""
    command.upgrade(alembic_config(), "head")


def schema_is_current() -> bool:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def on_this_database(dialect_name: str):
    """Alembic's include_object for comparing the models with a database of this dialect: an
    index the models create on another database only (models/base.postgresql_only, whose
    ddl_if Alembic does not read) is left out."""
    def include(obj, name, type_, reflected, compare_to) -> bool:
        only_on = getattr(obj, "info", {}).get("only_on")
        return only_on is None or only_on == dialect_name
    return include
