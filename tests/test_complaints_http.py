"""Complaints over HTTP: the citizen's form, code and lookup; the staff list, detail and moves;
roles and CSRF on every staff route."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Complaint, ComplaintStatus, Role, db
from models.base import begin_write, now_utc
from models.complaint_handling import file_complaint
from models.complaints import MAX_TEXT
from tests.staff_helpers import add_staff, csrf, sign_in
from web.office import current_office
from web.thaitime import format_date

TEXT = "รอคิวนานเกินสองชั่วโมง ไม่มีใครอธิบาย"


def send(client, **fields):
    data = {"csrf_token": csrf(client, "/complaints/"), "category": "service", "about": "",
            "text": TEXT, "contact": ""}
    return client.post("/complaints/", data={**data, **fields})


def filed(client, **fields) -> str:
    response = send(client, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    return re.fullmatch(r"/complaints/received/(C-\w{4}-\w{4})", response.headers["Location"])[1]


def stored(app, code: str) -> Complaint:
    with app.app_context():
        return db.session.scalar(select(Complaint).where(Complaint.code == code))


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Complaint.id)))


def backdated(app, days: int, text: str = TEXT) -> Complaint:
    with app.app_context():
        begin_write(db.session)
        complaint = file_complaint(db.session, current_office(), "suggestion", text,
                                   now=now_utc() - timedelta(days=days))
        db.session.commit()
        return complaint


@pytest.fixture
def handlers(app):
    add_staff(app, "nok", Role.COUNTER, "REG")
    add_staff(app, "sup", Role.SUPERVISOR, "REV")  # another section: complaints are office-wide
    add_staff(app, "boss", Role.ADMIN)


def test_the_kiosk_home_and_every_manual_lead_to_the_form(client):
    assert 'href="/complaints/"' in client.get("/").get_data(as_text=True)
    manual = client.get("/services/REG-BIRTH").get_data(as_text=True)
    assert 'href="/complaints/?service=REG-BIRTH"' in manual
    form = client.get("/complaints/?service=REG-BIRTH").get_data(as_text=True)
    assert re.search(r'value="svc:REG-BIRTH" selected', form)
    assert form.count('type="radio" name="category"') == 4


def test_filing_shows_the_code_the_deadline_and_a_qr_to_the_lookup(client, app):
    code = filed(client, about="svc:REG-BIRTH")
    page = client.get(f"/complaints/received/{code}").get_data(as_text=True)
    assert re.search(rf'id="complaint-code">{code}<', page)
    with app.test_request_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.code == code))
        assert (complaint.channel, complaint.section.code, complaint.contact) == \
            ("kiosk", "REG", "")
        due = format_date(complaint.created_at + timedelta(days=15), "th")
    assert re.search(rf'id="due-date">{due}<', page) and re.search(r"25\d\d$", due)  # BE year
    assert 'aria-label="คิวอาร์โค้ดติดตามเรื่อง"' in page and "<svg" in page
    assert f"http://localhost/complaints/track/{code}?via=qr" in page


def test_the_citizen_finds_the_complaint_by_its_code_however_typed(client):
    code = filed(client)
    typed = code.lower().replace("-", " ")
    found = client.get("/complaints/track", query_string={"code": typed})
    assert found.status_code == 303 and found.headers["Location"] == f"/complaints/track/{code}"
    page = client.get(found.headers["Location"]).get_data(as_text=True)
    assert 'id="complaint-status">รับเรื่องแล้ว<' in page and TEXT in page
    assert 'id="reply"' not in page and "ยังไม่มีคำตอบ" in page


@pytest.mark.parametrize(("fields", "thai", "english"), [
    ({"text": "  "}, "กรุณาเขียนรายละเอียด", "Please write what you would like to tell us"),
    ({"text": "ก" * (MAX_TEXT + 1)}, "ยาวเกิน 4,000 ตัวอักษร", "longer than 4,000 characters"),
    ({"category": ""}, "กรุณาเลือกประเภทเรื่อง", "Please choose what kind of message"),
    ({"category": "'; DROP TABLE"}, "กรุณาเลือกประเภทเรื่อง", "Please choose what kind"),
    ({"about": "svc:NO-SUCH"}, "ไม่พบงานบริการหรือฝ่ายที่เลือก", "service or section was not"),
    ({"about": "nonsense"}, "ไม่พบงานบริการหรือฝ่ายที่เลือก", "service or section was not"),
    ({"contact": "x" * 201}, "ช่องทางติดต่อกลับยาวเกิน", "contact details are longer"),
    ({"category": "", "text": ""},
     "กรุณาเลือกประเภทเรื่อง และกรุณาเขียนรายละเอียดเรื่องที่ต้องการแจ้ง",
     "Please choose what kind of message this is. Please write what you would like to tell us"),
])
def test_wrong_input_is_explained_in_both_languages(client, app, fields, thai, english):
    response = send(client, **fields)
    assert response.status_code == 422
    assert thai in response.get_data(as_text=True)
    client.get("/complaints/?lang=en")
    english_page = send(client, **fields).get_data(as_text=True)
    assert english in english_page and 'role="alert"' in english_page
    assert count(app) == 0


def test_a_refused_form_keeps_what_the_citizen_typed(client):
    page = send(client, category="", text="ช้ามาก", contact="081").get_data(as_text=True)
    assert ">ช้ามาก</textarea>" in page and 'value="081"' in page


def test_an_empty_post_is_a_message_not_a_crash(client):
    response = client.post("/complaints/", data={"csrf_token": csrf(client, "/complaints/")})
    assert response.status_code == 422


@pytest.mark.parametrize("url", ["/complaints/track?code=C-2345-6789",
                                 "/complaints/track/C-2345-6789",
                                 "/complaints/received/C-2345-6789",
                                 "/complaints/track?code=%3Cscript%3E"])
def test_an_unknown_code_gets_a_friendly_message(client, url):
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "ไม่พบเรื่องรหัส" in page
    assert "<script>" not in page and 'name="code"' in page


def test_contact_is_stored_only_when_given_and_never_shown_to_the_citizen(client, app):
    anonymous = filed(client, category="misconduct")
    assert stored(app, anonymous).contact == ""
    with_contact = filed(client, contact=" line: somchai99 ")
    assert stored(app, with_contact).contact == "line: somchai99"
    assert "somchai99" not in client.get(f"/complaints/track/{with_contact}").get_data(
        as_text=True)


def test_the_form_needs_its_csrf_token(client, app):
    response = client.post("/complaints/", data={"category": "service", "text": TEXT})
    assert response.status_code == 400 and count(app) == 0


def test_a_form_sent_twice_files_one_complaint(client, app):
    """A double tap or a retried request carries the key of the form's page: the same
    complaint, with its code, not a second one. Another view of the form is another key."""
    page = client.get("/complaints/").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    assert len(key) >= 16
    first = filed(client, idempotency_key=key)
    assert filed(client, idempotency_key=key) == first
    assert count(app) == 1
    again = client.get("/complaints/").get_data(as_text=True)
    assert re.search(r'name="idempotency_key" value="([^"]+)"', again)[1] != key
    assert filed(client, idempotency_key="another-view") != first
    assert count(app) == 2


def test_a_refused_form_keeps_its_key_so_the_corrected_one_files_once(client, app):
    refused = send(client, text="", idempotency_key="view-1")
    assert refused.status_code == 422
    assert 'name="idempotency_key" value="view-1"' in refused.get_data(as_text=True)
    first = filed(client, idempotency_key="view-1")
    assert filed(client, idempotency_key="view-1") == first and count(app) == 1


def test_a_phone_visit_is_filed_as_phone(client, app):
    client.get("/complaints/track?via=qr")
    assert stored(app, filed(client)).channel == "phone"


# --- Staff ----------------------------------------------------------------------------------

def staff_routes(complaint_id: int) -> list[tuple[str, str]]:
    return [("get", "/staff/complaints/"), ("get", "/staff/complaints/?overdue=1"),
            ("get", f"/staff/complaints/{complaint_id}"),
            ("post", f"/staff/complaints/{complaint_id}")]


def hit(client, method: str, url: str):
    if method == "get":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf(client, "/complaints/"),
                                  "status": "", "note": "ตรวจสอบแล้ว"})


@pytest.mark.parametrize(("who", "expected"), [(None, 302), ("nok", 403), ("sup", "ok"),
                                               ("boss", "ok")])
def test_only_supervisors_and_admins_handle_complaints(client, app, handlers, who, expected):
    complaint = backdated(app, 0)
    if who:
        sign_in(client, who)
    for method, url in staff_routes(complaint.id):
        response = hit(client, method, url)
        if expected == "ok":
            assert response.status_code == (200 if method == "get" else 303), url
        else:
            assert response.status_code == expected, url
        if expected == 302:
            assert "/staff/sign-in" in response.headers["Location"]
    nav = client.get("/staff/console/").get_data(as_text=True)
    assert ('href="/staff/complaints/"' in nav) == (expected == "ok")


def test_staff_moves_need_their_csrf_token(client, app, handlers):
    complaint = backdated(app, 0)
    sign_in(client, "sup")
    response = client.post(f"/staff/complaints/{complaint.id}",
                           data={"status": "in_progress", "note": "x"})
    assert response.status_code == 400
    assert stored(app, complaint.code).status is ComplaintStatus.RECEIVED


def test_the_reply_reaches_the_citizen_and_the_internal_note_does_not(client, app, handlers):
    code = filed(client, contact="081-234-5678")
    complaint_id = stored(app, code).id
    staff = app.test_client()
    sign_in(staff, "sup")
    detail = staff.get(f"/staff/complaints/{complaint_id}").get_data(as_text=True)
    assert "081-234-5678" in detail and TEXT in detail
    response = staff.post(f"/staff/complaints/{complaint_id}", data={
        "csrf_token": csrf(staff, "/staff/complaints/"), "status": "answered",
        "reply": "ขออภัยค่ะ เพิ่มเจ้าหน้าที่ช่วงเช้าแล้ว", "note": "ผอ. สั่งให้ตรวจช่อง 3"})
    assert response.status_code == 303
    detail = staff.get(f"/staff/complaints/{complaint_id}").get_data(as_text=True)
    assert "ผอ. สั่งให้ตรวจช่อง 3" in detail and 'id="complaint-status">ตอบกลับแล้ว<' in detail

    page = client.get(f"/complaints/track/{code}").get_data(as_text=True)
    assert "เพิ่มเจ้าหน้าที่ช่วงเช้าแล้ว" in page and 'id="complaint-status">ตอบกลับแล้ว<' in page
    assert "ผอ. สั่งให้ตรวจช่อง 3" not in page and "Sup" not in page


def test_refused_moves_are_explained_and_change_nothing(client, app, handlers):
    complaint = backdated(app, 0)
    sign_in(client, "sup")
    url = f"/staff/complaints/{complaint.id}"
    token = csrf(client, url)
    no_reply = client.post(url, data={"csrf_token": token, "status": "answered", "reply": ""})
    assert no_reply.status_code == 422
    assert "กรุณาเขียนคำตอบถึงผู้แจ้ง" in no_reply.get_data(as_text=True)
    skip = client.post(url, data={"csrf_token": token, "status": "closed", "note": "ปิดเลย"})
    assert skip.status_code == 409 and "ไม่ได้" in skip.get_data(as_text=True)
    assert ">ปิดเลย</textarea>" in skip.get_data(as_text=True)
    assert stored(app, complaint.code).status is ComplaintStatus.RECEIVED
    assert client.get("/staff/complaints/999999").status_code == 404


def test_overdue_complaints_are_flagged_and_filtered(client, app, handlers):
    late = backdated(app, 16, "เรื่องที่เลยกำหนด")
    fresh = backdated(app, 2, "เรื่องใหม่")
    sign_in(client, "boss")
    page = client.get("/staff/complaints/").get_data(as_text=True)
    late_row = re.search(rf'<tr class="([^"]*)" data-code="{late.code}">(.*?)</tr>', page, re.S)
    fresh_row = re.search(rf'<tr class="([^"]*)" data-code="{fresh.code}">(.*?)</tr>', page, re.S)
    assert late_row[1] == "complaint-overdue" and "เลยกำหนด" in late_row[2]
    assert fresh_row[1] == "" and "เลยกำหนด" not in fresh_row[2]
    assert page.index(late.code) < page.index(fresh.code)  # nearest deadline first
    assert 'id="overdue-count">' in page

    only_late = client.get("/staff/complaints/?overdue=1").get_data(as_text=True)
    assert late.code in only_late and fresh.code not in only_late
    answered = client.get("/staff/complaints/?status=answered").get_data(as_text=True)
    assert late.code not in answered and "ไม่มีเรื่องตามเงื่อนไขนี้" in answered
    assert client.get("/staff/complaints/?status=zzz&category=&page=x").status_code == 200

    citizen = app.test_client().get(f"/complaints/track/{late.code}").get_data(as_text=True)
    assert 'id="overdue-note"' in citizen


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_ticket_status_page_leads_a_phone_to_the_complaint_form(client, app, lang):
    from tests.queue_helpers import issue

    with app.app_context():
        token = issue("REG-BIRTH").token
    page = client.get(f"/t/{token}?lang={lang}").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]+)">([^<]+)</a>', page.split(
        'class="panel complaint-link"')[1])
    label = "ร้องเรียน/เสนอแนะ" if lang == "th" else "Complaints &amp; suggestions"
    assert link[2] == label
    href = link[1].replace("&amp;", "&")
    form = client.get(href).get_data(as_text=True)
    assert 'value="svc:REG-BIRTH" selected' in form  # about the ticket's service
    assert "data-idle-seconds" not in form  # a phone is never sent to the kiosk home
    code = filed(client, about="svc:REG-BIRTH")
    assert stored(app, code).channel == "phone"


def test_the_tracking_page_follows_the_phones_language(app):
    """Opened from the receipt's QR on the citizen's phone: English for a phone that reads it."""
    code = backdated(app, 1).code
    phone = app.test_client()
    page = phone.get(f"/complaints/track/{code}",
                     headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Tracking code" in page and '<html lang="en">' in page
    # The form itself is the kiosk's: Thai first.
    form = phone.get("/complaints/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="th">' in form
