"""The queue's races on a real PostgreSQL: threads, HTTP clients, and two app processes."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from models import Counter, QueueEvent, db
from models.base import begin_write
from models.counter_actions import set_paused
from scripts.demo_server import running
from scripts.khiu_process import khiu_server
from tests.api_helpers import token_for
from tests.load_helpers import Client, assert_office_consistent, drive_office
from tests.queue_helpers import counter
from tests.test_board import open_stream, read_until
from tests.test_queue_races import double_tap, race
from tests.test_queue_rules import calling_order, numbering


def test_sixteen_kiosks_and_eight_counters_at_once_on_postgresql(pg_app):
    race(pg_app)


def test_numbering_rules_hold_for_the_one_statement_issue_on_postgresql(pg_app):
    numbering(pg_app)


def test_calling_order_holds_for_the_claims_index_probes_on_postgresql(pg_app):
    calling_order(pg_app)


def test_a_double_tap_from_many_threads_issues_one_ticket_on_postgresql(pg_app):
    double_tap(pg_app)


def test_sixteen_kiosks_eight_counters_over_http_on_postgresql(pg_app):
    token = token_for(pg_app, "supervisor")
    with pg_app.app_context():
        counter_ids = [counter(str(label)).id for label in range(1, 9)]
    with running(pg_app, threads=32) as base:
        outcome = drive_office(base, token, counter_ids, kiosks=16, tickets_per_kiosk=10)
    assert_office_consistent(outcome, expected=160)


def test_a_call_through_one_process_reaches_a_board_on_the_other(pg_empty_app):
    url = pg_empty_app.config["SQLALCHEMY_DATABASE_URI"]
    with khiu_server(url, threads=8, processes=2) as ([first, second], token):
        connection, stream = open_stream(second)
        try:
            kiosk, desk = Client(first), Client(first, token)
            kiosk.post("/api/v1/tickets", {"service": "REG-BIRTH"})
            counter_id = desk.get("/api/v1/counters")[1][0]["id"]
            started = time.monotonic()
            caller = threading.Thread(
                target=lambda: desk.post(f"/api/v1/counters/{counter_id}/call-next"))
            caller.start()
            text = read_until(stream, "data-say-en=", 15)
            caller.join()
            elapsed = time.monotonic() - started
            kiosk.close()
            desk.close()
        finally:
            connection.close()
    assert "A001" in text and "ช่องบริการ หนึ่ง" in text
    # The streams' own poll is 5 s: arriving well before it means LISTEN/NOTIFY woke them.
    assert elapsed < 2.5


def test_followed_events_get_their_ids_in_commit_order_on_postgresql(pg_app):
    """A board reads "every event after the last id it saw": a call that commits later must
    never carry a lower id than one already read. PostgreSQL hands ids out at INSERT."""
    inserted, committed = threading.Event(), []
    commit_and_note = threading.Lock()  # the order of the notes is the order of the commits

    def pause(label: str, hold: float) -> None:
        with pg_app.app_context():
            begin_write(db.session)
            set_paused(db.session, counter(label), True)
            db.session.flush()
            inserted.set()
            time.sleep(hold)  # the first counter is slow to commit; the second is quick
            with commit_and_note:
                db.session.commit()
                committed.append(label)

    slow = threading.Thread(target=pause, args=("1", 0.5))
    slow.start()
    inserted.wait(10)
    quick = threading.Thread(target=pause, args=("2", 0))
    quick.start()
    slow.join()
    quick.join()
    with pg_app.app_context():
        by_id = db.session.scalars(select(Counter.label).join(
            QueueEvent, QueueEvent.counter_id == Counter.id)
            .where(QueueEvent.kind == "paused").order_by(QueueEvent.id)).all()
    assert by_id == committed == ["1", "2"]
