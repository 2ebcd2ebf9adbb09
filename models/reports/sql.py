"""The two report queries: one pass over the calls (visit segments), one over the rating credits.

Each is a single GROUP BY over the visits whose business day is in the range, by the keys a
page needs (trend bucket, staff, section, service). It returns additive sums and counts, never
averages, so the rows roll up in Python to any of the keys and every screen, export and API
response divides the same two numbers.

Counting distinct visits without a second pass: a call (or credit) carries flags "first of
this visit for its staff member / section / service / at all". A visit never transferred has
one call and one credit, so its flags are 1 at no cost (its queued_at is still its issued_at:
only a transfer moves it); only the calls of transferred visits look back at the earlier calls
of the same visit, through the ticket_id index.
"""

from __future__ import annotations

from sqlalchemy import Date, Float, and_, case, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Select

from models.catalog import ServiceStep
from models.queue import SegmentOutcome, Ticket, VisitSegment
from models.ratings import Rating, RatingCredit
from models.reports.periods import DateRange, Every

SERVING = (SegmentOutcome.SERVED, SegmentOutcome.TRANSFERRED)
# Kinds of roll-up and the column a call or credit must be the visit's first for.
FIRST_FOR = {"staff": "staff_id", "section": "section_id", "service": "service_id",
             "visit": None}


class minutes_between(FunctionElement):  # noqa: N801 - used like a SQL function
    """later - earlier in minutes, as a float, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(minutes_between)
def _minutes_sqlite(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    # SQLite keeps UTC timestamps as text; julianday() reads them. Rounded to about a
    # millisecond so five minutes is 5.0, not 4.9999999, when compared with a standard.
    return (f"ROUND((julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)})) * 1440.0, 5)")


@compiles(minutes_between, "postgresql")
def _minutes_postgresql(element, compiler, **kw) -> str:
    later, earlier = list(element.clauses)
    return (f"ROUND(CAST(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
            f"{compiler.process(earlier, **kw)})) / 60.0 AS NUMERIC), 5)")


class week_start(FunctionElement):  # noqa: N801 - used like a SQL function
    """The Monday of a date's week."""

    type = Date()
    inherit_cache = True


class month_start(FunctionElement):  # noqa: N801 - used like a SQL function
    """The first day of a date's month."""

    type = Date()
    inherit_cache = True


@compiles(week_start)
def _week_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(month_start)
def _month_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(week_start, "postgresql")
def _week_postgresql(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "postgresql")
def _month_postgresql(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


BUCKETS = {Every.DAY: lambda day: day, Every.WEEK: week_start, Every.MONTH: month_start}
IDS = ("staff_id", "section_id", "service_id")


def _key(name: str, every: Every, owner) -> ColumnElement:
    if name == "bucket":
        return BUCKETS[every](Ticket.business_day).label("bucket")
    return getattr(owner, name)


def _standard():
    """service_id → the manual's same-day handling time (the sum Service.total_minutes makes).

    Working-day steps happen in the back office after the visit, so they are not part of the
    time at the counter that the standard is compared with.
    """
    return (select(ServiceStep.service_id, func.sum(ServiceStep.minutes).label("minutes"))
            .where(ServiceStep.minutes.is_not(None))
            .group_by(ServiceStep.service_id).subquery("standard"))


def _range(statement: Select, office_id: int, period: DateRange) -> Select:
    return statement.where(Ticket.office_id == office_id,
                           Ticket.business_day.between(period.start, period.end))


def _first(single, earlier_exists) -> ColumnElement:
    return case((single == 1, 1), (earlier_exists, 0), else_=1)


def leg_sums(office_id: int, period: DateRange, keys: tuple[str, ...], kinds: tuple[str, ...],
             conditions: list, every: Every = Every.DAY) -> Select:
    """Sums over the calls, grouped by keys; conditions filter VisitSegment columns.

    A call's wait runs from when the visitor joined that queue: the ticket's queued_at for its
    last call (taking the ticket, or the latest transfer), the previous call's end for an
    earlier call of a transferred visit (an earlier call always ended in a transfer). The
    per-call minutes are computed once, in a materialised CTE, then summed.
    """
    segment, standard, previous = VisitSegment, _standard(), aliased(VisitSegment)
    previous_end = (select(previous.finished_at)
                    .where(previous.ticket_id == segment.ticket_id, previous.id < segment.id)
                    .order_by(previous.id.desc()).limit(1).scalar_subquery())
    last_call = or_(segment.outcome.is_(None), segment.outcome != SegmentOutcome.TRANSFERRED)
    joined = case((last_call, Ticket.queued_at),
                  else_=func.coalesce(previous_end, Ticket.issued_at))
    timed = and_(segment.outcome.in_(SERVING), segment.started_at.is_not(None),
                 segment.finished_at.is_not(None))
    calls = _range(
        select(*[_key(key, every, segment) for key in keys],
               *[getattr(segment, name) for name in IDS if name not in keys],
               segment.ticket_id, segment.id, segment.outcome,
               case((Ticket.queued_at == Ticket.issued_at, 1), else_=0).label("single"),
               minutes_between(segment.called_at, joined).label("wait"),
               case((timed, minutes_between(segment.finished_at, segment.started_at)))
               .label("service"),
               standard.c.minutes.label("standard"))
        .select_from(segment).join(Ticket, Ticket.id == segment.ticket_id)
        .outerjoin(standard, standard.c.service_id == segment.service_id)
        .where(*conditions), office_id, period).cte("calls").prefix_with("MATERIALIZED")
    serving = calls.c.outcome.in_(SERVING)
    visits = []
    for kind in kinds:
        earlier = aliased(VisitSegment)
        same = [earlier.ticket_id == calls.c.ticket_id, earlier.id < calls.c.id,
                earlier.outcome.in_(SERVING)]
        if FIRST_FOR[kind]:
            same.append(getattr(earlier, FIRST_FOR[kind]) == calls.c[FIRST_FOR[kind]])
        visits.append(func.sum(case((serving, _first(calls.c.single, exists().where(*same))),
                                    else_=0)).label(f"v_{kind}"))
    judged = and_(calls.c.service.is_not(None), calls.c.standard > 0)
    group = [calls.c[key] for key in keys]
    return select(
        *group, *visits,
        func.sum(case((calls.c.outcome == SegmentOutcome.NO_SHOW, 1), else_=0))
        .label("no_shows"),
        func.count().label("wait_n"), func.sum(calls.c.wait).label("wait_sum"),
        func.count(calls.c.service).label("service_n"),
        func.sum(calls.c.service).label("service_sum"),
        func.sum(case((judged, 1), else_=0)).label("judged_n"),
        func.sum(case((judged, calls.c.standard), else_=0)).label("standard_sum"),
        func.sum(case((and_(judged, calls.c.service <= calls.c.standard), 1), else_=0))
        .label("within_n"),
    ).group_by(*group)


def credit_sums(office_id: int, period: DateRange, keys: tuple[str, ...],
                kinds: tuple[str, ...], conditions: list, every: Every = Every.DAY) -> Select:
    """Ratings per score, grouped by keys; conditions filter RatingCredit columns.

    Ratings belong to the business day of the visit they rate, like the visits they are
    divided by. n_<kind> counts each rating once per staff member, section, service or at all.
    """
    credit = RatingCredit
    single = case((Ticket.queued_at == Ticket.issued_at, 1), else_=0)
    extra = Rating.extra_payment_asked.is_(True)
    counts = []
    for kind in kinds:
        earlier = aliased(RatingCredit)
        same = [earlier.rating_id == credit.rating_id, earlier.id < credit.id]
        if FIRST_FOR[kind]:
            same.append(getattr(earlier, FIRST_FOR[kind]) == getattr(credit, FIRST_FOR[kind]))
        first = _first(single, exists().where(*same))
        counts.append(func.sum(first).label(f"n_{kind}"))
        counts.append(func.sum(case((extra, first), else_=0)).label(f"x_{kind}"))
    group = [_key(key, every, credit) for key in keys]
    statement = (select(*group, Rating.score, *counts)
                 .select_from(credit)
                 .join(Rating, Rating.id == credit.rating_id)
                 .join(Ticket, Ticket.id == Rating.ticket_id)
                 .where(*conditions).group_by(*group, Rating.score))
    return _range(statement, office_id, period)
