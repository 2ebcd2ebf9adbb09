"""PostgreSQL: call-next and the actions on a called ticket, each built as one statement.

Counters call and finish all day. On PostgreSQL every statement is a round trip to a server
process on the same two cores, and the step-by-step path of models/calling.py and
models/counter_actions.py takes about ten of them per action (BEGIN, the checks, the writes,
the event, the answer's reads, COMMIT). On PostgreSQL each action is instead one statement of
data-modifying CTEs: the check, the writes, the event (with the office's event lock and the
notification, as record_event writes them) and the ticket's document as the API answers it.
Run alone (transaction(one_statement=True)) the statement is its own transaction: one round
trip. For the API each statement also checks the bearer token (models/bearer.py), so a
request is that one round trip. The rules stay where they are: calling.py and
counter_actions.py build these statements from their own parts (the calling order's index
probes, each action's changes).

A statement writes only when its checks pass, and its caller raises an error only when it
wrote nothing, so an error never follows a committed change. The writes are chained: the
ticket's row is updated first, with the states the action needs in its WHERE (checked again
against the newest row when a concurrent action held it: of two finishes at once, one
finishes and the other changes nothing), and the segment and the event are written from what
that update returned.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    func,
    insert,
    lateral,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql import ColumnElement, Select

from models.base import UTCDateTime
from models.bearer import BEARER, MAY_ACT
from models.catalog import Section, Service
from models.queue import Ticket, TicketStatus, VisitSegment
from models.staff import Counter, Staff
from models.tickets import EVENTS, EVENTS_CHANNEL, FOLLOWED_EVENTS_LOCK, FOLLOWED_KINDS

TICKETS = Ticket.__table__
SEGMENTS = VisitSegment.__table__
SERVICES = Service.__table__
SECTIONS = Section.__table__
COUNTERS = Counter.__table__
STAFF = Staff.__table__

# The API's ticket document (api/documents.py): the ticket's fields and each segment's.
TicketFields = namedtuple("TicketFields", (
    "id", "office_id", "token", "number", "status", "priority_reason", "business_day",
    "queued_at", "to_front", "service_id", "service_code", "counter_label"))
SEGMENT_FIELDS = ("service", "section", "counter", "staff", "called_at", "started_at",
                  "finished_at", "outcome")
SegmentFields = namedtuple("SegmentFields", SEGMENT_FIELDS)


@dataclass(frozen=True)
class Document:
    """A ticket as a one-statement action left it: its fields (those of the API's ticket
    query) and its segments, oldest first."""

    ticket: TicketFields
    segments: list[SegmentFields]


def document_of(row) -> Document:
    """The Document in a row of a statement built here (one whose ticket columns are set)."""
    ticket = TicketFields(*(getattr(row, name) for name in TicketFields._fields))
    columns = [getattr(row, f"segment_{name}") or [] for name in SEGMENT_FIELDS]
    return Document(ticket, [SegmentFields(*values) for values in zip(*columns, strict=True)])


def _with_document(head: list[ColumnElement], source, ticket, changed) -> Select:
    """SELECT head, then the ticket's document, FROM source. `ticket` is a CTE of the ticket's
    updated row (RETURNING every column), `changed` one of the segments the statement wrote
    (RETURNING every column), which stand in for what the statement's snapshot still holds of
    them. The segments come as one array per field, in segment order, typed as their
    columns."""
    earlier = select(*SEGMENTS.c).where(SEGMENTS.c.ticket_id == ticket.c.id,
                                        SEGMENTS.c.id.not_in(select(changed.c.id)))
    visit = union_all(earlier, select(*changed.c)).subquery("visit")
    # Each name by its key, per segment (a visit has one to a few): joined, a plan made
    # without statistics hashed the whole of each table at every action.
    fields = (named_by_key(SERVICES, visit.c.service_id, SERVICES.c.code),
              named_by_key(SECTIONS, visit.c.section_id, SECTIONS.c.code),
              named_by_key(COUNTERS, visit.c.counter_id, COUNTERS.c.label),
              named_by_key(STAFF, visit.c.staff_id, STAFF.c.display_name),
              visit.c.called_at, visit.c.started_at, visit.c.finished_at, visit.c.outcome)
    segments = select(*(func.array_agg(aggregate_order_by(column, visit.c.id),
                                       type_=ARRAY(column.type)).label(f"segment_{name}")
                        for name, column in zip(SEGMENT_FIELDS, fields, strict=True))) \
        .select_from(visit).subquery("segments")
    return select(
        *head, ticket.c.id, ticket.c.office_id, ticket.c.token, ticket.c.number,
        ticket.c.status, ticket.c.priority_reason, ticket.c.business_day, ticket.c.queued_at,
        ticket.c.to_front, ticket.c.service_id,
        named_by_key(SERVICES, ticket.c.service_id, SERVICES.c.code, "service_code"),
        named_by_key(COUNTERS, ticket.c.counter_id, COUNTERS.c.label, "counter_label"),
        *segments.c).select_from(source.outerjoin(ticket, true()).join(segments, true()))


def named_by_key(table, key, column, name: str | None = None):
    """A column of the row of `table` whose id is `key`."""
    found = select(column).where(table.c.id == key).scalar_subquery()
    return found.label(name) if name else found


def _event(source, kind: str, data: dict[str, ColumnElement]):
    """INSERT of a `kind` event for each row of `source` (a CTE with the ticket's id, its
    office_id and the counter_id of the event): for a followed kind the office's lock, and
    the notification, are taken per row, after the row was written; the event's id is drawn
    after them (see models/tickets.FOLLOWED_KINDS)."""
    guards = [func.pg_notify(EVENTS_CHANNEL, "")]
    if kind in FOLLOWED_KINDS:
        guards.insert(0, func.pg_advisory_xact_lock(FOLLOWED_EVENTS_LOCK, source.c.office_id))
    guard = lateral(select(*guards).correlate(source)).alias("guard")
    values = func.json_build_object(*(part for key, value in data.items()
                                      for part in (literal(key), value)))
    return insert(EVENTS).from_select(
        ["office_id", "kind", "ticket_id", "counter_id", "data", "created_at"],
        select(source.c.office_id, literal(kind), source.c.id, source.c.counter_id, values,
               bindparam("created_at", type_=UTCDateTime))
        .select_from(source).join(guard, true()))


def _acting(by_bearer: bool) -> tuple[list[ColumnElement], list[ColumnElement]]:
    """With by_bearer, the condition an action needs of the token `token_hash`
    (models/bearer.py) and the column that tells it (bearer_ok); without, none."""
    return ([MAY_ACT], [MAY_ACT.label("bearer_ok")]) if by_bearer else ([], [])


def call_next_statement(counter_state: Select, in_turn: Callable[[bool], ColumnElement],
                        ratio_counts: bool, by_bearer: bool = False) -> Select:
    """Call-next: the counter's state (counter_state: calling.COUNTER_STATE's columns), the
    claim of the ticket in_turn(priority_first) names (the calling order's index probes),
    its segment and its event, and the called ticket's document. Claims nothing unless the
    counter is the office's (at_office), active, not paused and holds no ticket; with
    ratio_counts, the priority lane goes first unless the counter's latest `ratio` calls
    were all of it. The segment's staff member is `staff_id`, or with by_bearer the holder
    of the token `token_hash`, who must be allowed to act (models/bearer.py).

    Its row: the counter's state (counter_office_id, active, paused, busy_with; no row for a
    counter that does not exist), with by_bearer bearer_ok, and the document, whose `id` is
    None when nothing was claimed and nothing written."""
    state = counter_state.cte("counter_state")
    gate, told = _acting(by_bearer)
    free = and_(state.c.active, state.c.office_id == bindparam("at_office"),
                not_(state.c.paused), state.c.busy_with.is_(None), *gate)
    staff = select(BEARER.c.id).scalar_subquery() if by_bearer else \
        bindparam("staff_id", type_=Integer)
    chosen = case((state.c.recent_priority == bindparam("ratio"), in_turn(False)),
                  else_=in_turn(True)) if ratio_counts else in_turn(False)
    claimed = (update(TICKETS)
               .where(TICKETS.c.id == select(case((free, chosen), else_=null()))
                      .scalar_subquery(), TICKETS.c.status == TicketStatus.WAITING)
               .values(status=TicketStatus.CALLED, counter_id=bindparam("at_counter"))
               .returning(*TICKETS.c).cte("claimed"))
    segment = (insert(SEGMENTS).from_select(
        ["ticket_id", "service_id", "section_id", "counter_id", "staff_id", "called_at",
         "recalls"],
        select(claimed.c.id, claimed.c.service_id,
               named_by_key(SERVICES, claimed.c.service_id, SERVICES.c.section_id),
               claimed.c.counter_id, staff, bindparam("now", type_=UTCDateTime),
               literal(0))
        .select_from(claimed))
        .returning(*SEGMENTS.c).cte("segment"))
    event = _event(claimed, "called", {
        "number": claimed.c.number, "counter": state.c.label,
        "service": named_by_key(SERVICES, claimed.c.service_id, SERVICES.c.code)}).cte("event")
    return _with_document([state.c.office_id.label("counter_office_id"), state.c.active,
                           state.c.paused, state.c.busy_with, *told], state, claimed, segment) \
        .add_cte(event)


@dataclass(frozen=True)
class Action:
    """One action on the ticket at a counter, as a statement: the kind of event it writes
    and which fields the event carries, the states it needs, and what it sets on the open
    segment and on the ticket (given the tables' columns, to build on them)."""

    kind: str
    allowed: tuple[TicketStatus, ...]
    event_fields: tuple[str, ...]
    segment_values: Callable[[Any], dict]
    ticket_values: dict[str, Any]


def action_statement(action: Action, by_token: bool, at_counter: bool = False,
                     by_bearer: bool = False) -> Select:
    """The action on the ticket of `token` (by_token) or of `ticket_id`, in the office
    `at_office`: only if the ticket is in one of the allowed states with an open segment,
    with at_counter only while it is at the counter `at_counter`, and with by_bearer only
    when the holder of the token `token_hash` may act (models/bearer.py).

    Its row: the ticket as found at the start (found_id, found_status, found_segment,
    found_counter; no row for a ticket that does not exist here), with by_bearer
    bearer_ok, and the document, whose `id` is None when the action did not happen and
    nothing was written."""
    found = TICKETS.c.token == bindparam("token") if by_token else \
        TICKETS.c.id == bindparam("ticket_id")
    open_segment = (select(SEGMENTS.c.id).where(SEGMENTS.c.ticket_id == TICKETS.c.id,
                                                SEGMENTS.c.finished_at.is_(None))
                    .order_by(SEGMENTS.c.id.desc()).limit(1).scalar_subquery())
    target = (select(TICKETS.c.id, TICKETS.c.status, TICKETS.c.counter_id,
                     TICKETS.c.queued_at, open_segment.label("segment_id"))
              .where(found, TICKETS.c.office_id == bindparam("at_office")).cte("target"))

    def as_found(column):
        return select(target.c[column.key]).where(target.c.segment_id.is_not(None)) \
            .scalar_subquery()

    # The ticket first (transfer too, counter_actions._close): its row lock makes actions on
    # it take turns, and what the action needs is checked again against its newest row: an
    # allowed state, and still the queue entry the segment read at the start belongs to
    # (every transfer sets queued_at anew; transferred and called again since, the ticket
    # holds a newer segment than that one).
    # (An action that changes nothing on the ticket still sets a column to itself, for the
    # lock.)
    at_the_counter = [TICKETS.c.counter_id == bindparam("at_counter", type_=Integer)] \
        if at_counter else []
    gate, told = _acting(by_bearer)
    changed = (update(TICKETS)
               .where(TICKETS.c.id == as_found(TICKETS.c.id),
                      or_(*(TICKETS.c.status == status for status in action.allowed)),
                      TICKETS.c.queued_at == as_found(TICKETS.c.queued_at), *at_the_counter,
                      *gate)
               .values(**(action.ticket_values or {"to_front": TICKETS.c.to_front}))
               .returning(*TICKETS.c).cte("changed"))
    segment = (update(SEGMENTS)
               .where(SEGMENTS.c.id == select(target.c.segment_id)
                      .join(changed, changed.c.id == target.c.id).scalar_subquery(),
                      SEGMENTS.c.finished_at.is_(None))
               .values(**action.segment_values(SEGMENTS.c))
               .returning(*SEGMENTS.c).cte("segment"))
    # The event's counter is the one the ticket was at (finishing takes it from the ticket).
    acted = (select(changed.c.id, changed.c.office_id, target.c.counter_id, changed.c.number,
                    changed.c.service_id)
             .select_from(changed.join(target, target.c.id == changed.c.id)
                          .join(segment, segment.c.ticket_id == changed.c.id))
             .cte("acted"))
    fields = {"number": acted.c.number,
              "counter": named_by_key(COUNTERS, acted.c.counter_id, COUNTERS.c.label),
              "service": named_by_key(SERVICES, acted.c.service_id, SERVICES.c.code)}
    event = _event(acted, action.kind,
                   {name: fields[name] for name in action.event_fields}).cte("event")
    return _with_document([target.c.id.label("found_id"), target.c.status.label("found_status"),
                           target.c.segment_id.label("found_segment"),
                           target.c.counter_id.label("found_counter"), *told],
                          target, changed, segment) \
        .add_cte(event)
