"""Faults with nothing lost: the printer switched off mid-run, and a database someone else locks."""

from __future__ import annotations

import re
import sqlite3
import threading
import time

import zxingcpp
from sqlalchemy import func, select

from app import create_app
from config import TestConfig
from kiosk.printing import decode_raster
from models import PrintJob, PrintStatus, QueueEvent, Ticket, db
from tests.printer_capture import CapturingPrinter
from tests.staff_helpers import add_staff, csrf, sign_in
from tests.test_tickets_http import take


def issued_number(client, response) -> str:
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'id="ticket-number">(\w+)<', page)[1], page


def test_printer_switched_off_mid_run_loses_no_ticket_and_staff_reprint_the_missed(app):
    printer = CapturingPrinter()
    app.config["PRINTER_URL"] = printer.url
    kiosk = app.test_client()
    shown = []
    for _ in range(3):
        number, page = issued_number(kiosk, take(kiosk))
        assert "The ticket printer is not working" not in page
        shown.append(number)
    printer.close()  # switched off: nothing listens on its port any more
    for _ in range(3):
        number, page = issued_number(kiosk, take(kiosk))
        # The citizen still gets the ticket on screen, with its number, and is told why.
        assert "เครื่องพิมพ์บัตรคิวขัดข้อง" in page and "The ticket printer is not working" in page
        shown.append(number)
    assert shown == ["A001", "A002", "A003", "A004", "A005", "A006"]
    assert len(printer.jobs) == 3

    with app.app_context():
        jobs = db.session.scalars(select(PrintJob).order_by(PrintJob.id)).all()
        assert [j.status for j in jobs] == [PrintStatus.PRINTED] * 3 + [PrintStatus.FAILED] * 3
        assert all(j.error for j in jobs[3:])
        failed = {j.id: j.ticket.token for j in jobs[3:]}

    back = CapturingPrinter()  # switched on again (it comes back on another port here)
    app.config["PRINTER_URL"] = back.url
    add_staff(app, "printdesk")
    desk = app.test_client()
    sign_in(desk, "printdesk")
    listing = desk.get("/staff/printing/").get_data(as_text=True)
    for job_id in failed:
        assert f"/staff/printing/{job_id}/reprint" in listing
    try:
        for job_id in failed:
            token = csrf(desk, "/staff/printing/")
            answer = desk.post(f"/staff/printing/{job_id}/reprint", data={"csrf_token": token})
            assert answer.status_code == 303
    finally:
        back.close()
    printed = [zxingcpp.read_barcodes(decode_raster(job).convert("L"))[0].text
               for job in back.jobs]
    assert [url.rsplit("/", 1)[1] for url in printed] == list(failed.values())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 6


class WriteLock:
    """Another program holding SQLite's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, path: str, seconds: float) -> None:
        self.release = threading.Event()
        locked = threading.Event()

        def holder() -> None:
            connection = sqlite3.connect(path, isolation_level=None)
            connection.execute("BEGIN IMMEDIATE")
            locked.set()
            self.release.wait(seconds)
            connection.execute("ROLLBACK")
            connection.close()

        self.thread = threading.Thread(target=holder)
        self.thread.start()
        assert locked.wait(5)

    def join(self) -> None:
        self.release.set()
        self.thread.join()


def database_file(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def test_a_short_lock_makes_requests_wait_then_succeed(app):
    client = app.test_client()
    holder = WriteLock(database_file(app), 1.0)
    started = time.monotonic()
    response = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    waited = time.monotonic() - started
    holder.thread.join()
    assert response.status_code == 201 and response.get_json()["number"] == "A001"
    assert waited >= 0.5


def test_a_held_lock_is_a_retryable_503_and_writes_nothing(app):
    client = app.test_client()
    kiosk_form = {"service": "REG-BIRTH", "idempotency_key": "busy-1"}
    form_page = client.get("/services/REG-BIRTH").get_data(as_text=True)
    form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form_page)[1],
            "idempotency_key": "kiosk-busy-1", "priority": ""}
    holder = WriteLock(database_file(app), 60.0)
    try:
        api = client.post("/api/v1/tickets", json=kiosk_form)
        page = client.post("/services/REG-BIRTH/ticket", data=form)
    finally:
        holder.join()

    assert api.status_code == 503 and api.headers["Retry-After"] == "1"
    assert api.get_json() == {"error": "database_busy",
                              "message": "The database is busy; retry the request",
                              "message_th": "ระบบไม่ว่างชั่วคราว กรุณาลองใหม่อีกครั้ง"}
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    text = page.get_data(as_text=True)
    assert "ระบบไม่ว่างชั่วคราว กรุณาลองใหม่อีกครั้ง" in text
    assert "The system is busy. Please try again" in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert db.session.scalar(select(func.count()).select_from(QueueEvent)) == 0

    # The same retried requests now issue exactly one ticket each, numbered without a gap.
    again = client.post("/api/v1/tickets", json=kiosk_form)
    assert again.status_code == 201 and again.get_json()["number"] == "A001"
    assert client.post("/api/v1/tickets", json=kiosk_form).get_json()["number"] == "A001"
    retried = client.post("/services/REG-BIRTH/ticket", data=form)
    assert issued_number(client, retried)[0] == "A002"
    with app.app_context():
        tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [t.number for t in tickets] == ["A001", "A002"]
        for ticket in tickets:  # each with its "issued" event: no half-written visit
            assert db.session.scalar(select(func.count()).select_from(QueueEvent)
                                     .where(QueueEvent.ticket_id == ticket.id)) == 1


def test_a_fault_of_the_printers_driver_still_shows_the_ticket_and_records_the_failure(
        app, monkeypatch):
    """Not only a printer that is off: any error on the way to the paper (the driver, the
    rendering) comes after the ticket was committed, so the citizen still gets it on screen
    and the job is recorded as failed, for staff to reprint."""
    def broken(*args, **kwargs):
        raise RuntimeError("driver fault")

    monkeypatch.setattr("kiosk.printing.jobs.print_ticket", broken)
    kiosk = app.test_client()
    number, page = issued_number(kiosk, take(kiosk))
    assert number == "A001"
    assert "เครื่องพิมพ์บัตรคิวขัดข้อง" in page and "The ticket printer is not working" in page
    with app.app_context():
        [job] = db.session.scalars(select(PrintJob)).all()
        assert job.status == PrintStatus.FAILED and "driver fault" in job.error


def test_a_print_outcome_the_database_cannot_take_still_shows_the_ticket(app, monkeypatch):
    """The database busy when the print's outcome is written: the ticket, committed before,
    is still shown; the job stays pending in the staff list."""
    from sqlalchemy.exc import OperationalError

    def busy(session):
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("locked"))

    monkeypatch.setattr("kiosk.printing.jobs.begin_write", busy)
    kiosk = app.test_client()
    number, page = issued_number(kiosk, take(kiosk))
    assert number == "A001"
    with app.app_context():
        [job] = db.session.scalars(select(PrintJob)).all()
        assert job.status == PrintStatus.PENDING
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_every_pooled_connection_in_use_is_a_retryable_503(app):
    """More requests at once than the pool has connections: past pool_timeout the wait ends
    as 'busy, retry' (was a 500), on screens and in the API, and nothing is written."""
    crowded = create_app(TestConfig, {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}})
    client = crowded.test_client()
    with crowded.app_context():
        held = db.engine.connect()  # the pool's only connection, taken by "another request"
        try:
            api = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
            page = client.get("/services/REG-BIRTH")
        finally:
            held.close()
        assert api.status_code == 503 and api.get_json()["error"] == "database_busy"
        assert api.headers["Retry-After"] == "1"
        assert page.status_code == 503
        assert "The system is busy. Please try again" in page.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
        db.session.remove()
        db.engine.dispose()
