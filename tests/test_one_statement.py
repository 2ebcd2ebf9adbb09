"""Counter actions as one statement on PostgreSQL (models/one_statement.py): the same answers,
the same events, the same refusals as step by step, in one round trip, and no double action."""

from __future__ import annotations

import os
import tempfile
import threading

import psycopg
import pytest
from sqlalchemy import event, make_url, select

from models import QueueEvent, Ticket, TicketStatus, VisitSegment, db
from models.base import begin_write
from models.calling import claim_next
from models.counter_actions import TicketByToken, finish, set_paused, transfer
from models.sql import Prepared
from models.tickets import FOLLOWED_EVENTS_LOCK, QueueError, service_by_code
from models.transactions import transaction
from scripts.demo_server import running
from tests.api_helpers import bearer, token_for
from tests.load_helpers import Client
from tests.queue_helpers import counter


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request):
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


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


def connect(app, **options) -> psycopg.Connection:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return psycopg.connect(host=url.host, port=url.port, user=url.username,
                           dbname=url.database, **options)


def wait_until_blocked(watcher: psycopg.Connection, sessions: int) -> None:
    """Until `sessions` sessions of this database wait for a lock (20 s at the most)."""
    for _ in range(1000):
        waiting = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()").fetchone()[0]
        if waiting >= sessions:
            return
        threading.Event().wait(0.02)
    raise AssertionError(f"{sessions} sessions never waited for the held row")


def in_threads(*actions) -> tuple[list[str], list[threading.Thread]]:
    """Start each action in a thread of its own: the list each fills with what it did
    ('done' or its error's code), and the threads."""
    outcomes: list[str] = []

    def run(action) -> None:
        try:
            action()
            outcomes.append("done")
        except Exception as error:  # noqa: BLE001 - the test reads which
            outcomes.append(getattr(error, "code", repr(error)))

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    return outcomes, threads


def test_two_finishes_of_one_ticket_at_once_finish_it_once_on_postgresql(pg_app):
    """Both finishes read the ticket as called; a third connection holds its row meanwhile,
    so both then reach the update together. One finishes it, the other changes nothing and
    is refused; one finished event, one closed segment."""
    client = pg_app.test_client()
    auth = bearer(token_for(pg_app, "supervisor"))
    token = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
    client.post(f"/api/v1/counters/{counter_id(pg_app, '1')}/call-next", headers=auth)
    with pg_app.app_context():
        office_id = counter("1").office_id
        engine = db.engine

    def finisher() -> None:
        with pg_app.app_context(), transaction(engine, write=True, one_statement=True) as sql:
            finish(sql, TicketByToken(token, office_id))

    with connect(pg_app) as holder, connect(pg_app, autocommit=True) as watcher:
        holder.execute("SELECT id FROM ticket WHERE token = %s FOR UPDATE", (token,))
        outcomes, threads = in_threads(finisher, finisher)
        wait_until_blocked(watcher, 2)
        holder.rollback()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(outcomes) == ["done", "invalid_transition"]
    with pg_app.app_context():
        kinds = db.session.scalars(select(QueueEvent.kind)).all()
        assert kinds.count("finished") == 1
        segment = db.session.scalars(select(VisitSegment)).one()
        assert segment.outcome.value == "served"


def test_a_finish_and_a_transfer_at_once_take_turns_on_postgresql(pg_app):
    """Both wait at the ticket's row, held by a third connection; then one goes first and
    the other is refused, and neither deadlocks on the segment (the transfer locks the
    ticket first, as the one-statement finish does)."""
    client = pg_app.test_client()
    auth = bearer(token_for(pg_app, "supervisor"))
    token = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
    client.post(f"/api/v1/counters/{counter_id(pg_app, '1')}/call-next", headers=auth)
    with pg_app.app_context():
        office_id = counter("1").office_id
        engine = db.engine

    def finisher() -> None:
        with pg_app.app_context(), transaction(engine, write=True, one_statement=True) as sql:
            finish(sql, TicketByToken(token, office_id))

    def transferrer() -> None:
        with pg_app.app_context(), transaction(engine, write=True) as sql:
            transfer(sql, TicketByToken(token, office_id),
                     service_by_code(sql, office_id, "REV-LANDTAX"), front=False)

    with connect(pg_app) as holder, connect(pg_app, autocommit=True) as watcher:
        holder.execute("SELECT id FROM ticket WHERE token = %s FOR UPDATE", (token,))
        outcomes, threads = in_threads(finisher, transferrer)
        wait_until_blocked(watcher, 2)
        holder.rollback()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(outcomes) == ["done", "invalid_transition"]
    with pg_app.app_context():
        segment = db.session.scalars(select(VisitSegment)).one()
        status = db.session.scalar(select(Ticket.status).where(Ticket.token == token))
        kinds = db.session.scalars(select(QueueEvent.kind)
                                   .where(QueueEvent.kind != "issued")).all()
    assert (status, segment.outcome.value, kinds) in [
        (TicketStatus.FINISHED, "served", ["called", "finished"]),
        (TicketStatus.WAITING, "transferred", ["called", "transferred"])]


def test_a_finish_that_finds_the_ticket_called_again_meanwhile_is_refused(pg_app):
    """While a finish waits at the ticket's row, the visit is transferred and called again
    (a newer segment): the finish must not finish the ticket with that segment open."""
    client = pg_app.test_client()
    auth = bearer(token_for(pg_app, "supervisor"))
    token = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
    desk = counter_id(pg_app, "1")
    client.post(f"/api/v1/counters/{desk}/call-next", headers=auth)
    with pg_app.app_context():
        office_id = counter("1").office_id
        engine = db.engine

    refusals = []

    def finisher() -> None:
        try:
            with pg_app.app_context(), transaction(engine, write=True,
                                                   one_statement=True) as sql:
                finish(sql, TicketByToken(token, office_id))
        except QueueError as error:
            refusals.append(error)
            raise

    with connect(pg_app) as holder, connect(pg_app, autocommit=True) as watcher:
        ticket_id = holder.execute("SELECT id FROM ticket WHERE token = %s FOR UPDATE",
                                   (token,)).fetchone()[0]
        outcomes, threads = in_threads(finisher)
        wait_until_blocked(watcher, 1)
        # A transfer and the next call of the same visit, as one transaction.
        holder.execute("UPDATE visit_segment SET finished_at = now(), outcome = 'transferred' "
                       "WHERE ticket_id = %s AND finished_at IS NULL", (ticket_id,))
        holder.execute("INSERT INTO visit_segment (ticket_id, service_id, section_id, "
                       "counter_id, called_at, recalls) SELECT id, service_id, "
                       "(SELECT section_id FROM service WHERE service.id = service_id), "
                       "counter_id, now(), 0 FROM ticket WHERE id = %s", (ticket_id,))
        holder.execute("UPDATE ticket SET queued_at = now() WHERE id = %s", (ticket_id,))
        holder.commit()
        for thread in threads:
            thread.join(timeout=30)
    assert outcomes == ["invalid_transition"]
    assert "changed the ticket at the same moment" in refusals[0].message_en
    with pg_app.app_context():
        assert db.session.scalar(select(Ticket.status).where(Ticket.id == ticket_id)) == \
            TicketStatus.CALLED
        open_segments = db.session.scalars(select(VisitSegment).where(
            VisitSegment.ticket_id == ticket_id, VisitSegment.finished_at.is_(None))).all()
        assert len(open_segments) == 1


def test_two_calls_of_one_counter_at_once_call_one_ticket_on_postgresql(pg_app):
    """Both read the counter free; a third connection holds the office's event lock, so the
    first waits there with its claim made and the second reaches the counter's unique index
    behind it. One ticket is called, the other call answers counter_busy and claims none."""
    client = pg_app.test_client()
    for _ in range(2):
        client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    with pg_app.app_context():
        desk = counter("1")
        desk_id, office_id = desk.id, desk.office_id
        engine = db.engine

    def caller() -> None:
        with pg_app.app_context(), transaction(engine, write=True, one_statement=True) as sql:
            claim_next(sql, desk_id, office_id, None)

    with connect(pg_app) as holder, connect(pg_app, autocommit=True) as watcher:
        holder.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                       (FOLLOWED_EVENTS_LOCK, office_id))
        outcomes, threads = in_threads(caller, caller)
        wait_until_blocked(watcher, 2)
        holder.rollback()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(outcomes) == ["counter_busy", "done"]
    with pg_app.app_context():
        statuses = sorted(s.value for s in db.session.scalars(select(Ticket.status)))
        assert statuses == ["called", "waiting"]
        assert db.session.query(VisitSegment).count() == 1
        assert db.session.scalars(select(QueueEvent.kind)).all().count("called") == 1


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


def test_a_call_and_its_finish_are_two_round_trips_each_on_postgresql(pg_app):
    """The bearer token's check, then the action with its answer: the office's id is known
    after the first request, and nothing is read after the action."""
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
    assert counts == [2, 2]


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
    # the monk, back at the front, and the elderly visitor are ahead of it
    assert late["people_ahead"] == 2 == client.get(
        f"/api/v1/tickets/{late['token']}").get_json()["people_ahead"]
