"""Staff accounts managed by an admin: create, edit, reset password, deactivate at once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Role, Staff, db
from models.office_admin import AdminError, set_staff_active, update_staff
from tests.api_helpers import bearer, token_for
from tests.manage_helpers import ADMIN, MANAGE, admin_client, audit_rows, follow, post
from tests.queue_helpers import counter, staff
from tests.staff_helpers import PASSWORD, add_staff, sign_in

NEW = {"username": "Somsri", "display_name": "นางสมศรี ใจงาม", "role": "counter",
       "section": "REG", "password": "somsri-pass-9"}


def person(app, username: str) -> Staff:
    with app.app_context():
        found = db.session.scalar(select(Staff).where(Staff.username == username))
        if found is not None:
            _ = found.section
        return found


def staff_id(app, username: str) -> int:
    return person(app, username).id


def shown_password(page: str) -> str:
    return re.search(r'<p class="password-once"><code>([^<]+)</code>', page)[1]


def test_admin_creates_an_account_that_can_sign_in_and_no_password_is_logged(app):
    client = admin_client(app)
    page = follow(client, post(client, f"{MANAGE}/staff/new", NEW))
    assert "เพิ่มบัญชี somsri แล้ว" in page and "นางสมศรี ใจงาม" in page
    created = person(app, "somsri")
    assert (created.role, created.section.code, created.active) == (Role.COUNTER, "REG", True)
    assert sign_in(app.test_client(), "somsri", "somsri-pass-9").status_code == 303
    entry = audit_rows(app)[-1]
    assert (entry.action, entry.target, entry.staff.username) == ("staff.create", "somsri", ADMIN)
    assert entry.detail == {"changes": {"username": [None, "somsri"],
                                        "display_name": [None, "นางสมศรี ใจงาม"],
                                        "role": [None, "counter"], "section": [None, "REG"]},
                            "password_generated": False}
    assert "somsri-pass-9" not in str(entry.detail)


def test_blank_password_gives_a_temporary_one_shown_once(app):
    client = admin_client(app)
    response = post(client, f"{MANAGE}/staff/new", dict(NEW, password=""))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = shown_password(response.get_data(as_text=True))
    assert sign_in(app.test_client(), "somsri", password).status_code == 303
    assert password not in client.get(f"{MANAGE}/staff/").get_data(as_text=True)
    assert password not in str([e.detail for e in audit_rows(app)])


def test_bad_accounts_are_refused_in_both_languages_and_nothing_is_written(app):
    client = admin_client(app)
    cases = [
        (dict(NEW, password="short1"), "รหัสผ่านต้องยาวอย่างน้อย 8 ตัวอักษร",
         "at least 8 characters"),
        (dict(NEW, password="onlyletters"), "รหัสผ่านต้องมีทั้งตัวอักษรและตัวเลขหรือสัญลักษณ์",
         "must mix letters"),
        (dict(NEW, username="x"), "ชื่อผู้ใช้ยาว 3-64 ตัว", "3-64 characters"),
        (dict(NEW, username="reg1"), "ชื่อผู้ใช้นี้มีผู้ใช้แล้ว", "This username is taken"),
        (dict(NEW, role="supervisor", section=""), "หัวหน้างานต้องสังกัดฝ่าย",
         "A supervisor needs a section"),
        (dict(NEW, role="king"), "เลือกบทบาท", "Choose a role"),
        (dict(NEW, display_name="ก" * 201), "ชื่อที่แสดงยาวเกิน 200 ตัวอักษร", "longer than 200"),
    ]
    before = len(audit_rows(app))
    for form, thai, english in cases:
        response = post(client, f"{MANAGE}/staff/new?lang=th", form)
        assert response.status_code == 422, form
        assert thai in response.get_data(as_text=True), form
        english_page = post(client, f"{MANAGE}/staff/new?lang=en", form)
        assert english in english_page.get_data(as_text=True), form
    assert person(app, "somsri") is None
    assert len(audit_rows(app)) == before


def test_edit_name_role_and_section_is_audited(app):
    client = admin_client(app)
    reg1 = staff_id(app, "reg1")
    form = {"display_name": "นายสมชาย ใจดีมาก", "role": "supervisor", "section": "REV"}
    follow(client, post(client, f"{MANAGE}/staff/{reg1}/edit", form))
    edited = person(app, "reg1")
    assert (edited.display_name, edited.role, edited.section.code) == (
        "นายสมชาย ใจดีมาก", Role.SUPERVISOR, "REV")
    assert audit_rows(app)[-1].detail["changes"] == {
        "display_name": ["นายสมชาย ใจดี", "นายสมชาย ใจดีมาก"],
        "role": ["counter", "supervisor"], "section": ["REG", "REV"]}


def test_reset_password_signs_the_member_out_and_only_the_new_one_works(app):
    add_staff(app, "nok")
    nok = app.test_client()
    assert sign_in(nok, "nok").status_code == 303
    assert nok.get("/staff/console/").status_code == 200
    client = admin_client(app)
    response = post(client, f"{MANAGE}/staff/{staff_id(app, 'nok')}/password", {"password": ""})
    new_password = shown_password(response.get_data(as_text=True))
    assert nok.get("/staff/console/").status_code == 302  # the open session is over
    assert sign_in(app.test_client(), "nok", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "nok", new_password).status_code == 303
    weak = post(client, f"{MANAGE}/staff/{staff_id(app, 'nok')}/password", {"password": "abc"})
    assert weak.status_code == 422 and "รหัสผ่านต้องยาวอย่างน้อย" in weak.get_data(as_text=True)
    typed = post(client, f"{MANAGE}/staff/{staff_id(app, 'nok')}/password",
                 {"password": "typed-pass-22"})
    assert "ตั้งรหัสผ่านใหม่ของ nok แล้ว" in follow(client, typed)
    assert sign_in(app.test_client(), "nok", "typed-pass-22").status_code == 303
    resets = [e for e in audit_rows(app) if e.action == "staff.reset_password"]
    assert [e.detail for e in resets] == [
        {"password_generated": True, "revoke_api_tokens": False},
        {"password_generated": False, "revoke_api_tokens": False}]


def test_reset_password_revokes_api_tokens_unless_unticked(app):
    with app.app_context():
        window = counter("1").id
    call = f"/api/v1/counters/{window}/call-next"
    api = app.test_client()
    token = token_for(app, "reg1")
    client = admin_client(app)
    reg1 = staff_id(app, "reg1")
    form = client.get(f"{MANAGE}/staff/{reg1}/edit?lang=en").get_data(as_text=True)
    client.get(f"{MANAGE}/staff/?lang=th")
    assert re.search(r'<input type="checkbox" name="revoke_tokens" value="on" checked>', form)
    assert "Also revoke this person&#39;s API tokens" in form

    kept = post(client, f"{MANAGE}/staff/{reg1}/password", {"password": "typed-pass-22"})
    assert "ตั้งรหัสผ่านใหม่ของ reg1 แล้ว" in follow(client, kept)
    assert api.post(call, headers=bearer(token)).status_code != 401  # unticked: tokens kept

    revoked = post(client, f"{MANAGE}/staff/{reg1}/password",
                   {"password": "typed-pass-33", "revoke_tokens": "on"})
    assert "เพิกถอนโทเค็น API 1 รายการ" in follow(client, revoked)
    assert api.post(call, headers=bearer(token)).status_code == 401
    resets = [e.detail for e in audit_rows(app) if e.action == "staff.reset_password"]
    assert resets == [{"password_generated": False, "revoke_api_tokens": False},
                      {"password_generated": False, "revoke_api_tokens": True,
                       "api_tokens_revoked": 1}]


def test_own_password_reset_keeps_the_admin_signed_in(app):
    client = admin_client(app)
    post(client, f"{MANAGE}/staff/{staff_id(app, ADMIN)}/password", {"password": "new-pass-77"})
    assert client.get(f"{MANAGE}/staff/").status_code == 200


def test_deactivated_member_is_locked_out_at_once_and_their_tokens_stop(app):
    token = token_for(app, "reg1")
    with app.app_context():
        window = counter("1").id
    api = app.test_client()
    call = f"/api/v1/counters/{window}/call-next"
    assert api.post(call, headers=bearer(token)).status_code != 401
    add_staff(app, "nok")
    nok = app.test_client()
    sign_in(nok, "nok")
    assert nok.get("/staff/console/").status_code == 200

    client = admin_client(app)
    for username in ("nok", "reg1"):
        page = follow(client, post(client, f"{MANAGE}/staff/{staff_id(app, username)}/deactivate"))
        assert f"ปิดบัญชี {username} แล้ว" in page
    response = nok.get("/staff/console/")  # the very next request of the open session
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    assert sign_in(app.test_client(), "nok").status_code == 401
    assert api.post(call, headers=bearer(token)).status_code == 401
    entry = audit_rows(app)[-1]
    assert entry.action == "staff.deactivate"
    assert entry.detail["changes"] == {"active": [True, False], "api_tokens_revoked": [None, 1]}

    follow(client, post(client, f"{MANAGE}/staff/{staff_id(app, 'reg1')}/activate"))
    assert person(app, "reg1").active
    assert api.post(call, headers=bearer(token)).status_code == 401  # old tokens stay dead
    follow(client, post(client, f"{MANAGE}/staff/{staff_id(app, 'nok')}/activate"))
    assert sign_in(app.test_client(), "nok").status_code == 303


def test_admin_cannot_lock_themself_out(app):
    client = admin_client(app)
    me = staff_id(app, ADMIN)
    page = follow(client, post(client, f"{MANAGE}/staff/{me}/deactivate"))
    assert "ปิดบัญชีของตัวเองไม่ได้" in page and "flash-error" in page
    demote = post(client, f"{MANAGE}/staff/{me}/edit",
                  {"display_name": "Boss", "role": "counter", "section": ""})
    assert demote.status_code == 422
    assert "เปลี่ยนบทบาทของตัวเองไม่ได้" in demote.get_data(as_text=True)
    assert person(app, ADMIN).active and person(app, ADMIN).role is Role.ADMIN
    assert client.get(f"{MANAGE}/staff/").status_code == 200
    assert [e.action for e in audit_rows(app)] == []


def test_the_last_active_admin_is_never_removed(app):
    """The rule itself, for any actor (the pages stop an admin at their own account first)."""
    add_staff(app, "sup", Role.SUPERVISOR, "REG")
    with app.app_context():
        other_admin = staff("admin")
        other_admin.active = False
        add = db.session
        boss = Staff(office_id=other_admin.office_id, username="boss2", display_name="Boss",
                     role=Role.ADMIN, password_hash="x", active=True)
        add.add(boss)
        add.commit()
        actor = staff("sup")
        with pytest.raises(AdminError) as demoted:
            update_staff(db.session, actor, boss, "Boss", Role.COUNTER, None)
        assert demoted.value.message_en == "The office needs at least one active administrator"
        with pytest.raises(AdminError):
            set_staff_active(db.session, actor, boss, False)
        db.session.rollback()
        other_admin = staff("admin")
        other_admin.active = True
        set_staff_active(db.session, actor, staff("boss2"), False)  # another admin remains
        assert staff("boss2").active is False


def test_an_unmapped_staff_rule_is_still_explained_in_thai():
    """A rule added to models.staff later, before its Thai text here, must not put English in
    the Thai slot of the form."""
    from models.office_admin import _translated
    from models.staff import StaffError

    error = _translated(StaffError("the badge number is not valid"))
    assert re.search(r"[\u0e01-\u0e5b]", error.message_th)
    assert "the badge number is not valid" not in error.message_th
    assert "the badge number is not valid" in error.message_en
