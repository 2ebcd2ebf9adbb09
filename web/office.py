"""The office this installation serves (OFFICE_CODE), looked up once per request."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, g
from sqlalchemy import select, text

from models import Office, db
from models.base import now_utc
from models.hours import OpeningHours, parse_hours
from models.sql import Prepared, Sql

log = logging.getLogger("khiu")


@lru_cache(maxsize=16)
def _parsed_hours(spec: str) -> OpeningHours | None:
    # Keyed by the text itself, so an admin's change is honoured on the next request while
    # the kiosk's every page does not parse the same hours again.
    try:
        return parse_hours(spec)
    except ValueError as exc:
        log.error("office opening hours %r cannot be read (%s); using OPENING_HOURS", spec, exc)
        return None


def opening_hours(sql: Sql | None = None) -> OpeningHours:
    """The hours an admin set for the office, else OPENING_HOURS (read at start-up)."""
    return hours_as_stored(office_brief(sql).opening_hours)


def hours_as_stored(stored: str | None) -> OpeningHours:
    """The office's hours from its stored text (None: OPENING_HOURS)."""
    parsed = _parsed_hours(stored) if stored else None
    return parsed or current_app.extensions["khiu_hours"]


def office_open(sql: Sql | None = None) -> bool:
    return opening_hours(sql).is_open(now_utc())


class OfficeNotSetUp(RuntimeError):
    pass


class OfficeBrief(NamedTuple):
    id: int
    opening_hours: str | None


OFFICE_BRIEF = Prepared(text("SELECT id, opening_hours FROM office WHERE code = :code"))


def office_brief(sql: Sql | None = None) -> OfficeBrief:
    """The office's id and hours in one Core query: what the API's hot paths need of it.

    Read in the request's session, or in sql (a transaction() of the API) when given."""
    office = g.get("office")
    if office is not None:  # loaded (and perhaps just edited) in this request
        return OfficeBrief(office.id, office.opening_hours)
    brief = g.get("office_brief")
    if brief is None:
        code = current_app.config["OFFICE_CODE"]
        row = Sql.of(sql or db.session).first(OFFICE_BRIEF, {"code": code})
        if row is None:
            raise OfficeNotSetUp(code)
        brief = g.office_brief = OfficeBrief(row.id, row.opening_hours)
    return brief


def current_office_id(sql: Sql | None = None) -> int:
    """The office's id: read once per app (it never changes once init-db made the row), so
    the API's counter actions spend no round trip on it."""
    office_id = current_app.extensions.get("khiu_office_id")
    if office_id is None:
        office_id = current_app.extensions["khiu_office_id"] = office_brief(sql).id
    return office_id


def current_office() -> Office:
    office = g.get("office")
    if office is None:
        code = current_app.config["OFFICE_CODE"]
        office = db.session.scalar(select(Office).where(Office.code == code))
        if office is None:
            raise OfficeNotSetUp(code)
        g.office = office
    return office
