"""Report figures against arithmetic done by hand, fiscal years, and counting each visit once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from models import db
from models.base import BANGKOK
from models.ratings import RatingError, check_can_rate
from models.reports.periods import (
    DateRange,
    Every,
    PeriodError,
    fiscal_year,
    parse_range,
    presets,
    week_of,
)
from models.reports.queries import Scope
from models.reports.report import build_report
from tests import reports_scenario
from tests.reports_scenario import (
    EXPECTED_SECTIONS,
    EXPECTED_STAFF,
    EXPECTED_WITH_V7,
    FIELDS,
    START,
)
from tests.visit_helpers import served_visit
from web.office import current_office

DAY = DateRange(reports_scenario.DAY, reports_scenario.DAY)


def figures_of(row) -> tuple:
    return tuple(getattr(row, name) for name in FIELDS)


def test_staff_and_section_figures_match_the_hand_arithmetic(app):
    with app.app_context():
        reports_scenario.build()
        report = build_report(db.session, Scope(current_office().id), DAY, min_ratings=2)
        staff = {row.code: row for row in report.staff}
        for username, expected in EXPECTED_STAFF.items():
            assert figures_of(staff[username]) == expected, username
        sections = {row.code: row for row in report.sections}
        assert set(sections) == {"REG", "REV"}
        for code, expected in EXPECTED_SECTIONS.items():
            assert figures_of(sections[code]) == expected, code
        assert staff["reg1"].distribution == [0, 0, 0, 2, 1]
        assert sections["REG"].distribution == [0, 1, 1, 2, 1]
        assert (staff["reg1"].no_shows, sections["REG"].no_shows) == (1, 1)
        # REV-LANDTAX (standard 10) and REV-SIGNTAX (25): the manual's time on average 17.5
        assert staff["rev1"].mean_standard == 17.5


def test_the_office_total_counts_a_transferred_visit_once(app):
    with app.app_context():
        reports_scenario.build()
        total = build_report(db.session, Scope(current_office().id), DAY, min_ratings=2).total
        # six visits served (the no-show served nobody), five rated: 18/5; waits 10/8 = 1.25
        # rounds half up to 1.3; service 66/7 = 9.43; within 5 of 7 calls
        assert figures_of(total) == (6, 5, 3.60, 65.0, 1, 1.3, 9.4, 83.3, 60.0, 71.4)


def test_a_visit_transferred_then_missed_counts_as_served_by_the_sending_side_only(app):
    """Response rate = ratings ÷ visits served: v7 was served by rev1 (REV) before the
    transfer, so it is in their visits; it ended in a no-show and can never be rated."""
    with app.app_context():
        reports_scenario.build()
        ticket = reports_scenario.transferred_then_missed()
        with pytest.raises(RatingError) as refused:
            check_can_rate(db.session, ticket, timedelta(hours=24),
                           now=START + timedelta(hours=6))
        assert refused.value.code == "not_finished"
        report = build_report(db.session, Scope(current_office().id), DAY, min_ratings=2)
        rows = {row.code: row for row in [*report.staff, *report.sections]}
        rows["total"] = report.total
        for code, expected in EXPECTED_WITH_V7.items():
            assert figures_of(rows[code]) == expected, code
        assert (rows["reg2"].no_shows, rows["REG"].no_shows, rows["rev1"].no_shows) == (1, 2, 0)


def test_staff_with_too_few_ratings_are_not_ranked(app):
    with app.app_context():
        reports_scenario.build()
        report = build_report(db.session, Scope(current_office().id), DAY, min_ratings=2)
        ranks = {row.code: (row.rank, row.comparable) for row in report.staff}
        assert ranks["reg1"] == (1, True) and ranks["reg2"] == (2, True)
        assert ranks["rev1"] == (None, False)
        assert [row.code for row in report.staff][:2] == ["reg1", "reg2"]
        strict = build_report(db.session, Scope(current_office().id), DAY, min_ratings=4)
        assert all(row.rank is None for row in strict.staff)


def test_a_supervisor_scope_is_their_section_and_its_members(app):
    with app.app_context():
        reports_scenario.build()
        reg = next(row for row in build_report(
            db.session, Scope(current_office().id), DAY, min_ratings=2).sections
            if row.code == "REG")
        report = build_report(db.session, Scope(current_office().id, section_id=reg.key), DAY,
                              min_ratings=2)
        assert [row.code for row in report.sections] == ["REG"]
        assert "rev1" not in {row.code for row in report.staff}
        assert {"reg1", "reg2"} <= {row.code for row in report.staff}
        assert figures_of(report.total) == EXPECTED_SECTIONS["REG"]
        assert [c.comment for c in report.comments] == ["รอนานมาก", "บริการดีมาก"]


def test_one_staff_member_scope_is_their_own_figures(app):
    with app.app_context():
        reports_scenario.build()
        reg1 = next(row for row in build_report(
            db.session, Scope(current_office().id), DAY, min_ratings=2).staff
            if row.code == "reg1")
        mine = build_report(db.session, Scope(current_office().id, staff_id=reg1.key), DAY,
                            min_ratings=2)
        assert [row.code for row in mine.staff] == ["reg1"] and mine.sections == []
        assert figures_of(mine.total) == EXPECTED_STAFF["reg1"]


def test_a_transfer_inside_a_section_is_one_visit_of_that_section(app):
    with app.app_context():
        start = datetime(2026, 11, 11, 9, 0, tzinfo=BANGKOK)
        ticket = served_visit("REG-BIRTH", [("1", "reg1"), ("2", "reg2")], now=start,
                              transfers_to=["REG-MOVE-IN"])
        reports_scenario.rate(ticket, 5, ticket.finished_at + timedelta(minutes=1))
        report = build_report(db.session, Scope(current_office().id),
                              DateRange(start.date(), start.date()), min_ratings=1)
        reg = next(row for row in report.sections if row.code == "REG")
        assert (reg.visits, reg.ratings, reg.wait_n) == (1, 1, 2)
        assert {row.code: (row.visits, row.ratings) for row in report.staff
                if row.visits} == {"reg1": (1, 1), "reg2": (1, 1)}
        assert (report.total.visits, report.total.ratings) == (1, 1)


def test_a_visit_and_its_rating_belong_to_the_fiscal_year_of_the_visit(app):
    with app.app_context():
        late = datetime(2026, 9, 30, 15, 0, tzinfo=BANGKOK)
        september = served_visit("REG-BIRTH", [("1", "reg1")], now=late)
        # rated the next morning, in the new fiscal year, within the 24-hour window
        reports_scenario.rate(september, 2, datetime(2026, 10, 1, 8, 30, tzinfo=BANGKOK))
        october = served_visit("REG-BIRTH", [("1", "reg1")],
                               now=datetime(2026, 10, 1, 10, 0, tzinfo=BANGKOK))
        reports_scenario.rate(october, 5, october.finished_at + timedelta(minutes=3))
        office = Scope(current_office().id)
        fy2569 = build_report(db.session, office, fiscal_year(date(2026, 9, 30)), min_ratings=1)
        fy2570 = build_report(db.session, office, fiscal_year(date(2026, 10, 1)), min_ratings=1)
        assert (fy2569.total.visits, fy2569.total.ratings, fy2569.total.mean_score) == (1, 1, 2)
        assert (fy2570.total.visits, fy2570.total.ratings, fy2570.total.mean_score) == (1, 1, 5)
        assert fy2570.every is Every.MONTH and len(fy2570.trend) == 12
        assert fy2570.trend[0].start == date(2026, 10, 1) and fy2570.trend[0].figures.visits == 1


def test_fiscal_years_run_october_to_september_and_are_named_in_buddhist_era():
    assert fiscal_year(date(2026, 9, 30)) == DateRange(date(2025, 10, 1), date(2026, 9, 30))
    assert fiscal_year(date(2026, 10, 1)) == DateRange(date(2026, 10, 1), date(2027, 9, 30))
    assert fiscal_year(date(2027, 1, 15)).label("th") == "ปีงบประมาณ พ.ศ. 2570"
    assert fiscal_year(date(2027, 1, 15)).label("en") == "Fiscal year 2027 (B.E. 2570)"
    assert DateRange(date(2026, 11, 1), date(2026, 11, 30)).label("th") == "พฤศจิกายน 2569"
    assert DateRange(date(2026, 11, 3), date(2026, 11, 9)).label("th") == \
        "3 พ.ย. 2569 – 9 พ.ย. 2569"
    assert week_of(date(2026, 11, 15)) == DateRange(date(2026, 11, 9), date(2026, 11, 15))
    keys = {p.key: p.range for p in presets(date(2026, 10, 5))}
    assert keys["fy"] == fiscal_year(date(2026, 10, 5))
    assert keys["last-fy"] == DateRange(date(2025, 10, 1), date(2026, 9, 30))
    assert keys["last-month"] == DateRange(date(2026, 9, 1), date(2026, 9, 30))


@pytest.mark.parametrize("start, end", [("2026-13-01", "2026-12-31"), ("2026-10-05", "2026-10-01"),
                                        ("2020-01-01", "2026-01-01"), ("", "2026-10-01"),
                                        ("2026-10-01", ""), ("20261001", None),
                                        ("2026-W40-4", None), ("๒๐๒๖-๑๐-๐๑", None),
                                        ("2026-12-01", None), (None, "2020-01-01x")])
def test_bad_ranges_are_refused_with_a_reason_in_both_languages(start, end):
    with pytest.raises(PeriodError) as caught:
        parse_range(start, end, date(2026, 11, 24))
    assert caught.value.message_th and caught.value.message_en


def test_a_missing_end_is_today_and_a_missing_start_the_first_of_the_end_month():
    today = date(2026, 11, 24)
    assert parse_range("2026-10-15", None, today) == DateRange(date(2026, 10, 15), today)
    assert parse_range(None, "2026-10-15", today) == \
        DateRange(date(2026, 10, 1), date(2026, 10, 15))
    assert parse_range(None, None, today) == DateRange(date(2026, 11, 1), date(2026, 11, 30))


def test_the_same_figures_on_postgresql(pg_app):
    """Durations, week and month buckets and the materialised CTE, compiled for PostgreSQL."""
    with pg_app.app_context():
        reports_scenario.build()
        office = Scope(current_office().id)
        report = build_report(db.session, office, DAY, min_ratings=2)
        assert {row.code: figures_of(row) for row in report.staff
                if row.code in EXPECTED_STAFF} == EXPECTED_STAFF
        assert {row.code: figures_of(row) for row in report.sections} == EXPECTED_SECTIONS
        assert figures_of(report.total) == (6, 5, 3.60, 65.0, 1, 1.3, 9.4, 83.3, 60.0, 71.4)
        month = DateRange(date(2026, 11, 1), date(2026, 11, 30))
        for every in (Every.WEEK, Every.MONTH):
            points = build_report(db.session, office, month, min_ratings=2, every=every).trend
            busy = [(p.start, p.figures.visits, p.figures.ratings) for p in points
                    if p.figures.visits]
            assert busy == [(date(2026, 11, 9) if every is Every.WEEK else date(2026, 11, 1),
                             6, 5)]
    client = pg_app.test_client()
    for period in ("month", "year"):
        assert client.get(f"/transparency/?period={period}").status_code == 200
