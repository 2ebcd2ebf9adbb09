"""Database and catalog commands: init-db, seed-demo, import-catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from cli.common import configured_office, require_current_schema
from cli.staff import DEMO_STAFF, create_demo_staff
from config import DEMO_CATALOG
from models import audit, db
from models.catalog_io import (
    apply_catalog,
    known_section_codes,
    parse_catalog,
)
from models.catalog_problems import CatalogError
from models.schema import upgrade_database
from models.staff import ensure_demo_counters


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise click.ClickException(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc


def import_file(path: Path, audited: bool = True) -> None:
    """Validate the whole file, then write it in one transaction (all or nothing), with its
    audit entry unless it is the demo data of seed-demo."""
    data = load_json(path)
    office = configured_office()
    try:
        catalog = parse_catalog(data, known_section_codes(db.session, office))
        report = apply_catalog(db.session, office, catalog)
        if audited:
            audit(db.session, office.id, None, "catalog.import", path.name[:120], via="cli",
                  sections_created=report.sections_created,
                  sections_updated=report.sections_updated,
                  services_created=report.services_created,
                  services_updated=report.services_updated, services=report.codes)
        db.session.commit()
    except CatalogError as exc:
        db.session.rollback()
        lines = "\n".join(f"  - {problem}" for problem in exc.problems)
        raise click.ClickException(
            f"{path}: catalog rejected, nothing was written ({len(exc.problems)} problem(s)):\n"
            f"{lines}"
        ) from exc
    except Exception:
        db.session.rollback()
        raise
    click.echo(
        f"{path.name}: sections {report.sections_created} new, {report.sections_updated} "
        f"updated; services {report.services_created} new, {report.services_updated} updated"
    )


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic migrations) and the office row."""
    upgrade_database()
    office = configured_office()
    db.session.commit()
    click.echo(f"Database ready for office {office.code} ({office.name_th}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo catalog (15 services), demo counters and demo staff accounts."""
    require_current_schema()
    import_file(DEMO_CATALOG, audited=False)
    office = configured_office()
    counters = ensure_demo_counters(db.session, office)
    passwords = create_demo_staff(db.session, office)
    db.session.commit()
    click.echo(f"Counters: {', '.join(c.label for c in counters)}")
    if passwords:
        click.echo("Demo staff accounts (passwords are shown only this once):")
        for username, password in passwords.items():
            click.echo(f"  {username:<12} {DEMO_STAFF[username][1].value:<11} {password}")
    else:
        click.echo("Demo staff accounts exist already; their passwords were not changed.")


@click.command("import-catalog")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@with_appcontext
def import_catalog_command(file: Path) -> None:
    """Import sections and services from a JSON catalog; updates by code."""
    require_current_schema()
    import_file(file)


COMMANDS = [init_db_command, seed_demo_command, import_catalog_command]
