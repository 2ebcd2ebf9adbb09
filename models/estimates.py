"""People ahead and estimated waits.

Waits use today's real service times (mean minutes from start to finish of served segments)
once there are enough of them, and fall back to the manual's same-day step durations.
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from models.catalog import Service
from models.queue import SegmentOutcome, Ticket, TicketStatus, VisitSegment
from models.staff import Counter, counter_service

MIN_SAMPLES = 3
DEFAULT_MINUTES = 10


def people_ahead(session: Session, ticket: Ticket) -> int:
    """Waiting tickets of the same service that will be called before this one.

    Front-of-queue transfers first, then the priority lane, then first come, first served.
    """
    if ticket.status is not TicketStatus.WAITING:
        return 0
    mine_priority = ticket.priority_reason is not None
    other_priority = Ticket.priority_reason.is_not(None)
    earlier = or_(Ticket.queued_at < ticket.queued_at,
                  and_(Ticket.queued_at == ticket.queued_at, Ticket.id < ticket.id))
    same_lane_before = and_(other_priority if mine_priority else ~other_priority, earlier)
    lane_before = same_lane_before if mine_priority else or_(other_priority, same_lane_before)
    if ticket.to_front:
        before = and_(Ticket.to_front.is_(True), lane_before)
    else:
        before = or_(Ticket.to_front.is_(True), lane_before)
    return session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.office_id == ticket.office_id, Ticket.business_day == ticket.business_day,
        Ticket.service_id == ticket.service_id, Ticket.status == TicketStatus.WAITING,
        Ticket.id != ticket.id, before)) or 0


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
