"""The API's ticket document, read with Core SQL: one query for the ticket, one for its visit.

Counters call and finish all day through the API, and every answer carries the ticket; the
ORM would load the ticket, its service, counter and each segment's relations object by object.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import Counter, Section, Service, Staff, Ticket, VisitSegment
from models.estimates import eta_minutes, people_ahead
from models.one_statement import named_by_key
from models.sql import Prepared, Sql
from models.tickets import NewTicket
from web.qr import public_url

TICKETS = Ticket.__table__
SERVICES = Service.__table__
COUNTERS = Counter.__table__
SEGMENTS = VisitSegment.__table__
SECTIONS = Section.__table__
STAFF = Staff.__table__

_TICKET = (
    select(TICKETS.c.id, TICKETS.c.office_id, TICKETS.c.token, TICKETS.c.number,
           TICKETS.c.status, TICKETS.c.priority_reason, TICKETS.c.business_day,
           TICKETS.c.queued_at, TICKETS.c.to_front, TICKETS.c.service_id,
           TICKETS.c.first_service_id, SERVICES.c.code.label("service_code"),
           COUNTERS.c.label.label("counter_label"))
    .select_from(TICKETS.join(SERVICES, SERVICES.c.id == TICKETS.c.service_id)
                 .outerjoin(COUNTERS, COUNTERS.c.id == TICKETS.c.counter_id)))
TICKET_BY_ID = Prepared(_TICKET.where(TICKETS.c.id == bindparam("ticket_id")))
TICKET_BY_TOKEN = Prepared(_TICKET.where(TICKETS.c.token == bindparam("token")))
# Each segment's names by key (a visit has one to a few segments): joined, a generic plan
# made without statistics (the catalog tables are never analysed) hashed each whole table.
SEGMENTS_OF = Prepared(
    select(named_by_key(SERVICES, SEGMENTS.c.service_id, SERVICES.c.code, "service"),
           named_by_key(SECTIONS, SEGMENTS.c.section_id, SECTIONS.c.code, "section"),
           named_by_key(COUNTERS, SEGMENTS.c.counter_id, COUNTERS.c.label, "counter"),
           named_by_key(STAFF, SEGMENTS.c.staff_id, STAFF.c.display_name, "staff"),
           SEGMENTS.c.called_at, SEGMENTS.c.started_at, SEGMENTS.c.finished_at,
           SEGMENTS.c.outcome)
    .where(SEGMENTS.c.ticket_id == bindparam("ticket_id")).order_by(SEGMENTS.c.id))


def ticket_row_by_id(session: Session | Sql, ticket_id: int):
    return Sql.of(session).one(TICKET_BY_ID, {"ticket_id": ticket_id})


def ticket_row_by_token(session: Session | Sql, token: str):
    """The ticket row for a token, or None (also for a token of an impossible length)."""
    if not token or len(token) > 64:
        return None
    return Sql.of(session).first(TICKET_BY_TOKEN, {"token": token})


def ticket_segments(session: Session | Sql, ticket_id: int) -> list:
    return Sql.of(session).all(SEGMENTS_OF, {"ticket_id": ticket_id})


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def ticket_json(session: Session | Sql, ticket: Any, *, brief: bool = False,
                segments: list | None = None) -> dict[str, Any]:
    """The ticket as the API answers it; ticket is a row of ticket_by_* (or the same fields of
    a one-statement action's Document, with its segments) or a NewTicket. session may be None
    for a ticket that is not waiting, given its segments: nothing is then read."""
    ahead = people_ahead(session, ticket,
                         priority_ratio=current_app.config["PRIORITY_RATIO"])
    if isinstance(ticket, NewTicket):
        service_code, counter_label = ticket.service.code, None
    else:
        service_code, counter_label = ticket.service_code, ticket.counter_label
    data = {
        "number": ticket.number, "token": ticket.token, "service": service_code,
        "status": ticket.status.value, "priority": ticket.priority_reason is not None,
        "counter": counter_label, "people_ahead": ahead,
        "eta_minutes": eta_minutes(session, ticket.service_id, ahead, ticket.business_day),
        "status_url": public_url("tickets.status", token=ticket.token),
    }
    if not brief:
        data["segments"] = [{
            "service": s.service, "section": s.section, "counter": s.counter, "staff": s.staff,
            "called_at": iso(s.called_at), "started_at": iso(s.started_at),
            "finished_at": iso(s.finished_at),
            "outcome": s.outcome.value if s.outcome else None,
        } for s in (segments if segments is not None else ticket_segments(session, ticket.id))]
    return data
