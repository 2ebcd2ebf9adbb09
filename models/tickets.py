"""Issuing tickets: daily numbering by one UPSERT, idempotent retries, events."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, bindparam, cast, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import UTCDateTime, day_start, local, now_utc
from models.catalog import Office, Service
from models.lanes import Ahead
from models.queue import PriorityReason, QueueEvent, Ticket, TicketStatus
from models.sql import Prepared, Sql, violates
from models.staff import called_in_turn_with
from models.streak import priority_streak

TOKEN_BYTES = 24  # 192 bits: 32 URL-safe characters


class QueueError(Exception):
    """A request the queue cannot honour; carries a code and a message in Thai and English."""

    status = 409

    def __init__(self, code: str, message_th: str, message_en: str):
        super().__init__(message_en)
        self.code = code
        self.message_th = message_th
        self.message_en = message_en


def business_day(moment: datetime) -> date:
    return local(moment).date()


# The same UPSERT ... RETURNING reads right on SQLite (3.35+) and PostgreSQL; written out once
# because it runs inside the writers' critical section on every ticket.
NEXT_NUMBER = Prepared(text(
    "INSERT INTO ticket_sequence (office_id, prefix, business_day, last_number) "
    "VALUES (:office_id, :prefix, :day, 1) "
    "ON CONFLICT (office_id, prefix, business_day) "
    "DO UPDATE SET last_number = ticket_sequence.last_number + 1 "
    "RETURNING last_number").bindparams(bindparam("day", type_=Date)))


def next_number(session: Session | Sql, office_id: int, prefix: str, day: date) -> int:
    """Bump and return the day's counter for a prefix in one atomic statement."""
    return Sql.of(session).one(NEXT_NUMBER, {"office_id": office_id, "prefix": prefix,
                                             "day": day})[0]


EVENTS = QueueEvent.__table__
INSERT_EVENT = Prepared(EVENTS.insert().inline(), values_from_parameters=True)  # no RETURNING
# PostgreSQL channel told of every transaction that wrote events (delivered at its commit).
EVENTS_CHANNEL = "khiu_events"


# The events live screens follow, reading "every event after the last id I saw". On PostgreSQL
# an id is handed out at INSERT, not at COMMIT: two counters calling at once could commit 101
# before 100, and a board that has read 101 would never read 100. So writing one of these
# kinds first takes its office's lock, held until COMMIT: their ids are in commit order.
# (SQLite has one writer at a time anyway; tickets and ratings are not followed.)
FOLLOWED_KINDS = frozenset({"called", "recalled", "started", "finished", "no_show",
                            "transferred", "paused", "resumed"})
FOLLOWED_EVENTS_LOCK = 7001  # advisory lock (FOLLOWED_EVENTS_LOCK, office id)
_EVENT_COLUMNS = ("office_id", "kind", "ticket_id", "counter_id", "data", "created_at")


def _insert_event_postgres(followed: bool) -> Prepared:
    """One statement: the office's lock for a followed kind (re-entrant, so taken again by each
    event; a savepoint rolled back gives back a lock taken inside it), the notification
    (PostgreSQL delivers one per channel and payload per transaction, at COMMIT), then the
    row, whose id is drawn after the lock is held."""
    guards = [func.pg_notify(EVENTS_CHANNEL, "")]
    if followed:
        guards.insert(0, func.pg_advisory_xact_lock(
            FOLLOWED_EVENTS_LOCK, bindparam("office_id", type_=Integer)))
    values = select(*(bindparam(name, type_=EVENTS.c[name].type) for name in _EVENT_COLUMNS))
    return Prepared(EVENTS.insert().from_select(
        _EVENT_COLUMNS, values.select_from(select(*guards).subquery("guard"))))


INSERT_EVENT_POSTGRES = {followed: _insert_event_postgres(followed) for followed in (True, False)}


def record_event(session: Session | Sql, ticket: Ticket | NewTicket | None, kind: str,
                 counter_id: int | None = None, office_id: int | None = None, **data) -> None:
    """Write a queue event (the ticket has its id); other processes hear of it at commit. In a
    write transaction() on PostgreSQL it is written last, just before COMMIT (Sql.at_commit)."""
    sql = Sql.of(session)
    values = {"office_id": office_id if office_id is not None else ticket.office_id,
              "kind": kind, "ticket_id": ticket.id if ticket else None,
              "counter_id": counter_id, "data": data, "created_at": now_utc()}
    statement = INSERT_EVENT_POSTGRES[kind in FOLLOWED_KINDS] \
        if sql.dialect.name == "postgresql" else INSERT_EVENT
    if sql.at_commit is not None:
        sql.at_commit.append((statement, values))
    else:
        sql.execute(statement, values)
    sql.kinds.add(kind)


def _lock_idempotency_key(session: Session | Sql, office_id: int, key: str) -> None:
    """On PostgreSQL, make concurrent retries with one key wait for each other.

    SQLite needs nothing: a writing transaction there holds the database's only write lock.
    """
    sql = Sql.of(session)
    if sql.dialect.name == "postgresql":
        sql.execute(LOCK_KEY, {"k": f"ticket:{office_id}:{key}"})


LOCK_KEY = Prepared(text("SELECT pg_advisory_xact_lock(hashtext(:k))"))
TICKETS = Ticket.__table__
# Issuing runs on every kiosk tap and inside the writers' critical section, so its statements
# are built once and run as Core SQL on the session's connection (no ORM unit of work).
FIND_BY_KEY = Prepared(select(TICKETS.c.id).where(
    TICKETS.c.office_id == bindparam("office_id"), TICKETS.c.idempotency_key == bindparam("key")))
INSERT_TICKET = Prepared(TICKETS.insert().returning(TICKETS.c.id), values_from_parameters=True)
SERVICE_BY_CODE = Prepared(text(
    "SELECT id, office_id, code, ticket_prefix, active, walk_in, "
    "(SELECT opening_hours FROM office WHERE office.id = service.office_id) AS office_hours "
    "FROM service WHERE office_id = :office_id AND code = :code"))


# The services called in turn with the new ticket's, written as the statement below takes it.
_AS_WRITTEN = postgresql.dialect(paramstyle="named")
TURN = called_in_turn_with(cast(bindparam("service_id"), Integer)).compile(dialect=_AS_WRITTEN)
# How far the priority lane's current run of calls stands (models/streak.py).
STREAK = priority_streak(cast(bindparam("service_id"), Integer),
                         cast(bindparam("day_start"), UTCDateTime)).compile(dialect=_AS_WRITTEN)
# PostgreSQL: the number, the ticket and its event in one statement. The day's counter row of
# the prefix stays locked from its UPSERT to COMMIT and every ticket of that prefix queues
# behind it, so nothing else may run in between (each statement costs a round trip and a turn
# at the GIL). Same rows as the SQLite path below: prefix + at least three digits.
ISSUE_IN_ONE_STATEMENT = Prepared(text(f"""
WITH n AS (
    INSERT INTO ticket_sequence (office_id, prefix, business_day, last_number)
    VALUES (:office_id, :prefix, :day, 1)
    ON CONFLICT (office_id, prefix, business_day)
    DO UPDATE SET last_number = ticket_sequence.last_number + 1
    RETURNING last_number),
t AS (
    INSERT INTO ticket (office_id, token, business_day, number, service_id, first_service_id,
                        priority_reason, status, issued_at, queued_at, to_front,
                        idempotency_key)
    SELECT :office_id, :token, :day,
           :prefix || lpad(n.last_number::text, greatest(3, length(n.last_number::text)), '0'),
           :service_id, :service_id, :priority_reason, 'waiting', :now, :now, false, :key
    FROM n
    RETURNING id, number),
e AS (
    INSERT INTO queue_event (office_id, kind, ticket_id, counter_id, data, created_at)
    SELECT :office_id, 'issued', t.id, NULL,
           json_build_object('number', t.number, 'service', CAST(:code AS text)), :created_at
    FROM t)
SELECT t.id, t.number,
       -- 'waiting' is written out: PostgreSQL then counts from ix_ticket_waiting (whose
       -- condition it is), whatever the statistics (migration 0015).
       -- A new ticket is the last of its lane. What decides its place (models/lanes.Ahead,
       -- as models/estimates.AHEAD counts it for a ticket already waiting): the front
       -- transfers, its own lane and the other lane, of the services called in turn with its
       -- own (models/staff.called_in_turn_with). The statement's snapshot does not hold
       -- the new ticket. Counted service by service (LATERAL): each count an index scan of
       -- that service's queue, not one read of the whole day's waiting tickets filtered by
       -- service.
       ahead.front, ahead.same_lane, ahead.other_lane, {STREAK} AS streak
FROM t, pg_notify('{EVENTS_CHANNEL}', ''), (
    SELECT CAST(coalesce(sum(n.front), 0) AS integer) AS front,
           CAST(coalesce(sum(n.same_lane), 0) AS integer) AS same_lane,
           CAST(coalesce(sum(n.other_lane), 0) AS integer) AS other_lane
    FROM ({TURN}) AS turn,
    LATERAL (SELECT count(*) FILTER (WHERE w.to_front) AS front,
                    count(*) FILTER (WHERE NOT w.to_front AND (w.priority_reason IS NULL)
                                     = (CAST(:priority_reason AS text) IS NULL)) AS same_lane,
                    count(*) FILTER (WHERE NOT w.to_front AND (w.priority_reason IS NULL)
                                     <> (CAST(:priority_reason AS text) IS NULL)) AS other_lane
             FROM ticket w
             WHERE w.office_id = :office_id AND w.service_id = turn.id
               AND w.business_day = :day AND w.status = 'waiting') AS n) AS ahead
""").bindparams(bindparam("day", type_=Date), bindparam("now", type_=UTCDateTime),
                bindparam("created_at", type_=UTCDateTime),
                bindparam("day_start", type_=UTCDateTime),
                bindparam("priority_reason", type_=String)))
KEY_CONSTRAINT = "uq_ticket_office_id_idempotency_key"
SAVEPOINT = Prepared(text("SAVEPOINT khiu_issue"))
ROLLBACK_TO_SAVEPOINT = Prepared(text("ROLLBACK TO SAVEPOINT khiu_issue"))
RELEASE_SAVEPOINT = Prepared(text("RELEASE SAVEPOINT khiu_issue"))


@dataclass(frozen=True)
class ServiceRef:
    """What issuing, transfers and waiting estimates need of a service, read without the ORM."""

    id: int
    office_id: int
    code: str
    ticket_prefix: str
    active: bool
    walk_in: bool


def service_by_code(session: Session | Sql, office_id: int, code: str) -> ServiceRef | None:
    found = service_and_office_hours(session, office_id, code)
    return found[0] if found else None


def service_and_office_hours(session: Session | Sql, office_id: int,
                             code: str) -> tuple[ServiceRef, str | None] | None:
    """A service of the office by its code, and the office's opening hours as stored, read
    together (an API ticket needs both: one round trip)."""
    row = Sql.of(session).first(SERVICE_BY_CODE, {"office_id": office_id, "code": code})
    if row is None:
        return None
    return ServiceRef(row.id, row.office_id, row.code, row.ticket_prefix, bool(row.active),
                      bool(row.walk_in)), row.office_hours


@dataclass(frozen=True)
class NewTicket:
    """A ticket just issued, as people_ahead and the API's ticket JSON read it."""

    id: int
    office_id: int
    token: str
    number: str
    service: ServiceRef | Service
    business_day: date
    queued_at: datetime
    priority_reason: PriorityReason | None
    status: TicketStatus = TicketStatus.WAITING
    to_front: bool = False
    counter: None = None
    ahead: Ahead | None = None  # counted by the statement that issued it, if it did

    @property
    def service_id(self) -> int:
        return self.service.id

    @property
    def priority(self) -> bool:
        return self.priority_reason is not None


def issue(
    session: Session | Sql,
    office_id: int,
    service: ServiceRef | Service,
    *,
    priority_reason: PriorityReason | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> NewTicket | int:
    """Issue a ticket for service; for an idempotency_key seen before, the id of its ticket.

    Call begin_write() first; the caller commits.
    """
    if not service.active or not service.walk_in:
        raise QueueError("service_unavailable", "งานบริการนี้ไม่เปิดรับบัตรคิว",
                         "This service does not take queue tickets")
    sql = Sql.of(session)
    alone = sql.alone  # on PostgreSQL only (transaction(one_statement=True))
    if idempotency_key and not alone:
        _lock_idempotency_key(sql, office_id, idempotency_key)
        existing = sql.scalar(FIND_BY_KEY, {"office_id": office_id, "key": idempotency_key})
        if existing is not None:
            return existing
    now = now or now_utc()
    day = business_day(now)
    prefix = service.ticket_prefix
    token = secrets.token_urlsafe(TOKEN_BYTES)
    if sql.dialect.name == "postgresql":
        # In a transaction, a keyed issue may still meet its key at the unique index: an
        # issue alone (below) takes no lock on the key, so it can commit the key's ticket
        # after the lookup above. A savepoint then gives the number back and keeps the
        # transaction usable for the answer.
        guarded = bool(idempotency_key) and not alone
        if guarded:
            sql.execute(SAVEPOINT)
        try:
            ticket_id, number, *ahead = sql.one(ISSUE_IN_ONE_STATEMENT, {
                "office_id": office_id, "prefix": prefix, "day": day, "token": token,
                "service_id": service.id, "priority_reason": priority_reason, "now": now,
                "key": idempotency_key or None, "code": service.code,
                "created_at": now_utc(), "day_start": day_start(day)})
        except IntegrityError as error:
            # Alone (its own transaction, transaction(one_statement=True)) the statement takes
            # no lock on the key: a retry racing the first tap waits for it (at the day's
            # number row of the prefix, or at the key's unique index), then fails whole at
            # that index, its number given back with it. The first tap's ticket is the
            # answer. (A retry of a ticket issued long ago takes that path too: rare.)
            if not (alone or guarded) or not violates(error, KEY_CONSTRAINT):
                raise
            if guarded:
                sql.execute(ROLLBACK_TO_SAVEPOINT)
            return sql.scalar(FIND_BY_KEY, {"office_id": office_id, "key": idempotency_key})
        if guarded:
            sql.execute(RELEASE_SAVEPOINT)
        sql.kinds.add("issued")
        return NewTicket(ticket_id, office_id, token, number, service, day, now,
                         priority_reason, ahead=Ahead(*ahead))
    number = f"{prefix}{next_number(sql, office_id, prefix, day):03d}"
    ticket_id = sql.one(INSERT_TICKET, {
        "office_id": office_id, "token": token, "business_day": day, "number": number,
        "service_id": service.id, "first_service_id": service.id,
        "priority_reason": priority_reason, "status": TicketStatus.WAITING, "issued_at": now,
        "queued_at": now, "to_front": False, "idempotency_key": idempotency_key or None,
    })[0]
    ticket = NewTicket(ticket_id, office_id, token, number, service, day, now, priority_reason)
    record_event(sql, ticket, "issued", number=number, service=service.code)
    return ticket


def issue_ticket(
    session: Session,
    office: Office,
    service: Service,
    *,
    priority_reason: PriorityReason | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """issue() for callers that work with the ORM: (the Ticket, whether it is new)."""
    issued = issue(session, office.id, service, priority_reason=priority_reason,
                   idempotency_key=idempotency_key, now=now)
    created = isinstance(issued, NewTicket)
    return session.get(Ticket, issued.id if created else issued), created


def ticket_by_token(session: Session, token: str, *options) -> Ticket | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Ticket).where(Ticket.token == token).options(*options))
