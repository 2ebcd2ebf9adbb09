"""Management tests: an admin signed in through the real form, posts with CSRF, audit rows."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import AuditEntry, Role, Section, Service, db
from tests.staff_helpers import add_staff, csrf, sign_in

ADMIN = "boss"
MANAGE = "/staff/manage"


def admin_client(app: Flask, username: str = ADMIN) -> FlaskClient:
    add_staff(app, username, Role.ADMIN)
    client = app.test_client()
    assert sign_in(client, username).status_code == 303
    return client


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **options):
    """POST a management form the way the browser does: with the page's CSRF token."""
    form = {"csrf_token": csrf(client, f"{MANAGE}/hours/"), **(data or {})}
    return client.post(url, data=form, **options)


def follow(client: FlaskClient, response) -> str:
    """The page a POST-redirect-GET lands on (with its one-time message)."""
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def audit_rows(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        for row in rows:
            _ = row.staff
        return list(rows)


def service_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Service.id).where(Service.code == code))


def section_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Section.id).where(Section.code == code))


def load_service(app: Flask, code: str) -> Service:
    """The service with steps (and their sections) and documents loaded, for assertions."""
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == code))
        for step in service.steps:
            _ = step.section.code
        _ = service.documents, service.section.code
        return service
