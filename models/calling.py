"""What a counter does with a ticket: call next, recall, start, no-show, transfer, finish.

call_next claims exactly one waiting ticket: the candidate row is locked (PostgreSQL
FOR UPDATE SKIP LOCKED; SQLite holds its single write lock from BEGIN IMMEDIATE) and the
update only succeeds while the ticket is still waiting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, select, update
from sqlalchemy.orm import Session

from models.base import now_utc
from models.catalog import Service
from models.queue import SegmentOutcome, Ticket, TicketStatus, VisitSegment
from models.staff import Counter, Staff
from models.tickets import QueueError, business_day, record_event

ACTIVE = (TicketStatus.CALLED, TicketStatus.SERVING)


def queue_order(statement: Select, priority_first: bool = True) -> Select:
    """The calling order: front-of-queue transfers, then one lane, then the other, each first
    come, first served. priority_first says which lane goes first this time (see lane_turn)."""
    lane = Ticket.priority_reason.is_not(None) if priority_first else \
        Ticket.priority_reason.is_(None)
    return statement.order_by(Ticket.to_front.desc(), case((lane, 0), else_=1),
                              Ticket.queued_at, Ticket.id)


def waiting_tickets(office_id: int, service_ids: list[int], day,
                    priority_first: bool = True) -> Select:
    return queue_order(select(Ticket).where(
        Ticket.office_id == office_id, Ticket.business_day == day,
        Ticket.status == TicketStatus.WAITING, Ticket.service_id.in_(service_ids)),
        priority_first)


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.counter_id == counter.id,
                                               Ticket.status.in_(ACTIVE)))


def _priority_streak(session: Session, counter: Counter, day) -> int:
    """How many of this counter's latest calls today in a row were priority tickets."""
    recent = session.execute(
        select(Ticket.priority_reason).join(VisitSegment, VisitSegment.ticket_id == Ticket.id)
        .where(VisitSegment.counter_id == counter.id, Ticket.business_day == day)
        .order_by(VisitSegment.id.desc()).limit(50)
    ).scalars()
    streak = 0
    for reason in recent:
        if reason is None:
            break
        streak += 1
    return streak


def lane_turn(session: Session, counter: Counter, day, priority_ratio: int) -> bool:
    """True when the priority lane goes first at this counter's next call.

    After priority_ratio priority tickets in a row a waiting normal ticket gets its turn.
    """
    return _priority_streak(session, counter, day) < priority_ratio


def _claim(session: Session, counter: Counter, service_ids: list[int], day,
           priority_first: bool) -> Ticket | None:
    """Claim the first ticket in calling order with one UPDATE ... RETURNING.

    The candidate subquery locks its row (PostgreSQL FOR UPDATE SKIP LOCKED: two counters
    never wait on, or get, the same ticket; SQLite already holds its only write lock), and the
    status condition makes the update a no-op if the ticket was claimed meanwhile.
    """
    candidate = (waiting_tickets(counter.office_id, service_ids, day, priority_first)
                 .with_only_columns(Ticket.id).limit(1)
                 .with_for_update(skip_locked=True).scalar_subquery())
    return session.scalars(
        update(Ticket).where(Ticket.id == candidate, Ticket.status == TicketStatus.WAITING)
        .values(status=TicketStatus.CALLED, counter_id=counter.id)
        .returning(Ticket)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).one_or_none()


def call_next(session: Session, counter: Counter, staff: Staff | None, *,
              priority_ratio: int = 2, now: datetime | None = None) -> Ticket | None:
    """Claim the next ticket in calling order (see queue_order and lane_turn).

    Returns None when nobody waits. Call begin_write() first; the caller commits.
    """
    if counter.paused:
        raise QueueError("counter_paused", "ช่องบริการนี้พักการเรียกคิวอยู่",
                         "This counter is paused")
    if current_ticket(session, counter) is not None:
        raise QueueError("counter_busy", "กรุณาจบงานของคิวปัจจุบันก่อนเรียกคิวถัดไป",
                         "Finish the current ticket before calling the next one")
    now = now or now_utc()
    day = business_day(now)
    service_ids = [s.id for s in counter.services if s.active]
    if not service_ids:
        return None
    ticket = _claim(session, counter, service_ids, day,
                    lane_turn(session, counter, day, priority_ratio))
    if ticket is None:
        return None
    service = ticket.service
    session.add(VisitSegment(
        ticket=ticket, service_id=service.id, section_id=service.section_id,
        counter_id=counter.id, staff_id=staff.id if staff else None, called_at=now))
    record_event(session, ticket, "called", counter.id, number=ticket.number,
                 counter=counter.label, service=service.code)
    session.flush()
    return ticket


def _require(ticket: Ticket, allowed: tuple[TicketStatus, ...], action_th: str,
             action_en: str) -> VisitSegment:
    segment = ticket.current_segment
    if ticket.status not in allowed or segment is None:
        raise QueueError("invalid_transition",
                         f"ไม่สามารถ{action_th}ได้ เพราะคิวนี้อยู่ในสถานะ {ticket.status.value}",
                         f"Cannot {action_en} a ticket that is {ticket.status.value}")
    return segment


def recall(session: Session, ticket: Ticket) -> None:
    segment = _require(ticket, (TicketStatus.CALLED,), "เรียกซ้ำ", "recall")
    segment.recalls += 1
    record_event(session, ticket, "recalled", ticket.counter_id, number=ticket.number,
                 counter=ticket.counter.label, service=ticket.service.code)


def start(session: Session, ticket: Ticket, now: datetime | None = None) -> None:
    segment = _require(ticket, (TicketStatus.CALLED,), "เริ่มให้บริการ", "start serving")
    segment.started_at = now or now_utc()
    ticket.status = TicketStatus.SERVING
    record_event(session, ticket, "started", ticket.counter_id, number=ticket.number)


def _close(ticket: Ticket, segment: VisitSegment, outcome: SegmentOutcome,
           now: datetime) -> None:
    segment.finished_at = now
    segment.outcome = outcome
    if segment.started_at is None and outcome is not SegmentOutcome.NO_SHOW:
        segment.started_at = segment.called_at
    ticket.counter_id = None


def no_show(session: Session, ticket: Ticket, now: datetime | None = None) -> None:
    now = now or now_utc()
    segment = _require(ticket, (TicketStatus.CALLED,), "บันทึกว่าไม่มาตามเรียก", "mark no-show")
    counter_id = ticket.counter_id
    _close(ticket, segment, SegmentOutcome.NO_SHOW, now)
    ticket.status = TicketStatus.NO_SHOW
    ticket.finished_at = now
    record_event(session, ticket, "no_show", counter_id, number=ticket.number)


def finish(session: Session, ticket: Ticket, now: datetime | None = None) -> None:
    now = now or now_utc()
    segment = _require(ticket, ACTIVE, "จบงาน", "finish")
    counter_id = ticket.counter_id
    _close(ticket, segment, SegmentOutcome.SERVED, now)
    ticket.status = TicketStatus.FINISHED
    ticket.finished_at = now
    record_event(session, ticket, "finished", counter_id, number=ticket.number)


def transfer(session: Session, ticket: Ticket, to_service: Service, *, front: bool,
             now: datetime | None = None) -> None:
    """Send the visitor to another service's queue; the ticket keeps its number."""
    now = now or now_utc()
    if not to_service.active or to_service.office_id != ticket.office_id:
        raise QueueError("service_unavailable", "งานบริการปลายทางไม่เปิดให้บริการ",
                         "The target service is not available")
    segment = _require(ticket, ACTIVE, "โอนคิว", "transfer")
    counter_id = ticket.counter_id
    from_service = ticket.service.code
    _close(ticket, segment, SegmentOutcome.TRANSFERRED, now)
    ticket.service = to_service
    ticket.status = TicketStatus.WAITING
    ticket.queued_at = now
    ticket.to_front = front
    record_event(session, ticket, "transferred", counter_id, number=ticket.number,
                 service=to_service.code, from_service=from_service,
                 position="front" if front else "back")


# The actions on the ticket at a counter, by the name the console and the API use.
TICKET_ACTIONS = {"recall": recall, "start": start, "no-show": no_show, "finish": finish}


def set_paused(session: Session, counter: Counter, paused: bool) -> None:
    counter.paused = paused
    record_event(session, None, "paused" if paused else "resumed", counter.id,
                 office_id=counter.office_id, counter=counter.label)
