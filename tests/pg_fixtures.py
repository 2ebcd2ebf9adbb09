"""A throwaway PostgreSQL for the tests: one cluster per run, a brand-new database per test.

Skips without the PostgreSQL server binaries, except where they are required
(KHIU_REQUIRE_POSTGRES or CI set): there it fails.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from flask import Flask
from sqlalchemy import make_url

from app import create_app
from config import TestConfig
from models import db
from scripts.postgres_server import postgres_available, throwaway_postgres

_database_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of the empty database `khiu` in a throwaway cluster that lives for the whole run."""
    if not postgres_available():
        if os.environ.get("KHIU_REQUIRE_POSTGRES") or os.environ.get("CI"):
            pytest.fail("PostgreSQL is required here but its server binaries (initdb, pg_ctl, "
                        "postgres) are missing: apt-get install postgresql, or set PG_BIN")
        pytest.skip("no PostgreSQL server binaries on this machine (apt-get install postgresql)")
    with throwaway_postgres() as url:
        yield url


def _maintenance(pg_url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on the cluster."""
    url = make_url(pg_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(sql)


@contextmanager
def _database(pg_url: str, template: str | None = None) -> Iterator[str]:
    """A new database in the cluster (empty, or a copy of `template`); dropped afterwards."""
    name = f"t_{next(_database_numbers)}"
    _maintenance(pg_url, f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _maintenance(pg_url, f"DROP DATABASE {name} WITH (FORCE)")


@contextmanager
def _app(url: str) -> Iterator[Flask]:
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def invoke(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


@pytest.fixture(scope="session")
def pg_demo_template(pg_url: str) -> str:
    """A database migrated and seeded once per run, for tests to copy (CREATE ... TEMPLATE)."""
    name = "tpl_demo"
    _maintenance(pg_url, f"CREATE DATABASE {name}")
    with _app(make_url(pg_url).set(database=name).render_as_string(hide_password=False)) as app:
        invoke(app, "init-db")
        invoke(app, "seed-demo")
    # _app disposed the engine: no connection is left, so the database can serve as a template.
    return name


@pytest.fixture
def pg_empty_app(pg_url: str) -> Iterator[Flask]:
    """The app on a brand-new, empty PostgreSQL database (not even migrated)."""
    with _database(pg_url) as url, _app(url) as app:
        yield app


@pytest.fixture
def pg_app(pg_url: str, pg_demo_template: str) -> Iterator[Flask]:
    """The app on a fresh PostgreSQL database holding the demo catalog, counters and staff."""
    with _database(pg_url, template=pg_demo_template) as url, _app(url) as app:
        yield app
