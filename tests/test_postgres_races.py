"""Races on PostgreSQL that the one-statement actions (models/one_statement.py) and the
counter's unique index settle: each is held open by a third connection until both sides wait,
then let go."""

from __future__ import annotations

import threading

import psycopg
from sqlalchemy import make_url, select

from models import Office, QueueEvent, Service, Ticket, TicketStatus, VisitSegment, db
from models.base import begin_write
from models.calling import claim_next
from models.counter_actions import TicketByToken, finish, transfer
from models.tickets import (
    FOLLOWED_EVENTS_LOCK,
    QueueError,
    issue,
    issue_ticket,
    service_by_code,
)
from models.transactions import transaction
from tests.api_helpers import bearer, token_for
from tests.queue_helpers import counter
from tests.test_one_statement import counter_id


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


def held_open(app, hold: str, values: tuple, actions, meanwhile=None) -> list[str]:
    """Run the actions while a third connection holds what `hold` locks, until they all wait
    for it; then let go (rollback), or first run meanwhile(holder) and commit. What each
    action did."""
    with connect(app) as holder, connect(app, autocommit=True) as watcher:
        holder.execute(hold, values)
        outcomes, threads = in_threads(*actions)
        wait_until_blocked(watcher, len(actions))
        if meanwhile is None:
            holder.rollback()
        else:
            meanwhile(holder)
            holder.commit()
        for thread in threads:
            thread.join(timeout=30)
    return outcomes


HOLD_TICKET = "SELECT id FROM ticket WHERE token = %s FOR UPDATE"


class CalledTicket:
    """A ticket issued and called at counter 1, and the actions the tests race on it."""

    def __init__(self, app) -> None:
        client = app.test_client()
        auth = bearer(token_for(app, "supervisor"))
        self.token = client.post("/api/v1/tickets",
                                 json={"service": "REG-BIRTH"}).get_json()["token"]
        client.post(f"/api/v1/counters/{counter_id(app, '1')}/call-next", headers=auth)
        with app.app_context():
            self.office_id = counter("1").office_id
            self.engine = db.engine
        self.app = app
        self.refusals: list[QueueError] = []

    def finish(self) -> None:
        try:
            with self.app.app_context(), transaction(self.engine, write=True,
                                                     one_statement=True) as sql:
                finish(sql, TicketByToken(self.token, self.office_id))
        except QueueError as error:
            self.refusals.append(error)
            raise

    def transfer(self) -> None:
        with self.app.app_context(), transaction(self.engine, write=True) as sql:
            transfer(sql, TicketByToken(self.token, self.office_id),
                     service_by_code(sql, self.office_id, "REV-LANDTAX"), front=False)


def test_two_finishes_of_one_ticket_at_once_finish_it_once_on_postgresql(pg_app):
    """Both finishes read the ticket as called; a third connection holds its row meanwhile,
    so both then reach the update together. One finishes it, the other changes nothing and
    is refused; one finished event, one closed segment."""
    ticket = CalledTicket(pg_app)
    outcomes = held_open(pg_app, HOLD_TICKET, (ticket.token,), [ticket.finish, ticket.finish])
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
    ticket = CalledTicket(pg_app)
    outcomes = held_open(pg_app, HOLD_TICKET, (ticket.token,),
                         [ticket.finish, ticket.transfer])
    assert sorted(outcomes) == ["done", "invalid_transition"]
    with pg_app.app_context():
        segment = db.session.scalars(select(VisitSegment)).one()
        status = db.session.scalar(select(Ticket.status).where(Ticket.token == ticket.token))
        kinds = db.session.scalars(select(QueueEvent.kind)
                                   .where(QueueEvent.kind != "issued")).all()
    assert (status, segment.outcome.value, kinds) in [
        (TicketStatus.FINISHED, "served", ["called", "finished"]),
        (TicketStatus.WAITING, "transferred", ["called", "transferred"])]


def test_a_finish_that_finds_the_ticket_called_again_meanwhile_is_refused(pg_app):
    """While a finish waits at the ticket's row, the visit is transferred and called again
    (a newer segment): the finish must not finish the ticket with that segment open."""
    ticket = CalledTicket(pg_app)

    def transfer_and_call_again(holder: psycopg.Connection) -> None:
        """A transfer and the next call of the same visit, as one transaction."""
        holder.execute("UPDATE visit_segment SET finished_at = now(), outcome = 'transferred' "
                       "WHERE finished_at IS NULL")
        holder.execute("INSERT INTO visit_segment (ticket_id, service_id, section_id, "
                       "counter_id, called_at, recalls) SELECT id, service_id, "
                       "(SELECT section_id FROM service WHERE service.id = service_id), "
                       "counter_id, now(), 0 FROM ticket WHERE token = %s", (ticket.token,))
        holder.execute("UPDATE ticket SET queued_at = now() WHERE token = %s", (ticket.token,))

    outcomes = held_open(pg_app, HOLD_TICKET, (ticket.token,), [ticket.finish],
                         transfer_and_call_again)
    assert outcomes == ["invalid_transition"]
    assert "changed the ticket at the same moment" in ticket.refusals[0].message_en
    with pg_app.app_context():
        assert db.session.scalar(select(Ticket.status).where(
            Ticket.token == ticket.token)) == TicketStatus.CALLED
        open_segments = db.session.scalars(select(VisitSegment).where(
            VisitSegment.finished_at.is_(None))).all()
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

    outcomes = held_open(pg_app, "SELECT pg_advisory_xact_lock(%s, %s)",
                         (FOLLOWED_EVENTS_LOCK, office_id), [caller, caller])
    assert sorted(outcomes) == ["counter_busy", "done"]
    with pg_app.app_context():
        statuses = sorted(s.value for s in db.session.scalars(select(Ticket.status)))
        assert statuses == ["called", "waiting"]
        assert db.session.query(VisitSegment).count() == 1
        assert db.session.scalars(select(QueueEvent.kind)).all().count("called") == 1


def test_a_kiosk_tap_and_an_api_request_with_one_key_get_one_ticket_on_postgresql(pg_app):
    """The kiosk's page and an API client send the same idempotency key at once. The kiosk
    (a session, which locks the key and looks it up first) finds no ticket; the API's
    statement (its own transaction, no lock on the key) reaches the day's number row first,
    held by a third connection, and commits its ticket while the kiosk's statement waits
    there. The kiosk's insert then meets that ticket at the key's unique index: it answers
    with that ticket, and its number is given back."""
    client = pg_app.test_client()
    client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})  # A001: the day's row
    with pg_app.app_context():
        office_id = counter("1").office_id
        engine = db.engine
    answers: dict[str, int] = {}

    def from_api() -> None:  # as POST /api/v1/tickets does
        with pg_app.app_context(), transaction(engine) as sql:
            service = service_by_code(sql, office_id, "REG-BIRTH")
        with pg_app.app_context(), transaction(engine, write=True, one_statement=True) as sql:
            issued = issue(sql, office_id, service, idempotency_key="one-key")
        answers["api"] = issued if isinstance(issued, int) else issued.id

    def from_kiosk() -> None:
        with pg_app.app_context():
            begin_write(db.session)
            ticket, _ = issue_ticket(db.session, db.session.get(Office, office_id),
                                     db.session.scalar(select(Service).where(
                                         Service.code == "REG-BIRTH")),
                                     idempotency_key="one-key")
            answers["kiosk"] = ticket.id
            db.session.commit()

    hold = ("SELECT 1 FROM ticket_sequence WHERE office_id = %s AND prefix = 'A' FOR UPDATE")
    with connect(pg_app) as holder, connect(pg_app, autocommit=True) as watcher:
        holder.execute(hold, (office_id,))
        outcomes, threads = in_threads(from_api)
        wait_until_blocked(watcher, 1)  # the API first in the row's queue, then the kiosk
        more, kiosk = in_threads(from_kiosk)
        wait_until_blocked(watcher, 2)
        holder.rollback()
        for thread in threads + kiosk:
            thread.join(timeout=30)
    assert outcomes + more == ["done", "done"]
    assert answers["api"] == answers["kiosk"]
    after = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()
    with pg_app.app_context():
        numbers = sorted(db.session.scalars(select(Ticket.number)))
    assert numbers == ["A001", "A002", "A003"] and after["number"] == "A003"
