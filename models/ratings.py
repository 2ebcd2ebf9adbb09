"""Exit ratings: one immutable rating per finished visit, credited to everyone who served it.

The citizen is never identified: a rating is reached through the ticket's token only and stores
no personal data. Credits are written once with the rating, one row per distinct (staff,
counter, section, service) that served the visit, so a transferred visit credits both sides and
reports never need to re-derive who served a visit.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Text,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime, now_utc, str_enum
from models.queue import SegmentOutcome, Ticket, TicketStatus, VisitSegment
from models.tickets import QueueError, record_event

MAX_COMMENT = 1000
# The Thai five-level scale, best first: (score, Thai, English).
SCALE = [(5, "มากที่สุด", "Very satisfied"), (4, "มาก", "Satisfied"),
         (3, "ปานกลาง", "Neutral"), (2, "น้อย", "Dissatisfied"),
         (1, "น้อยที่สุด", "Very dissatisfied")]


class Aspect(enum.StrEnum):
    """Optional aspects rated on the same 1-5 scale."""

    CLARITY = "clarity"      # clarity of information and documents
    SPEED = "speed"
    COURTESY = "courtesy"


ASPECT_LABELS = {
    Aspect.CLARITY: ("ความชัดเจนของข้อมูลและเอกสาร", "Clarity of information and documents"),
    Aspect.SPEED: ("ความรวดเร็ว", "Speed"),
    Aspect.COURTESY: ("ความสุภาพของเจ้าหน้าที่", "Courtesy of staff"),
}


class RatingChannel(enum.StrEnum):
    KIOSK = "kiosk"
    PHONE = "phone"
    API = "api"


class Rating(Base):
    __tablename__ = "rating"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_rating_office_created", "office_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    # UNIQUE: the one-rating-per-visit rule holds even between two simultaneous submissions.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"),
                                           unique=True)
    score: Mapped[int] = mapped_column(Integer)
    clarity: Mapped[int | None] = mapped_column(Integer)
    speed: Mapped[int | None] = mapped_column(Integer)
    courtesy: Mapped[int | None] = mapped_column(Integer)
    # The anonymous integrity question; None when the citizen skipped it.
    extra_payment_asked: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[RatingChannel] = mapped_column(str_enum(RatingChannel, "rating_channel"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    ticket: Mapped[Ticket] = relationship()
    credits: Mapped[list[RatingCredit]] = relationship(back_populates="rating",
                                                       order_by="RatingCredit.id")

    @property
    def satisfied(self) -> bool:
        return self.score >= 4


class RatingCredit(Base):
    """One party that served a rated visit. Denormalised on purpose: reports group by these."""

    __tablename__ = "rating_credit"
    __table_args__ = (
        Index("ix_rating_credit_staff", "staff_id", "rated_at"),
        Index("ix_rating_credit_section", "section_id", "rated_at"),
        Index("ix_rating_credit_counter", "counter_id", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"),
                                           index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    score: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    rating: Mapped[Rating] = relationship(back_populates="credits")


class RatingError(QueueError):
    """A rating the rules refuse; 409 for the visit's state, 422 for invalid values."""


def window_from(config: Mapping[str, Any]) -> timedelta:
    """How long a finished visit may be rated (RATING_WINDOW_HOURS): one rule for every channel."""
    return timedelta(hours=config["RATING_WINDOW_HOURS"])


def rating_for(session: Session, ticket: Ticket) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.ticket_id == ticket.id))


def serving_segments(ticket: Ticket) -> list[VisitSegment]:
    """The segments of a visit that actually served it (a no-show call served nobody)."""
    return [s for s in ticket.segments
            if s.outcome in (SegmentOutcome.SERVED, SegmentOutcome.TRANSFERRED)]


def check_can_rate(session: Session, ticket: Ticket, window: timedelta,
                   now: datetime | None = None) -> None:
    """Raise RatingError unless this visit may be rated now."""
    if rating_for(session, ticket) is not None:
        raise RatingError("already_rated", "การมาติดต่อครั้งนี้ได้รับการประเมินแล้ว ขอบคุณค่ะ",
                          "This visit has already been rated. Thank you.")
    if ticket.status != TicketStatus.FINISHED or ticket.finished_at is None:
        raise RatingError("not_finished",
                          "ประเมินได้เมื่อรับบริการเสร็จแล้วเท่านั้น",
                          "You can rate the visit once it is finished.")
    if (now or now_utc()) - ticket.finished_at > window:
        raise RatingError("window_closed", "หมดเวลาประเมินสำหรับการมาติดต่อครั้งนี้แล้ว",
                          "The time to rate this visit has passed.")


def _invalid(field: str) -> RatingError:
    error = RatingError("invalid", f"ค่าของ {field} ไม่ถูกต้อง", f"'{field}' is not valid")
    error.status = 422
    return error


def _score(value, field: str, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise _invalid(field)
    return value


def rate_visit(session: Session, ticket: Ticket, score, *, answers: dict | None = None,
               extra_payment_asked: bool | None = None, comment: str = "",
               channel: RatingChannel = RatingChannel.KIOSK,
               window: timedelta = timedelta(hours=24), now: datetime | None = None) -> Rating:
    """Record the visit's one rating and its credits. Flushes; the caller commits.

    Call begin_write() first. Validation comes before the state checks so a bad value is a 422
    whatever the visit's state; a second submission racing the first fails on the UNIQUE
    ticket_id and is reported as already rated.
    """
    score = _score(score, "score", required=True)
    answers = answers or {}
    if not isinstance(answers, dict) or set(answers) - set(Aspect):
        raise _invalid("answers")
    aspects = {aspect: _score(answers.get(aspect.value), aspect.value, required=False)
               for aspect in Aspect}
    if extra_payment_asked is not None and not isinstance(extra_payment_asked, bool):
        raise _invalid("extra_payment_asked")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise _invalid("comment")
    now = now or now_utc()
    check_can_rate(session, ticket, window, now)
    rating = Rating(office_id=ticket.office_id, ticket_id=ticket.id, score=score,
                    clarity=aspects[Aspect.CLARITY], speed=aspects[Aspect.SPEED],
                    courtesy=aspects[Aspect.COURTESY], extra_payment_asked=extra_payment_asked,
                    comment=comment.strip(), channel=channel, created_at=now)
    session.add(rating)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise RatingError("already_rated", "การมาติดต่อครั้งนี้ได้รับการประเมินแล้ว ขอบคุณค่ะ",
                          "This visit has already been rated. Thank you.") from None
    seen = set()
    for segment in serving_segments(ticket):
        key = (segment.staff_id, segment.counter_id, segment.section_id, segment.service_id)
        if key in seen:
            continue
        seen.add(key)
        session.add(RatingCredit(rating_id=rating.id, staff_id=segment.staff_id,
                                 counter_id=segment.counter_id, section_id=segment.section_id,
                                 service_id=segment.service_id, score=score, rated_at=now))
    record_event(session, ticket, "rated", score=score,
                 extra_payment_asked=extra_payment_asked)
    session.flush()
    return rating
