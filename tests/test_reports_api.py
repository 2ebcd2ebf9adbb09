"""GET /api/v1/reports/staff and /sections: the same figures as the screen, for managers only."""

from __future__ import annotations

import pytest

from models import db
from models.base import now_utc
from models.reports.rollup import rolled_through
from models.tickets import business_day
from tests import reports_scenario
from tests.api_helpers import bearer, token_for
from tests.report_pages import RANGE, people
from tests.reports_scenario import EXPECTED_SECTIONS, EXPECTED_STAFF
from web.office import current_office

KEYS = ("visits", "ratings", "mean_score", "satisfaction_index", "extra_payment_asked",
        "mean_wait_minutes", "mean_service_minutes", "response_rate", "satisfied_percent",
        "within_standard_percent")


@pytest.fixture
def office(app):
    app.config["MIN_RATINGS_TO_COMPARE"] = 2
    people(app)
    with app.app_context():
        reports_scenario.build()
    return app


def rows(response, key: str) -> dict:
    assert response.status_code == 200, response.get_json()
    return {row[key]: row for row in response.get_json()["rows"]}


def test_admin_gets_every_staff_member_and_section_with_the_hand_worked_figures(office, client):
    token = bearer(token_for(office, "boss"))
    staff = rows(client.get(f"/api/v1/reports/staff?{RANGE}", headers=token), "username")
    for username, expected in EXPECTED_STAFF.items():
        assert tuple(staff[username][k] for k in KEYS) == expected, username
    assert staff["reg1"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}
    assert (staff["reg1"]["rank"], staff["rev1"]["rank"]) == (1, None)
    assert staff["rev1"]["comparable"] is False
    sections = rows(client.get(f"/api/v1/reports/sections?{RANGE}", headers=token), "section")
    assert set(sections) == {"REG", "REV"}
    for code, expected in EXPECTED_SECTIONS.items():
        assert tuple(sections[code][k] for k in KEYS) == expected, code
    body = client.get(f"/api/v1/reports/sections?{RANGE}", headers=token).get_json()
    assert (body["from"], body["to"], body["min_ratings_to_compare"]) == \
        ("2026-11-10", "2026-11-10", 2)


def test_a_supervisor_token_sees_its_own_section(office, client):
    token = bearer(token_for(office, "revsup"))
    assert set(rows(client.get(f"/api/v1/reports/sections?{RANGE}", headers=token),
                    "section")) == {"REV"}
    assert set(rows(client.get(f"/api/v1/reports/staff?{RANGE}", headers=token),
                    "username")) == {"rev1", "revsup"}


def test_counter_tokens_and_strangers_are_refused(office, client):
    counter = bearer(token_for(office, "reg1"))
    for path in ("staff", "sections"):
        refused = client.get(f"/api/v1/reports/{path}?{RANGE}", headers=counter)
        assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
        anonymous = client.get(f"/api/v1/reports/{path}?{RANGE}")
        assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize("query", ["from=2026-02-30&to=2026-03-01", "from=&to=2026-11-10",
                                   "from=2026-11-10&to=", "to=",
                                   "from=2026-11-10&to=2026-11-01", "from=10/11/2026&to=x",
                                   "from=20261110", "from=2020-01-01&to=2026-01-01",
                                   "from=2099-01-01"])
def test_bad_dates_are_a_422_with_a_json_error(office, client, query):
    token = bearer(token_for(office, "boss"))
    response = client.get(f"/api/v1/reports/staff?{query}", headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid" and response.get_json()["message"]


def test_a_lone_date_runs_to_today_or_from_the_first_of_its_month(office, client):
    token = bearer(token_for(office, "boss"))
    body = client.get("/api/v1/reports/staff?to=2026-11-10", headers=token).get_json()
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-10")
    assert {row["username"]: row["visits"] for row in body["rows"]}["reg1"] == 3
    body = client.get("/api/v1/reports/sections?from=2026-11-10", headers=token).get_json()
    assert (body["from"], body["to"]) == ("2026-11-10", business_day(now_utc()).isoformat())
    assert {row["section"]: row["visits"] for row in body["rows"]}["REG"] == 5


def test_the_api_rolls_up_closed_days_as_the_report_screen_does(office, client):
    token = bearer(token_for(office, "boss"))
    with office.app_context():
        assert rolled_through(db.session, current_office().id) is None
    staff = rows(client.get(f"/api/v1/reports/staff?{RANGE}", headers=token), "username")
    with office.app_context():
        # the scenario's day (2026-11-10) is closed: it is now read from the roll-up
        assert rolled_through(db.session, current_office().id) >= reports_scenario.DAY
    assert rows(client.get(f"/api/v1/reports/staff?{RANGE}", headers=token),
                "username") == staff


def test_the_report_paths_are_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/v1/reports/staff", "/api/v1/reports/sections"):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"bearer": []}]
        assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert "mean_wait_minutes" in spec["components"]["schemas"]["StaffReportRow"]["properties"]
