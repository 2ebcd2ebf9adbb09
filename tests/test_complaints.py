"""Complaints and suggestions, the domain rules: filing, the tracking code, the reply deadline,
handling moves, overdue, the staff list. Pages and roles: tests/test_complaints_http.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import models.complaint_handling as complaint_handling
from models import Complaint, ComplaintCategory, ComplaintStatus, Role, db
from models.base import begin_write, now_utc
from models.complaint_handling import (
    ComplaintError,
    count_overdue,
    file_complaint,
    move_complaint,
    staff_complaints,
)
from models.complaints import MAX_CONTACT, MAX_TEXT, TRANSITIONS, normalize_code
from tests.queue_helpers import service, staff
from tests.staff_helpers import add_staff, csrf, sign_in
from web.office import current_office
from web.thaitime import format_date

S = ComplaintStatus
NOON = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 12:00 in Bangkok


def file(text: str = "รอนานมาก เจ้าหน้าที่ไม่อธิบาย", category="service", **options) -> Complaint:
    begin_write(db.session)
    complaint = file_complaint(db.session, current_office(), category, text, **options)
    db.session.commit()
    return complaint


def move(complaint: Complaint, status, who: str = "sup", **options):
    begin_write(db.session)
    update = move_complaint(db.session, complaint, staff(who), status, **options)
    db.session.commit()
    return update


def refused(call, *args, **options) -> ComplaintError:
    with pytest.raises(ComplaintError) as caught:
        call(*args, **options)
    db.session.rollback()
    assert caught.value.message_th and caught.value.message_en
    return caught.value


def at_status(target: ComplaintStatus) -> Complaint:
    complaint = file()
    path = {S.RECEIVED: [], S.IN_PROGRESS: [S.IN_PROGRESS], S.ANSWERED: [S.ANSWERED],
            S.CLOSED: [S.ANSWERED, S.CLOSED]}[target]
    for step in path:
        move(complaint, step, reply="ตรวจสอบแล้ว ขออภัยค่ะ" if step is S.ANSWERED else "")
    return complaint


@pytest.fixture
def sup(app):
    add_staff(app, "sup", Role.SUPERVISOR, "REG")
    with app.app_context():
        yield


# --- Filing ---------------------------------------------------------------------------------

def test_filing_gives_a_code_a_15_day_deadline_and_a_received_step(app, sup):
    complaint = file(service=service("REG-BIRTH"), now=NOON)
    assert re.fullmatch(r"C-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", complaint.code)
    stored = db.session.get(Complaint, complaint.id)
    assert stored.due_at == NOON + timedelta(days=15)
    assert format_date(stored.due_at, "th") == "9 ธันวาคม 2569"
    assert stored.status is S.RECEIVED and stored.section.code == "REG"
    assert [(u.status, u.staff_id) for u in stored.history] == [(S.RECEIVED, None)]


def test_contact_is_stored_only_when_given(app, sup):
    assert file(contact="").contact == ""
    assert file(contact="   ").contact == ""
    assert file(contact=" 081-234-5678 ").contact == "081-234-5678"


@pytest.mark.parametrize(("text", "category", "contact", "code"), [
    ("", "service", "", "text_required"),
    ("  \r\n ", "service", "", "text_required"),
    ("x" * (MAX_TEXT + 1), "service", "", "text_too_long"),
    ("ok", "", "", "category_required"),
    ("ok", "bribe", "", "category_required"),
    ("ok", "service", "0" * (MAX_CONTACT + 1), "contact_too_long"),
    ("", "", "", "form_incomplete"),  # both missing: both said at once
])
def test_invalid_filings_are_refused_and_nothing_is_stored(app, sup, text, category, contact,
                                                             code):
    error = refused(file, text, category, contact=contact)
    assert (error.code, error.status) == (code, 422)
    assert db.session.scalar(select(func.count(Complaint.id))) == 0


def test_line_breaks_from_a_textarea_count_once(app, sup):
    text = ("ก" * 9 + "\r\n") * (MAX_TEXT // 10)  # CRLF from the browser; 4000 characters as LF
    assert len(file(text).text) == MAX_TEXT - 1  # the last line break is stripped


def test_a_clashing_code_is_drawn_again(app, sup, monkeypatch):
    first = file()
    codes = iter([first.code, "C-2345-6789"])
    monkeypatch.setattr(complaint_handling, "new_complaint_code", lambda: next(codes))
    assert file().code == "C-2345-6789"
    assert db.session.scalar(select(func.count(Complaint.id))) == 2


@pytest.mark.parametrize("typed", ["C-2345-6789", "c-2345-6789", "c 2345 6789", "C23456789",
                                   "23456789", " 2345-6789 "])
def test_codes_are_found_however_they_are_typed(typed):
    assert normalize_code(typed) == "C-2345-6789"


@pytest.mark.parametrize("typed", ["", "C-2345-67", "C-2345-67890", "\x00", "<script>"])
def test_anything_else_is_no_code_at_all(typed):
    assert normalize_code(typed) == ""


# --- Handling -------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "target"), [(a, b) for a in S for b in S if a != b])
def test_moves_follow_the_transition_table(app, sup, start, target):
    complaint = at_status(start)
    reply = "แก้ไขแล้ว ขอบคุณที่แจ้งค่ะ" if target is S.ANSWERED else complaint.reply
    if target in TRANSITIONS[start]:
        move(complaint, target, reply=reply)
        assert db.session.get(Complaint, complaint.id).status is target
    else:
        error = refused(move, complaint, target, reply=reply)
        assert (error.code, error.status) == ("bad_transition", 409)
        assert db.session.get(Complaint, complaint.id).status is start


def test_a_complaint_handled_from_receipt_to_closing(app, sup):
    complaint = file(now=NOON)
    move(complaint, S.IN_PROGRESS, note="ส่งให้ฝ่ายทะเบียนตรวจสอบ", now=NOON + timedelta(days=1))
    move(complaint, S.ANSWERED, reply="ฝ่ายทะเบียนปรับขั้นตอนแล้ว", now=NOON + timedelta(days=3))
    move(complaint, S.CLOSED, now=NOON + timedelta(days=4))
    stored = db.session.get(Complaint, complaint.id)
    assert stored.answered_at == NOON + timedelta(days=3) and stored.answered_on_time
    assert stored.closed_at == NOON + timedelta(days=4)
    assert stored.reply == "ฝ่ายทะเบียนปรับขั้นตอนแล้ว"
    assert [(u.status, u.staff.username if u.staff else None) for u in stored.history] == [
        (S.RECEIVED, None), (S.IN_PROGRESS, "sup"), (S.ANSWERED, "sup"), (S.CLOSED, "sup")]


def test_answering_needs_a_reply_and_a_reply_needs_answering(app, sup):
    complaint = file()
    assert refused(move, complaint, S.ANSWERED, reply="  ").code == "reply_required"
    assert refused(move, complaint, S.IN_PROGRESS, reply="คำตอบ").code == "reply_needs_answered"
    assert refused(move, complaint, None, note="", reply="").code == "note_required"
    assert refused(move, complaint, "done").code == "bad_status"
    stored = db.session.get(Complaint, complaint.id)
    assert (stored.status, stored.reply, len(stored.history)) == (S.RECEIVED, "", 1)


def test_a_note_alone_keeps_the_status(app, sup):
    complaint = at_status(S.CLOSED)
    move(complaint, None, note="ผู้แจ้งโทรมาขอบคุณ")
    stored = db.session.get(Complaint, complaint.id)
    assert stored.status is S.CLOSED
    assert (stored.history[-1].status, stored.history[-1].note) == (S.CLOSED, "ผู้แจ้งโทรมาขอบคุณ")


def test_a_reopened_complaint_keeps_its_first_answer_time_and_the_earlier_reply(app, sup):
    complaint = file(now=NOON)
    move(complaint, S.ANSWERED, reply="คำตอบแรก", now=NOON + timedelta(days=2))
    move(complaint, S.IN_PROGRESS, note="ผู้แจ้งยังไม่พอใจ", now=NOON + timedelta(days=5))
    move(complaint, S.ANSWERED, reply="คำตอบใหม่", now=NOON + timedelta(days=20))
    stored = db.session.get(Complaint, complaint.id)
    assert stored.reply == "คำตอบใหม่" and stored.answered_at == NOON + timedelta(days=2)
    assert "คำตอบแรก" in stored.history[-1].note


def test_overdue_means_past_the_deadline_without_an_answer(app, sup):
    now = now_utc()
    late = file("เรื่องเก่า", now=now - timedelta(days=16))
    file("เรื่องใหม่", now=now - timedelta(days=14))
    answered_late = file("ตอบช้า", now=now - timedelta(days=20))
    move(answered_late, S.ANSWERED, reply="ขออภัยที่ล่าช้า")
    assert late.overdue(now) and not answered_late.overdue(now)
    assert db.session.get(Complaint, answered_late.id).answered_on_time is False
    office = current_office()
    assert count_overdue(db.session, office, now) == 1
    assert db.session.scalars(staff_complaints(office, overdue=True, now=now)).all() == [late]


def test_the_staff_list_filters_and_puts_the_nearest_deadline_first(app, sup):
    now = now_utc()
    older = file("เก่า", "suggestion", now=now - timedelta(days=10))
    newer = file("ใหม่", "suggestion", now=now - timedelta(days=1))
    done = file("ตอบแล้ว", "misconduct", now=now - timedelta(days=12))
    move(done, S.ANSWERED, reply="ดำเนินการแล้ว")
    office = current_office()
    assert db.session.scalars(staff_complaints(office)).all() == [older, newer, done]
    assert db.session.scalars(staff_complaints(
        office, category=ComplaintCategory.MISCONDUCT)).all() == [done]
    assert db.session.scalars(staff_complaints(office, status=S.RECEIVED)).all() == \
        [older, newer]


def test_the_same_rules_hold_on_postgresql(pg_app, monkeypatch):
    """A clashing code must undo only its savepoint (PostgreSQL aborts a whole transaction on
    an error otherwise), and the staff list's ordering and overdue filter run there too."""
    add_staff(pg_app, "sup", Role.SUPERVISOR, "REG")
    with pg_app.app_context():
        now = now_utc()
        late = file("NUL\x00 ไม่ทำให้ล้ม", now=now - timedelta(days=16))
        codes = iter([late.code, "C-2345-6789"])
        monkeypatch.setattr(complaint_handling, "new_complaint_code", lambda: next(codes))
        fresh = file(service=service("REV-SIGNTAX"))
        assert (fresh.code, fresh.section.code) == ("C-2345-6789", "REV")
        move(fresh, S.ANSWERED, reply="ตอบแล้ว")
        office = current_office()
        assert db.session.scalars(staff_complaints(office, now=now)).all() == [late, fresh]
        assert db.session.scalars(staff_complaints(office, overdue=True, now=now)).all() == \
            [late]
        assert db.session.get(Complaint, late.id).text == "NUL ไม่ทำให้ล้ม"
    client = pg_app.test_client()
    sign_in(client, "sup")
    page = client.get("/staff/complaints/?overdue=1").get_data(as_text=True)
    assert late.code in page and fresh.code not in page and "complaint-overdue" in page


def test_nul_characters_from_a_browser_are_no_server_error_on_postgresql(pg_app):
    client = pg_app.test_client()
    for url in ("/complaints/track/C-2345-%00", "/complaints/track?code=%00",
                "/complaints/received/%00"):
        assert client.get(url).status_code == 404, url
    token = csrf(client, "/complaints/")
    response = client.post("/complaints/", data={"csrf_token": token, "category": "service",
                                                 "about": "svc:\x00", "text": "x"})
    assert response.status_code == 422
