"""Issuing tickets: daily numbering by one UPSERT, idempotent retries, events."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Date, bindparam, event, select, text
from sqlalchemy.orm import Session

from models.base import local, now_utc
from models.catalog import Office, Service
from models.queue import PriorityReason, QueueEvent, Ticket

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
NEXT_NUMBER = text(
    "INSERT INTO ticket_sequence (office_id, prefix, business_day, last_number) "
    "VALUES (:office_id, :prefix, :day, 1) "
    "ON CONFLICT (office_id, prefix, business_day) "
    "DO UPDATE SET last_number = ticket_sequence.last_number + 1 "
    "RETURNING last_number").bindparams(bindparam("day", type_=Date))


def next_number(session: Session, office_id: int, prefix: str, day: date) -> int:
    """Bump and return the day's counter for a prefix in one atomic statement."""
    return session.execute(NEXT_NUMBER, {"office_id": office_id, "prefix": prefix,
                                         "day": day}).scalar_one()


EVENTS = QueueEvent.__table__
# PostgreSQL channel told of every transaction that wrote events (delivered at its commit).
EVENTS_CHANNEL = "khiu_events"
_listeners: list[Callable[[set[str]], None]] = []


def on_events_committed(listener: Callable[[set[str]], None]) -> Callable[[set[str]], None]:
    """Register listener(kinds), called in this process after a commit that wrote events."""
    _listeners.append(listener)
    return listener


def record_event(session: Session, ticket: Ticket | None, kind: str, counter_id: int | None = None,
                 office_id: int | None = None, **data) -> None:
    """Write a queue event now (the ticket has its id); other processes hear of it at commit."""
    session.execute(EVENTS.insert().values(
        office_id=office_id if office_id is not None else ticket.office_id, kind=kind,
        ticket_id=ticket.id if ticket else None, counter_id=counter_id, data=data,
        created_at=now_utc()))
    kinds = session.info.setdefault("khiu_event_kinds", set())
    if not kinds and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {EVENTS_CHANNEL}"))
    kinds.add(kind)


@event.listens_for(Session, "after_commit")
def _events_committed(session: Session) -> None:
    kinds = session.info.pop("khiu_event_kinds", None)
    if kinds:
        for listener in _listeners:
            listener(kinds)


@event.listens_for(Session, "after_rollback")
def _events_dropped(session: Session) -> None:
    session.info.pop("khiu_event_kinds", None)


def _lock_idempotency_key(session: Session, office: Office, key: str) -> None:
    """On PostgreSQL, make concurrent retries with one key wait for each other.

    SQLite needs nothing: a writing transaction there holds the database's only write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                        {"k": f"ticket:{office.id}:{key}"})


FIND_BY_KEY = text("SELECT id FROM ticket WHERE office_id = :office_id "
                   "AND idempotency_key = :key")


def find_by_idempotency_key(session: Session, office: Office, key: str) -> Ticket | None:
    found = session.execute(FIND_BY_KEY, {"office_id": office.id, "key": key}).scalar()
    return session.get(Ticket, found) if found is not None else None


def issue_ticket(
    session: Session,
    office: Office,
    service: Service,
    *,
    priority_reason: PriorityReason | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """A new ticket for service, or the one already issued for idempotency_key.

    Returns (ticket, created). Flushes; the caller commits. Call begin_write() first.
    """
    if not service.active or not service.walk_in:
        raise QueueError("service_unavailable", "งานบริการนี้ไม่เปิดรับบัตรคิว",
                         "This service does not take queue tickets")
    if idempotency_key:
        _lock_idempotency_key(session, office, idempotency_key)
        existing = find_by_idempotency_key(session, office, idempotency_key)
        if existing is not None:
            return existing, False
    now = now or now_utc()
    day = business_day(now)
    number = next_number(session, office.id, service.ticket_prefix, day)
    ticket = Ticket(
        office_id=office.id, token=secrets.token_urlsafe(TOKEN_BYTES), business_day=day,
        number=f"{service.ticket_prefix}{number:03d}", service=service, first_service=service,
        priority_reason=priority_reason, issued_at=now, queued_at=now,
        idempotency_key=idempotency_key or None,
    )
    session.add(ticket)
    session.flush()
    record_event(session, ticket, "issued", number=ticket.number, service=service.code)
    return ticket, True


def ticket_by_token(session: Session, token: str, *options) -> Ticket | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Ticket).where(Ticket.token == token).options(*options))
