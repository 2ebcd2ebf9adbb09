"""Which supervisor an alert reaches: the staff member's own section, not only the service's."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import Alert, AlertKind, Section, db
from models.alerts import raise_alerts
from models.base import begin_write
from models.ratings import rate_visit
from models.reports.alerts import LIMIT
from tests.queue_helpers import staff
from tests.report_pages import people, signed_in
from tests.visit_helpers import served_visit

ITEM = re.compile(r'<li class="alert-item open kind-(\w+)"')


def covering_visit():
    """reg1 (civil registration) covering the signboard tax of the revenue section."""
    return served_visit("REV-SIGNTAX", [("4", "reg1")], minutes=1)


def rate(ticket, score: int, **options) -> list[Alert]:
    begin_write(db.session)
    rating = rate_visit(db.session, ticket, score, **options)
    alerts = raise_alerts(db.session, rating)
    db.session.commit()
    return alerts


def section_code(section_id: int | None) -> str | None:
    return db.session.get(Section, section_id).code if section_id else None


def open_kinds(client) -> list[str]:
    return ITEM.findall(client.get("/staff/alerts/").get_data(as_text=True))


def test_an_unhappy_run_of_a_covering_staff_member_alerts_their_own_supervisor(app):
    people(app)
    with app.app_context():
        assert staff("reg1").section.code == "REG"
        for _ in range(4):
            alerts = rate(covering_visit(), 1)
        by_kind = {a.kind: section_code(a.section_id) for a in alerts}
        assert by_kind == {AlertKind.UNHAPPY_STAFF: "REG", AlertKind.UNHAPPY_COUNTER: "REV"}
    # Over HTTP: REG's supervisor sees the staff alert, REV's the counter one only.
    assert open_kinds(signed_in(app, "regsup")) == ["unhappy_staff"]
    assert open_kinds(signed_in(app, "revsup")) == ["unhappy_counter"]
    assert sorted(open_kinds(signed_in(app, "boss"))) == ["unhappy_counter", "unhappy_staff"]


def test_a_staff_member_without_a_section_falls_back_to_the_services_section(app):
    with app.app_context():
        begin_write(db.session)
        staff("reg1").section_id = None
        db.session.commit()
        for _ in range(4):
            alerts = rate(covering_visit(), 2)
        assert {section_code(a.section_id) for a in alerts} == {"REV"}


def test_asked_for_extra_reaches_both_the_staff_and_the_service_supervisor(app):
    people(app)
    with app.app_context():
        alerts = rate(covering_visit(), 4, extra_payment_asked=True)
        assert sorted(section_code(a.section_id) for a in alerts) == ["REG", "REV"]
        assert {a.staff.username for a in alerts} == {"reg1"}
        # Served by someone of the service's own section: one alert, not two.
        own = rate(served_visit("REG-BIRTH", [("1", "reg1")], minutes=1), 4,
                   extra_payment_asked=True)
        assert [section_code(a.section_id) for a in own] == ["REG"]
    assert open_kinds(signed_in(app, "regsup")) == ["extra_payment"] * 2
    assert open_kinds(signed_in(app, "revsup")) == ["extra_payment"]


def test_the_panel_counts_every_open_alert_beyond_the_ones_it_lists(app):
    """A supervisor away for weeks comes back to more open alerts than the panel lists (its
    newest LIMIT): the count says how many wait, and the panel says it shows the newest."""
    people(app)
    with app.app_context():
        begin_write(db.session)
        office_id = staff("reg1").office_id
        reg = db.session.scalar(select(Section.id).where(Section.code == "REG"))
        db.session.add_all(Alert(office_id=office_id, kind=AlertKind.EXTRA_PAYMENT,
                                 section_id=reg, data={}) for _ in range(LIMIT + 5))
        db.session.commit()
    supervisor = signed_in(app, "regsup")
    html = supervisor.get("/staff/alerts/").get_data(as_text=True)
    assert f'data-open="{LIMIT + 5}"' in html
    assert len(ITEM.findall(html)) == LIMIT
    assert f"รอรับทราบ {LIMIT + 5} รายการ" in html and f"แสดง {LIMIT} รายการล่าสุด" in html
    english = supervisor.get("/staff/alerts/?lang=en").get_data(as_text=True)
    assert f"Showing the newest {LIMIT}" in english
    assert 'data-open="0"' in signed_in(app, "revsup").get("/staff/alerts/").get_data(
        as_text=True)
