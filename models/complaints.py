"""Complaints and suggestions: the records, their tracking codes and the 15-day reply deadline.

Filing, handling and the staff list: models/complaint_handling.py. Contact details are
optional and stored only when the citizen gives them to get a reply.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime, now_utc, str_enum
from models.catalog import Section, Service
from models.staff import Staff

REPLY_DAYS = 15
MAX_TEXT = 4000
MAX_CONTACT = 200
# No 0/O or 1/I/L: the code is read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class ComplaintCategory(enum.StrEnum):
    SERVICE = "service"          # complaint about a service
    MISCONDUCT = "misconduct"    # corruption or misconduct report
    SUGGESTION = "suggestion"
    COMPLIMENT = "compliment"


CATEGORY_LABELS = {
    ComplaintCategory.SERVICE: ("ร้องเรียนการให้บริการ", "Service complaint"),
    ComplaintCategory.MISCONDUCT: ("แจ้งเบาะแสการทุจริตหรือประพฤติมิชอบ",
                                   "Corruption or misconduct report"),
    ComplaintCategory.SUGGESTION: ("ข้อเสนอแนะ", "Suggestion"),
    ComplaintCategory.COMPLIMENT: ("คำชมเชย", "Compliment"),
}


class ComplaintStatus(enum.StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


STATUS_LABELS = {
    ComplaintStatus.RECEIVED: ("รับเรื่องแล้ว", "Received"),
    ComplaintStatus.IN_PROGRESS: ("กำลังดำเนินการ", "In progress"),
    ComplaintStatus.ANSWERED: ("ตอบกลับแล้ว", "Answered"),
    ComplaintStatus.CLOSED: ("ปิดเรื่องแล้ว", "Closed"),
}

# The allowed moves; staff may also add a note without changing the status.
TRANSITIONS = {
    ComplaintStatus.RECEIVED: {ComplaintStatus.IN_PROGRESS, ComplaintStatus.ANSWERED},
    ComplaintStatus.IN_PROGRESS: {ComplaintStatus.ANSWERED},
    ComplaintStatus.ANSWERED: {ComplaintStatus.CLOSED, ComplaintStatus.IN_PROGRESS},
    ComplaintStatus.CLOSED: set(),
}


class Complaint(Base):
    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_office_created", "office_id", "created_at"),
                      # The form page's key: the same form sent twice files one complaint.
                      UniqueConstraint("office_id", "idempotency_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[ComplaintCategory] = mapped_column(
        str_enum(ComplaintCategory, "complaint_category"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(MAX_CONTACT), default="")
    channel: Mapped[str] = mapped_column(String(16), default="kiosk")
    status: Mapped[ComplaintStatus] = mapped_column(
        str_enum(ComplaintStatus, "complaint_status"), default=ComplaintStatus.RECEIVED)
    reply: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the contact was erased, COMPLAINT_CONTACT_DAYS after closing (complaint_privacy).
    contact_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))

    service: Mapped[Service | None] = relationship()
    section: Mapped[Section | None] = relationship()
    history: Mapped[list[ComplaintUpdate]] = relationship(
        back_populates="complaint", order_by="ComplaintUpdate.id", cascade="all, delete-orphan")

    def overdue(self, now: datetime | None = None) -> bool:
        """Not answered by its deadline (an answer after the deadline stays late, not overdue)."""
        return self.answered_at is None and (now or now_utc()) > self.due_at

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at


class ComplaintUpdate(Base):
    """A step in handling a complaint: who moved it where, with an internal note."""

    __tablename__ = "complaint_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"),
                                              index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[ComplaintStatus] = mapped_column(
        str_enum(ComplaintStatus, "complaint_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    complaint: Mapped[Complaint] = relationship(back_populates="history")
    staff: Mapped[Staff | None] = relationship()


def new_complaint_code() -> str:
    """C-XXXX-XXXX: 8 random characters of 31 (about 40 bits), checked unique on insert."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"C-{chars[:4]}-{chars[4:]}"


def complaint_by_code(session: Session, code: str) -> Complaint | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    return session.scalar(select(Complaint).where(Complaint.code == code))


def reply_deadline(created: datetime) -> datetime:
    return created + timedelta(days=REPLY_DAYS)


def normalize_code(raw: str | None) -> str:
    """What people type from paper: c 7kq2 9xm4, C7KQ29XM4, C-7KQ2-9XM4 all mean the same."""
    chars = "".join(ch for ch in (raw or "").upper() if ch.isascii() and ch.isalnum())
    if len(chars) == 9 and chars[0] == "C":
        chars = chars[1:]
    if len(chars) != 8:
        return ""  # no code has another shape; "" is never found
    return f"C-{chars[:4]}-{chars[4:]}"
