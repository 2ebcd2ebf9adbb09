"""What a counter does with the ticket it called: recall, start, no-show, finish, transfer,
and pausing the counter.

An action takes anything with the ticket's `id` (an ORM Ticket, or a row the API read), or a
TicketByToken, checks the ticket's state in one query (AT_COUNTER), and writes Core SQL (see
models/calling.py); it returns the ticket's id. On PostgreSQL recall, start, no-show and
finish are one statement each (ONE_STATEMENT, models/one_statement.py), built from the same
changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from models.base import UTCDateTime, now_utc
from models.bearer import Bearer, BearerRefused, staff_id_of
from models.calling import (
    COUNTERS,
    SEGMENTS,
    SERVICES,
    TICKETS,
    acted_in_one_statement,
    refresh_loaded,
)
from models.catalog import Service
from models.one_statement import Action, action_statement
from models.queue import ACTIVE, SegmentOutcome, TicketStatus
from models.refusals import NotAtCounter, UnknownTicket, away, refused
from models.sql import Prepared, Sql, flush
from models.staff import Counter
from models.tickets import QueueError, ServiceRef, record_event


@dataclass(frozen=True)
class TicketByToken:
    """A ticket named by its token (the API's address of it) in an office."""

    token: str
    office_id: int


# A ticket with its counter and its open segment: what every action checks first.
_AT_COUNTER = (
    select(TICKETS.c.id, TICKETS.c.office_id, TICKETS.c.number, TICKETS.c.status,
           TICKETS.c.counter_id, TICKETS.c.queued_at, COUNTERS.c.label.label("counter_label"),
           SERVICES.c.code.label("service_code"), SEGMENTS.c.id.label("segment_id"),
           SEGMENTS.c.recalls)
    .select_from(TICKETS.join(SERVICES, SERVICES.c.id == TICKETS.c.service_id)
                 .outerjoin(COUNTERS, COUNTERS.c.id == TICKETS.c.counter_id)
                 .outerjoin(SEGMENTS, (SEGMENTS.c.ticket_id == TICKETS.c.id)
                            & SEGMENTS.c.finished_at.is_(None)))
    .order_by(SEGMENTS.c.id.desc()).limit(1))
AT_COUNTER = Prepared(_AT_COUNTER.where(TICKETS.c.id == bindparam("ticket_id")))
AT_COUNTER_BY_TOKEN = Prepared(_AT_COUNTER.where(
    TICKETS.c.token == bindparam("token"), TICKETS.c.office_id == bindparam("at_office")))
_UPDATE_SEGMENT = update(SEGMENTS).where(SEGMENTS.c.id == bindparam("segment_id"))
UPDATE_TICKET = Prepared(update(TICKETS).where(TICKETS.c.id == bindparam("ticket_id")),
                         values_from_parameters=True)
UPDATE_SEGMENT = Prepared(_UPDATE_SEGMENT, values_from_parameters=True)
UPDATE_TICKET_AT_COUNTER = Prepared(
    update(TICKETS).where(TICKETS.c.id == bindparam("ticket_id"),
                          or_(*(TICKETS.c.status == status for status in ACTIVE)),
                          TICKETS.c.queued_at == bindparam("queued", type_=UTCDateTime)),
    values_from_parameters=True)


def _served_since(segment):
    """A visit served without "start" counts from its call."""
    return func.coalesce(segment.started_at, segment.called_at)


CLOSE_SEGMENT = {
    True: Prepared(_UPDATE_SEGMENT.values(started_at=_served_since(SEGMENTS.c)),
                   values_from_parameters=True),
    False: UPDATE_SEGMENT,
}


_NOW = bindparam("now", type_=UTCDateTime)
# The actions as one statement each on PostgreSQL; their steps below take the same states
# from here and make the same changes and events.
IN_ONE_STATEMENT = {
    "recall": Action("recalled", (TicketStatus.CALLED,), ("number", "counter", "service"),
                     lambda segment: {"recalls": segment.recalls + 1}, {}),
    "start": Action("started", (TicketStatus.CALLED,), ("number",),
                    lambda segment: {"started_at": _NOW}, {"status": TicketStatus.SERVING}),
    "no-show": Action("no_show", (TicketStatus.CALLED,), ("number",),
                      lambda segment: {"finished_at": _NOW,
                                       "outcome": SegmentOutcome.NO_SHOW},
                      {"status": TicketStatus.NO_SHOW, "counter_id": None,
                       "finished_at": _NOW}),
    "finish": Action("finished", ACTIVE, ("number",),
                     lambda segment: {"finished_at": _NOW, "outcome": SegmentOutcome.SERVED,
                                      "started_at": _served_since(segment)},
                     {"status": TicketStatus.FINISHED, "counter_id": None,
                      "finished_at": _NOW}),
}
# By the action, whether the ticket is named by its token, and whether the statement checks
# a bearer token (models/bearer.py).
ONE_STATEMENT = {(verb, by_token, by_bearer): Prepared(action_statement(
    action, by_token, by_bearer=by_bearer))
    for verb, action in IN_ONE_STATEMENT.items() for by_token in (False, True)
    for by_bearer in (False, True)}
# Finish only while the ticket is at a given counter (call-next with "finish", api/v1.py).
FINISH_AT_COUNTER = {(by_token, by_bearer): Prepared(action_statement(
    IN_ONE_STATEMENT["finish"], by_token, at_counter=True, by_bearer=by_bearer))
    for by_token in (False, True) for by_bearer in (False, True)}


def _require(session: Session | Sql, ticket: Any, verb: str,
             allowed: tuple[TicketStatus, ...] | None = None, at_counter: int | None = None,
             by: Bearer | int | None = None):
    """The ticket's state (AT_COUNTER), if it allows the action (the states of
    IN_ONE_STATEMENT[verb] unless given) and, with at_counter, is at that counter; else a
    QueueError. A Bearer acting is checked first (BearerRefused); a staff member's id, as
    checked already, is taken as it is."""
    allowed = allowed or IN_ONE_STATEMENT[verb].allowed
    flush(session)
    staff_id_of(Sql.of(session), by, ticket.office_id)
    if isinstance(ticket, TicketByToken):
        state = Sql.of(session).first(AT_COUNTER_BY_TOKEN, {"token": ticket.token,
                                                            "at_office": ticket.office_id})
        if state is None:
            raise UnknownTicket()
    else:
        state = Sql.of(session).one(AT_COUNTER, {"ticket_id": ticket.id})
    if away(at_counter, state.counter_id, state.status):
        raise NotAtCounter()
    if state.status not in allowed or state.segment_id is None:
        raise refused(state.status, verb)
    return state


def _in_one_statement(session: Session | Sql, ticket: Any, verb: str,
                      now: datetime | None = None, at_counter: int | None = None,
                      by: Bearer | int | None = None) -> int | None:
    """On PostgreSQL: the action as one statement (which checks `by` if it is a Bearer);
    returns the ticket's id, or raises the error of why nothing was written.
    Elsewhere None (the caller goes step by step)."""
    sql = Sql.of(session)
    if sql.dialect.name != "postgresql":
        return None
    flush(session)
    by_token, by_bearer = isinstance(ticket, TicketByToken), isinstance(by, Bearer)
    key = {"token": ticket.token, "at_office": ticket.office_id} if by_token else \
        {"ticket_id": ticket.id, "at_office": ticket.office_id}
    if by_bearer:
        key["token_hash"] = by.token_hash
    if at_counter is None:
        statement = ONE_STATEMENT[verb, by_token, by_bearer]
    else:
        statement = FINISH_AT_COUNTER[by_token, by_bearer]
        key["at_counter"] = at_counter
    row = sql.first(statement, {**key, "now": now or now_utc(), "created_at": now_utc()})
    if row is None:
        raise UnknownTicket()
    if row.id is None:  # nothing written: refused at the start, or changed meanwhile
        if by_bearer and not row.bearer_ok:
            raise BearerRefused()
        found = row.found_status
        if away(at_counter, row.found_counter, found):
            raise NotAtCounter()
        allowed = IN_ONE_STATEMENT[verb].allowed
        raise refused(None if found in allowed and row.found_segment else found, verb)
    return acted_in_one_statement(sql, row, IN_ONE_STATEMENT[verb].kind)


def _close(session: Session | Sql, state, outcome: SegmentOutcome, now: datetime, verb: str,
           **ticket_values) -> None:
    """End the open segment with outcome; the ticket leaves the counter. The ticket's row
    first, and only while it is still at a counter in the queue entry `state` read (every
    transfer sets queued_at anew): on PostgreSQL a concurrent action on it
    (models/one_statement.py locks the ticket first too) either went before, and this one is
    refused, or waits for this one. (The states each action allows were checked in the same
    transaction; on SQLite nothing can come between.)"""
    sql = Sql.of(session)
    if not sql.execute(UPDATE_TICKET_AT_COUNTER, {
            "ticket_id": state.id, "queued": state.queued_at, "counter_id": None,
            **ticket_values}):
        raise refused(None, verb)
    sql.execute(CLOSE_SEGMENT[outcome is not SegmentOutcome.NO_SHOW], {
        "segment_id": state.segment_id, "finished_at": now, "outcome": outcome})


def recall(session: Session | Sql, ticket: Any, *, by: Bearer | int | None = None) -> int:
    done = _in_one_statement(session, ticket, "recall", by=by)
    if done is not None:
        return done
    state = _require(session, ticket, "recall", by=by)
    Sql.of(session).execute(UPDATE_SEGMENT, {"segment_id": state.segment_id,
                                             "recalls": state.recalls + 1})
    record_event(session, state, "recalled", state.counter_id, number=state.number,
                 counter=state.counter_label, service=state.service_code)
    refresh_loaded(session, state.id)
    return state.id


def start(session: Session | Sql, ticket: Any, now: datetime | None = None, *,
          by: Bearer | int | None = None) -> int:
    done = _in_one_statement(session, ticket, "start", now, by=by)
    if done is not None:
        return done
    state = _require(session, ticket, "start", by=by)
    sql = Sql.of(session)
    sql.execute(UPDATE_SEGMENT, {"segment_id": state.segment_id, "started_at": now or now_utc()})
    sql.execute(UPDATE_TICKET, {"ticket_id": state.id, "status": TicketStatus.SERVING})
    record_event(session, state, "started", state.counter_id, number=state.number)
    refresh_loaded(session, state.id)
    return state.id


def no_show(session: Session | Sql, ticket: Any, now: datetime | None = None, *,
            by: Bearer | int | None = None) -> int:
    done = _in_one_statement(session, ticket, "no-show", now, by=by)
    if done is not None:
        return done
    now = now or now_utc()
    state = _require(session, ticket, "no-show", by=by)
    _close(session, state, SegmentOutcome.NO_SHOW, now, "no-show", status=TicketStatus.NO_SHOW,
           finished_at=now)
    record_event(session, state, "no_show", state.counter_id, number=state.number)
    refresh_loaded(session, state.id)
    return state.id


def finish(session: Session | Sql, ticket: Any, now: datetime | None = None,
           at_counter: int | None = None, *, by: Bearer | int | None = None) -> int:
    """Finish the visit; with at_counter only while the ticket is at that counter, else
    NotAtCounter."""
    done = _in_one_statement(session, ticket, "finish", now, at_counter, by)
    if done is not None:
        return done
    now = now or now_utc()
    state = _require(session, ticket, "finish", at_counter=at_counter, by=by)
    _close(session, state, SegmentOutcome.SERVED, now, "finish", status=TicketStatus.FINISHED,
           finished_at=now)
    record_event(session, state, "finished", state.counter_id, number=state.number)
    refresh_loaded(session, state.id)
    return state.id


def transfer(session: Session | Sql, ticket: Any, to_service: Service | ServiceRef, *,
             front: bool, now: datetime | None = None) -> None:
    """Send the visitor to another service's queue; the ticket keeps its number."""
    now = now or now_utc()
    if not to_service.active or to_service.office_id != ticket.office_id:
        raise QueueError("service_unavailable", "งานบริการปลายทางไม่เปิดให้บริการ",
                         "The target service is not available")
    state = _require(session, ticket, "transfer", ACTIVE)
    _close(session, state, SegmentOutcome.TRANSFERRED, now, "transfer",
           service_id=to_service.id, status=TicketStatus.WAITING, queued_at=now,
           to_front=front)
    record_event(session, state, "transferred", state.counter_id, number=state.number,
                 service=to_service.code, from_service=state.service_code,
                 position="front" if front else "back")
    refresh_loaded(session, state.id)


# The actions on the ticket at a counter, by the name the console and the API use; each takes
# the session (or Sql) and the ticket, and `by`, who acts: a Bearer to check
# (models/bearer.py), or a staff member's id already checked.
TICKET_ACTIONS = {"recall": recall, "start": start, "no-show": no_show, "finish": finish}


def set_paused(session: Session, counter: Counter, paused: bool) -> None:
    counter.paused = paused
    record_event(session, None, "paused" if paused else "resumed", counter.id,
                 office_id=counter.office_id, counter=counter.label)
