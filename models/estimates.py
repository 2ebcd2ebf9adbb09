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

from sqlalchemy import Date, Integer, and_, bindparam, cast, func, literal, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.base import UTCDateTime, day_start
from models.catalog import Service
from models.lanes import Ahead
from models.queue import SegmentOutcome, Ticket, TicketStatus, VisitSegment
from models.reports.sql import minutes_between
from models.sql import Prepared, Sql, flush
from models.staff import Counter, called_in_turn_with, counter_service
from models.streak import priority_streak
from models.tickets import NewTicket
from models.transactions import on_events_committed

MIN_SAMPLES = 3
DEFAULT_MINUTES = 10
ETA_TOLERANCE_MINUTES = 0.001


def _ahead_statement(priority: bool, to_front: bool):
    """The waiting tickets that decide a ticket's place (models/lanes.Ahead), of the services
    called in turn with its own: front-of-queue transfers before it, its own lane's tickets
    before it, and the other lane. A front transfer is called before everyone else: its lanes
    are the front transfers' (they take turns too), and no front transfer is before it."""
    other_priority = Ticket.priority_reason.is_not(None)
    queued_at = bindparam("queued_at", type_=UTCDateTime)
    earlier = or_(Ticket.queued_at < queued_at,
                  and_(Ticket.queued_at == queued_at, Ticket.id < bindparam("id")))
    same_lane = other_priority if priority else ~other_priority
    my_part = Ticket.to_front.is_(to_front)
    conditions = [None if to_front else Ticket.to_front.is_(True),
                  and_(my_part, same_lane, earlier), and_(my_part, ~same_lane)]
    # Counted service by service (a correlated count for each): each count searches that
    # service's queue by its index key. IN (...) let a plan made without statistics read the
    # office's whole waiting list and filter it by service.
    turn = called_in_turn_with(bindparam("service_id", type_=Integer)).subquery("turn")

    def total(condition):
        if condition is None:
            return literal(0, Integer)
        each = select(func.count()).select_from(Ticket).where(
            Ticket.office_id == bindparam("office_id"),
            Ticket.business_day == bindparam("day", type_=Date),
            Ticket.service_id == turn.c.id, Ticket.status == TicketStatus.WAITING,
            Ticket.id != bindparam("id"), condition).correlate(turn).scalar_subquery()
        return cast(func.coalesce(func.sum(each), 0), Integer)
    streak = priority_streak(bindparam("service_id", type_=Integer))
    return select(*(total(condition) for condition in conditions), streak).select_from(turn)


# Built once: counting people ahead runs for every ticket shown or issued.
AHEAD = {(priority, front): Prepared(_ahead_statement(priority, front))
         for priority in (False, True) for front in (False, True)}


def ahead_of(session: Session | Sql, ticket: Ticket | NewTicket) -> Ahead:
    """The waiting tickets that decide a waiting ticket's place (models/lanes.Ahead)."""
    counted = getattr(ticket, "ahead", None)  # a NewTicket its statement counted for
    if counted is not None:
        return counted
    statement = AHEAD[ticket.priority_reason is not None, bool(ticket.to_front)]
    return Ahead(*Sql.of(session).one(statement, {
        "office_id": ticket.office_id, "day": ticket.business_day,
        "service_id": ticket.service_id, "queued_at": ticket.queued_at, "id": ticket.id,
        "day_start": day_start(ticket.business_day)}))


def people_ahead(session: Session | Sql, ticket: Ticket | NewTicket, *,
                 priority_ratio: int) -> int:
    """Calls that will come before this ticket's (called_in_turn_with), with the lanes taking
    turns at priority_ratio (models/lanes.Ahead.calls_before)."""
    if ticket.status is not TicketStatus.WAITING:
        return 0
    return ahead_of(session, ticket).calls_before(ticket.priority_reason is not None,
                                                  priority_ratio)


MANUAL_MINUTES = Prepared(select(Service.total_minutes)
                          .where(Service.id == bindparam("service_id")))
# The count and mean minutes of the service's served calls of today, from its calls of today
# (all called since the day began: ix_visit_segment_service_called), summed by the database.
SERVED_TODAY = Prepared(
    select(func.count(), func.avg(minutes_between(VisitSegment.finished_at,
                                                  VisitSegment.started_at)))
    .select_from(VisitSegment).join(Ticket, Ticket.id == VisitSegment.ticket_id)
    .where(VisitSegment.service_id == bindparam("service_id"),
           VisitSegment.called_at >= bindparam("day_start", type_=UTCDateTime),
           Ticket.business_day == bindparam("day", type_=Date),
           VisitSegment.outcome == SegmentOutcome.SERVED, VisitSegment.started_at.is_not(None),
           VisitSegment.finished_at.is_not(None)))
OPEN_COUNTERS = Prepared(
    select(func.count()).select_from(Counter)
    .join(counter_service, counter_service.c.counter_id == Counter.id)
    .where(counter_service.c.service_id == bindparam("service_id"), Counter.active.is_(True),
           Counter.paused.is_(False)))


def mean_service_minutes(session: Session | Sql, service_id: int, day: date) -> float:
    sql = Sql.of(session)
    served, mean = sql.one(SERVED_TODAY, {"service_id": service_id, "day": day,
                                          "day_start": day_start(day)})
    if served >= MIN_SAMPLES:
        return float(mean)
    manual = sql.scalar(MANUAL_MINUTES, {"service_id": service_id})
    return float(manual or DEFAULT_MINUTES)


def open_counters(session: Session | Sql, service_id: int) -> int:
    return max(1, Sql.of(session).scalar(OPEN_COUNTERS, {"service_id": service_id}) or 0)


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

    def get(self, session: Session | Sql, service_id: int, day: date) -> tuple[float, int]:
        # The engine without beginning a transaction: a cached answer needs none.
        engine = session.engine if isinstance(session, Sql) else session.get_bind()
        key = (service_id, day)
        now = time.monotonic()
        with self._lock:
            cached = self._values.get(engine, {}).get(key)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        flush(session)  # a pause or a finish just made through the ORM counts (as autoflush did)
        value = (mean_service_minutes(session, service_id, day),
                 open_counters(session, service_id))
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


def eta_minutes(session: Session | Sql, service_id: int, ahead: int, day: date) -> int:
    if ahead <= 0:
        return 0
    per_visit, counters = pace.get(session, service_id, day)
    # Whole minutes, up. Each call's minutes come rounded to 0.00001 (minutes_between), so a
    # wait within 0.06 s of a whole minute counts as that minute, not the next.
    return math.ceil(ahead * per_visit / counters - ETA_TOLERANCE_MINUTES)


# A service's waiting tickets of a day, from the office's queue index (ix_ticket_queue).
WAITING = Prepared(select(func.count()).select_from(Ticket).where(
    Ticket.office_id == bindparam("office_id"), Ticket.status == TicketStatus.WAITING,
    Ticket.service_id == bindparam("service_id"),
    Ticket.business_day == bindparam("day", type_=Date)))


def waiting_count(session: Session | Sql, service: Service, day: date) -> int:
    return Sql.of(session).scalar(WAITING, {"office_id": service.office_id,
                                            "service_id": service.id, "day": day}) or 0
