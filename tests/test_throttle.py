"""Sign-in throttling over HTTP: repeated failures lock the username (or the address) for 15
minutes, even with the right password; success clears the count; the count lives in the
database, so a second app (another worker process) sees it."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from flask import Flask
from sqlalchemy import func, select, text

from app import create_app
from config import TestConfig
from models import FailedAttempt, Role, db
from models.schema import alembic_config
from models.throttle import MAX_PER_ADDRESS, MAX_PER_USERNAME
from tests.staff_helpers import PASSWORD, add_staff, csrf

LOCKED_TH = "ลงชื่อเข้าใช้ผิดหลายครั้งเกินไป"
LOCKED_EN = "Too many failed sign-ins"


def attempt(client, username: str, password: str, address: str = "10.0.0.5"):
    return client.post("/staff/sign-in", data={"csrf_token": csrf(client), "username": username,
                                               "password": password},
                       environ_base={"REMOTE_ADDR": address})


def fail(client, username: str, times: int, address: str = "10.0.0.5") -> None:
    for _ in range(times):
        assert attempt(client, username, "wrong-guess-1", address).status_code == 401


def age_failures(app: Flask, minutes: int) -> None:
    with app.app_context():
        rows = db.session.scalars(select(FailedAttempt)).all()
        for row in rows:
            row.created_at -= timedelta(minutes=minutes)
        db.session.commit()


def signed_in(client) -> bool:
    return client.get("/staff/console/").status_code == 200


def test_five_failures_lock_the_username_even_for_the_right_password(app):
    add_staff(app, "somchai")
    client = app.test_client()
    fail(client, "somchai", MAX_PER_USERNAME)
    response = attempt(client, "somchai", PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert LOCKED_TH in page and "15" in page
    assert int(response.headers["Retry-After"]) == 15 * 60
    assert not signed_in(client)
    english = client.post("/staff/sign-in?lang=en",
                          data={"csrf_token": csrf(client), "username": "SomChai",
                                "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert english.status_code == 429 and LOCKED_EN in english.get_data(as_text=True)
    # Another person at another desk is not affected.
    add_staff(app, "malee")
    other = app.test_client()
    assert attempt(other, "malee", PASSWORD, "10.0.0.9").status_code == 303


def test_the_lock_ends_fifteen_minutes_after_the_last_counted_failure(app):
    add_staff(app, "somchai")
    client = app.test_client()
    fail(client, "somchai", MAX_PER_USERNAME)
    age_failures(app, 14)
    assert attempt(client, "somchai", PASSWORD).status_code == 429
    age_failures(app, 2)
    assert attempt(client, "somchai", PASSWORD).status_code == 303
    assert signed_in(client)


def test_refused_attempts_do_not_extend_the_lock(app):
    add_staff(app, "somchai")
    client = app.test_client()
    fail(client, "somchai", MAX_PER_USERNAME)
    for _ in range(10):
        assert attempt(client, "somchai", "still-guessing-2").status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FailedAttempt)) == \
            MAX_PER_USERNAME
    age_failures(app, 16)
    assert attempt(client, "somchai", PASSWORD).status_code == 303


def test_a_success_clears_the_usernames_failures(app):
    add_staff(app, "somchai")
    client = app.test_client()
    fail(client, "somchai", MAX_PER_USERNAME - 1)
    assert attempt(client, "somchai", PASSWORD).status_code == 303
    other = app.test_client()
    # Four more mistakes are still allowed: the earlier four were forgotten.
    fail(other, "somchai", MAX_PER_USERNAME - 1)
    assert attempt(other, "somchai", PASSWORD).status_code == 303


def test_many_usernames_from_one_address_lock_that_address(app):
    add_staff(app, "somchai", Role.SUPERVISOR, "REG")
    client = app.test_client()
    for n in range(MAX_PER_ADDRESS):
        fail(client, f"guess{n}", 1, "10.0.0.66")
    assert attempt(client, "somchai", PASSWORD, "10.0.0.66").status_code == 429
    # The real owner at their own desk still signs in.
    assert attempt(app.test_client(), "somchai", PASSWORD, "10.0.0.7").status_code == 303


def test_unknown_usernames_are_throttled_like_real_ones(app):
    client = app.test_client()
    fail(client, "nobody", MAX_PER_USERNAME)
    response = attempt(client, "nobody", "whatever-1")
    assert response.status_code == 429


def test_another_worker_on_the_same_database_sees_the_lock(app, tmp_path):
    add_staff(app, "somchai")
    fail(app.test_client(), "somchai", MAX_PER_USERNAME)
    second = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI":
                                     app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        assert attempt(second.test_client(), "somchai", PASSWORD).status_code == 429
    finally:
        with second.app_context():
            db.engine.dispose()


def test_old_failures_are_dropped_when_new_ones_are_written(app):
    client = app.test_client()
    fail(client, "nobody", 3)
    age_failures(app, 60)
    fail(client, "someone-else", 1)
    with app.app_context():
        names = db.session.scalars(select(FailedAttempt.username)).all()
    assert names == ["someone-else"]


def test_migration_0007_turns_marker_rows_into_rating_number_attempts(empty_app):
    """Before 0007 a failed rating lookup was a sign-in failure under a marker."""
    with empty_app.app_context():
        command.downgrade(alembic_config(), "0006")
        office_id = db.session.execute(text("SELECT id FROM office")).scalar()
        db.session.execute(text(
            "INSERT INTO sign_in_failure (office_id, username, remote_addr, created_at) "
            "VALUES (:o, 'rate-lookup:10.0.0.9', 'rate-lookup', '2026-11-24 04:00:00'), "
            "(:o, 'clerk', '10.0.0.9', '2026-11-24 04:00:00')"), {"o": office_id})
        db.session.commit()
        command.upgrade(alembic_config(), "head")
        rows = db.session.execute(text(
            "SELECT kind, username, remote_addr FROM sign_in_failure ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("rating_number", "", "10.0.0.9"),
                                            ("sign_in", "clerk", "10.0.0.9")]
