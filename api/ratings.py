"""POST /api/v1/tickets/{token}/rating: the exit rating from another device.

No bearer token: like the status page, the ticket's unguessable token is the secret.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select

from api.documents import iso
from api.errors import ApiError, queue_error_as_json
from api.v1 import find_ticket, json_body
from models import Counter, Rating, RatingCredit, Section, Service, Staff, Ticket, db
from models.alerts import AlertRule, raise_alerts
from models.base import begin_write
from models.ratings import Aspect, RatingChannel, RatingError, rate_visit, window_from
from models.sql import Sql

bp = Blueprint("api_ratings", __name__, url_prefix="/api/v1")
bp.register_error_handler(RatingError, queue_error_as_json)  # a rating refused: its 4xx

FIELDS = {"score", "answers", "extra_payment_asked", "comment"}


def _credits(rating: Rating) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Staff.display_name, Counter.label, Section.code, Service.code)
        .select_from(RatingCredit)
        .outerjoin(Staff, Staff.id == RatingCredit.staff_id)
        .join(Counter, Counter.id == RatingCredit.counter_id)
        .join(Section, Section.id == RatingCredit.section_id)
        .join(Service, Service.id == RatingCredit.service_id)
        .where(RatingCredit.rating_id == rating.id).order_by(RatingCredit.id))
    return [{"staff": staff, "counter": counter, "section": section, "service": service}
            for staff, counter, section, service in rows]


def rating_json(rating: Rating) -> dict[str, Any]:
    """The stored rating and whom it credits; there is no personal data to return."""
    return {
        "ticket": rating.ticket.number,
        "score": rating.score,
        "answers": {aspect.value: getattr(rating, aspect.value) for aspect in Aspect},
        "extra_payment_asked": rating.extra_payment_asked,
        "comment": rating.comment,
        "channel": rating.channel.value,
        "created_at": iso(rating.created_at),
        "credits": _credits(rating),
    }


def _whole(value: Any) -> Any:
    """3.0 is the integer 3 in JSON (and in the OpenAPI schema); 3.5 stays wrong."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@bp.post("/tickets/<token>/rating")
def rate(token: str):
    body = json_body()
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        # A misspelt key would silently drop an answer (worst for the extra-payment question).
        raise ApiError(422, "invalid", "Unknown field(s): " + ", ".join(unknown))
    comment, answers = body.get("comment"), body.get("answers")
    if answers is not None and not isinstance(answers, dict):
        # The domain reads a falsy value (false, 0, "") as "no answers"; the API says it is wrong.
        raise ApiError(422, "invalid", "'answers' is an object of aspect scores or null")
    if answers:
        answers = {aspect: _whole(value) for aspect, value in answers.items()}
    begin_write(db.session)
    ticket = db.session.get(Ticket, find_ticket(token, Sql.of(db.session)).id)
    rating = rate_visit(
        db.session, ticket, _whole(body.get("score")), answers=answers,
        extra_payment_asked=body.get("extra_payment_asked"),
        comment="" if comment is None else comment, channel=RatingChannel.API,
        window=window_from(current_app.config))
    raise_alerts(db.session, rating, rule=AlertRule.from_config(current_app.config))
    db.session.commit()
    response = jsonify(rating_json(rating))
    response.status_code = 201
    return response
