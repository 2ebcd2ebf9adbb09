"""/api/v1: services, counters, tickets, and counter actions with a bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.documents import ticket_json, ticket_row_by_id, ticket_row_by_token, ticket_segments
from api.errors import ApiError, queue_error_as_json
from models import Counter, PriorityReason, Section, Service, TicketStatus, db
from models.base import now_utc
from models.bearer import MAX_TOKEN_LENGTH, Bearer, may_act
from models.calling import claim_next
from models.counter_actions import TICKET_ACTIONS, TicketByToken, finish, transfer
from models.estimates import eta_minutes, waiting_count
from models.refusals import UnknownCounter
from models.sql import Sql
from models.staff import staff_for_token
from models.tickets import (
    NewTicket,
    QueueError,
    ServiceRef,
    business_day,
    issue,
    service_and_office_hours,
)
from models.transactions import transaction as sql_transaction
from web.issuers import REFUSAL_EN, REFUSAL_TH, may_issue
from web.office import current_office_id, hours_as_stored
from web.routing import MAX_ID

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
bp.register_error_handler(QueueError, queue_error_as_json)


def transaction(*, write: bool = False, one_statement: bool = False):
    """A transaction of this request (models.transactions.transaction); the request's transactions
    share one pooled connection, given back when the request ends."""
    connection = g.get("api_connection")
    if connection is None or not connection.is_valid:  # first, or its server went away
        if connection is not None:
            connection.close()
        connection = g.api_connection = db.engine.raw_connection()
    return sql_transaction(db.engine, write=write, one_statement=one_statement,
                           connection=connection)


@bp.teardown_request
def _give_back_connection(error: BaseException | None) -> None:
    connection = g.pop("api_connection", None)
    if connection is not None:
        connection.close()


def json_body() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested past the parser's depth: as malformed as any other
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "malformed", "The body must be a JSON object")
    return body


def bearer_token() -> str:
    """The request's bearer token, else 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "Send Authorization: Bearer TOKEN")
    if len(token) > MAX_TOKEN_LENGTH:
        raise _unknown_token()
    return token


def _unknown_token() -> ApiError:
    return ApiError(401, "unauthorized", "The token is unknown, revoked or its owner is "
                                         "deactivated")


def require_staff(sql: Sql) -> None:
    """The bearer token's staff member, as g.staff."""
    staff = staff_for_token(sql, bearer_token())
    if staff is None:
        raise _unknown_token()
    if not may_act(staff, current_office_id(sql)):
        raise ApiError(403, "forbidden", "This token may not act here")
    g.staff = staff


def acting_staff(sql: Sql) -> Bearer | int:
    """Who does a counter action. On PostgreSQL the bearer of the token, which the action's
    one statement checks (models/bearer.py): a request is one round trip fewer. Elsewhere
    the staff member's id, checked now, so SQLite's writer holds its slot for no more than
    the action (checking inside the write took the slot longer: fewer calls a second)."""
    if sql.dialect.name == "postgresql":
        return Bearer.of(bearer_token())
    require_staff(sql)
    return g.staff.id


@contextmanager
def refusals_after_the_token(staff: Bearer | int) -> Iterator[None]:
    """An action that checked a Bearer itself and was refused (for the token, or for an
    unknown counter or ticket, where the statement found nothing to tell about the token),
    or a request refused for its body, answers a bad token's 401 or 403 first, as when the
    token is checked before anything else."""
    try:
        yield
    except (QueueError, ApiError):
        if isinstance(staff, Bearer):
            with transaction() as sql:
                require_staff(sql)
        raise


def require_service_code(code: Any) -> str:
    if not isinstance(code, str) or not code:
        raise ApiError(422, "invalid", "'service' must be a service code")
    return code


def find_service(sql: Sql, code: str) -> ServiceRef:
    """An active service of this office by its code, else 404."""
    return service_and_hours(sql, code)[0]


def service_and_hours(sql: Sql, code: str) -> tuple[ServiceRef, str | None]:
    """find_service's service, and the office's hours as stored, read with it."""
    found = service_and_office_hours(sql, current_office_id(sql), code)
    if found is None or not found[0].active:
        raise ApiError(404, "unknown_service", f"No service with code {code!r}",
                       "ไม่พบงานบริการนี้")
    return found


def find_ticket(token: str, sql: Sql):
    ticket = ticket_row_by_token(sql, token)
    if ticket is None or ticket.office_id != current_office_id(sql):
        raise ApiError(404, "unknown_ticket", "No such ticket", "ไม่พบบัตรคิวนี้")
    return ticket


def answer(sql: Sql, ticket_id: int) -> dict[str, Any]:
    """The ticket as the action left it, read inside the action's transaction (or returned by
    the action's one statement on PostgreSQL): a counter action and its answer stand or fall
    together, so an error answer always means "not done, retry"."""
    return formatted(*answer_rows(sql, ticket_id), sql)


def answer_rows(sql: Sql, ticket_id: int) -> tuple[Any, list]:
    """What answer() reads: the ticket's row and its segments, as the action left them."""
    document = sql.documents.get(ticket_id)
    if document is not None:
        return document.ticket, document.segments
    return ticket_row_by_id(sql, ticket_id), ticket_segments(sql, ticket_id)


def formatted(ticket: Any, segments: list, sql: Sql | None = None) -> dict[str, Any]:
    """The answer's document. Without sql (after the action's transaction, so the write
    slot is not held while Python formats it) for a ticket that is not waiting: it has
    nobody ahead to count."""
    if sql is None and ticket.status is TicketStatus.WAITING:
        raise RuntimeError("a waiting ticket's answer counts the people ahead: pass its sql")
    return {"ticket": ticket_json(sql, ticket, segments=segments)}


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
    code = require_service_code(body.get("service"))
    if not may_issue():
        raise ApiError(403, "not_a_kiosk", REFUSAL_EN, REFUSAL_TH)
    reason = PriorityReason(priority) if isinstance(priority, str) else \
        (PriorityReason.ELDERLY if priority else None)
    # The reads before and the answer after share no transaction with the write: the
    # write slot (SQLite) or the day's counter row (PostgreSQL) is held for as short as can be.
    with transaction() as sql:
        office_id = current_office_id(sql)
        service, hours = service_and_hours(sql, code)
        if not hours_as_stored(hours).is_open(now_utc()):
            raise ApiError(409, "office_closed", "The office is closed; no tickets now",
                           "ขณะนี้อยู่นอกเวลาทำการ งดรับบัตรคิว")
    with transaction(write=True, one_statement=True) as sql:
        ticket = issue(sql, office_id, service, priority_reason=reason, idempotency_key=key)
    created = isinstance(ticket, NewTicket)
    with transaction() as sql:
        row = ticket if created else ticket_row_by_id(sql, ticket)
        if not created and row.first_service_id != service.id:
            raise ApiError(409, "idempotency_key_reused",
                           "This idempotency_key was given for a ticket of another service")
        data = ticket_json(sql, row, brief=True)
    # 200: a retry of a ticket already issued
    return jsonify(data), 201 if created else 200


@bp.get("/tickets/<token>")
def get_ticket(token: str):
    with transaction() as sql:
        return jsonify(ticket_json(sql, find_ticket(token, sql)))


@bp.post("/counters/<any_int:counter_id>/call-next")
def call(counter_id: int):
    """Call the next ticket. With {"finish": TOKEN} (the ticket this counter has), finish
    that visit first: the console's "finish and call next" in one request. A double tap
    names the same ticket twice, so the second finds it gone from the counter and calls
    nobody. The finish is a transaction of its own, before the call's (on PostgreSQL a finish
    holds the office's event lock to its COMMIT, see models/calling.CALL_NEXT_IN_ONE), and
    stands whatever the call then answers."""
    with transaction() as sql:
        staff = acting_staff(sql)
        office_id = current_office_id(sql)
    with refusals_after_the_token(staff):
        if counter_id > MAX_ID:  # unknown, not an overflow in the driver
            raise UnknownCounter(counter_id)
        finishing = _ticket_to_finish()
        if finishing is not None:
            with transaction(write=True, one_statement=True) as sql:
                finish(sql, TicketByToken(finishing, office_id), at_counter=counter_id,
                       by=staff)
        with transaction(write=True, one_statement=True) as sql:
            ticket_id = claim_next(sql, counter_id, office_id, staff,
                                   priority_ratio=current_app.config["PRIORITY_RATIO"])
            found = answer_rows(sql, ticket_id) if ticket_id is not None else None
    return jsonify(formatted(*found)) if found is not None else Response(status=204)


def _ticket_to_finish() -> str | None:
    """The token call-next's optional body names to finish first ({"finish": TOKEN})."""
    if not request.get_data(cache=True).strip():
        return None
    token = json_body().get("finish")
    if token is not None and (not isinstance(token, str) or not 1 <= len(token) <= 64):
        raise ApiError(422, "invalid", "'finish' is the token of the counter's ticket")
    return token


@bp.post("/tickets/<token>/<any(recall, start, 'no-show', finish):verb>")
def ticket_action(token: str, verb: str):
    with transaction() as sql:
        staff = acting_staff(sql)
        office_id = current_office_id(sql)
    with refusals_after_the_token(staff), \
            transaction(write=True, one_statement=True) as sql:
        ticket_id = TICKET_ACTIONS[verb](sql, TicketByToken(token, office_id), by=staff)
        found = answer_rows(sql, ticket_id)  # called, served or closed: nobody ahead
    return jsonify(formatted(*found))


@bp.post("/tickets/<token>/transfer")
def transfer_ticket(token: str):
    with transaction() as sql:
        require_staff(sql)
        body = json_body()
        position = body.get("position", "back")
        if position not in ("front", "back"):
            raise ApiError(422, "invalid", "'position' is 'front' or 'back'")
        ticket = find_ticket(token, sql)
        target = find_service(sql, require_service_code(body.get("service")))
    with transaction(write=True) as sql:
        transfer(sql, ticket, target, front=position == "front")
        data = answer(sql, ticket.id)
    return jsonify(data)
