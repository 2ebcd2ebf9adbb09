"""Who may open management: every route of the manage blueprint, found in the URL map, so a new
route is covered the day it is added. Anonymous → sign-in, counter and supervisor → 403."""

from __future__ import annotations

import pytest
from flask import Flask

from models import Role
from tests.manage_helpers import MANAGE, admin_client
from tests.staff_helpers import add_staff, csrf, sign_in

# A value for every URL argument a management route may take. A new argument name fails the
# test until it is given one here.
ARGUMENTS = {"section_id": 1, "service_id": 1, "item_id": 1, "counter_id": 1, "staff_id": 2,
             "kind": "steps", "direction": "down", "verb": "deactivate"}


def manage_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every management route and method."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("manage."):
            continue
        missing = set(rule.arguments) - set(ARGUMENTS)
        assert not missing, f"{rule.endpoint}: give a test value for {missing}"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{k: ARGUMENTS[k] for k in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, url))
    return routes


def request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    # A valid CSRF token, so the role check itself is what answers.
    return client.open(url, method=method, data={"csrf_token": csrf(client)})


def test_the_map_holds_every_kind_of_management_route(app):
    endpoints = {endpoint for endpoint, _, _ in manage_routes(app)}
    assert len(manage_routes(app)) >= 35
    for expected in ("manage.home", "manage.catalog.move", "manage.services.update",
                     "manage.items.move", "manage.counters.set_active", "manage.staff.password",
                     "manage.hours.save", "manage.catalog_file.import_file",
                     "manage.catalog_file.export", "manage.audit.entries"):
        assert expected in endpoints


def test_anonymous_visitors_are_sent_to_sign_in(app):
    client = app.test_client()
    for endpoint, method, url in manage_routes(app):
        response = request(client, method, url)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/staff/sign-in"), endpoint


@pytest.mark.parametrize("role", [Role.COUNTER, Role.SUPERVISOR])
def test_counter_staff_and_supervisors_are_refused(app, role):
    add_staff(app, "someone", role, "REG")
    client = app.test_client()
    assert sign_in(client, "someone").status_code == 303
    for endpoint, method, url in manage_routes(app):
        response = request(client, method, url)
        assert response.status_code == 403, (endpoint, method, response.status_code)
        assert "ไม่มีสิทธิ์เข้าถึงหน้านี้" in response.get_data(as_text=True)
    assert "/staff/manage/" not in client.get("/staff/console/").get_data(as_text=True)


def test_admins_get_every_route(app):
    client = admin_client(app)
    assert f"{MANAGE}/" in client.get("/staff/console/").get_data(as_text=True)  # the nav link
    # Deleting goes last, so the other routes still find step 1 of service 1.
    routes = sorted(manage_routes(app), key=lambda route: route[0].endswith(".delete"))
    for endpoint, method, url in routes:
        response = request(client, method, url)
        # Forms posted empty are refused as bad input (422), never as forbidden.
        assert response.status_code in (200, 302, 303, 422), (endpoint, method,
                                                              response.status_code)
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/staff/sign-in"), endpoint


def test_forms_without_a_csrf_token_are_refused(app):
    client = admin_client(app)
    for endpoint, method, url in manage_routes(app):
        if method == "POST":
            response = client.post(url, data={})
            assert response.status_code == 400, endpoint
            assert "หน้านี้หมดอายุแล้ว" in response.get_data(as_text=True)
