"""Calling: the calling order, and call-next (the actions after it: models/counter_actions.py).

call_next claims exactly one waiting ticket with one UPDATE ... RETURNING: the candidate row
is locked (PostgreSQL FOR UPDATE SKIP LOCKED; SQLite holds its single write lock from BEGIN
IMMEDIATE) and the update only succeeds while the ticket is still waiting.

Calling and the actions run as Core SQL on the session's connection (or a transaction() of
their own), because counters call and finish all morning inside the writers' critical
section; ORM objects the session already holds are read again afterwards (refresh_loaded),
so a caller working with them reads the new state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Date,
    bindparam,
    false,
    func,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from models.base import UTCDateTime, day_start, now_utc
from models.bearer import Bearer, BearerRefused, staff_id_of
from models.catalog import Service
from models.lanes import priority_turn
from models.one_statement import call_next_statement, document_of
from models.queue import ACTIVE, Ticket, TicketStatus, VisitSegment
from models.refusals import check_counter, counter_busy
from models.sql import Prepared, Sql, flush, orm_session, violates
from models.staff import Counter, Staff, counter_service
from models.tickets import business_day, record_event

TICKETS = Ticket.__table__
SEGMENTS = VisitSegment.__table__
SERVICES = Service.__table__
COUNTERS = Counter.__table__


# The ticket at each counter of an office (called or being served): the board's tiles and the
# console's counter list.
NOW_SERVING = (select(TICKETS.c.counter_id, TICKETS.c.number)
               .where(TICKETS.c.office_id == bindparam("office_id"),
                      TICKETS.c.status.in_(ACTIVE)))


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.counter_id == counter.id,
                                               Ticket.status.in_(ACTIVE)))


# --- statements, built once -------------------------------------------------------------

# This counter's latest calls today, newest first (see _priority_first). Newest by called_at alone,
# the order of ix_visit_segment_counter_called, so both databases read the index backwards
# and stop after `ratio` calls: ordered by id, SQLite sorted all of the counter's calls of the
# day, and PostgreSQL walked every counter's segments back through the history; with id as a
# tie-break, a plan made without statistics sorted the day's calls. (A counter's calls are one
# at a time, so called_at orders them as their ids do.) The LIMIT sits in a subquery of the
# segments alone, which no planner merges into the join with the tickets: at most `ratio`
# tickets are looked up whatever the statistics say. Joined inside, a plan made while
# visit_segment looked empty (a new office's first minutes, when a prepared statement's
# generic plan is made) read the ticket table once for every call of the counter's day.
_RECENT_CALLS = (
    select(SEGMENTS.c.ticket_id)
    .where(SEGMENTS.c.counter_id == bindparam("counter_id"),
           SEGMENTS.c.called_at >= bindparam("day_start", type_=UTCDateTime))
    .order_by(SEGMENTS.c.called_at.desc())
    .limit(bindparam("ratio")).subquery("recent"))
_RECENT_PRIORITY = (
    select(func.count())
    .select_from(_RECENT_CALLS.join(TICKETS, TICKETS.c.id == _RECENT_CALLS.c.ticket_id))
    .where(TICKETS.c.priority_reason.is_not(None))
    .scalar_subquery().label("recent_priority"))
# The ticket a counter holds, in the words of ux_ticket_counter_active's own condition
# (models/queue.AT_A_COUNTER: the statuses written out, not sent as parameters), so that
# PostgreSQL's generic plan can prove the condition and read that index, which holds only the
# tickets at a counter. With the statuses as parameters it read ix_ticket_counter with a bitmap
# scan, which visits every called or serving version of the counter's tickets since the
# table's last vacuum (weeks of calls once the table is large) and, unlike an index scan,
# never marks the dead ones to be skipped. (SQLite reads its covering ix_ticket_counter.)
def _literally(status: TicketStatus):
    """A status written out in the SQL, as a partial index's own condition names it."""
    return literal_column(f"'{status.value}'")


AT_A_COUNTER_LITERALLY = TICKETS.c.status.in_([_literally(status) for status in ACTIVE])
# What call-next checks of a counter, in one query: the counter, the ticket it still has (if
# any), and how many of its latest `ratio` calls today were of the priority lane.
COUNTER_STATE = Prepared(
    select(COUNTERS.c.id, COUNTERS.c.office_id, COUNTERS.c.label, COUNTERS.c.paused,
           COUNTERS.c.active,
           select(TICKETS.c.id).where(TICKETS.c.counter_id == bindparam("counter_id"),
                                      AT_A_COUNTER_LITERALLY)
           .limit(1).scalar_subquery().label("busy_with"),
           _RECENT_PRIORITY)
    .where(COUNTERS.c.id == bindparam("counter_id")))
COUNTER_SERVICES = (
    select(counter_service.c.service_id)
    .join(SERVICES, SERVICES.c.id == counter_service.c.service_id)
    .where(counter_service.c.counter_id == bindparam("at_counter"),
           SERVICES.c.active.is_(True)))


def _first_waiting(to_front: bool, normal_lane: bool):
    """The first waiting ticket of the counter's services in one part of the calling order.
    The normal lane (no priority reason) is read from ix_ticket_calling in queue time order,
    skipping only the tickets of services this counter does not serve, however long the
    queue. The priority lane, usually short, is ordered across its reasons: on PostgreSQL
    ix_ticket_priority_waiting holds it in that order; SQLite sorts it."""
    if normal_lane:
        lane = [TICKETS.c.status == TicketStatus.WAITING, TICKETS.c.priority_reason.is_(None)]
    else:  # in the words of ix_ticket_priority_waiting's condition (PostgreSQL's plans)
        lane = [TICKETS.c.status == _literally(TicketStatus.WAITING),
                TICKETS.c.priority_reason.is_not(None)]
    return (select(TICKETS.c.id).where(
        TICKETS.c.office_id == bindparam("at_office"),
        TICKETS.c.business_day == bindparam("day", type_=Date), *lane,
        TICKETS.c.to_front == (true() if to_front else false()),
        TICKETS.c.service_id.in_(COUNTER_SERVICES))
        # In the normal lane priority_reason is NULL throughout: ordering by it changes
        # nothing, and tells PostgreSQL (which treats IS NULL as no equality) that the
        # index's own order serves.
        .order_by(*([TICKETS.c.priority_reason] if normal_lane else []),
                  TICKETS.c.queued_at, TICKETS.c.id)
        .limit(1).with_for_update(skip_locked=True))


def _in_turn(priority_first: bool, probes: dict | None = None):
    """The first ticket in calling order (models/lanes.py): front-of-queue transfers, then the
    lane whose turn it is, then the other, each first come, first served. Each part is an
    index probe (probes: a column per (to the front, normal lane) in place of _first_waiting's
    own subquery); COALESCE stops at the first part that has a ticket."""
    lanes = (False, True) if priority_first else (True, False)  # normal_lane, in turn
    return func.coalesce(*(probes[front, lane] if probes else
                           _first_waiting(front, lane).scalar_subquery()
                           for front in (True, False) for lane in lanes))


def _probe_once(front: bool, normal: bool):
    name = f"{'front' if front else 'back'}_{'normal' if normal else 'priority'}"
    return select(_first_waiting(front, normal).cte(name).c.id).scalar_subquery()


# PostgreSQL's call-next reads the parts from CTEs, one per part, for both orders of the lanes
# (the priority ratio's CASE): each probe is planned, and set up at every call, once instead
# of twice, and still runs only when the order reaches it (a CTE runs when first read).
PROBES_ONCE = {(front, normal): _probe_once(front, normal)
               for front in (True, False) for normal in (False, True)}


def _claim_statement(priority_first: bool):
    """Claim the ticket in turn (_in_turn)."""
    return (update(TICKETS).where(TICKETS.c.id == _in_turn(priority_first),
                                  TICKETS.c.status == TicketStatus.WAITING)
            .values(status=TicketStatus.CALLED, counter_id=bindparam("at_counter"))
            .returning(TICKETS.c.id, TICKETS.c.office_id, TICKETS.c.number,
                       TICKETS.c.service_id, _of_service(SERVICES.c.code, "service_code"),
                       _of_service(SERVICES.c.section_id, "section_id")))


def _of_service(column, name: str):
    """A column of the claimed ticket's service, read by the claim itself. (Spelled out: in
    RETURNING, SQLAlchemy leaves SQLite's column names unqualified, and `service_id` would
    then only find the ticket's column because the service table has none of that name.)"""
    return (select(column).where(SERVICES.c.id == literal_column("ticket.service_id"))
            .scalar_subquery().label(name))


CLAIM = {first: Prepared(_claim_statement(first)) for first in (True, False)}
INSERT_SEGMENT = Prepared(SEGMENTS.insert().inline(), values_from_parameters=True)
# PostgreSQL: the check, the claim, its segment, its event and the answer in one statement
# (models/one_statement.py); by whether the priority ratio counts (a ratio above 0). A racing
# call of the same counter waits at ux_ticket_counter_active for this one's COMMIT, so no
# transaction may write a followed event (which holds the office's lock to COMMIT) and then
# call next: the two would wait for each other. Also by whether the statement checks a
# bearer token (models/bearer.py).
CALL_NEXT_IN_ONE = {(counts, by_bearer): Prepared(call_next_statement(
    COUNTER_STATE.statement, lambda first: _in_turn(first, PROBES_ONCE), counts, by_bearer))
    for counts in (True, False) for by_bearer in (False, True)}


def refresh_loaded(session: Session | Sql, ticket_id: int) -> None:
    """The Core writes bypassed the ORM: a Ticket or segments of it that the session holds
    are read again (the API holds none, so it pays nothing)."""
    session = orm_session(session)
    if session is None or not session.identity_map:
        return
    ticket = session.identity_map.get(identity_key(Ticket, ticket_id))
    if ticket is not None:
        session.refresh(ticket)
        session.expire(ticket, ["segments"])  # a segment may have been added
    for held in list(session.identity_map.values()):
        if isinstance(held, VisitSegment) and held.ticket_id == ticket_id:
            session.refresh(held)


# --- calling --------------------------------------------------------------------------------

def _counter_state(session: Session | Sql, counter_id: int, day, priority_ratio: int):
    return Sql.of(session).first(COUNTER_STATE, {
        "counter_id": counter_id, "day_start": day_start(day), "ratio": max(priority_ratio, 0)})


def _priority_first(state, priority_ratio: int) -> bool:
    return priority_turn(state.recent_priority, priority_ratio)


def claim_next(session: Session | Sql, counter_id: int, office_id: int,
               staff: int | Bearer | None, *, priority_ratio: int = 2,
               now: datetime | None = None) -> int | None:
    """Claim the next ticket in calling order for a counter of the office, called by the
    staff member `staff` (an id, or the Bearer of an API token, who must be allowed to act:
    else BearerRefused, and nothing claimed); returns its id, or None when nobody waits. An
    unknown or inactive counter is an UnknownCounter.

    Call begin_write() first (or run in a write transaction()); the caller commits, or rolls
    back after a QueueError (on PostgreSQL a call that lost a race for its counter fails in
    the database, which ends the transaction's use).
    """
    flush(session)  # a pause just made through the ORM is what the check below must see
    sql = Sql.of(session)
    now = now or now_utc()
    day = business_day(now)
    if sql.dialect.name == "postgresql":
        return _claim_in_one_statement(sql, counter_id, office_id, staff, priority_ratio,
                                       now, day)
    staff_id = staff_id_of(sql, staff, office_id)
    counter = _counter_state(sql, counter_id, day, priority_ratio)
    check_counter(counter, counter.office_id if counter else None, counter_id, office_id)
    claimed = sql.first(CLAIM[_priority_first(counter, priority_ratio)], {
        "at_office": office_id, "day": day, "at_counter": counter_id})
    if claimed is None:
        return None
    sql.execute(INSERT_SEGMENT, {
        "ticket_id": claimed.id, "service_id": claimed.service_id,
        "section_id": claimed.section_id, "counter_id": counter_id, "staff_id": staff_id,
        "called_at": now, "recalls": 0})
    record_event(sql, claimed, "called", counter_id, number=claimed.number,
                 counter=counter.label, service=claimed.service_code)
    refresh_loaded(session, claimed.id)
    return claimed.id


def _claim_in_one_statement(sql: Sql, counter_id: int, office_id: int,
                            staff: int | Bearer | None, priority_ratio: int, now: datetime,
                            day) -> int | None:
    """claim_next on PostgreSQL: CALL_NEXT_IN_ONE, which claims only when the checks above
    (and a Bearer's) pass, so they are made on its answer; the called ticket's document is
    kept for the answer (Sql.documents)."""
    by_bearer = isinstance(staff, Bearer)
    who = {"token_hash": staff.token_hash} if by_bearer else {"staff_id": staff}
    try:
        row = sql.first(CALL_NEXT_IN_ONE[priority_ratio > 0, by_bearer], {
            "counter_id": counter_id, "at_counter": counter_id, "at_office": office_id,
            "day": day, "day_start": day_start(day), "ratio": max(priority_ratio, 0),
            "now": now, "created_at": now_utc(), **who})
    except IntegrityError as error:
        # Another call of this counter claimed a ticket since this one read the counter
        # free: ux_ticket_counter_active refused the second (nothing of it was written).
        if not violates(error, "ux_ticket_counter_active"):
            raise
        raise counter_busy() from error
    if row is None or row.id is None:  # nothing written: why not, or nobody waits
        if by_bearer and row is not None and not row.bearer_ok:
            raise BearerRefused()
        check_counter(row, row.counter_office_id if row else None, counter_id, office_id)
        return None
    return acted_in_one_statement(sql, row, "called")


def acted_in_one_statement(sql: Sql, row, kind: str) -> int:
    """After a one-statement action that wrote (models/one_statement.py): its event kind for
    the listeners, its ticket's document for the answer (Sql.documents), objects the session
    holds read again; the ticket's id."""
    sql.kinds.add(kind)
    sql.documents[row.id] = document_of(row)
    refresh_loaded(sql, row.id)
    return row.id


def call_next(session: Session, counter: Counter, staff: Staff | None, *,
              priority_ratio: int = 2, now: datetime | None = None) -> Ticket | None:
    """claim_next for callers that work with the ORM: the called Ticket, or None."""
    claimed = claim_next(session, counter.id, counter.office_id, staff.id if staff else None,
                         priority_ratio=priority_ratio, now=now)
    return session.get(Ticket, claimed) if claimed is not None else None
