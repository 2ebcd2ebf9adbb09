"""Counter actions as one statement on PostgreSQL (models/one_statement.py): the same answers,
the same events, the same refusals as step by step, in one round trip; issuing alone. (Races:
tests/test_postgres_races.py.)"""

from __future__ import annotations

import os
import tempfile
import threading

import pytest
from sqlalchemy import event, select

from models import QueueEvent, Ticket, TicketStatus, VisitSegment, db
from models.base import begin_write
from models.counter_actions import set_paused
from models.sql import Prepared
from models.transactions import transaction
from scripts.demo_server import running
from tests.api_helpers import bearer, token_for
from tests.load_helpers import Client
from tests.queue_helpers import counter


def counter_id(app, label: str) -> int:
    with app.app_context():
        return counter(label).id


def test_each_answer_is_the_ticket_a_read_then_gives(any_app):
    """call-next, recall, start and finish answer with the ticket as GET reads it after them,
    segments of an earlier counter included (a transfer), on both databases."""
    client = any_app.test_client()
    auth = bearer(token_for(any_app, "supervisor"))
    first, second = counter_id(any_app, "1"), counter_id(any_app, "4")
    token = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]

    def matches_a_read(response) -> dict:
        assert response.status_code == 200, response.get_json()
        answered = response.get_json()["ticket"]
        assert answered == client.get(f"/api/v1/tickets/{token}").get_json()
        return answered

    called = matches_a_read(client.post(f"/api/v1/counters/{first}/call-next", headers=auth))
    assert called["status"] == "called" and called["counter"] == "1"
    assert client.post(f"/api/v1/tickets/{token}/transfer", headers=auth,
                       json={"service": "REV-LANDTAX", "position": "front"}).status_code == 200
    called = matches_a_read(client.post(f"/api/v1/counters/{second}/call-next", headers=auth))
    assert [s["outcome"] for s in called["segments"]] == ["transferred", None]
    assert [s["counter"] for s in called["segments"]] == ["1", "4"]
    matches_a_read(client.post(f"/api/v1/tickets/{token}/recall", headers=auth))
    started = matches_a_read(client.post(f"/api/v1/tickets/{token}/start", headers=auth))
    assert started["status"] == "serving" and started["segments"][-1]["started_at"]
    done = matches_a_read(client.post(f"/api/v1/tickets/{token}/finish", headers=auth))
    assert done["status"] == "finished" and done["counter"] is None
    assert done["segments"][-1]["outcome"] == "served" and done["segments"][-1]["staff"]


def test_events_carry_the_same_fields_on_both_databases(any_app):
    client = any_app.test_client()
    auth = bearer(token_for(any_app, "supervisor"))
    desk = counter_id(any_app, "2")
    token = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
    client.post(f"/api/v1/counters/{desk}/call-next", headers=auth)
    for verb in ("recall", "start", "finish"):
        assert client.post(f"/api/v1/tickets/{token}/{verb}", headers=auth).status_code == 200
    no_show = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
    client.post(f"/api/v1/counters/{desk}/call-next", headers=auth)
    client.post(f"/api/v1/tickets/{no_show}/no-show", headers=auth)
    with any_app.app_context():
        events = db.session.scalars(select(QueueEvent).where(QueueEvent.kind != "issued")
                                    .order_by(QueueEvent.id)).all()
        assert [(e.kind, e.counter_id) for e in events] == [
            ("called", desk), ("recalled", desk), ("started", desk), ("finished", desk),
            ("called", desk), ("no_show", desk)]
        assert events[0].data == {"number": "A001", "counter": "2", "service": "REG-BIRTH"}
        assert events[1].data == events[0].data
        assert [e.data for e in events[2:4]] == [{"number": "A001"}] * 2
        assert events[5].data == {"number": "A002"}
        segments = db.session.scalars(select(VisitSegment).order_by(VisitSegment.id)).all()
        assert [s.outcome.value for s in segments] == ["served", "no_show"]
        assert segments[0].recalls == 1 and segments[0].started_at is not None
        assert segments[1].started_at is None  # never served


def test_refusals_write_nothing(any_app):
    """A paused, busy or unknown counter, an unknown ticket, a finish of a waiting ticket:
    the error the step-by-step path gives, and not a row written."""
    client = any_app.test_client()
    auth = bearer(token_for(any_app, "supervisor"))
    desk = counter_id(any_app, "3")
    first, _, last = (client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
                      .get_json()["token"] for _ in range(3))
    with any_app.app_context():
        before = db.session.query(QueueEvent).count()
    answer = client.post(f"/api/v1/tickets/{first}/finish", headers=auth)
    assert answer.status_code == 409 and answer.get_json()["error"] == "invalid_transition"
    assert "waiting" in answer.get_json()["message"]
    answer = client.post("/api/v1/tickets/no-such-token/recall", headers=auth)
    assert answer.status_code == 404 and answer.get_json()["error"] == "unknown_ticket"
    answer = client.post("/api/v1/counters/99999/call-next", headers=auth)
    assert answer.status_code == 404 and answer.get_json()["error"] == "unknown_counter"
    assert client.post(f"/api/v1/counters/{desk}/call-next", headers=auth).status_code == 200
    answer = client.post(f"/api/v1/counters/{desk}/call-next", headers=auth)
    assert answer.status_code == 409 and answer.get_json()["error"] == "counter_busy"
    answer = client.post(f"/api/v1/tickets/{last}/start", headers=auth)
    assert answer.status_code == 409 and "waiting" in answer.get_json()["message"]
    serving = client.post("/api/v1/counters/"
                          f"{counter_id(any_app, '2')}/call-next", headers=auth).get_json()
    serving = serving["ticket"]["token"]
    assert client.post(f"/api/v1/tickets/{serving}/start", headers=auth).status_code == 200
    for verb in ("recall", "no-show", "start"):  # only for a ticket called, not yet served
        answer = client.post(f"/api/v1/tickets/{serving}/{verb}", headers=auth)
        assert answer.status_code == 409 and "serving" in answer.get_json()["message"]
    with any_app.app_context():
        assert db.session.query(QueueEvent).count() == before + 3  # two calls, one start
        rows = db.session.execute(select(Ticket.token, Ticket.status, VisitSegment.recalls,
                                         VisitSegment.finished_at)
                                  .join(VisitSegment, VisitSegment.ticket_id == Ticket.id)
                                  ).all()
        assert sorted((r.status.value, r.recalls, r.finished_at) for r in rows) == [
            ("called", 0, None), ("serving", 0, None)]
        assert db.session.scalar(select(Ticket.status).where(Ticket.token == last)) == \
            TicketStatus.WAITING
        begin_write(db.session)
        set_paused(db.session, counter("4"), True)
        db.session.commit()
        paused_at = db.session.query(QueueEvent).count()
    answer = client.post(f"/api/v1/counters/{counter_id(any_app, '4')}/call-next", headers=auth)
    assert answer.status_code == 409 and answer.get_json()["error"] == "counter_paused"
    with any_app.app_context():
        assert db.session.query(QueueEvent).count() == paused_at


def test_a_one_statement_write_refuses_a_second_statement(pg_app):
    """It runs without a block: a second statement would commit on its own."""
    with pg_app.app_context():
        with pytest.raises(RuntimeError, match="second"), \
                transaction(db.engine, write=True, one_statement=True) as sql:
            sql.execute(Prepared(select(1)))
            sql.execute(Prepared(select(2)))


def round_trips(app, send) -> list[int]:
    """Round trips to PostgreSQL of each request send() makes through the test client, read
    from libpq's trace of the pooled connections: a Sync ends each extended-protocol exchange,
    a Query is one simple-protocol statement (BEGIN, COMMIT)."""
    with app.app_context():
        engine = db.engine
    trace = tempfile.NamedTemporaryFile(suffix=".trace", delete=False)
    traced: list = []

    def on_checkout(dbapi_connection, record, proxy):
        if dbapi_connection not in traced:
            dbapi_connection.pgconn.trace(trace.fileno())
            traced.append(dbapi_connection)

    event.listen(engine, "checkout", on_checkout)
    counts = []
    try:
        for request in send:
            start = os.fstat(trace.fileno()).st_size
            request()
            with open(trace.name, encoding="utf-8", errors="replace") as lines:
                lines.seek(start)
                counts.append(sum(1 for line in lines
                                  if "\tF\t" in line and ("\tSync" in line or "\tQuery" in line)))
    finally:
        event.remove(engine, "checkout", on_checkout)
        for connection in traced:
            connection.pgconn.untrace()
        trace.close()
        os.unlink(trace.name)
    return counts


def test_a_call_and_its_finish_are_one_round_trip_each_on_postgresql(pg_app):
    """The action with the bearer token's check and its answer, in one statement: the
    office's id is known after the first request, and nothing is read after the action."""
    client = pg_app.test_client()
    auth = bearer(token_for(pg_app, "supervisor"))
    desk = counter_id(pg_app, "1")
    tokens = [client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
              for _ in range(7)]
    for token in tokens[:-1]:  # the office is read once; psycopg prepares at the 5th run
        client.post(f"/api/v1/counters/{desk}/call-next", headers=auth)
        client.post(f"/api/v1/tickets/{token}/finish", headers=auth)
    answers = []
    counts = round_trips(pg_app, [
        lambda: answers.append(client.post(f"/api/v1/counters/{desk}/call-next", headers=auth)),
        lambda: answers.append(client.post(f"/api/v1/tickets/{tokens[-1]}/finish",
                                           headers=auth))])
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].get_json()["ticket"]["status"] == TicketStatus.FINISHED.value
    assert counts == [1, 1]


def test_an_api_ticket_is_two_round_trips_on_postgresql_and_honours_stored_hours(pg_app):
    """The service with the office's stored hours in one read, then the issue (which counts
    the people ahead itself); hours an admin stored are what that read finds."""
    from models import Office
    from tests.test_manage_counters_hours import closed_now

    client = pg_app.test_client()
    for _ in range(6):  # the office is read once; psycopg prepares at the 5th run
        client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    answers = []
    counts = round_trips(pg_app, [lambda: answers.append(
        client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}))])
    assert answers[0].status_code == 201 and answers[0].get_json()["people_ahead"] == 6
    assert counts == [2]
    with pg_app.app_context():
        db.session.scalars(select(Office)).one().opening_hours = closed_now()
        db.session.commit()
    closed = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    assert closed.status_code == 409 and closed.get_json()["error"] == "office_closed"


def test_a_double_tap_over_http_issues_one_ticket_and_loses_no_number(any_app):
    """Sixteen requests with one idempotency key at once: one ticket (201), fifteen answers
    with it (200); on PostgreSQL the issue takes no lock on the key and the losers' numbers
    are given back, so the next ticket is the next number."""
    barrier = threading.Barrier(16)
    answers: list[tuple[int, dict]] = []

    with running(any_app, threads=32) as base:
        def tap() -> None:
            client = Client(base)
            barrier.wait()
            answers.append(client.post("/api/v1/tickets", {"service": "REG-BIRTH",
                                                           "idempotency_key": "same-tap"}))
            client.close()

        threads = [threading.Thread(target=tap) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        kiosk = Client(base)
        after = kiosk.post("/api/v1/tickets", {"service": "REG-BIRTH"})
        kiosk.close()
    assert sorted(status for status, _ in answers) == [200] * 15 + [201]
    assert {data["token"] for _, data in answers} == {answers[0][1]["token"]}
    assert answers[0][1]["number"] == "A001"
    assert after[0] == 201 and after[1]["number"] == "A002"


def test_people_ahead_of_a_new_ticket_is_what_a_read_counts(any_app):
    client = any_app.test_client()
    auth = bearer(token_for(any_app, "supervisor"))
    issued = []
    for priority in (False, False, "monk", False, "elderly", False):
        issued.append(client.post("/api/v1/tickets", json={"service": "REG-BIRTH",
                                                           "priority": priority}).get_json())
        assert [t["people_ahead"] for t in issued[-1:]] == [
            client.get(f"/api/v1/tickets/{issued[-1]['token']}").get_json()["people_ahead"]]
    assert [t["people_ahead"] for t in issued] == [0, 1, 0, 3, 1, 5]
    called = client.post(f"/api/v1/counters/{counter_id(any_app, '1')}/call-next",
                         headers=auth).get_json()["ticket"]
    assert called["number"] == issued[2]["number"]  # the priority lane first: the monk
    client.post(f"/api/v1/tickets/{called['token']}/transfer", headers=auth,
                json={"service": "REG-BIRTH", "position": "front"})
    late = client.post("/api/v1/tickets", json={"service": "REG-BIRTH",
                                                "priority": "pregnant"}).get_json()
    # Ahead of it: the monk, back at the front (counter 1's second priority call in a row),
    # then a normal ticket's turn, then the elderly visitor.
    assert late["people_ahead"] == 3 == client.get(
        f"/api/v1/tickets/{late['token']}").get_json()["people_ahead"]
    order = []
    while (answer := client.post(f"/api/v1/counters/{counter_id(any_app, '1')}/call-next",
                                 headers=auth)).status_code == 200:
        order.append(answer.get_json()["ticket"]["number"])
        client.post(f"/api/v1/tickets/{answer.get_json()['ticket']['token']}/finish",
                    headers=auth)
    assert order.index(late["number"]) == 3
    assert order[:3] == [issued[2]["number"], issued[0]["number"], issued[4]["number"]]


def test_a_refused_call_locks_no_waiting_ticket_on_postgresql(pg_app):
    """Call-next's probes of the calling order (models/calling.PROBES_ONCE) run only when the
    counter may call: a paused counter's call, refused, holds no waiting ticket's row until
    its transaction ends (another counter would skip it); a free counter's holds the one it
    claimed."""
    from sqlalchemy import text

    from models.calling import claim_next
    from models.tickets import QueueError
    from tests.queue_helpers import issue

    def free_to_claim() -> int:  # seen from another connection, the refused call still open
        with db.engine.connect() as other:
            return other.execute(text(
                "SELECT count(*) FROM (SELECT id FROM ticket WHERE status = 'waiting' "
                "FOR UPDATE SKIP LOCKED) AS free")).scalar_one()

    with pg_app.app_context():
        for _ in range(3):
            issue("REG-BIRTH")
        desk = counter("1")
        begin_write(db.session)
        set_paused(db.session, desk, True)
        db.session.commit()
        begin_write(db.session)
        with pytest.raises(QueueError) as refused:
            claim_next(db.session, desk.id, desk.office_id, None)
        assert refused.value.code == "counter_paused"
        assert free_to_claim() == 3
        db.session.rollback()
        begin_write(db.session)
        set_paused(db.session, desk, False)
        db.session.commit()
        begin_write(db.session)
        assert claim_next(db.session, desk.id, desk.office_id, None) is not None
        assert free_to_claim() == 2
        db.session.rollback()
