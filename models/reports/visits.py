"""The rated visits behind a report row (drill-down), the latest comments, and trend buckets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from models.queue import SegmentOutcome, Ticket, VisitSegment
from models.ratings import Rating, RatingCredit
from models.reports.figures import Figures
from models.reports.periods import DateRange, Every, buckets
from models.reports.queries import Scope

PER_PAGE = 50


@dataclass
class SegmentRow:
    counter: str
    staff: str
    section_th: str
    section_en: str
    service_th: str
    service_en: str
    called_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    outcome: SegmentOutcome | None

    @property
    def service_minutes(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds() / 60, 1)


@dataclass
class RatedVisit:
    rating_id: int
    number: str
    business_day: date
    rated_at: datetime
    score: int
    clarity: int | None
    speed: int | None
    courtesy: int | None
    extra_payment_asked: bool | None
    comment: str
    segments: list[SegmentRow] = field(default_factory=list)


def _credit_conditions(scope: Scope, staff_id: int | None, section_id: int | None) -> list:
    """A named staff member or section (the view checked it is in scope), else the scope."""
    if staff_id is not None or section_id is not None:
        return [RatingCredit.staff_id == staff_id] if staff_id is not None \
            else [RatingCredit.section_id == section_id]
    if scope.staff_id is not None:
        return [RatingCredit.staff_id == scope.staff_id]
    if scope.section_id is not None:
        return [RatingCredit.section_id == scope.section_id]
    return []


def _rated(scope: Scope, period: DateRange, staff_id: int | None, section_id: int | None):
    statement = (select(Rating).join(Ticket, Ticket.id == Rating.ticket_id)
                 .where(Ticket.office_id == scope.office_id,
                        Ticket.business_day.between(period.start, period.end)))
    conditions = _credit_conditions(scope, staff_id, section_id)
    if conditions:
        # EXISTS, not IN (list): SQLite would probe every rating id of the whole list for
        # every visit of the range.
        statement = statement.where(exists().where(RatingCredit.rating_id == Rating.id,
                                                   *conditions))
    return statement


def _visit(rating: Rating) -> RatedVisit:
    ticket = rating.ticket
    return RatedVisit(
        rating_id=rating.id, number=ticket.number, business_day=ticket.business_day,
        rated_at=rating.created_at, score=rating.score, clarity=rating.clarity,
        speed=rating.speed, courtesy=rating.courtesy,
        extra_payment_asked=rating.extra_payment_asked, comment=rating.comment,
        segments=[SegmentRow(
            counter=s.counter.label, staff=s.staff.display_name if s.staff else "",
            section_th=s.section.name_th, section_en=s.section.name_en or s.section.name_th,
            service_th=s.service.name_th, service_en=s.service.name_en or s.service.name_th,
            called_at=s.called_at, started_at=s.started_at, finished_at=s.finished_at,
            outcome=s.outcome) for s in ticket.segments])


def _load(session: Session, statement, limit: int, offset: int = 0) -> list[RatedVisit]:
    segment = selectinload(Rating.ticket).selectinload(Ticket.segments)
    statement = (statement.order_by(Rating.created_at.desc(), Rating.id.desc())
                 .limit(limit).offset(offset)
                 .options(segment.selectinload(VisitSegment.staff),
                          segment.selectinload(VisitSegment.counter),
                          segment.selectinload(VisitSegment.section),
                          segment.selectinload(VisitSegment.service)))
    return [_visit(rating) for rating in session.scalars(statement)]


def rated_visits(session: Session, scope: Scope, period: DateRange, *,
                 staff_id: int | None = None, section_id: int | None = None,
                 page: int = 1) -> tuple[list[RatedVisit], int]:
    """One page of the rated visits credited to a staff member or section, newest first,
    and how many there are in all."""
    statement = _rated(scope, period, staff_id, section_id)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    return _load(session, statement, PER_PAGE, (max(page, 1) - 1) * PER_PAGE), total


def latest_comments(session: Session, scope: Scope, period: DateRange, *,
                    staff_id: int | None = None, section_id: int | None = None,
                    limit: int = 10) -> list[RatedVisit]:
    statement = _rated(scope, period, staff_id, section_id).where(Rating.comment != "")
    return _load(session, statement, limit)


@dataclass
class TrendPoint:
    start: date
    figures: Figures


def trend(by_bucket: dict[date, Figures], period: DateRange, every: Every) -> list[TrendPoint]:
    """Every bucket of the range in order, empty ones included (a gap is a real zero)."""
    return [TrendPoint(start, by_bucket.get(start) or Figures(key=start))
            for start in buckets(period, every)]
