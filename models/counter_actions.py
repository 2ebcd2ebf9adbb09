"""What a counter does with the ticket it called: recall, start, no-show, finish, transfer,
and pausing the counter.

An action takes anything with the ticket's `id` (an ORM Ticket, or a row the API read), checks
the ticket's state in one query (AT_COUNTER), and writes Core SQL; see models/calling.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from models.base import now_utc
from models.calling import ACTIVE, COUNTERS, SEGMENTS, SERVICES, TICKETS, refresh_loaded
from models.catalog import Service
from models.queue import SegmentOutcome, Ticket, TicketStatus
from models.sql import Prepared, Sql, flush
from models.staff import Counter
from models.tickets import QueueError, ServiceRef, record_event

# A ticket with its counter and its open segment: what every action checks first.
AT_COUNTER = Prepared(
    select(TICKETS.c.id, TICKETS.c.office_id, TICKETS.c.number, TICKETS.c.status,
           TICKETS.c.counter_id, COUNTERS.c.label.label("counter_label"),
           SERVICES.c.code.label("service_code"), SEGMENTS.c.id.label("segment_id"),
           SEGMENTS.c.recalls)
    .select_from(TICKETS.join(SERVICES, SERVICES.c.id == TICKETS.c.service_id)
                 .outerjoin(COUNTERS, COUNTERS.c.id == TICKETS.c.counter_id)
                 .outerjoin(SEGMENTS, (SEGMENTS.c.ticket_id == TICKETS.c.id)
                            & SEGMENTS.c.finished_at.is_(None)))
    .where(TICKETS.c.id == bindparam("ticket_id"))
    .order_by(SEGMENTS.c.id.desc()).limit(1))
_UPDATE_SEGMENT = update(SEGMENTS).where(SEGMENTS.c.id == bindparam("segment_id"))
UPDATE_TICKET = Prepared(update(TICKETS).where(TICKETS.c.id == bindparam("ticket_id")),
                         values_from_parameters=True)
UPDATE_SEGMENT = Prepared(_UPDATE_SEGMENT, values_from_parameters=True)
CLOSE_SEGMENT = {
    # A visit served without "start" counts from its call.
    True: Prepared(_UPDATE_SEGMENT.values(started_at=func.coalesce(SEGMENTS.c.started_at,
                                                                   SEGMENTS.c.called_at)),
                   values_from_parameters=True),
    False: UPDATE_SEGMENT,
}



def _require(session: Session | Sql, ticket: Any, allowed: tuple[TicketStatus, ...], action_th: str,
             action_en: str):
    """The ticket's state (AT_COUNTER), if it allows the action; else a QueueError."""
    flush(session)
    state = Sql.of(session).one(AT_COUNTER, {"ticket_id": ticket.id})
    if state.status not in allowed or state.segment_id is None:
        raise QueueError("invalid_transition",
                         f"ไม่สามารถ{action_th}ได้ เพราะคิวนี้อยู่ในสถานะ {state.status.value}",
                         f"Cannot {action_en} a ticket that is {state.status.value}")
    return state


def _close(session: Session | Sql, state, outcome: SegmentOutcome, now: datetime,
           **ticket_values) -> None:
    """End the open segment with outcome; the ticket leaves the counter."""
    sql = Sql.of(session)
    sql.execute(CLOSE_SEGMENT[outcome is not SegmentOutcome.NO_SHOW], {
        "segment_id": state.segment_id, "finished_at": now, "outcome": outcome})
    sql.execute(UPDATE_TICKET, {"ticket_id": state.id, "counter_id": None, **ticket_values})


def recall(session: Session | Sql, ticket: Ticket) -> None:
    state = _require(session, ticket, (TicketStatus.CALLED,), "เรียกซ้ำ", "recall")
    Sql.of(session).execute(UPDATE_SEGMENT, {"segment_id": state.segment_id,
                                             "recalls": state.recalls + 1})
    record_event(session, state, "recalled", state.counter_id, number=state.number,
                 counter=state.counter_label, service=state.service_code)
    refresh_loaded(session, state.id)


def start(session: Session | Sql, ticket: Ticket, now: datetime | None = None) -> None:
    state = _require(session, ticket, (TicketStatus.CALLED,), "เริ่มให้บริการ", "start serving")
    sql = Sql.of(session)
    sql.execute(UPDATE_SEGMENT, {"segment_id": state.segment_id, "started_at": now or now_utc()})
    sql.execute(UPDATE_TICKET, {"ticket_id": state.id, "status": TicketStatus.SERVING})
    record_event(session, state, "started", state.counter_id, number=state.number)
    refresh_loaded(session, state.id)


def no_show(session: Session | Sql, ticket: Ticket, now: datetime | None = None) -> None:
    now = now or now_utc()
    state = _require(session, ticket, (TicketStatus.CALLED,), "บันทึกว่าไม่มาตามเรียก",
                     "mark no-show")
    _close(session, state, SegmentOutcome.NO_SHOW, now, status=TicketStatus.NO_SHOW,
           finished_at=now)
    record_event(session, state, "no_show", state.counter_id, number=state.number)
    refresh_loaded(session, state.id)


def finish(session: Session | Sql, ticket: Ticket, now: datetime | None = None) -> None:
    now = now or now_utc()
    state = _require(session, ticket, ACTIVE, "จบงาน", "finish")
    _close(session, state, SegmentOutcome.SERVED, now, status=TicketStatus.FINISHED,
           finished_at=now)
    record_event(session, state, "finished", state.counter_id, number=state.number)
    refresh_loaded(session, state.id)


def transfer(session: Session | Sql, ticket: Any, to_service: Service | ServiceRef, *,
             front: bool, now: datetime | None = None) -> None:
    """Send the visitor to another service's queue; the ticket keeps its number."""
    now = now or now_utc()
    if not to_service.active or to_service.office_id != ticket.office_id:
        raise QueueError("service_unavailable", "งานบริการปลายทางไม่เปิดให้บริการ",
                         "The target service is not available")
    state = _require(session, ticket, ACTIVE, "โอนคิว", "transfer")
    _close(session, state, SegmentOutcome.TRANSFERRED, now, service_id=to_service.id,
           status=TicketStatus.WAITING, queued_at=now, to_front=front)
    record_event(session, state, "transferred", state.counter_id, number=state.number,
                 service=to_service.code, from_service=state.service_code,
                 position="front" if front else "back")
    refresh_loaded(session, state.id)


# The actions on the ticket at a counter, by the name the console and the API use.
TICKET_ACTIONS = {"recall": recall, "start": start, "no-show": no_show, "finish": finish}


def set_paused(session: Session, counter: Counter, paused: bool) -> None:
    counter.paused = paused
    record_event(session, None, "paused" if paused else "resumed", counter.id,
                 office_id=counter.office_id, counter=counter.label)
