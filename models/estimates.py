"""People ahead and estimated waits.

Waits use today's real service times (mean minutes from start to finish of served segments)
once there are enough of them, and fall back to the manual's same-day step durations.
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.calling import waiting_tickets
from models.catalog import Service
from models.queue import SegmentOutcome, Ticket, TicketStatus, VisitSegment
from models.staff import Counter, counter_service

MIN_SAMPLES = 3
DEFAULT_MINUTES = 10


def _queue_key(ticket: Ticket) -> tuple:
    return (not ticket.to_front, ticket.queued_at, ticket.id)


def people_ahead(session: Session, ticket: Ticket) -> int:
    """Waiting tickets of the same service that will be called before this one."""
    if ticket.status is not TicketStatus.WAITING:
        return 0
    queue = session.scalars(waiting_tickets(ticket.office_id, [ticket.service_id],
                                            ticket.business_day)).all()
    mine = _queue_key(ticket)
    ahead = 0
    for other in queue:
        if other.id == ticket.id:
            continue
        if other.to_front and not ticket.to_front:
            ahead += 1
        elif other.to_front == ticket.to_front:
            # The priority lane goes first; within a lane it is first come, first served.
            if other.priority and not ticket.priority:
                ahead += 1
            elif other.priority == ticket.priority and _queue_key(other) < mine:
                ahead += 1
    return ahead


def mean_service_minutes(session: Session, service: Service, day: date) -> float:
    rows = session.execute(
        select(VisitSegment.started_at, VisitSegment.finished_at)
        .join(Ticket, Ticket.id == VisitSegment.ticket_id)
        .where(VisitSegment.service_id == service.id, Ticket.business_day == day,
               VisitSegment.outcome == SegmentOutcome.SERVED,
               VisitSegment.started_at.is_not(None))
    ).all()
    if len(rows) >= MIN_SAMPLES:
        return sum((done - begun).total_seconds() for begun, done in rows) / 60 / len(rows)
    return float(service.total_minutes or DEFAULT_MINUTES)


def open_counters(session: Session, service: Service) -> int:
    count = session.scalar(
        select(func.count()).select_from(Counter)
        .join(counter_service, counter_service.c.counter_id == Counter.id)
        .where(counter_service.c.service_id == service.id, Counter.active.is_(True),
               Counter.paused.is_(False)))
    return max(1, count or 0)


def eta_minutes(session: Session, service: Service, ahead: int, day: date) -> int:
    if ahead <= 0:
        return 0
    per_visit = mean_service_minutes(session, service, day)
    return math.ceil(ahead * per_visit / open_counters(session, service))


def waiting_count(session: Session, service: Service, day: date) -> int:
    return session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.service_id == service.id, Ticket.business_day == day,
        Ticket.status == TicketStatus.WAITING)) or 0
