"""The office this installation serves (OFFICE_CODE), looked up once per request."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select

from models import Office, db
from models.base import now_utc
from models.hours import OpeningHours


def opening_hours() -> OpeningHours:
    """OPENING_HOURS, read once when the app was created."""
    return current_app.extensions["khiu_hours"]


def office_open() -> bool:
    return opening_hours().is_open(now_utc())


class OfficeNotSetUp(RuntimeError):
    pass


def current_office() -> Office:
    office = g.get("office")
    if office is None:
        code = current_app.config["OFFICE_CODE"]
        office = db.session.scalar(select(Office).where(Office.code == code))
        if office is None:
            raise OfficeNotSetUp(code)
        g.office = office
    return office
