"""A counter's waiting list, in the order its calls will take the tickets (the console's list).

Front-of-queue transfers first, then the two lanes taking turns at the priority ratio from
where the counter's latest calls of today left them (models/lanes.calling_order), as call-next
would take them if no other counter called in between.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import day_start
from models.lanes import calling_order
from models.queue import Ticket, TicketStatus, VisitSegment
from models.staff import Counter


def recent_lanes(session: Session, counter: Counter, day: date, count: int) -> list[bool]:
    """Whether each of the counter's latest `count` calls of the day was of the priority lane,
    newest first."""
    if count <= 0:
        return []
    return list(session.scalars(
        select(Ticket.priority_reason.is_not(None))
        .join(VisitSegment, VisitSegment.ticket_id == Ticket.id)
        .where(VisitSegment.counter_id == counter.id,
               VisitSegment.called_at >= day_start(day))
        .order_by(VisitSegment.called_at.desc()).limit(count)))


def waiting_in_calling_order(session: Session, counter: Counter, day: date,
                             priority_ratio: int, limit: int = 50) -> list[Ticket]:
    """The first `limit` waiting tickets of the counter's active services, in calling order."""
    # (The counter's services, loaded here, are what each ticket's service is read from: a
    # many-to-one finds its row in the session without a query.)
    service_ids = [s.id for s in counter.services if s.active]
    if not service_ids:
        return []

    def part(front: bool, priority: bool) -> list[Ticket]:
        lane = Ticket.priority_reason.is_not(None) if priority else \
            Ticket.priority_reason.is_(None)
        return list(session.scalars(
            select(Ticket).where(
                Ticket.office_id == counter.office_id, Ticket.business_day == day,
                Ticket.status == TicketStatus.WAITING, Ticket.service_id.in_(service_ids),
                Ticket.to_front.is_(front), lane)
            .order_by(Ticket.queued_at, Ticket.id).limit(limit)))

    recent = recent_lanes(session, counter, day, priority_ratio)
    # Front transfers take turns between the lanes too, before everyone else.
    front = calling_order([], part(True, True), part(True, False), priority_ratio, recent)
    rest = calling_order([], part(False, True), part(False, False), priority_ratio,
                         [t.priority_reason is not None for t in reversed(front)] + recent)
    return (front + rest)[:limit]
