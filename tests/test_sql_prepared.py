"""models/sql.py: statements run on the driver's cursor store and read exactly what the ORM does."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Integer, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from models import Office, QueueEvent, Service, Ticket, db
from models.queue import PriorityReason, TicketStatus
from models.sql import Prepared, Sql
from models.tickets import record_event
from models.transactions import _listeners, on_events_committed, transaction

TICKETS = Ticket.__table__
INSERT = Prepared(TICKETS.insert().returning(TICKETS.c.id), values_from_parameters=True)
BY_ID = Prepared(select(TICKETS.c.id, TICKETS.c.status, TICKETS.c.priority_reason,
                        TICKETS.c.business_day, TICKETS.c.issued_at, TICKETS.c.to_front)
                 .where(TICKETS.c.id == bindparam("id")))
STORED = Prepared(text("SELECT CAST(issued_at AS TEXT) AS issued, CAST(business_day AS TEXT) "
                       "AS day, status, priority_reason FROM ticket WHERE id = :id"))
EVENTS = QueueEvent.__table__


def ticket_values(service: Service, token: str, moment: datetime) -> dict:
    return {"office_id": service.office_id, "token": token, "business_day": date(2026, 11, 24),
            "number": token[:8], "service_id": service.id, "first_service_id": service.id,
            "priority_reason": PriorityReason.MONK, "status": TicketStatus.WAITING,
            "issued_at": moment, "queued_at": moment, "to_front": True,
            "idempotency_key": None}


def test_rows_written_on_the_cursor_are_stored_as_the_orm_stores_them(any_app):
    moment = datetime(2026, 11, 24, 2, 30, 15, 123456, tzinfo=UTC)
    with any_app.app_context():
        service = db.session.scalars(select(Service)).first()
        orm_ticket = Ticket(**ticket_values(service, "orm-written-token", moment))
        db.session.add(orm_ticket)
        db.session.flush()
        sql = Sql.of(db.session)
        raw_id = sql.one(INSERT, ticket_values(service, "cursor-written-token", moment)).id
        db.session.commit()

        # Same text in the database, so SQL comparisons and the ORM read both alike.
        stored = [Sql.of(db.session).one(STORED, {"id": ticket_id})
                  for ticket_id in (orm_ticket.id, raw_id)]
        assert stored[0] == stored[1]
        assert stored[1].status == "waiting" and stored[1].priority_reason == "monk"

        # Read back with their types, through the cursor and through the ORM.
        row = Sql.of(db.session).one(BY_ID, {"id": raw_id})
        assert row.status is TicketStatus.WAITING and row.priority_reason is PriorityReason.MONK
        assert row.business_day == date(2026, 11, 24) and row.issued_at == moment
        assert row.issued_at.tzinfo is not None and row.to_front is True
        db.session.expunge_all()
        loaded = db.session.get(Ticket, raw_id)
        assert (loaded.status, loaded.issued_at, loaded.to_front) == \
            (TicketStatus.WAITING, moment, True)


def test_json_and_utc_datetimes_of_events_round_trip(any_app):
    moment = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    with any_app.app_context():
        office_id = db.session.scalar(select(Office.id))
        Sql.of(db.session).execute(Prepared(EVENTS.insert(), values_from_parameters=True), {
            "office_id": office_id, "kind": "note", "ticket_id": None, "counter_id": None,
            "data": {"number": "A001", "th": "ขอเชิญหมายเลข"}, "created_at": moment})
        db.session.commit()
        event = db.session.scalars(select(QueueEvent).where(QueueEvent.kind == "note")).one()
        assert event.data == {"number": "A001", "th": "ขอเชิญหมายเลข"}
        assert event.created_at == moment


def test_a_value_compiled_in_as_null_is_sent_as_null(any_app):
    with any_app.app_context():
        nothing = Prepared(select(bindparam("nothing", None, type_=Integer).label("n")))
        assert Sql.of(db.session).scalar(nothing) is None
        db.session.rollback()


def test_a_driver_error_is_raised_as_sqlalchemys(any_app):
    moment = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with any_app.app_context():
        service = db.session.scalars(select(Service)).first()
        sql = Sql.of(db.session)
        sql.one(INSERT, ticket_values(service, "same-token", moment))
        with pytest.raises(IntegrityError):
            sql.one(INSERT, ticket_values(service, "same-token", moment))
        db.session.rollback()


def test_statements_it_cannot_run_as_sqlalchemy_would_are_refused(app):
    with app.app_context():
        sql = Sql.of(db.session)
        # An IN list SQLAlchemy expands at execution time.
        with pytest.raises(ValueError, match="expanding"):
            sql.all(Prepared(select(TICKETS.c.id).where(TICKETS.c.status.in_(["waiting"]))))
        # A column left to its Python-side default (QueueEvent.data, created_at).
        with pytest.raises(ValueError, match="give"):
            sql.execute(Prepared(EVENTS.insert(), values_from_parameters=True),
                        {"office_id": 1, "kind": "note"})


def test_the_cursor_belongs_to_the_current_transaction_only(app):
    with app.app_context():
        first = Sql.of(db.session)
        assert Sql.of(db.session) is first
        db.session.commit()
        second = Sql.of(db.session)
        assert second is not first
        assert second.raw is db.session.connection().connection.dbapi_connection
        db.session.rollback()


def test_kinds_recorded_after_a_rolled_back_savepoint_still_reach_the_listeners(app):
    told: list[set[str]] = []
    listener = on_events_committed(told.append)
    try:
        with app.app_context():
            office_id = db.session.scalar(select(Office.id))
            record_event(db.session, None, "paused", office_id=office_id)
            savepoint = db.session.begin_nested()
            savepoint.rollback()  # e.g. a duplicate caught by the caller
            record_event(db.session, None, "resumed", office_id=office_id)
            db.session.commit()
    finally:
        _listeners.remove(listener)
    assert told == [{"paused", "resumed"}]


def test_a_lost_connection_is_an_error_sqlalchemy_would_raise_and_the_next_one_is_new(pg_app):
    with pg_app.app_context():
        engine = db.engine
        with pytest.raises(OperationalError) as raised:
            with transaction(engine) as sql:
                backend = sql.scalar(Prepared(text("SELECT pg_backend_pid()")))
                with engine.connect() as other:  # the server drops the connection
                    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
                sql.scalar(Prepared(text("SELECT 1")))
        assert raised.value.connection_invalidated
        with transaction(engine) as sql:  # the pool replaced it
            assert sql.scalar(Prepared(text("SELECT 1"))) == 1


IN_BLOCK = Prepared(text("SELECT now() = statement_timestamp()"))  # false inside a BEGIN block


def test_a_postgresql_read_runs_without_a_block_and_the_next_write_is_all_or_nothing(pg_app):
    with pg_app.app_context():
        engine = db.engine
        service = db.session.scalars(select(Service)).first()
        moment = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
        connection = engine.raw_connection()  # as the API's requests share one
        try:
            with transaction(engine, connection=connection) as sql:  # a read
                sql.execute(Prepared(text("SELECT pg_sleep(0.01)")))
                assert sql.scalar(IN_BLOCK) is True  # its own statement: no BEGIN before it
            with pytest.raises(RuntimeError), transaction(engine, write=True,
                                                          connection=connection) as sql:
                sql.one(INSERT, ticket_values(service, "written-then-undone", moment))
                raise RuntimeError("the action fails after its first statement")
            with transaction(engine, connection=connection) as sql:
                assert sql.scalar(Prepared(text(
                    "SELECT count(*) FROM ticket WHERE token = 'written-then-undone'"))) == 0
        finally:
            connection.close()


def test_a_read_transaction_refuses_to_write(any_app):
    """A read runs without the writer slot (SQLite) or without a block (PostgreSQL): a write
    there would dodge the one or commit at once, so it is refused before it is sent."""
    moment = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    with any_app.app_context():
        service = db.session.scalars(select(Service)).first()
        db.session.rollback()
        with pytest.raises(RuntimeError, match="must not write"), \
                transaction(db.engine) as sql:
            sql.one(INSERT, ticket_values(service, "written-in-a-read", moment))
        with pytest.raises(RuntimeError, match="must not write"), \
                transaction(db.engine) as sql:
            sql.execute(Prepared(text("UPDATE ticket SET to_front = false")))
        with transaction(db.engine, write=True) as sql:  # a write transaction may
            sql.one(INSERT, ticket_values(service, "written-in-a-write", moment))
        with transaction(db.engine) as sql:
            tokens = {row.token for row in sql.all(Prepared(select(Ticket.token)))}
        assert "written-in-a-write" in tokens and "written-in-a-read" not in tokens


def test_postgresql_writes_a_transactions_events_last(pg_app):
    """The office's event lock is taken by the event's own statement and held to COMMIT: in
    a write transaction() the events are written after everything else, so counter actions
    of one office take turns for that last statement only."""
    count = Prepared(select(func.count()).select_from(EVENTS))
    with pg_app.app_context():
        with transaction(db.engine) as sql:
            before = sql.scalar(count)
        with transaction(db.engine, write=True) as sql:
            record_event(sql, None, "paused", office_id=1, counter_id=None)
            assert sql.scalar(count) == before  # not yet written
        with transaction(db.engine) as sql:
            assert sql.scalar(count) == before + 1


def test_postgresql_gets_its_own_placeholders_once_at_compile_time():
    """psycopg would convert %(name)s at every run of a statement over 4 kB."""
    from models.sql import _native

    sql, order = _native("SELECT %(a)s, %(b)s, %(a)s, '5%%' WHERE x LIKE 'y%%'")
    assert sql == "SELECT $1, $2, $1, '5%' WHERE x LIKE 'y%'"
    assert order == ["a", "b"]


def test_long_statements_reach_psycopg_converted_and_answer_the_same(pg_app, monkeypatch):
    """Call-next (about 10 kB of SQL) and a literal % run without psycopg's conversion."""
    import psycopg._queries

    from models.calling import claim_next
    from tests.queue_helpers import counter

    def refuse(*args):
        raise AssertionError("psycopg converted a statement at execution")

    monkeypatch.setattr(psycopg._queries, "_query2pg_nocache", refuse)
    with pg_app.app_context():
        percent = Prepared(text("SELECT '5%' AS share, :n AS n"))
        with transaction(db.engine) as sql:
            assert tuple(sql.one(percent, {"n": 7})) == ("5%", 7)
        desk = counter("1")
        db.session.rollback()
        with transaction(db.engine, write=True, one_statement=True) as sql:
            assert claim_next(sql, desk.id, desk.office_id, None) is None  # nobody waits
        with pytest.raises(KeyError, match="no value for the parameter"), \
                transaction(db.engine) as sql:
            sql.one(percent, {})
