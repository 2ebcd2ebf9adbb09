"""Queue tables: tickets (one per visit), the segments of a visit, daily numbering, events.

A ticket is one visit. Every call of it to a counter opens a VisitSegment recording the service,
section, counter and staff member, with called/started/finished times and the outcome, so a
visit served by several counters and sections keeps all of them (ratings credit each one).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, now_utc, postgresql_only, str_enum
from models.catalog import Section, Service
from models.staff import Counter, Staff


class TicketStatus(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    FINISHED = "finished"
    NO_SHOW = "no_show"


class PriorityReason(enum.StrEnum):
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    MONK = "monk"


class SegmentOutcome(enum.StrEnum):
    SERVED = "served"
    TRANSFERRED = "transferred"
    NO_SHOW = "no_show"


# The states of a ticket at a counter (called, or being served), in Python and in SQL.
ACTIVE = (TicketStatus.CALLED, TicketStatus.SERVING)
# The tickets at a counter, as ux_ticket_counter_active's condition (and call-next's check of
# it, models/calling.AT_A_COUNTER_LITERALLY) write them out.
AT_A_COUNTER = f"status IN ({', '.join(repr(status.value) for status in ACTIVE)})"
WAITING_ONLY = "status = 'waiting'"
PRIORITY_WAITING = f"{WAITING_ONLY} AND priority_reason IS NOT NULL"


class TicketSequence(Base):
    """The last number handed out per (office, prefix, business day); bumped by one UPSERT."""

    __tablename__ = "ticket_sequence"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        # A number once a day per office, the number first (migration 0016): led by office and
        # day, this was also the smallest index of "the office's tickets of the day", and
        # PostgreSQL's generic plans made without column statistics read call-next's
        # priority-lane probes through it: every ticket of the day at every call (4,500 pages
        # a call in a benchmark's fifth run on one database, 450 with the number first).
        UniqueConstraint("number", "business_day", "office_id"),
        UniqueConstraint("office_id", "idempotency_key"),
        # Covers what call-next sorts and people-ahead counts (migration 0008; on PostgreSQL a
        # new ticket's count reads ix_ticket_waiting).
        Index("ix_ticket_queue", "office_id", "status", "service_id", "business_day", "to_front",
              "priority_reason", "queued_at"),
        # The ticket a counter holds now (call-next checks it), without reading its history.
        Index("ix_ticket_counter", "counter_id", "status"),
        # Call-next's calling order, one lane at a time (models/calling.py, CLAIM).
        Index("ix_ticket_calling", "office_id", "business_day", "status", "to_front",
              "priority_reason", "queued_at", "id", "service_id"),
        # PostgreSQL: the waiting tickets alone, by service, for a new ticket's people ahead
        # (ISSUE_IN_ONE_STATEMENT, migration 0015). A plan made without statistics finds it the
        # smallest index that answers, where the day's numbers or the calling order hold every
        # ticket of the day. (SQLite's count sends the status as a parameter, which a partial
        # index cannot serve, and reads ix_ticket_queue: no index there.)
        postgresql_only(Index("ix_ticket_waiting", "office_id", "service_id", "business_day",
                              postgresql_where=text(WAITING_ONLY))),
        # PostgreSQL: call-next's priority-lane probes, in calling order (migration 0017). The
        # lane is usually a few tickets; without statistics a generic plan read it through
        # ix_ticket_queue, every waiting ticket of the office (models/calling._first_waiting
        # writes both conditions out, as a partial index needs).
        postgresql_only(Index("ix_ticket_priority_waiting", "office_id", "business_day",
                              "to_front", "queued_at", "id",
                              postgresql_where=text(PRIORITY_WAITING))),
        # A counter holds one ticket at a time, also when two calls of it race (migration
        # 0011; call-next answers counter_busy).
        Index("ux_ticket_counter_active", "counter_id", unique=True,
              sqlite_where=text(AT_A_COUNTER), postgresql_where=text(AT_A_COUNTER)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    # Unguessable: the status page and rating are reached by this token only.
    token: Mapped[str] = mapped_column(String(43), unique=True)
    business_day: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(8))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    first_service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    priority_reason: Mapped[PriorityReason | None] = mapped_column(
        str_enum(PriorityReason, "priority_reason"))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "ticket_status"),
                                                 default=TicketStatus.WAITING)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Queue order: front-of-queue transfers first, then by the time the ticket joined the queue.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    to_front: Mapped[bool] = mapped_column(Boolean, default=False)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service: Mapped[Service] = relationship(foreign_keys=[service_id])
    first_service: Mapped[Service] = relationship(foreign_keys=[first_service_id])
    counter: Mapped[Counter | None] = relationship()
    segments: Mapped[list[VisitSegment]] = relationship(
        back_populates="ticket", order_by="VisitSegment.id", cascade="all, delete-orphan")

    @property
    def priority(self) -> bool:
        return self.priority_reason is not None


class VisitSegment(Base):
    """One counter's part of a visit."""

    __tablename__ = "visit_segment"
    # A counter's calls of today (the priority ratio reads its latest), a service's (estimated
    # waits use their mean time) and a staff member's (the console's figures), without the
    # history.
    __table_args__ = (Index("ix_visit_segment_counter_called", "counter_id", "called_at"),
                      Index("ix_visit_segment_service_called", "service_id", "called_at"),
                      Index("ix_visit_segment_staff_called", "staff_id", "called_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"),
                                           index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[SegmentOutcome | None] = mapped_column(
        str_enum(SegmentOutcome, "segment_outcome"))

    ticket: Mapped[Ticket] = relationship(back_populates="segments")
    service: Mapped[Service] = relationship()
    section: Mapped[Section] = relationship()
    counter: Mapped[Counter] = relationship()
    staff: Mapped[Staff | None] = relationship()


class QueueEvent(Base):
    """Every state change, in order. Boards and consoles follow this table (any process)."""

    __tablename__ = "queue_event"
    # The office's events in order: the boards read the newest, and those after the last one
    # they have, from its end (kiosk/events.py, kiosk/board.py).
    __table_args__ = (Index("ix_queue_event_office_order", "office_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(24))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class PrintStatus(enum.StrEnum):
    PENDING = "pending"
    PRINTED = "printed"
    FAILED = "failed"


class PrintJob(Base):
    """A ticket print attempt; a failed one stays listed for staff to reprint."""

    __tablename__ = "print_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[PrintStatus] = mapped_column(str_enum(PrintStatus, "print_status"),
                                                default=PrintStatus.PENDING)
    printer_url: Mapped[str] = mapped_column(String(300))
    error: Mapped[str] = mapped_column(Text, default="")
    destination: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
