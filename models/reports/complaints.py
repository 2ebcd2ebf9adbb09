"""Complaint statistics for publication (ITA E10/E15): counts by category and status, and the
share of replies sent by the 15-day deadline.

On-time reply rate = complaints answered by their deadline ÷ complaints that were due: answered
ones (on time or late) plus unanswered ones already past their deadline. Complaints still
within their deadline and unanswered are not judged yet. Closed ones keep their answer time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from models.base import BANGKOK
from models.complaints import Complaint, ComplaintCategory, ComplaintStatus
from models.reports.figures import round_half_up
from models.reports.periods import DateRange


def utc_bounds(period: DateRange) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a range of Bangkok dates."""
    start = datetime.combine(period.start, time(0), BANGKOK).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(0), BANGKOK).astimezone(UTC)
    return start, end


@dataclass
class ReplyFigures:
    received: int = 0
    answered: int = 0
    on_time: int = 0
    overdue: int = 0  # past the deadline with no answer yet

    @property
    def judged(self) -> int:
        return self.answered + self.overdue

    @property
    def on_time_rate(self) -> float | None:
        return round_half_up(100 * self.on_time / self.judged, 1) if self.judged else None


@dataclass
class ComplaintStats:
    counts: dict[ComplaintCategory, dict[ComplaintStatus, int]] = field(default_factory=dict)
    by_category: dict[ComplaintCategory, ReplyFigures] = field(default_factory=dict)
    total: ReplyFigures = field(default_factory=ReplyFigures)

    def count(self, category: ComplaintCategory, status: ComplaintStatus) -> int:
        return self.counts.get(category, {}).get(status, 0)

    def status_total(self, status: ComplaintStatus) -> int:
        return sum(by_status.get(status, 0) for by_status in self.counts.values())


def complaint_stats(session: Session, office_id: int, period: DateRange,
                    now: datetime) -> ComplaintStats:
    """Complaints received in period (Bangkok dates), as they stand now."""
    start, end = utc_bounds(period)
    answered = Complaint.answered_at.is_not(None)
    statement = (
        select(Complaint.category, Complaint.status, func.count().label("received"),
               func.sum(case((answered, 1), else_=0)).label("answered"),
               func.sum(case((and_(answered, Complaint.answered_at <= Complaint.due_at), 1),
                             else_=0)).label("on_time"),
               func.sum(case((and_(~answered, Complaint.due_at < now), 1),
                             else_=0)).label("overdue"))
        .where(Complaint.office_id == office_id, Complaint.created_at >= start,
               Complaint.created_at < end)
        .group_by(Complaint.category, Complaint.status))
    stats = ComplaintStats(by_category={category: ReplyFigures()
                                        for category in ComplaintCategory})
    for row in session.execute(statement):
        stats.counts.setdefault(row.category, {})[row.status] = row.received
        for figures in (stats.by_category[row.category], stats.total):
            figures.received += row.received
            figures.answered += row.answered or 0
            figures.on_time += row.on_time or 0
            figures.overdue += row.overdue or 0
    return stats
