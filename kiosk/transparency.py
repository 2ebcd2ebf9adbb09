"""The public transparency page (ITA E10/E15, IIT-25): no sign-in, for the kiosk and phones.

This month and the last 12 months: visits, waiting and service times per service against the
manual's standard, satisfaction per section (never per person), and complaint statistics with
the on-time reply rate. Built from the same report queries as the supervisors' screen.

The figures are kept per process for CACHE_SECONDS: 12 months of visits take the report queries
over half a second on a big office, and a public page anyone can reload must not be able to keep
the database busy. Month and year aggregates a minute old are still true enough for the public;
the staff reports are never cached (a new rating shows there at once).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from time import monotonic

from flask import Blueprint, current_app, render_template, request

from models import db
from models.base import now_utc
from models.reports.complaints import ComplaintStats, complaint_stats
from models.reports.figures import Figures
from models.reports.periods import DateRange, Every, month_of, shift_months
from models.reports.queries import (
    Scope,
    bucket_rows,
    fetch,
    section_rows,
    service_rows,
    total_row,
)
from models.reports.rollup import start_catch_up
from models.reports.visits import TrendPoint, trend
from models.tickets import business_day
from web.i18n import current_lang
from web.office import current_office

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

PERIODS = {"month": ("เดือนนี้", "This month"), "year": ("12 เดือนล่าสุด", "Last 12 months")}
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Published:
    """Everything the page shows, computed once per CACHE_SECONDS."""

    total: Figures
    services: list[Figures]
    sections: list[Figures]
    trend: list[TrendPoint]
    complaints: ComplaintStats


# (database, office, period key, range) → (computed at, figures). Keyed by the database too:
# several apps (tests, two offices' databases) may live in one process.
_cache: dict[tuple, tuple[float, Published]] = {}
_cache_lock = threading.Lock()


def public_period(key: str) -> tuple[DateRange, Every]:
    """This month so far, or the 12 calendar months ending with this one (so far)."""
    today = business_day(now_utc())
    if key == "year":
        return DateRange(shift_months(today, -11), today), Every.MONTH
    return DateRange(today.replace(day=1), today), Every.DAY


def compute(office_id: int, key: str, period: DateRange, every: Every) -> Published:
    scope = Scope(office_id)
    if start_catch_up(db.session, office_id, now_utc(),
                      current_app.config["RATING_WINDOW_HOURS"]):
        db.session.commit()  # newly closed days rolled up (once a day)
    # No staff_id key: nothing per person is even fetched for the public page.
    sums = fetch(db.session, scope, period, ("bucket", "section_id", "service_id"), every)
    return Published(
        total=total_row(scope, sums), services=service_rows(db.session, scope, sums),
        sections=[s for s in section_rows(db.session, scope, sums) if s.ratings or s.visits],
        trend=trend(bucket_rows(scope, sums), period, every) if key == "year" else [],
        complaints=complaint_stats(db.session, office_id, period, now_utc()))


def published(office_id: int, key: str, period: DateRange, every: Every) -> Published:
    """The page's figures, at most CACHE_SECONDS old."""
    cache_key = (str(db.engine.url), office_id, key, period)
    now = monotonic()
    with _cache_lock:
        found = _cache.get(cache_key)
    if found is not None and now - found[0] < CACHE_SECONDS:
        return found[1]
    # Computed outside the lock: two requests at expiry may both compute, neither waits.
    figures = compute(office_id, key, period, every)
    with _cache_lock:
        for stale in [k for k, (at, _) in _cache.items() if now - at >= CACHE_SECONDS]:
            del _cache[stale]
        _cache[cache_key] = (now, figures)
    return figures


@bp.get("/")
def page():
    key = request.args.get("period", "month")
    key = key if key in PERIODS else "month"
    period, every = public_period(key)
    figures = published(current_office().id, key, period, every)
    return render_template(
        "transparency/page.html", key=key, periods=PERIODS, period=period, every=every,
        total=figures.total, services=figures.services, sections=figures.sections,
        trend=figures.trend, complaints=figures.complaints,
        month_label=lambda day: month_of(day).label(current_lang()))
