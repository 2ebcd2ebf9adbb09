"""The audit log page: newest first, filters by action and staff member, pages of 50."""

from __future__ import annotations

import re
from datetime import timedelta

from models import audit, db
from models.base import now_utc
from tests.manage_helpers import MANAGE, admin_client, follow, post
from tests.queue_helpers import staff
from web.office import current_office

AUDIT = f"{MANAGE}/audit/"


def targets(page: str) -> list[str]:
    return re.findall(r'<td><span class="code">([^<]*)</span></td>', page)


def test_audit_log_lists_newest_first_with_filters_and_pages(app):
    client = admin_client(app)
    start = now_utc() - timedelta(hours=2)
    with app.app_context():
        office = current_office().id
        for number in range(60):
            who = staff("boss") if number % 2 else staff("admin")
            action = "counter.update" if number % 3 else "service.update"
            entry = audit(db.session, office, who, action, f"T{number:02d}", n=number)
            entry.created_at = start + timedelta(minutes=number)
        db.session.commit()
    page = client.get(AUDIT).get_data(as_text=True)
    assert targets(page)[:3] == ["T59", "T58", "T57"] and len(targets(page)) == 50
    assert "ทั้งหมด 60" in page and "หน้า 1 / 2" in page
    older = client.get(f"{AUDIT}?page=2").get_data(as_text=True)
    assert targets(older) == [f"T{n:02d}" for n in range(9, -1, -1)]

    services = client.get(f"{AUDIT}?action=service.update").get_data(as_text=True)
    assert targets(services) == [f"T{n:02d}" for n in range(57, -1, -3)]
    assert "แก้ไขคู่มืองานบริการ" in services
    with app.app_context():
        boss = staff("boss").id
    mine = client.get(f"{AUDIT}?staff={boss}&action=counter.update").get_data(as_text=True)
    assert targets(mine) == [f"T{n:02d}" for n in range(59, 0, -2) if n % 3]


def test_a_real_change_appears_with_who_what_and_old_to_new(app):
    client = admin_client(app)
    follow(client, post(client, f"{MANAGE}/hours/", {"opening_hours": "mon-fri 08:00-16:30"}))
    page = client.get(f"{AUDIT}?lang=en").get_data(as_text=True)
    assert "Opening hours edited" in page and "boss" in page
    assert "<code>opening_hours</code>: — → mon-fri 08:00-16:30" in page
    assert targets(page) == ["TEST"]
