"""The daily roll-up of closed days: reports read from it give exactly the live figures."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from models import Service, ServiceStep, db
from models.base import BANGKOK, begin_write, now_utc
from models.reports.periods import DateRange, Every, fiscal_year, month_of
from models.reports.queries import Scope
from models.reports.report import build_report
from models.reports.rollup import STEP_DAYS, ReportCallDay, catch_up, rolled_through
from models.staff import Staff
from models.tickets import business_day
from tests import reports_scenario
from tests.visit_helpers import served_visit
from web.office import current_office

WINDOW = 24


def everything(office_id: int, section_id: int, staff_ids: list[int]) -> list:
    """Every figure of every report scope, range and trend granularity, as plain values."""
    today = business_day(now_utc())
    ranges = [DateRange(reports_scenario.DAY, reports_scenario.DAY),
              month_of(reports_scenario.DAY), fiscal_year(reports_scenario.DAY),
              DateRange(reports_scenario.DAY, today)]  # rolled days and live days together
    scopes = [Scope(office_id), Scope(office_id, section_id=section_id)] + \
        [Scope(office_id, staff_id=staff_id) for staff_id in staff_ids]
    found = []
    for scope in scopes:
        for period in ranges:
            for every in Every:
                report = build_report(db.session, scope, period, every=every, services=True,
                                      min_ratings=2, comments=0)
                found.append([dataclasses.asdict(row) for row in
                              [report.total, *report.staff, *report.sections,
                               *report.services, *(point.figures for point in report.trend)]])
    return found


def roll_up() -> int:
    """Every closed day, a step at a time; how many days were added."""
    added = 0
    while True:
        begin_write(db.session)
        days = catch_up(db.session, current_office().id, now_utc(), WINDOW)
        db.session.commit()
        if not days:
            return added
        added += days


@pytest.mark.parametrize("app_fixture", ["app", "pg_app"])
def test_rolled_up_days_give_the_same_figures_as_the_live_queries(request, app_fixture):
    app = request.getfixturevalue(app_fixture)
    with app.app_context():
        reports_scenario.build()
        reports_scenario.transferred_then_missed()  # served, transferred, never rateable
        early = datetime.combine(reports_scenario.DAY - timedelta(days=40), time(10), BANGKOK)
        served_visit("REG-BIRTH", [("1", "reg1")], now=early, minutes=9)  # an earlier step
        served_visit("REV-LANDTAX", [("4", "rev1")], minutes=7)  # today: stays live
        db.session.commit()
        office = current_office().id
        staff = dict(db.session.execute(select(Staff.username, Staff.id)).all())
        section = db.session.scalar(select(Staff.section_id).where(Staff.username == "reg1"))
        ids = [staff[name] for name in ("reg1", "reg2", "rev1")]
        live = everything(office, section, ids)
        assert rolled_through(db.session, office) is None
        begin_write(db.session)
        assert catch_up(db.session, office, now_utc(), WINDOW) == STEP_DAYS
        db.session.commit()
        assert rolled_through(db.session, office) < reports_scenario.DAY
        assert everything(office, section, ids) == live  # part rolled up, the rest live
        assert roll_up() > 0
        assert rolled_through(db.session, office) >= reports_scenario.DAY
        assert db.session.scalar(select(ReportCallDay.id).limit(1)) is not None
        assert everything(office, section, ids) == live
        assert roll_up() == 0  # nothing new closed


def test_a_new_standard_in_the_manual_is_not_hidden_by_the_roll_up(app):
    with app.app_context():
        reports_scenario.build()
        office = current_office().id
        roll_up()
        day = DateRange(reports_scenario.DAY, reports_scenario.DAY)

        def landtax_within() -> float | None:
            report = build_report(db.session, Scope(office), day, services=True,
                                  min_ratings=2, comments=0)
            return next(r for r in report.services if r.code == "REV-LANDTAX") \
                .pct_within_standard

        assert landtax_within() == 0.0  # served 12 minutes against the manual's 10
        begin_write(db.session)
        landtax = db.session.scalar(select(Service.id).where(Service.code == "REV-LANDTAX"))
        step = db.session.scalar(select(ServiceStep).where(ServiceStep.service_id == landtax,
                                                           ServiceStep.minutes.is_not(None)))
        step.minutes += 5
        db.session.commit()
        assert rolled_through(db.session, office) is None
        assert landtax_within() == 100.0  # 12 minutes is within the new 15
        roll_up()
        assert rolled_through(db.session, office) is not None
        assert landtax_within() == 100.0


def test_yesterday_is_not_rolled_up_so_a_late_rating_still_counts(app):
    with app.app_context():
        yesterday = now_utc() - timedelta(days=1)
        ticket = served_visit("REG-BIRTH", [("1", "reg1")], now=yesterday, minutes=4)
        db.session.commit()
        office = current_office().id
        roll_up()
        assert rolled_through(db.session, office) < business_day(yesterday)
        reports_scenario.rate(ticket, 5, now_utc())
        period = DateRange(business_day(yesterday), business_day(yesterday))
        report = build_report(db.session, Scope(office), period, min_ratings=1, comments=0)
        assert (report.total.visits, report.total.ratings, report.total.mean_score) == \
            (1, 1, 5.0)
