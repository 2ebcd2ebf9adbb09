"""Counters and opening hours managed by an admin, and what the console and kiosk then do."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import Counter, Office, Ticket, db
from models.base import begin_write, local, now_utc
from models.calling import call_next
from models.counter_actions import finish
from models.hours import DAYS
from tests.manage_helpers import MANAGE, admin_client, audit_rows, follow, post, service_id
from tests.queue_helpers import counter, issue, staff
from tests.staff_helpers import add_staff, sign_in


def counter_row(app, label: str) -> Counter | None:
    with app.app_context():
        found = db.session.scalar(select(Counter).where(Counter.label == label))
        if found is not None:
            _ = found.section.code, [s.code for s in found.services]
        return found


def section_id(app, code: str) -> int:
    from tests.manage_helpers import section_id as lookup

    return lookup(app, code)


def test_new_counter_serves_the_chosen_services_at_the_console(app):
    client = admin_client(app)
    form = {"label": "9", "section": section_id(app, "REV"),
            "services": [service_id(app, "REV-SIGNTAX"), service_id(app, "REV-LANDTAX")]}
    page = follow(client, post(client, f"{MANAGE}/counters/new", form))
    assert "เพิ่มช่องบริการ 9 แล้ว" in page
    nine = counter_row(app, "9")
    assert (nine.section.code, sorted(s.code for s in nine.services)) == (
        "REV", ["REV-LANDTAX", "REV-SIGNTAX"])
    entry = audit_rows(app)[-1]
    assert (entry.action, entry.target) == ("counter.create", "9")
    assert entry.detail["changes"]["services"] == [[], ["REV-LANDTAX", "REV-SIGNTAX"]]
    add_staff(app, "nok")
    nok = app.test_client()
    sign_in(nok, "nok")
    assert "ช่องบริการ 9" in nok.get("/staff/console/").get_data(as_text=True)


def test_edit_counter_services_and_section(app):
    client = admin_client(app)
    one = counter_row(app, "1")
    form = {"label": "1A", "section": section_id(app, "REG"),
            "services": [service_id(app, "REG-BIRTH")]}
    page = client.get(f"{MANAGE}/counters/{one.id}/edit").get_data(as_text=True)
    assert f'value="{service_id(app, "REG-DEATH")}" checked' in page
    follow(client, post(client, f"{MANAGE}/counters/{one.id}/edit", form))
    edited = counter_row(app, "1A")
    assert [s.code for s in edited.services] == ["REG-BIRTH"]
    changes = audit_rows(app)[-1].detail["changes"]
    assert changes["label"] == ["1", "1A"]
    assert changes["services"][1] == ["REG-BIRTH"] and "REG-DEATH" in changes["services"][0]


def test_bad_counter_is_refused_in_both_languages(app):
    client = admin_client(app)
    cases = [({"label": "2", "section": section_id(app, "REG")}, "มีช่องบริการ 2 อยู่แล้ว",
              "Counter 2 exists already"),
             ({"label": "", "section": section_id(app, "REG")}, "ชื่อช่องบริการต้องมี 1-16",
              "needs 1-16 characters"),
             ({"label": "x" * 17, "section": section_id(app, "REG")}, "ชื่อช่องบริการต้องมี 1-16",
              "needs 1-16 characters"),
             ({"label": "10", "section": ""}, "เลือกฝ่ายของช่องบริการ", "Choose the counter")]
    for form, thai, english in cases:
        response = post(client, f"{MANAGE}/counters/new?lang=th", form)
        assert response.status_code == 422 and thai in response.get_data(as_text=True)
        english_page = post(client, f"{MANAGE}/counters/new?lang=en", form)
        assert english in english_page.get_data(as_text=True)
    assert counter_row(app, "10") is None and audit_rows(app) == []


def test_closed_counter_leaves_the_console(app):
    client = admin_client(app)
    three = counter_row(app, "3")
    follow(client, post(client, f"{MANAGE}/counters/{three.id}/deactivate"))
    add_staff(app, "nok")
    nok = app.test_client()
    sign_in(nok, "nok")
    assert "ช่องบริการ 3" not in nok.get("/staff/console/").get_data(as_text=True)
    assert nok.get(f"/staff/console/{three.id}").status_code == 404
    follow(client, post(client, f"{MANAGE}/counters/{three.id}/activate"))
    assert nok.get(f"/staff/console/{three.id}").status_code == 200
    assert [e.action for e in audit_rows(app)] == ["counter.deactivate", "counter.activate"]


def closed_now() -> str:
    """Hours that are surely closed now: one minute on another day of the week."""
    tomorrow = DAYS[(local(now_utc()).weekday() + 1) % 7]
    return f"{tomorrow} 00:00-00:01"


def take_form(client) -> dict:
    html = client.get("/services/REG-BIRTH").get_data(as_text=True)
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html)[1],
            "priority": ""}


def ticket_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Ticket.id)).all())


def test_opening_hours_change_is_honoured_by_the_kiosk_at_once(app):
    admin = admin_client(app)
    kiosk = app.test_client()
    form = take_form(kiosk)  # the kiosk page was open a moment ago (setting: always)...
    page = follow(admin, post(admin, f"{MANAGE}/hours/", {"opening_hours": closed_now()}))
    assert "บันทึกเวลาทำการแล้ว" in page and "ปิดให้บริการ" in page
    manual = kiosk.get("/services/REG-BIRTH?lang=en").get_data(as_text=True)
    assert "The office is closed now" in manual
    refused = kiosk.post("/services/REG-BIRTH/ticket", data=form)
    assert refused.status_code == 409
    api = kiosk.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    assert api.status_code == 409 and api.get_json()["error"] == "office_closed"
    assert ticket_count(app) == 0
    entry = audit_rows(app)[-1]
    assert entry.action == "hours.update"
    assert entry.detail["changes"]["opening_hours"] == [None, closed_now()]

    follow(admin, post(admin, f"{MANAGE}/hours/", {"opening_hours": "always"}))
    assert kiosk.post("/services/REG-BIRTH/ticket", data=form).status_code == 303
    assert ticket_count(app) == 1


def test_blank_hours_fall_back_to_the_setting(app):
    admin = admin_client(app)
    post(admin, f"{MANAGE}/hours/", {"opening_hours": closed_now()})
    follow(admin, post(admin, f"{MANAGE}/hours/", {"opening_hours": "  "}))
    with app.app_context():
        assert db.session.scalar(select(Office.opening_hours)) is None
    page = admin.get(f"{MANAGE}/hours/?lang=en").get_data(as_text=True)
    assert "Using the server setting" in page and "Always open" in page
    assert "The office is closed now" not in app.test_client().get(
        "/services/REG-BIRTH?lang=en").get_data(as_text=True)


def test_bad_hours_are_refused_in_both_languages_and_nothing_changes(app):
    admin = admin_client(app)
    for spec in ("mon-fry 08:00-16:00", "mon 16:00-08:00", "whenever", "mon 25:00-26:00"):
        response = post(admin, f"{MANAGE}/hours/?lang=th", {"opening_hours": spec})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and "อ่านเวลาทำการไม่ได้" in page, spec
        assert f'value="{spec}"' in page  # what was typed stays in the field
        english = post(admin, f"{MANAGE}/hours/?lang=en", {"opening_hours": spec})
        assert "opening hours" in english.get_data(as_text=True), spec
    with app.app_context():
        assert db.session.scalar(select(Office.opening_hours)) is None
    assert audit_rows(app) == []


def test_counter_with_a_called_ticket_cannot_be_closed(app):
    """Closing a window mid-service would strand the ticket there: the console 404s."""
    with app.app_context():
        issue("REG-BIRTH")
        begin_write(db.session)
        called = call_next(db.session, counter("1"), staff("reg1"))
        db.session.commit()
        number = called.number
    client = admin_client(app)
    one = counter_row(app, "1")
    page = follow(client, post(client, f"{MANAGE}/counters/{one.id}/deactivate?lang=th"))
    assert f"ปิดช่องบริการ 1 ไม่ได้ ยังมีคิว {number}" in page
    english = follow(client, post(client, f"{MANAGE}/counters/{one.id}/deactivate?lang=en"))
    assert f"Counter 1 cannot be closed: ticket {number}" in english
    assert counter_row(app, "1").active and audit_rows(app) == []
    add_staff(app, "nok")
    nok = app.test_client()
    assert sign_in(nok, "nok").status_code == 303
    assert number in nok.get(f"/staff/console/{one.id}").get_data(as_text=True)

    with app.app_context():
        begin_write(db.session)
        finish(db.session, db.session.get(Ticket, called.id))
        db.session.commit()
    page = follow(client, post(client, f"{MANAGE}/counters/{one.id}/deactivate?lang=th"))
    assert "ปิดช่องบริการ 1 แล้ว" in page and not counter_row(app, "1").active
