"""SQLite writers of several worker processes queue on a lock file beside the database."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import func, select

import models.writer
from models import Ticket, db


def lock_file_of(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-khiu.lock"


def hold(path: str) -> int:
    """Take the writers' lock as another worker process would (its own open file)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def test_a_writer_waits_for_another_process_and_then_writes(app, client):
    client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})  # creates the lock file
    descriptor = hold(lock_file_of(app))
    threading.Timer(0.3, lambda: os.close(descriptor)).start()
    started = time.monotonic()
    response = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    assert response.status_code == 201 and response.json["number"] == "A002"
    assert time.monotonic() - started >= 0.25  # it really waited for the other "process"


def test_a_writer_that_waits_too_long_gets_a_retryable_503(app, client, monkeypatch):
    client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 0.2)
    descriptor = hold(lock_file_of(app))
    try:
        response = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    finally:
        os.close(descriptor)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json["error"] == "database_busy"
    # Nothing was half written, and the next writer is not stuck behind a leaked lock.
    again = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    assert again.status_code == 201 and again.json["number"] == "A002"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2


def can_take(path: str, within: float) -> bool:
    """Whether another "process" (its own open file) gets the lock within `within` seconds."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                time.sleep(0.01)
        return False
    finally:
        os.close(descriptor)


def test_a_writer_that_gave_up_leaves_the_lock_to_the_other_processes(app, client, monkeypatch):
    client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 0.2)
    path = lock_file_of(app)
    descriptor = hold(path)
    assert client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).status_code == 503
    os.close(descriptor)  # the other process is done: this one's waiter gets the lock...
    # ...and, with nobody left to give it to, hands it straight back.
    assert can_take(path, within=2)


def test_a_writer_asking_after_one_gave_up_gets_the_lock_when_it_comes(app, client,
                                                                        monkeypatch):
    client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 0.2)
    descriptor = hold(lock_file_of(app))
    assert client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).status_code == 503
    monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 5)
    threading.Timer(0.3, lambda: os.close(descriptor)).start()
    response = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    assert response.status_code == 201 and response.json["number"] == "A002"


def test_a_writer_after_one_gave_up_holds_the_lock_alone(app, client, monkeypatch):
    """The waiter of a writer that gave up may still be blocked on the lock file, with this
    process's own open file: the next writer must not take the lock beside it (a flock never
    conflicts with its own file), or the waiter's give-back unlocks it mid-write."""
    client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    path = lock_file_of(app)
    database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    for _ in range(10):
        monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 0.1)
        other = hold(path)
        with pytest.raises(models.writer.DatabaseBusy):
            models.writer.take_writer_slot(database)  # gives up; its waiter still waits
        monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 5)
        os.close(other)
        slot = models.writer.take_writer_slot(database)
        try:
            assert not can_take(path, within=0.2), "another process got in mid-write"
        finally:
            models.writer.give_back_writer_slot(slot)


def test_signing_out_on_a_busy_database_still_signs_out_and_leaves_the_counter_held(
        app, monkeypatch):
    from tests.queue_helpers import counter
    from tests.staff_helpers import add_staff, csrf, sign_in

    add_staff(app, "nok")
    client = app.test_client()
    sign_in(client, "nok")
    with app.app_context():
        one = counter("1").id
    client.post(f"/staff/console/{one}/open", data={"csrf_token": csrf(client, "/staff/console/")})
    token = csrf(client, "/staff/console/")
    monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 0.2)
    descriptor = hold(lock_file_of(app))
    try:
        response = client.post("/staff/sign-out", data={"csrf_token": token})
    finally:
        os.close(descriptor)
    assert response.status_code == 303
    assert client.get("/staff/console/").status_code == 302  # signed out all the same
    with app.app_context():
        assert counter("1").staff.username == "nok"  # the next clerk takes it over


def test_the_complaint_pages_on_a_busy_database_show_and_erase_later(app, monkeypatch):
    from datetime import timedelta

    from models import Complaint, ComplaintStatus, Role
    from models.base import begin_write, now_utc
    from models.complaint_handling import file_complaint
    from tests.staff_helpers import add_staff, sign_in
    from web.office import current_office

    add_staff(app, "sup", Role.SUPERVISOR, "REV")
    with app.app_context():
        begin_write(db.session)
        filed = file_complaint(db.session, current_office(), "service", "ช้า",
                               contact="081", now=now_utc() - timedelta(days=200))
        filed.status, filed.closed_at = ComplaintStatus.CLOSED, now_utc() - timedelta(days=100)
        db.session.commit()
    client = app.test_client()
    sign_in(client, "sup")
    monkeypatch.setattr(models.writer, "WRITER_WAIT_SECONDS", 0.2)
    descriptor = hold(lock_file_of(app))
    try:
        busy = client.get("/staff/complaints/")
    finally:
        os.close(descriptor)
    assert busy.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Complaint.contact)) == "081"
    assert client.get("/staff/complaints/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Complaint.contact)) == ""
