"""How many priority tickets the counters of a service have just called in a row.

Call-next lets a normal ticket through after PRIORITY_RATIO priority calls in a row
(models/lanes.py), so a ticket's place depends on where the current run of priority calls
stands: the calls made today since the latest normal-lane call, at the counters that serve
the ticket's service (each counter keeps its own turn; together they are the queue's).
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, cast, func, literal_column, select

from models.base import UTCDateTime
from models.queue import Ticket, VisitSegment
from models.staff import counter_service

SEGMENTS = VisitSegment.__table__
# Written out, not bound: models/tickets.py writes this subquery into its literal SQL.
ONE, ZERO = literal_column("1"), literal_column("0")


def priority_streak(service_id, day_start=None):
    """The count of today's calls, at the counters serving `service_id`, made since the latest
    call of a normal ticket (all of today's, if none was normal): a scalar subquery.

    Counter by counter (a correlated subquery for each of the service's counters): each reads
    that counter's calls of today by ix_visit_segment_counter_called, newest first, the
    latest normal one with a LIMIT 1. Over an IN (...) of the counters a plan made without
    statistics read every normal ticket of the office, or the whole table of calls.
    """
    day_start = day_start if day_start is not None else \
        bindparam("day_start", type_=UTCDateTime)
    serving = counter_service.alias("serving")
    tickets = Ticket.__table__

    def at_counter(counter_id):
        return (SEGMENTS.c.counter_id == counter_id, SEGMENTS.c.called_at >= day_start)

    latest_normal = (select(SEGMENTS.c.called_at)
                     .join(tickets, tickets.c.id == SEGMENTS.c.ticket_id)
                     .where(*at_counter(serving.c.counter_id),
                            tickets.c.priority_reason.is_(None))
                     .order_by(SEGMENTS.c.called_at.desc()).limit(ONE)
                     .correlate(serving).scalar_subquery())
    last_normal = (select(func.max(latest_normal))
                   .where(serving.c.service_id == service_id).scalar_subquery())
    since = func.coalesce(last_normal, day_start)
    counted = serving.alias("counted")
    each = (select(func.count()).select_from(SEGMENTS)
            .where(SEGMENTS.c.counter_id == counted.c.counter_id,
                   SEGMENTS.c.called_at >= day_start, SEGMENTS.c.called_at > since)
            .correlate(counted).scalar_subquery())
    # (With no normal call today, every call of the day counts: none is made at midnight.)
    return (select(cast(func.coalesce(func.sum(each), ZERO), Integer))
            .where(counted.c.service_id == service_id).scalar_subquery())
