"""Supervisor reports: the report screen, drill-down to rated visits, my figures, monthly print.

Who sees what: an admin the whole office; a supervisor their own section and its members; every
staff member their own figures (and nobody else's: 403, whatever id is typed into the address).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from admin.auth import role_required
from admin.reports_chart import trend_chart
from models import Role, Section, Staff, db
from models.base import now_utc
from models.reports.columns import SECTION_COLUMNS, SERVICE_COLUMNS, STAFF_COLUMNS
from models.reports.complaints import complaint_stats
from models.reports.periods import (
    DateRange,
    Every,
    PeriodError,
    month_of,
    parse_range,
    presets,
)
from models.reports.queries import Scope, manager_scope
from models.reports.report import build_report
from models.reports.visits import PER_PAGE, rated_visits
from models.staff import STAFF_ROLES
from models.tickets import business_day
from web.i18n import current_lang
from web.office import current_office
from web.rollup import roll_up_closed_days
from web.routing import page_number

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")


def today() -> date:
    return business_day(now_utc())


def requested_period() -> tuple[DateRange, Every, PeriodError | None]:
    """?from=&to=&every= of the request; this month (with the error) when they are invalid."""
    error = None
    try:
        period = parse_range(request.args.get("from"), request.args.get("to"), today())
    except PeriodError as exc:
        period, error = month_of(today()), exc
    every = request.args.get("every", "")
    return period, Every(every) if every in set(Every) else period.default_every(), error


def office_scope() -> Scope:
    """The report scope of the signed-in admin or supervisor; 403 for anyone else."""
    scope = manager_scope(g.staff, current_office().id)
    if scope is None:
        abort(403)
    return scope


def may_see_staff(target: Staff | None) -> bool:
    me = g.staff
    if target is None or target.office_id != me.office_id:
        return False
    if me.role is Role.ADMIN or target.id == me.id:
        return True
    return me.role is Role.SUPERVISOR and me.section_id is not None \
        and target.section_id == me.section_id


def visible_staff(staff_id: int) -> Staff:
    target = db.session.get(Staff, staff_id)
    if not may_see_staff(target):
        abort(403)
    return target


def visible_section(section_id: int) -> Section:
    section = db.session.get(Section, section_id)
    me = g.staff
    allowed = section is not None and section.office_id == current_office().id and (
        me.role is Role.ADMIN or (me.role is Role.SUPERVISOR and me.section_id == section.id))
    if not allowed:
        abort(403)
    return section


def min_ratings() -> int:
    return current_app.config["MIN_RATINGS_TO_COMPARE"]


def link(**args) -> str:
    """This page (same path ids) with other query arguments."""
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def common(period: DateRange, every: Every, error: PeriodError | None) -> dict:
    preset_links = [(p, link(**{"from": p.range.start.isoformat(), "to": p.range.end.isoformat()}))
                    for p in presets(today())]
    return {"period": period, "every": every, "error": error, "presets": preset_links,
            "here": link(),
            "min_ratings": min_ratings(), "lang": current_lang(),
            "range_args": {"from": period.start.isoformat(), "to": period.end.isoformat()}}


@bp.get("/")
@role_required(*STAFF_ROLES)
def screen():
    scope = office_scope()
    period, every, error = requested_period()
    roll_up_closed_days()
    report = build_report(db.session, scope, period, every=every, min_ratings=min_ratings())
    section = db.session.get(Section, scope.section_id) if scope.section_id else None
    args = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    staff_links = {row.key: url_for("reports.staff_detail", staff_id=row.key, **args)
                   for row in report.staff}
    section_links = {row.key: url_for("reports.section_detail", section_id=row.key, **args)
                     for row in report.sections}
    return render_template(
        "reports/report.html", report=report, section=section, staff_links=staff_links,
        section_links=section_links,
        chart=trend_chart(report.trend, every, current_lang()), staff_columns=STAFF_COLUMNS,
        section_columns=SECTION_COLUMNS, **common(period, every, error)), 400 if error else 200


def _detail(scope: Scope, title: tuple[str, str], *, staff: Staff | None = None,
            section: Section | None = None, mine: bool = False):
    period, every, error = requested_period()
    roll_up_closed_days()
    report = build_report(db.session, scope, period, every=every, min_ratings=min_ratings(),
                          comments=0)
    visits, count = rated_visits(db.session, scope, period,
                                 staff_id=staff.id if staff else None,
                                 section_id=section.id if section else None,
                                 page=page_number())
    row = report.staff[0] if staff is not None and report.staff else \
        next((s for s in report.sections if section and s.key == section.id), report.total)
    args = {"from": period.start.isoformat(), "to": period.end.isoformat(), "every": every.value}
    return render_template(
        "reports/detail.html", report=report, row=row, title=title, staff=staff,
        page_link=lambda number: link(page=number, **args),
        section=section, mine=mine, visits=visits, visit_count=count, page=page_number(),
        pages=max(1, -(-count // PER_PAGE)),
        chart=trend_chart(report.trend, every, current_lang()),
        **common(period, every, error)), 400 if error else 200


@bp.get("/me")
@role_required(*STAFF_ROLES)
def me():
    staff = g.staff
    return _detail(Scope(current_office().id, staff_id=staff.id),
                   ("ผลงานของฉัน", "My figures"), staff=staff, mine=True)


@bp.get("/staff/<int:staff_id>")
@role_required(*STAFF_ROLES)
def staff_detail(staff_id: int):
    target = visible_staff(staff_id)
    return _detail(Scope(current_office().id, staff_id=target.id),
                   (target.display_name, target.display_name), staff=target,
                   mine=target.id == g.staff.id)


@bp.get("/sections/<int:section_id>")
@role_required(*STAFF_ROLES)
def section_detail(section_id: int):
    section = visible_section(section_id)
    return _detail(Scope(current_office().id, section_id=section.id),
                   (section.name_th, section.name_en or section.name_th), section=section)


def requested_month() -> tuple[DateRange, PeriodError | None]:
    text = request.args.get("month", "")
    if not text:
        return month_of(today()), None
    try:
        return month_of(date.fromisoformat(f"{text}-01")), None
    except ValueError:
        return month_of(today()), PeriodError("เดือนต้องอยู่ในรูป ปปปป-ดด (ค.ศ.) เช่น 2026-10",
                                              "The month must be YYYY-MM, e.g. 2026-10")


@bp.get("/monthly")
@role_required(*STAFF_ROLES)
def monthly():
    """The month on paper for the ITA evidence file (print from the browser)."""
    scope = office_scope()
    period, error = requested_month()
    roll_up_closed_days()
    report = build_report(db.session, scope, period, every=Every.DAY, services=True,
                          min_ratings=min_ratings(), comments=0)
    # Supervisors handle every complaint of the office (a citizen need not name a section).
    complaints = complaint_stats(db.session, scope.office_id, period, now_utc())
    section = db.session.get(Section, scope.section_id) if scope.section_id else None
    return render_template(
        "reports/monthly.html", report=report, complaints=complaints, section=section,
        chart=trend_chart(report.trend, Every.DAY, current_lang()),
        staff_columns=STAFF_COLUMNS, section_columns=SECTION_COLUMNS,
        service_columns=SERVICE_COLUMNS, printed_at=now_utc(),
        month_value=f"{period.start:%Y-%m}", **common(period, Every.DAY, error)), \
        400 if error else 200

