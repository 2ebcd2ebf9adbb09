"""Issuing tickets: daily numbering by one UPSERT, idempotent retries, events."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.base import local, now_utc
from models.catalog import Office, Service
from models.queue import PriorityReason, QueueEvent, Ticket, TicketSequence

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


def next_number(session: Session, office_id: int, prefix: str, day: date) -> int:
    """Bump and return the day's counter for a prefix in one atomic statement."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(TicketSequence)
        .values(office_id=office_id, prefix=prefix, business_day=day, last_number=1)
        .on_conflict_do_update(
            index_elements=["office_id", "prefix", "business_day"],
            set_={"last_number": TicketSequence.last_number + 1},
        )
        .returning(TicketSequence.last_number)
    )
    return session.execute(statement).scalar_one()


def record_event(session: Session, ticket: Ticket | None, kind: str, counter_id: int | None = None,
                 office_id: int | None = None, **data) -> QueueEvent:
    event = QueueEvent(office_id=office_id if office_id is not None else ticket.office_id,
                       kind=kind, ticket_id=ticket.id if ticket else None,
                       counter_id=counter_id, data=data)
    session.add(event)
    return event


def _lock_idempotency_key(session: Session, office: Office, key: str) -> None:
    """On PostgreSQL, make concurrent retries with one key wait for each other.

    SQLite needs nothing: a writing transaction there holds the database's only write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                        {"k": f"ticket:{office.id}:{key}"})


def find_by_idempotency_key(session: Session, office: Office, key: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.office_id == office.id,
                                               Ticket.idempotency_key == key))


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
