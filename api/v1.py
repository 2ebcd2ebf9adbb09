"""/api/v1: services, counters, tickets, and counter actions with a bearer token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from api.documents import ticket_by_id, ticket_by_token, ticket_json
from api.errors import ApiError
from models import Counter, PriorityReason, Section, Service, db
from models.base import begin_write, now_utc
from models.calling import TICKET_ACTIONS, claim_next, transfer
from models.estimates import eta_minutes, waiting_count
from models.sql import Prepared, Sql
from models.staff import STAFF_ROLES, staff_for_token
from models.tickets import NewTicket, QueueError, business_day, issue, service_by_code
from web.office import current_office_id, office_open

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite's own limit is higher
COUNTERS = Counter.__table__
COUNTER_BY_ID = Prepared(select(COUNTERS.c.id, COUNTERS.c.office_id, COUNTERS.c.label,
                                COUNTERS.c.paused, COUNTERS.c.active)
                         .where(COUNTERS.c.id == bindparam("counter_id")))


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "malformed", "The body must be a JSON object")
    return body


def require_staff() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send Authorization: Bearer TOKEN")
    staff = staff_for_token(db.session, token.strip())
    if staff is None:
        raise ApiError(401, "unauthorized", "The token is unknown, revoked or its owner is "
                                            "deactivated")
    if staff.office_id != current_office_id() or staff.role not in STAFF_ROLES:
        raise ApiError(403, "forbidden", "This token may not act here")
    g.staff = staff


def find_service_by_code(code: Any) -> Service:
    if not isinstance(code, str) or not code:
        raise ApiError(422, "invalid", "'service' must be a service code")
    service = db.session.scalar(select(Service).where(Service.office_id == current_office_id(),
                                                      Service.code == code,
                                                      Service.active.is_(True)))
    if service is None:
        raise ApiError(404, "unknown_service", f"No service with code {code!r}")
    return service


def find_ticket(token: str):
    ticket = ticket_by_token(db.session, token)
    if ticket is None or ticket.office_id != current_office_id():
        raise ApiError(404, "unknown_ticket", "No such ticket")
    return ticket


def queue_error(error: QueueError) -> ApiError:
    return ApiError(error.status, error.code, error.message_en)


def answer(ticket_id: int, status: int = 200) -> Response:
    """The ticket as it now stands, read inside the transaction, then commit."""
    data = ticket_json(db.session, ticket_by_id(db.session, ticket_id))
    db.session.commit()
    response = jsonify({"ticket": data})
    response.status_code = status
    return response


@bp.get("/services")
def services():
    today = business_day(now_utc())
    rows = db.session.scalars(
        select(Service).join(Section, Service.section_id == Section.id)
        .where(Service.office_id == current_office_id(), Service.active.is_(True))
        .options(selectinload(Service.section), selectinload(Service.steps))
        .order_by(Section.sort_order, Service.sort_order)).all()
    result = []
    for service in rows:
        waiting = waiting_count(db.session, service, today)
        result.append({"code": service.code, "name_th": service.name_th,
                       "name_en": service.name_en, "section": service.section.code,
                       "waiting": waiting,
                       "eta_minutes": eta_minutes(db.session, service.id, waiting, today)})
    return jsonify(result)


@bp.get("/counters")
def counters():
    rows = db.session.scalars(
        select(Counter).where(Counter.office_id == current_office_id(),
                              Counter.active.is_(True))
        .options(selectinload(Counter.services), selectinload(Counter.section))
        .order_by(Counter.sort_order)).all()
    return jsonify([{"id": c.id, "label": c.label, "section": c.section.code,
                     "services": [s.code for s in c.services]} for c in rows])


@bp.post("/tickets")
def create_ticket():
    body = json_body()
    priority = body.get("priority", False)
    key = body.get("idempotency_key")
    if not isinstance(priority, bool | str) or (isinstance(priority, str) and
                                                priority not in set(PriorityReason)):
        raise ApiError(422, "invalid", "'priority' is true/false or one of "
                                       + ", ".join(r.value for r in PriorityReason))
    if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= 64):
        raise ApiError(422, "invalid", "'idempotency_key' is a string of 1-64 characters")
    code = body.get("service")
    if not isinstance(code, str) or not code:
        raise ApiError(422, "invalid", "'service' must be a service code")
    reason = PriorityReason(priority) if isinstance(priority, str) else \
        (PriorityReason.ELDERLY if priority else None)
    # The reads before and the answer after share no transaction with the write: the
    # write slot (SQLite) or the day's counter row (PostgreSQL) is held for as short as can be.
    service = service_by_code(db.session, current_office_id(), code)
    if service is None or not service.active:
        raise ApiError(404, "unknown_service", f"No service with code {code!r}")
    if not office_open():
        raise ApiError(409, "office_closed", "The office is closed; no tickets now")
    begin_write(db.session)
    try:
        ticket = issue(db.session, current_office_id(), service, priority_reason=reason,
                       idempotency_key=key)
    except QueueError as exc:
        raise queue_error(exc) from exc
    db.session.commit()
    created = isinstance(ticket, NewTicket)
    response = jsonify(ticket_json(db.session, ticket if created else
                                   ticket_by_id(db.session, ticket), brief=True))
    response.status_code = 201 if created else 200  # 200: a retry of a ticket already issued
    return response


@bp.get("/tickets/<token>")
def get_ticket(token: str):
    return jsonify(ticket_json(db.session, find_ticket(token)))


@bp.post("/counters/<int:counter_id>/call-next")
def call(counter_id: int):
    require_staff()
    begin_write(db.session)
    # An id past the databases' integer range is unknown, not an overflow in the driver (500).
    counter = Sql.of(db.session).first(COUNTER_BY_ID, {"counter_id": counter_id}) \
        if counter_id <= MAX_ID else None
    if counter is None or counter.office_id != current_office_id() or not counter.active:
        raise ApiError(404, "unknown_counter", f"No counter with id {counter_id}")
    try:
        ticket_id = claim_next(db.session, counter, g.staff.id,
                               priority_ratio=current_app.config["PRIORITY_RATIO"])
    except QueueError as exc:
        raise queue_error(exc) from exc
    if ticket_id is None:
        db.session.commit()
        return Response(status=204)
    return answer(ticket_id)


@bp.post("/tickets/<token>/<any(recall, start, 'no-show', finish):verb>")
def ticket_action(token: str, verb: str):
    require_staff()
    begin_write(db.session)
    ticket = find_ticket(token)
    try:
        TICKET_ACTIONS[verb](db.session, ticket)
    except QueueError as exc:
        raise queue_error(exc) from exc
    return answer(ticket.id)


@bp.post("/tickets/<token>/transfer")
def transfer_ticket(token: str):
    require_staff()
    body = json_body()
    position = body.get("position", "back")
    if position not in ("front", "back"):
        raise ApiError(422, "invalid", "'position' is 'front' or 'back'")
    begin_write(db.session)
    ticket = find_ticket(token)
    target = find_service_by_code(body.get("service"))
    try:
        transfer(db.session, ticket, target, front=position == "front")
    except QueueError as exc:
        raise queue_error(exc) from exc
    return answer(ticket.id)
