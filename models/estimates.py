"""People ahead and estimated waits.

Waits use today's real service times (mean minutes from start to finish of served segments)
once there are enough of them, and fall back to the manual's same-day step durations.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import date
from weakref import WeakKeyDictionary

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.catalog import Service
from models.queue import SegmentOutcome, Ticket, TicketStatus, VisitSegment
from models.staff import Counter, counter_service
from models.tickets import on_events_committed

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


class _PaceCache:
    """(minutes per visit, open counters) per service and day, kept between requests.

    Issuing a ticket changes neither, so a busy kiosk morning reuses them. Any other queue
    event committed by this process (a finish, a pause, a transfer) clears the cache at once;
    changes made by another process are picked up within TTL_SECONDS.
    """

    TTL_SECONDS = 15.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Per engine: two apps in one process (tests) never share figures.
        self._values: WeakKeyDictionary[Engine, dict[tuple[int, date], tuple]] = \
            WeakKeyDictionary()

    def get(self, session: Session, service: Service, day: date) -> tuple[float, int]:
        engine = session.get_bind()
        key = (service.id, day)
        now = time.monotonic()
        with self._lock:
            cached = self._values.get(engine, {}).get(key)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        value = (mean_service_minutes(session, service, day), open_counters(session, service))
        with self._lock:
            self._values.setdefault(engine, {})[key] = (now + self.TTL_SECONDS, *value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


pace = _PaceCache()


@on_events_committed
def _forget_pace(kinds: set[str]) -> None:
    if kinds - {"issued"}:  # a new ticket changes neither figure
        pace.clear()


def eta_minutes(session: Session, service: Service, ahead: int, day: date) -> int:
    if ahead <= 0:
        return 0
    per_visit, counters = pace.get(session, service, day)
    return math.ceil(ahead * per_visit / counters)


def waiting_count(session: Session, service: Service, day: date) -> int:
    return session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.service_id == service.id, Ticket.business_day == day,
        Ticket.status == TicketStatus.WAITING)) or 0
