"""A complaint's contact details are erased COMPLAINT_CONTACT_DAYS after it was closed (PDPA):
the complaint itself, its history and its figures stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from config import TestConfig
from models import AuditEntry, Complaint, ComplaintStatus, Role, db
from models.base import begin_write, now_utc
from models.complaint_handling import file_complaint, move_complaint
from models.complaint_privacy import erase_due_contacts
from models.staff import Staff
from tests.staff_helpers import add_staff, sign_in
from web.office import current_office

PHONE = "081-234-5678"


def complaint(app, contact: str, *, closed_days_ago: int | None = None,
              answered_days_ago: int | None = None) -> str:
    """A complaint filed 200 days ago, answered and closed that many days ago: its code."""
    with app.app_context():
        begin_write(db.session)
        office = current_office()
        filed = file_complaint(db.session, office, "service", "รอนานมาก", contact=contact,
                               now=now_utc() - timedelta(days=200))
        staff = db.session.scalar(select(Staff).where(Staff.username == "sup"))
        answered = closed_days_ago if closed_days_ago is not None else answered_days_ago
        if answered is not None:
            move_complaint(db.session, filed, staff, ComplaintStatus.ANSWERED, reply="ขออภัย",
                           now=now_utc() - timedelta(days=answered, hours=1))
        if closed_days_ago is not None:
            move_complaint(db.session, filed, staff, ComplaintStatus.CLOSED,
                           now=now_utc() - timedelta(days=closed_days_ago))
        db.session.commit()
        return filed.code


def contacts(app) -> dict[str, tuple[str, bool]]:
    with app.app_context():
        return {c.code: (c.contact, c.contact_erased_at is not None)
                for c in db.session.scalars(select(Complaint))}


def test_only_contacts_of_complaints_closed_long_enough_are_erased(any_app):
    app = any_app
    add_staff(app, "sup", Role.SUPERVISOR, "REV")
    due = complaint(app, PHONE, closed_days_ago=91)
    recent = complaint(app, "kai@example.com", closed_days_ago=89)
    open_long = complaint(app, PHONE, answered_days_ago=150)  # answered, not closed
    anonymous = complaint(app, "", closed_days_ago=150)
    with app.app_context():
        begin_write(db.session)
        assert erase_due_contacts(db.session, current_office().id, now_utc(), 90) == 1
        db.session.commit()
        begin_write(db.session)
        assert erase_due_contacts(db.session, current_office().id, now_utc(), 90) == 0
        db.session.commit()
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "complaint.contacts_erased")).all()
        assert [e.detail for e in entries] == [{"count": 1, "days": 90}]
        erased = db.session.scalar(select(Complaint).where(Complaint.code == due))
        assert erased.status is ComplaintStatus.CLOSED and erased.text == "รอนานมาก"
        assert erased.reply == "ขออภัย" and len(erased.history) == 3
    assert contacts(app) == {due: ("", True), recent: ("kai@example.com", False),
                             open_long: (PHONE, False), anonymous: ("", False)}


def test_the_staff_pages_erase_what_is_due_before_they_show_it(app, client):
    add_staff(app, "sup", Role.SUPERVISOR, "REV")
    due = complaint(app, PHONE, closed_days_ago=120)
    kept = complaint(app, PHONE, closed_days_ago=3)
    sign_in(client, "sup")
    assert client.get("/staff/complaints/?status=closed").status_code == 200
    assert contacts(app)[due] == ("", True) and contacts(app)[kept] == (PHONE, False)
    with app.app_context():
        ids = {c.code: c.id for c in db.session.scalars(select(Complaint))}
    page = client.get(f"/staff/complaints/{ids[due]}").get_data(as_text=True)
    assert "ลบแล้วเมื่อ" in page and "ลบตาม พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล" in page
    assert PHONE not in page
    assert PHONE in client.get(f"/staff/complaints/{ids[kept]}").get_data(as_text=True)


def test_the_detail_page_alone_erases_too(app, client):
    add_staff(app, "sup", Role.SUPERVISOR, "REV")
    due = complaint(app, PHONE, closed_days_ago=100)
    with app.app_context():
        complaint_id = db.session.scalar(select(Complaint.id).where(Complaint.code == due))
    sign_in(client, "sup")
    page = client.get(f"/staff/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert PHONE not in page and "Erased on" in page and "; erased under the Personal Data" in page


def test_the_command_erases_what_is_due(app, runner):
    add_staff(app, "sup", Role.SUPERVISOR, "REV")
    due = complaint(app, PHONE, closed_days_ago=95)
    result = runner.invoke(args=["erase-complaint-contacts"])
    assert result.exit_code == 0, result.output
    assert "Erased the contact details of 1 complaint(s) closed 90 days ago" in result.output
    assert contacts(app)[due] == ("", True)
    again = runner.invoke(args=["erase-complaint-contacts"])
    assert "of 0 complaint(s)" in again.output


def test_the_form_tells_the_citizen_when_the_contact_goes(app, client):
    app.config["COMPLAINT_CONTACT_DAYS"] = 30
    page = client.get("/complaints/").get_data(as_text=True)
    assert "จะถูกลบเมื่อปิดเรื่องครบ 30 วัน" in page


@pytest.mark.parametrize("days", [0, -5, "90"])
def test_a_bad_retention_setting_stops_start_up(tmp_path, days):
    with pytest.raises(RuntimeError, match="COMPLAINT_CONTACT_DAYS"):
        create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                                "COMPLAINT_CONTACT_DAYS": days})
