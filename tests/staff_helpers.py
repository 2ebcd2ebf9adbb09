"""Signing staff in through the real sign-in form (with its CSRF token)."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import Role, Section, db
from models.staff import create_staff
from tests.queue_helpers import staff
from web.office import current_office

PASSWORD = "counter-pass-1"


def add_staff(app, username: str, role: Role = Role.COUNTER, section: str | None = None) -> None:
    with app.app_context():
        section_row = db.session.scalar(select(Section).where(Section.code == section)) \
            if section else None
        create_staff(db.session, current_office(), username, role, PASSWORD, username.title(),
                     section_row)
        db.session.commit()


def csrf(client, url: str = "/staff/sign-in") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/staff/sign-in", data={"csrf_token": csrf(client), "username": username,
                                               "password": password})


def deactivate(app, username: str) -> None:
    with app.app_context():
        staff(username).active = False
        db.session.commit()
