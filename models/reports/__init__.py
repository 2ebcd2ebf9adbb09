"""Supervisor and public reports: pure queries returning plain rows, one computation for the
screen, the CSV/XLSX exports and the API (so their numbers are the same by construction)."""

from models.reports.complaints import ComplaintStats, complaint_stats
from models.reports.figures import Figures, rank_staff, round_half_up
from models.reports.periods import DateRange, Every, PeriodError, parse_range
from models.reports.queries import (
    Scope,
    Sums,
    bucket_rows,
    fetch,
    section_rows,
    service_rows,
    staff_rows,
    total_row,
)
from models.reports.visits import RatedVisit, TrendPoint, latest_comments, rated_visits, trend

__all__ = [
    "ComplaintStats",
    "DateRange",
    "Every",
    "Figures",
    "PeriodError",
    "RatedVisit",
    "Scope",
    "Sums",
    "TrendPoint",
    "complaint_stats",
    "bucket_rows",
    "fetch",
    "latest_comments",
    "parse_range",
    "rank_staff",
    "rated_visits",
    "round_half_up",
    "section_rows",
    "service_rows",
    "staff_rows",
    "total_row",
    "trend",
]
