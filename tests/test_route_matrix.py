"""Every route the app registers, as anonymous, counter, supervisor and admin users see it.

EXPECTED names each endpoint's access level; a rule added later without an entry fails
test_every_route_has_an_expectation, so the matrix stays complete. The finer points of the
management and report routes (two supervisors, section scope, every form) are in
test_manage_roles.py and test_reports_http.py; here every route is checked at the role level:
GET for every role, POST without a CSRF token (400 on every form route), and POST with a token
for the roles that must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from kiosk.rating_rules import kiosk_reference
from models import Complaint, PrintJob, Role, Section, db
from models.base import begin_write
from models.complaint_handling import file_complaint
from tests.queue_helpers import staff
from tests.staff_helpers import add_staff, csrf, sign_in
from tests.visit_helpers import served_visit
from web.office import current_office

PUBLIC = "public"          # anyone; signing in changes nothing
STAFF = "staff"            # any signed-in staff member; anonymous → sign-in page
SUPERVISOR = "supervisor"  # supervisors and admins; counter staff → 403
ADMIN = "admin"            # admins only
# A bearer token only. The API is CSRF-exempt, so a signed-in session cookie must not count:
# even the admin's browser gets 401 (checked by the GET and POST tests below).
TOKEN_API = "token-api"
PUBLIC_API = "public-api"  # JSON for anyone (CSRF-exempt, no cookie needed)


@dataclass(frozen=True)
class Expect:
    level: str
    # What an allowed user's GET answers with the fixture's data.
    status: int = 200


EXPECTED: dict[str, Expect] = {
    # Kiosk, status, rating, complaints, board, signage, transparency, assets.
    "catalog.home": Expect(PUBLIC),
    "catalog.clock": Expect(PUBLIC),
    "catalog.search": Expect(PUBLIC),
    "catalog.service": Expect(PUBLIC),
    "catalog.checklist": Expect(PUBLIC),
    "tickets.take": Expect(PUBLIC),
    "tickets.issued": Expect(PUBLIC),
    "tickets.status": Expect(PUBLIC),
    "board.board": Expect(PUBLIC),
    "board.panel": Expect(PUBLIC),
    "board.events": Expect(PUBLIC),
    "signage.board": Expect(PUBLIC),
    "signage.slide": Expect(PUBLIC),
    "rating.find": Expect(PUBLIC),
    "rating.lookup": Expect(PUBLIC),
    "rating.kiosk_form": Expect(PUBLIC),
    "rating.kiosk_submit": Expect(PUBLIC),
    "rating.kiosk_thanks": Expect(PUBLIC),
    "rating.phone_form": Expect(PUBLIC),
    "rating.phone_submit": Expect(PUBLIC),
    # Thanks before any rating sends the phone back to the form.
    "rating.phone_thanks": Expect(PUBLIC, 303),
    "complaints.form": Expect(PUBLIC),
    "complaints.submit": Expect(PUBLIC),
    "complaints.received": Expect(PUBLIC),
    "complaints.lookup": Expect(PUBLIC),
    "complaints.track": Expect(PUBLIC),
    "transparency.page": Expect(PUBLIC),
    "assets.fonts_css": Expect(PUBLIC),
    "assets.font": Expect(PUBLIC),
    "assets.vendor": Expect(PUBLIC),
    "static": Expect(PUBLIC),
    # Sign-in is the one staff address open to everyone.
    "auth.sign_in": Expect(PUBLIC),
    "auth.sign_in_post": Expect(PUBLIC),
    "auth.sign_out": Expect(PUBLIC),
    # Staff pages.
    "console.choose": Expect(STAFF),
    "console.counter": Expect(STAFF),
    "console.open_counter": Expect(STAFF),
    "console.call": Expect(STAFF),
    "console.finish_and_call": Expect(STAFF),
    "console.ticket_action": Expect(STAFF),
    "console.transfer_ticket": Expect(STAFF),
    "console.pause": Expect(STAFF),
    "printing.jobs": Expect(STAFF),
    "printing.preview": Expect(STAFF),
    "printing.reprint_job": Expect(STAFF),
    "reports.me": Expect(STAFF),
    "report_exports.export_mine": Expect(STAFF),
    "reports.screen": Expect(SUPERVISOR),
    "reports.monthly": Expect(SUPERVISOR),
    "reports.section_detail": Expect(SUPERVISOR),
    "reports.staff_detail": Expect(SUPERVISOR),
    "report_exports.export": Expect(SUPERVISOR),
    "alerts.panel": Expect(SUPERVISOR),
    "alerts.acknowledge_alert": Expect(SUPERVISOR),
    "complaints_staff.index": Expect(SUPERVISOR),
    "complaints_staff.detail": Expect(SUPERVISOR),
    "complaints_staff.move": Expect(SUPERVISOR),
    # JSON API.
    "api_docs.spec": Expect(PUBLIC_API),
    "api_v1.services": Expect(PUBLIC_API),
    "api_v1.counters": Expect(PUBLIC_API),
    "api_v1.create_ticket": Expect(PUBLIC_API),
    "api_v1.get_ticket": Expect(PUBLIC_API),
    "api_ratings.rate": Expect(PUBLIC_API),
    "api_v1.call": Expect(TOKEN_API),
    "api_v1.ticket_action": Expect(TOKEN_API),
    "api_v1.transfer_ticket": Expect(TOKEN_API),
    "api_reports.staff_report": Expect(TOKEN_API),
    "api_reports.sections_report": Expect(TOKEN_API),
    # Management's front door forwards to its first page.
    "manage.home": Expect(ADMIN, 302),
}
# The whole management blueprint is for admins (its detail: test_manage_roles.py).
PREFIX_EXPECTED = {"manage.": Expect(ADMIN)}

# Streams never end: only their status line and type are read.
STREAMS = {"board.events"}
SIGN_IN = "/staff/sign-in"


def expectation(endpoint: str) -> Expect | None:
    if endpoint in EXPECTED:
        return EXPECTED[endpoint]
    return next((e for prefix, e in PREFIX_EXPECTED.items() if endpoint.startswith(prefix)), None)


@dataclass
class Fixture:
    token: str            # a finished visit's ticket (status, rating pages)
    complaint_id: int
    complaint_code: str
    job_id: int
    reference: str        # the kiosk rating form's signed reference
    section_id: int       # REG, the test supervisor's section
    staff_id: int         # reg1, a counter clerk of REG


def make_data(app: Flask) -> Fixture:
    with app.app_context(), app.test_request_context():
        ticket = served_visit("REG-BIRTH", [("1", "reg1")])
        begin_write(db.session)
        complaint = file_complaint(db.session, current_office(), "service", "รอนานมาก")
        db.session.commit()
    kiosk = app.test_client()
    taken = kiosk.post("/services/REG-BIRTH/ticket",
                       data={"csrf_token": csrf(kiosk, "/services/REG-BIRTH")})
    assert taken.status_code == 303  # a waiting ticket with its print job
    with app.app_context(), app.test_request_context():
        job_id = db.session.scalar(select(PrintJob.id).order_by(PrintJob.id))
        code = db.session.scalar(select(Complaint.code).where(Complaint.id == complaint.id))
        section_id = db.session.scalar(select(Section.id).where(Section.code == "REG"))
        return Fixture(ticket.token, complaint.id, code, job_id, kiosk_reference(ticket),
                       section_id, staff("reg1").id)


def arguments(rule, data: Fixture) -> dict[str, object]:
    values = {
        "token": data.token, "reference": data.reference, "code": "REG-BIRTH",
        "counter_id": 1, "section_id": data.section_id, "service_id": 1,
        "staff_id": data.staff_id, "item_id": 1,
        "alert_id": 1, "complaint_id": data.complaint_id, "job_id": data.job_id,
        "index": 0, "weight": "regular", "name": "htmx.min.js", "filename": "css/khiu.css",
        "fmt": "csv", "kind": "steps", "direction": "down",
    }
    if rule.endpoint.startswith("complaints."):
        values["code"] = data.complaint_code
    verbs = {"console.pause": "pause", "console.ticket_action": "recall",
             "api_v1.ticket_action": "recall", "manage.staff.set_active": "deactivate",
             "manage.counters.set_active": "deactivate",
             "manage.services.set_active": "deactivate"}
    if "verb" in rule.arguments:
        values["verb"] = verbs[rule.endpoint]
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.endpoint}: give a test value for {missing}"
    return {name: values[name] for name in rule.arguments}


def routes(app: Flask, data: Fixture, method: str) -> list[tuple[str, str, Expect]]:
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if method in rule.methods:
                url = url_for(rule.endpoint, **arguments(rule, data))
                found.append((rule.endpoint, url, expectation(rule.endpoint)))
    return sorted(found)


ROLES = {"counter": Role.COUNTER, "supervisor": Role.SUPERVISOR, "admin": Role.ADMIN}


def client_as(app: Flask, who: str):
    client = app.test_client()
    if who != "anonymous":
        add_staff(app, f"matrix-{who}", ROLES[who], "REG")
        assert sign_in(client, f"matrix-{who}").status_code == 303
    return client


def allowed(level: str, who: str) -> bool:
    return {PUBLIC: True, PUBLIC_API: True, TOKEN_API: False, STAFF: who != "anonymous",
            SUPERVISOR: who in ("supervisor", "admin"), ADMIN: who == "admin"}[level]


def assert_refused(response, level: str, who: str, where: str) -> None:
    if level == TOKEN_API:
        assert response.status_code == 401, where
        assert response.get_json()["error"] == "unauthorized", where
    elif who == "anonymous":
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith(SIGN_IN), where
    else:
        assert response.status_code == 403, where
        assert "ไม่มีสิทธิ์เข้าถึงหน้านี้" in response.get_data(as_text=True), where


def test_every_route_has_an_expectation(app):
    data = make_data(app)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(e for e in endpoints if expectation(e) is None) == [], \
        "new routes: add them to EXPECTED"
    assert sorted(set(EXPECTED) - endpoints) == [], "routes that no longer exist"
    assert len(endpoints) >= 100
    # Nothing under /staff/ is public except signing in and out.
    for method in ("GET", "POST"):
        for endpoint, url, expect in routes(app, data, method):
            if url.startswith("/staff/") and expect.level == PUBLIC:
                assert endpoint.startswith("auth."), endpoint


@pytest.mark.parametrize("who", ["anonymous", "counter", "supervisor", "admin"])
def test_every_get_route_by_role(app, who):
    data = make_data(app)
    client = client_as(app, who)
    for endpoint, url, expect in routes(app, data, "GET"):
        where = f"{who} GET {url} ({endpoint})"
        response = client.get(url)
        try:
            if allowed(expect.level, who):
                assert response.status_code == expect.status, \
                    f"{where}: {response.status_code}"
                if endpoint in STREAMS:
                    assert response.mimetype == "text/event-stream", where
            else:
                assert_refused(response, expect.level, who, where)
        finally:
            response.close()


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_every_form_post_without_csrf_is_refused(app, who):
    data = make_data(app)
    client = client_as(app, who)
    posts = routes(app, data, "POST")
    assert len(posts) >= 35
    for endpoint, url, expect in posts:
        where = f"{who} POST {url} ({endpoint})"
        response = client.post(url, data={"anything": "x"})
        if expect.level in (TOKEN_API, PUBLIC_API):
            # The API takes no cookies, so it needs no CSRF token; it answers in JSON.
            assert response.is_json and 400 <= response.status_code < 500, where
            if expect.level == TOKEN_API:
                assert response.status_code == 401, where
        else:
            assert response.status_code == 400, f"{where}: {response.status_code}"
            assert "หน้านี้หมดอายุแล้ว" in response.get_data(as_text=True), where


@pytest.mark.parametrize("who", ["anonymous", "counter", "supervisor"])
def test_form_posts_with_a_token_still_check_the_role(app, who):
    """With a valid CSRF token the role check answers. Management has its own test of this."""
    data = make_data(app)
    client = client_as(app, who)
    token = csrf(client)
    for endpoint, url, expect in routes(app, data, "POST"):
        if endpoint.startswith("manage.") or expect.level in (PUBLIC, PUBLIC_API, TOKEN_API):
            continue
        where = f"{who} POST {url} ({endpoint})"
        response = client.post(url, data={"csrf_token": token})
        if allowed(expect.level, who):
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
            assert not response.headers.get("Location", "").startswith(SIGN_IN), where
        else:
            assert_refused(response, expect.level, who, where)

