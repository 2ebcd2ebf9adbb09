"""Fixtures: a fresh SQLite database per test, copied from a template migrated once per run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from config import TestConfig
from models import db
from scripts.browser import chromium_available
from scripts.demo_server import running
from tests.pg_fixtures import pg_app, pg_demo_template, pg_empty_app, pg_url  # noqa: F401


def _make_app(db_file: Path, **settings) -> Flask:
    return create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", **settings})


def _template(tmp_path_factory: pytest.TempPathFactory, commands: list[list[str]]) -> Path:
    folder = tmp_path_factory.mktemp("template")
    db_file = folder / "khiu.db"
    app = _make_app(db_file)
    runner = app.test_cli_runner()
    for command in commands:
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()  # closes the last connection: the WAL is checkpointed into the file
    return db_file


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    return _template(tmp_path_factory, [["init-db"]])


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    return _template(tmp_path_factory, [["init-db"], ["seed-demo"]])


def _app_on_copy(template: Path, tmp_path: Path) -> Iterator[Flask]:
    db_file = tmp_path / "khiu.db"
    shutil.copy(template, db_file)
    app = _make_app(db_file, PRINT_PREVIEW_DIR=str(tmp_path / "printouts"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(demo_db: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app with the demo catalog, counters and staff."""
    yield from _app_on_copy(demo_db, tmp_path)


@pytest.fixture
def empty_app(migrated_db: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on a migrated database with only the office row."""
    yield from _app_on_copy(migrated_db, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request) -> Flask:
    """The demo app on SQLite, then on PostgreSQL."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The demo app served by waitress on a free local port."""
    with running(app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium. Skips without Chromium, except where it is required (CI)."""
    if not chromium_available():
        if os.environ.get("KHIU_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail("Chromium is required here but /usr/bin/chromium is missing")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from scripts.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


ARTIFACTS = Path(os.environ.get("KHIU_ARTIFACTS", "test-artifacts"))


@pytest.fixture
def artifacts(request) -> Path:
    """A folder for this test's screenshots, kept after the run (CI artifacts)."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
