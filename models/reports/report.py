"""Everything one report screen, export or printable page shows, from one fetch."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from models.reports.figures import Figures
from models.reports.periods import DateRange, Every
from models.reports.queries import (
    Scope,
    bucket_rows,
    fetch,
    section_rows,
    service_rows,
    staff_rows,
    total_row,
)
from models.reports.visits import RatedVisit, TrendPoint, latest_comments, trend


@dataclass
class Report:
    scope: Scope
    period: DateRange
    every: Every
    total: Figures
    staff: list[Figures] = field(default_factory=list)
    sections: list[Figures] = field(default_factory=list)
    services: list[Figures] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    comments: list[RatedVisit] = field(default_factory=list)


def build_report(session: Session, scope: Scope, period: DateRange, *, min_ratings: int,
                 every: Every | None = None, services: bool = False,
                 comments: int = 10) -> Report:
    """Staff, section (and optionally service) tables, the trend and the latest comments.

    A one-person scope (my figures) has no section table: their sections are in the rows of
    the rated visits instead.
    """
    every = every or period.default_every()
    keys = ("bucket", "staff_id", "section_id") + (("service_id",) if services else ())
    sums = fetch(session, scope, period, keys, every)
    report = Report(scope, period, every, total_row(scope, sums),
                    staff=staff_rows(session, scope, sums, min_ratings),
                    trend=trend(bucket_rows(scope, sums), period, every))
    if scope.staff_id is None:
        report.sections = section_rows(session, scope, sums)
    if services:
        report.services = service_rows(session, scope, sums)
    if comments:
        report.comments = latest_comments(session, scope, period, limit=comments)
    return report
