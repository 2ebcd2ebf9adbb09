"""Kiosk mode: an instance started with KIOSK_MODE=1 has no staff pages and no staff API at
all (404), even for a browser that carries a staff session cookie; its pages link to none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from config import TestConfig
from models import Role, db
from tests.staff_helpers import add_staff, sign_in
from tests.test_route_matrix import PUBLIC, PUBLIC_API, make_data, routes


@pytest.fixture
def kiosk_app(app: Flask, tmp_path) -> Iterator[Flask]:
    """A second instance on the same database, the way the kiosk's own server runs."""
    kiosk = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI":
                                    app.config["SQLALCHEMY_DATABASE_URI"],
                                    "PRINT_PREVIEW_DIR": str(tmp_path / "kiosk-printouts"),
                                    "KIOSK_MODE": True})
    yield kiosk
    with kiosk.app_context():
        db.engine.dispose()


def open_in_kiosk(endpoint: str, level: str) -> bool:
    return level in (PUBLIC, PUBLIC_API) and not endpoint.startswith("auth.")


def test_kiosk_instance_answers_404_to_every_staff_route(app, kiosk_app):
    data = make_data(app)
    # A staff member's cookie from the main instance (same secret key) changes nothing.
    add_staff(app, "boss", Role.ADMIN)
    staff_browser = app.test_client()
    assert sign_in(staff_browser, "boss").status_code == 303
    cookie = staff_browser.get_cookie("session")
    kiosk = kiosk_app.test_client()
    kiosk.set_cookie("session", cookie.value)
    refused = opened = 0
    for method in ("GET", "POST"):
        for endpoint, url, expect in routes(kiosk_app, data, method):
            response = kiosk.open(url, method=method)
            response.close()
            if open_in_kiosk(endpoint, expect.level):
                assert response.status_code != 404 or expect.status == 404, (method, url)
                opened += 1
            else:
                assert response.status_code == 404, (method, url, response.status_code)
                refused += 1
    assert refused > 60 and opened > 30
    # The main instance still serves staff.
    assert staff_browser.get("/staff/console/").status_code == 200


def test_kiosk_pages_work_and_link_to_no_staff_page(app, kiosk_app):
    data = make_data(app)
    kiosk = kiosk_app.test_client()
    pages = ["/", "/services/REG-BIRTH", "/services/REG-BIRTH/checklist", f"/t/{data.token}",
             "/rate/", "/complaints/", "/board/", "/signage/", "/transparency/",
             "/staff/no-such-page"]
    for url in pages:
        response = kiosk.get(url)
        html = response.get_data(as_text=True)
        assert "/staff/" not in html.replace(url, ""), url
        assert response.status_code == (404 if url.startswith("/staff/") else 200), url
    assert kiosk.get("/staff/sign-in").status_code == 404


def test_kiosk_mode_is_off_unless_set(app):
    assert app.config["KIOSK_MODE"] is False
    assert app.test_client().get("/staff/sign-in").status_code == 200
