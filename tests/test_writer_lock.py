"""SQLite writers of several worker processes queue on a lock file beside the database."""

from __future__ import annotations

import fcntl
import os
import threading
import time

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
