"""What every command needs: the configured office and an up-to-date schema."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import inspect

from models import Office, db
from models.catalog import ensure_office
from models.schema import schema_is_current


def configured_office() -> Office:
    config = current_app.config
    return ensure_office(db.session, config["OFFICE_CODE"], config["OFFICE_NAME"],
                         config["OFFICE_NAME_EN"])


def require_current_schema() -> None:
    if not inspect(db.engine).has_table("alembic_version") or not schema_is_current():
        raise click.ClickException(
            "the database is not set up or is out of date: run `flask --app app init-db` first"
        )
