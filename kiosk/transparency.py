"""The public transparency page (ITA E10/E15, IIT-25): no sign-in, for the kiosk and phones.

This month and the last 12 months: visits, waiting and service times per service against the
manual's standard, satisfaction per section (never per person), and complaint statistics with
the on-time reply rate. Built from the same report queries as the supervisors' screen.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from models import db
from models.base import now_utc
from models.reports.complaints import complaint_stats
from models.reports.periods import DateRange, Every, month_of, shift_months
from models.reports.queries import (
    Scope,
    bucket_rows,
    fetch,
    section_rows,
    service_rows,
    total_row,
)
from models.reports.visits import trend
from models.tickets import business_day
from web.i18n import current_lang
from web.office import current_office

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

PERIODS = {"month": ("เดือนนี้", "This month"), "year": ("12 เดือนล่าสุด", "Last 12 months")}


def public_period(key: str) -> tuple[DateRange, Every]:
    """This month so far, or the 12 calendar months ending with this one (so far)."""
    today = business_day(now_utc())
    if key == "year":
        return DateRange(shift_months(today, -11), today), Every.MONTH
    return DateRange(today.replace(day=1), today), Every.DAY


@bp.get("/")
def page():
    key = request.args.get("period", "month")
    key = key if key in PERIODS else "month"
    period, every = public_period(key)
    scope = Scope(current_office().id)
    # No staff_id key: nothing per person is even fetched for the public page.
    sums = fetch(db.session, scope, period, ("bucket", "section_id", "service_id"), every)
    return render_template(
        "transparency/page.html", key=key, periods=PERIODS, period=period, every=every,
        total=total_row(scope, sums), services=service_rows(db.session, scope, sums),
        sections=[s for s in section_rows(db.session, scope, sums) if s.ratings or s.visits],
        trend=trend(bucket_rows(scope, sums), period, every) if key == "year" else [],
        complaints=complaint_stats(db.session, scope.office_id, period, now_utc()),
        month_label=lambda day: month_of(day).label(current_lang()))
