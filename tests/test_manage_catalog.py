"""Management of sections and service manuals over HTTP: forms, import rules, audit, kiosk."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Section, Ticket, db
from models.base import begin_write, now_utc
from models.calling import call_next
from models.catalog_export import service_json
from models.counter_actions import finish, no_show
from tests.manage_helpers import (
    ADMIN,
    MANAGE,
    admin_client,
    audit_rows,
    follow,
    load_service,
    post,
    section_id,
    service_id,
)
from tests.queue_helpers import counter, issue, staff

NEW_SECTION = {"code": "tax", "name_th": "ฝ่ายภาษี", "name_en": "Tax Section",
               "role_th": "จัดเก็บภาษี", "role_en": "", "queue_prefix_suggested": "x",
               "pseudo_section": "on"}


def sections(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [(s.code, s.sort_order) for s in db.session.scalars(
            select(Section).order_by(Section.sort_order, Section.id))]


def manual_form(app, code: str, **changes) -> dict:
    """The edit form as the page fills it in, with changes."""
    with app.app_context():
        data = service_json(load_service(app, code))
    form = {k: ("" if v is None else v) for k, v in data.items()
            if k not in ("steps", "documents", "active", "code")}
    form["fee_baht"] = "" if data["fee_baht"] is None else str(data["fee_baht"])
    form.update(changes)
    return form


def test_admin_adds_a_section_and_the_audit_log_says_who_and_what(app):
    client = admin_client(app)
    response = post(client, f"{MANAGE}/catalog/sections/new", NEW_SECTION)
    page = follow(client, response)
    assert "เพิ่มฝ่าย TAX แล้ว" in page and "ฝ่ายภาษี" in page
    with app.app_context():
        tax = db.session.scalar(select(Section).where(Section.code == "TAX"))
        assert (tax.name_en, tax.ticket_prefix, tax.is_service_point) == ("Tax Section", "X",
                                                                           True)
    assert sections(app)[-1] == ("TAX", max(order for _, order in sections(app)))
    entry = audit_rows(app)[-1]
    assert (entry.action, entry.target, entry.staff.username) == ("section.create", "TAX", ADMIN)
    assert entry.detail["changes"]["name_th"] == [None, "ฝ่ายภาษี"]
    assert entry.created_at is not None


def test_bad_section_is_refused_in_both_languages_and_nothing_is_written(app):
    client = admin_client(app)
    before = sections(app)
    bad = dict(NEW_SECTION, code="T A X", name_th="  ", queue_prefix_suggested="abc")
    response = post(client, f"{MANAGE}/catalog/sections/new", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ยังบันทึกไม่ได้" in page
    assert "ใช้ได้เฉพาะตัวอักษรอังกฤษพิมพ์ใหญ่" in page          # code
    assert "ต้องไม่เว้นว่าง" in page                              # name_th
    assert "ต้องเป็นตัวอักษรอังกฤษพิมพ์ใหญ่ 1-2 ตัว" in page      # prefix
    english = post(client, f"{MANAGE}/catalog/sections/new?lang=en", bad).get_data(as_text=True)
    assert "Nothing was saved" in english and "must not be empty" in english
    taken = post(client, f"{MANAGE}/catalog/sections/new?lang=th", dict(NEW_SECTION, code="REG"))
    assert taken.status_code == 422 and "รหัสนี้มีฝ่ายอื่นใช้แล้ว" in taken.get_data(as_text=True)
    assert sections(app) == before
    assert audit_rows(app) == []


def test_edit_section_records_old_and_new_values(app):
    client = admin_client(app)
    reg = section_id(app, "REG")
    page = client.get(f"{MANAGE}/catalog/sections/{reg}/edit").get_data(as_text=True)
    assert 'value="ฝ่ายทะเบียน"' in page
    form = dict(NEW_SECTION, code="IGNORED", name_th="ฝ่ายทะเบียนราษฎร", name_en="Registration",
                queue_prefix_suggested="A", pseudo_section="")
    follow(client, post(client, f"{MANAGE}/catalog/sections/{reg}/edit", form))
    entry = audit_rows(app)[-1]
    assert (entry.action, entry.target) == ("section.update", "REG")
    assert entry.detail["changes"]["name_th"] == ["ฝ่ายทะเบียน", "ฝ่ายทะเบียนราษฎร"]
    assert "REG" in [code for code, _ in sections(app)]  # the code is never edited
    home = client.get("/").get_data(as_text=True)
    assert "ฝ่ายทะเบียนราษฎร" in home


def test_sections_move_up_and_down(app):
    client = admin_client(app)
    order = [code for code, _ in sections(app)]
    second = order[1]
    response = post(client, f"{MANAGE}/catalog/sections/{section_id(app, second)}/move/up",
                    headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="sections"' in response.get_data(as_text=True)
    assert [code for code, _ in sections(app)][:2] == [second, order[0]]
    follow(client, post(client, f"{MANAGE}/catalog/sections/{section_id(app, second)}/move/down"))
    assert [code for code, _ in sections(app)] == order
    moves = [e for e in audit_rows(app) if e.action == "section.move"]
    assert [m.detail["changes"]["position"] for m in moves] == [[2, 1], [1, 2]]
    # The first section cannot go further up: nothing changes and nothing is logged.
    follow(client, post(client, f"{MANAGE}/catalog/sections/{section_id(app, order[0])}/move/up"))
    assert len([e for e in audit_rows(app) if e.action == "section.move"]) == 2


def test_edit_manual_shows_on_the_kiosk_and_is_audited(app):
    client = admin_client(app)
    birth = service_id(app, "REG-BIRTH")
    form = manual_form(app, "REG-BIRTH", name_en="Birth registration (new text)",
                       fee_baht="20.50", channel=["walk_in", "bma_oss"])
    page = follow(client, post(client, f"{MANAGE}/services/{birth}/edit", form))
    assert "บันทึกคู่มือ REG-BIRTH แล้ว" in page
    manual = client.get("/services/REG-BIRTH?lang=en").get_data(as_text=True)
    assert "Birth registration (new text)" in manual and "Fee 20.50 baht" in manual
    entry = audit_rows(app)[-1]
    assert (entry.action, entry.target) == ("service.update", "REG-BIRTH")
    assert entry.detail["changes"] == {
        "name_en": ["Birth registration (within 15 days)", "Birth registration (new text)"],
        "fee_baht": ["0.00", "20.50"], "bma_oss": [False, True]}


def test_bad_manual_is_refused_with_the_import_rules_and_nothing_changes(app):
    client = admin_client(app)
    birth = service_id(app, "REG-BIRTH")
    before = service_json(load_service(app, "REG-BIRTH"))
    cases = [
        ({"fee_baht": "-5"}, "fee_baht", "ต้องไม่ติดลบ", "must not be negative"),
        ({"fee_baht": "", "fee_note_th": ""}, "fee_note_th", "ต้องกรอกเมื่อค่าธรรมเนียมแตกต่าง",
         "is required when fee_baht is null"),
        ({"channel": []}, "channel", "ต้องเลือกช่องทางอย่างน้อยหนึ่งช่องทาง",
         "must be a non-empty list"),
        ({"name_th": ""}, "name_th", "ต้องไม่เว้นว่าง", "must not be empty"),
        ({"ticket_prefix": "a1"}, "ticket_prefix", "ต้องเป็นตัวอักษรอังกฤษพิมพ์ใหญ่ 1-2 ตัว",
         "must be one or two capital letters"),
        ({"section": "NOPE"}, "section", "ซึ่งไม่มีทั้งในไฟล์และในระบบ", "neither in the file"),
        ({"name_th": "ก" * 301}, "name_th", "ยาวเกิน 300 ตัวอักษร", "longer than 300"),
    ]
    for change, field, thai, english in cases:
        form = manual_form(app, "REG-BIRTH", **change)
        response = post(client, f"{MANAGE}/services/{birth}/edit", form)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, change
        assert thai in page and f'id="err-{field}"' in page, (change, field)
        english_page = post(client, f"{MANAGE}/services/{birth}/edit?lang=en", form)
        assert english in english_page.get_data(as_text=True), change
        client.get(f"{MANAGE}/?lang=th")
    assert service_json(load_service(app, "REG-BIRTH")) == before
    assert audit_rows(app) == []


def test_new_service_with_its_first_step_is_on_the_kiosk(app):
    client = admin_client(app)
    form = {"code": "reg-new", "section": "REG", "name_th": "งานใหม่", "name_en": "New work",
            "category": "civil_registration", "channel": ["walk_in"], "fee_baht": "0",
            "step_name_th": "ตรวจเอกสาร", "step_type": "check", "step_duration": "10",
            "step_unit": "minutes", "step_section": ""}
    missing = post(client, f"{MANAGE}/services/new", dict(form, step_name_th="",
                                                          step_duration="x"))
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert "ต้องไม่เว้นว่าง" in text and "ต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป" in text
    assert service_id(app, "REG-NEW") is None
    page = follow(client, post(client, f"{MANAGE}/services/new", form))
    assert "เพิ่มงานบริการ REG-NEW แล้ว" in page and "ตรวจเอกสาร" in page
    service = load_service(app, "REG-NEW")
    assert service.ticket_prefix == "A"  # the section's letter, as import does
    assert [(s.name_th, s.minutes, s.section.code) for s in service.steps] == [
        ("ตรวจเอกสาร", 10, "REG")]
    manual = client.get("/services/REG-NEW").get_data(as_text=True)
    assert "งานใหม่" in manual and "ไม่มีค่าธรรมเนียม" in manual
    assert audit_rows(app)[-1].action == "service.create"
    again = post(client, f"{MANAGE}/services/new", form)
    assert "รหัสนี้มีงานบริการอื่นใช้แล้ว" in again.get_data(as_text=True)


def test_service_with_tickets_in_todays_queue_cannot_be_deactivated(app, client):
    """Call-next only serves active services: closing one with people in its queue today
    would strand them. Yesterday's leftovers do not block (nobody calls them any more)."""
    yesterday = now_utc() - timedelta(days=1)
    with app.app_context():
        issue("REG-BIRTH", now=yesterday)  # never called, left waiting yesterday
        waiting = [issue("REG-BIRTH"), issue("REG-BIRTH")]
        issue("REG-DEATH")  # another service's queue does not count
    admin = admin_client(app)
    birth = service_id(app, "REG-BIRTH")
    page = follow(admin, post(admin, f"{MANAGE}/services/{birth}/deactivate?lang=th"))
    assert "ปิดงานบริการ REG-BIRTH ไม่ได้ ยังมีบัตรคิววันนี้ 2 ใบ" in page
    english = follow(admin, post(admin, f"{MANAGE}/services/{birth}/deactivate?lang=en"))
    assert "Service REG-BIRTH cannot be deactivated: 2 of today&#39;s tickets" in english
    assert load_service(app, "REG-BIRTH").active and audit_rows(app) == []
    assert client.get("/services/REG-BIRTH").status_code == 200

    with app.app_context():
        begin_write(db.session)
        called = call_next(db.session, counter("1"), staff("reg1"))
        db.session.commit()
        assert called.id == waiting[0].id
    page = follow(admin, post(admin, f"{MANAGE}/services/{birth}/deactivate?lang=en"))
    assert "2 of today&#39;s tickets" in page  # one called, one waiting: both still count
    with app.app_context():
        begin_write(db.session)
        finish(db.session, db.session.get(Ticket, called.id))
        no_show_ticket = call_next(db.session, counter("1"), staff("reg1"))
        no_show(db.session, no_show_ticket)
        db.session.commit()

    page = follow(admin, post(admin, f"{MANAGE}/services/{birth}/deactivate?lang=th"))
    assert "ปิดงานบริการ REG-BIRTH แล้ว" in page
    assert not load_service(app, "REG-BIRTH").active
    assert client.get("/services/REG-BIRTH").status_code == 404
    assert client.get(f"/t/{waiting[0].token}").status_code == 200
    follow(admin, post(admin, f"{MANAGE}/services/{birth}/activate"))
    assert client.get("/services/REG-BIRTH").status_code == 200
    assert [e.action for e in audit_rows(app)] == ["service.deactivate", "service.activate"]
