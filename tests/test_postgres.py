"""The same app on a real PostgreSQL: commands, pages, migrations and database rules.

One throwaway cluster per run (scripts/postgres_server.py), a brand-new database per test.
Skips without the PostgreSQL server binaries, except where they are required
(KHIU_REQUIRE_POSTGRES or CI set): there it fails.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from config import DEMO_CATALOG
from models import Base, Section, Service, ServiceStep, Staff, StepKind, db
from models.base import begin_write
from models.schema import on_this_database
from models.throttle import (
    MAX_NUMBER_LOOKUPS,
    lockout,
    number_lookup_lockout,
    record_failure,
    record_number_lookup_failure,
)
from tests.pg_fixtures import invoke
from web.office import current_office


def test_init_db_and_seed_demo_build_a_working_kiosk_on_postgresql(pg_empty_app):
    assert "Database ready for office TEST" in invoke(pg_empty_app, "init-db")
    invoke(pg_empty_app, "seed-demo")
    # Both are safe to repeat, on PostgreSQL too.
    invoke(pg_empty_app, "init-db")
    invoke(pg_empty_app, "seed-demo")
    with pg_empty_app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.session.scalar(select(func.count()).select_from(Service)) == 15
    # Rows added after the seed get ids from the sequences (nothing inserted explicit ids).
    invoke(pg_empty_app, "create-staff", "pg-clerk", "--role", "counter",
            "--password", "pg-secret-42")

    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    building = next(s for s in catalog["services"] if s["code"] == "PW-BUILD")
    client = pg_empty_app.test_client()
    home = client.get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert '<html lang="th">' in html and "ฝ่ายโยธา" in html
    assert html.count('class="service-button"') == 15
    manual = client.get("/services/PW-BUILD")
    assert manual.status_code == 200
    assert building["name_th"] in manual.get_data(as_text=True)


def test_migrations_create_exactly_the_models_schema_on_postgresql(pg_empty_app):
    invoke(pg_empty_app, "init-db")
    with pg_empty_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": on_this_database(connection.dialect.name)})
        assert compare_metadata(context, Base.metadata) == []


def test_check_unique_and_foreign_key_constraints_hold_on_postgresql(pg_app):
    with pg_app.app_context():
        birth = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        section = db.session.scalar(select(Section).where(Section.code == "REG"))

        def refused(constraint: str, *rows, change=None) -> None:
            savepoint = db.session.begin_nested()
            db.session.add_all(rows)
            if change:
                change()
            with pytest.raises(IntegrityError, match=constraint):
                db.session.flush()
            savepoint.rollback()
            db.session.expire_all()

        step = {"service_id": birth.id, "section_id": section.id, "position": 9,
                "name_th": "x", "kind": StepKind.CHECK}
        refused("ck_service_step_minutes_xor_days", ServiceStep(**step, minutes=5, working_days=2))
        refused("ck_service_step_minutes_xor_days", ServiceStep(**step))
        refused("ck_service_fee_not_negative", change=lambda: setattr(birth, "fee_baht", -1))
        refused("uq_service_office_id_code",
                Service(office_id=birth.office_id, section_id=birth.section_id,
                        code="REG-BIRTH", name_th="ซ้ำ", ticket_prefix="A"))
        refused("fk_section_office_id_office",
                Section(office_id=999_999, code="GHOST", name_th="ผี"))


def test_timestamps_round_trip_as_aware_utc_on_postgresql(pg_app):
    bangkok = timezone(timedelta(hours=7))
    with pg_app.app_context():
        office = current_office()
        db.session.add(Staff(office_id=office.id, username="tz-check", display_name="x",
                             role="counter", password_hash="x",
                             created_at=datetime(2026, 1, 1, 9, 0, tzinfo=bangkok)))
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(Staff).where(Staff.username == "tz-check"))
        assert stored.created_at == datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
        assert stored.created_at.utcoffset() == timedelta(0)
        # The column is a real timestamptz holding the same instant, whatever the session zone.
        db.session.execute(text("SET TIME ZONE 'Asia/Bangkok'"))
        column_type, raw = db.session.execute(text(
            "SELECT pg_typeof(created_at)::text, created_at FROM staff WHERE username = 'tz-check'"
        )).one()
        assert column_type == "timestamp with time zone"
        assert raw == datetime(2026, 1, 1, 9, 0, tzinfo=bangkok)
        db.session.expire_all()
        again = db.session.scalar(select(Staff).where(Staff.username == "tz-check"))
        assert again.created_at == datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
        assert again.created_at.tzinfo is UTC
        db.session.rollback()

        db.session.add(Staff(office_id=office.id, username="naive", display_name="x",
                             role="counter", password_hash="x", created_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            db.session.flush()


def test_a_client_address_longer_than_the_column_is_still_counted_on_postgresql(pg_app):
    # An IPv6 zone suffix, or whatever a proxy forwards: cut to the column, never a 500.
    address = "fe80::1%" + "x" * 60
    with pg_app.app_context():
        office_id = current_office().id
        begin_write(db.session)
        for _ in range(MAX_NUMBER_LOOKUPS):
            record_number_lookup_failure(db.session, office_id, address)
            record_failure(db.session, office_id, "clerk", address)
        db.session.commit()
        assert number_lookup_lockout(db.session, office_id, address) is not None
        assert lockout(db.session, office_id, "clerk", address) is not None
