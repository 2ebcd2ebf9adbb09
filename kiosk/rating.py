"""Exit rating pages at the kiosk and on the phone: find the visit, show who served it, rate.

The kiosk path is /rate/ (scan or keypad) then /rate/v/REFERENCE; the phone path is
/t/TOKEN/rate, linked from the ticket's status page. Rules and messages: kiosk/rating_rules.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from kiosk.rating_rules import (
    Refusal,
    check,
    find_by_code,
    form_values,
    keypad_prefixes,
    kiosk_reference,
    office_ticket,
    rating_state,
    rating_window,
    refusal_for,
    ticket_from_reference,
    too_many_numbers,
    typed_number,
)
from models import Ticket, db
from models.alerts import AlertRule, raise_alerts
from models.base import begin_write, now_utc
from models.ratings import (
    ASPECT_LABELS,
    MAX_COMMENT,
    SCALE,
    Aspect,
    RatingChannel,
    RatingError,
    rate_visit,
    rating_for,
    serving_segments,
)
from models.throttle import number_lookup_lockout, record_number_lookup_failure
from models.tickets import ticket_by_token
from web.office import current_office

bp = Blueprint("rating", __name__)


@bp.app_context_processor
def _rating_helpers() -> dict[str, Any]:
    return {"rating_state": rating_state}


def _refused(refusal: Refusal, *, phone_token: str | None = None):
    phone = {"idle": False} if phone_token else {}  # a phone page never idles to the kiosk home
    return render_template("rating/refused.html", refusal=refusal, phone_token=phone_token,
                           **phone), refusal.status


def _form(ticket: Ticket, action: str, *, phone: bool, problem: Refusal | None = None,
          chosen: MultiDict | None = None):
    return render_template(
        "rating/form.html", ticket=ticket, segments=serving_segments(ticket), action=action,
        phone=phone, problem=problem, chosen=chosen or MultiDict(), scale=SCALE,
        aspects=[(a.value, *ASPECT_LABELS[a]) for a in Aspect], max_comment=MAX_COMMENT,
        **({"idle": False} if phone else {})), problem.status if problem else 200


def _submit(ticket: Ticket, action: str, channel: RatingChannel):
    """Validate, rate, raise alerts, commit once. Returns None when stored, else a page."""
    phone = channel == RatingChannel.PHONE
    try:
        values = form_values(request.form)
    except Refusal as refusal:
        return _form(ticket, action, phone=phone, problem=refusal, chosen=request.form)
    begin_write(db.session)
    try:
        rating = rate_visit(db.session, ticket, channel=channel, window=rating_window(),
                            **values)
        raise_alerts(db.session, rating, rule=AlertRule.from_config(current_app.config))
    except RatingError as exc:
        db.session.rollback()
        refusal = refusal_for(exc, ticket)
        if refusal.status == 422:
            return _form(ticket, action, phone=phone, problem=refusal, chosen=request.form)
        return _refused(refusal, phone_token=ticket.token if phone else None)
    db.session.commit()
    return None


@bp.get("/rate/")
def find():
    return render_template("rating/find.html", prefixes=keypad_prefixes(), problem=None,
                           code="")


def _find_page(refusal: Refusal):
    return render_template("rating/find.html", prefixes=keypad_prefixes(), problem=refusal,
                           code=""), refusal.status


@bp.post("/rate/")
def lookup():
    code = request.form.get("code", "")[:300]
    # Typed numbers are guessable, so failed ones are counted per address; a scanned QR
    # carries the unguessable token and is never throttled.
    typed = typed_number(code)
    office_id, address = current_office().id, request.remote_addr or "unknown"
    if typed:
        locked = number_lookup_lockout(db.session, office_id, address)
        if locked is not None:
            minutes = locked.minutes_left(now_utc())
            page, status = _find_page(too_many_numbers(minutes))
            return page, status, {"Retry-After": str(minutes * 60)}
    try:
        ticket = find_by_code(code)
        check(ticket)
    except Refusal as refusal:
        if typed and refusal.status != 422:
            begin_write(db.session)
            record_number_lookup_failure(db.session, office_id, address)
            db.session.commit()
        return _find_page(refusal)
    return redirect(url_for("rating.kiosk_form", reference=kiosk_reference(ticket)), code=303)


def _show_form(find: Callable[[], Ticket], action: str, phone_token: str | None = None):
    """The rating form for the visit find() names, or the page saying why not."""
    try:
        ticket = find()
        check(ticket)
    except Refusal as refusal:
        return _refused(refusal, phone_token=phone_token)
    return _form(ticket, action, phone=phone_token is not None)


def _take_rating(find: Callable[[], Ticket], action: str, thanks: str,
                 phone_token: str | None = None):
    """Store the posted rating and go to the thanks page, or show the form or refusal."""
    try:
        ticket = find()
    except Refusal as refusal:
        return _refused(refusal, phone_token=phone_token)
    channel = RatingChannel.PHONE if phone_token else RatingChannel.KIOSK
    return _submit(ticket, action, channel) or redirect(thanks, code=303)


@bp.get("/rate/v/<reference>")
def kiosk_form(reference: str):
    return _show_form(lambda: ticket_from_reference(reference),
                      url_for("rating.kiosk_submit", reference=reference))


@bp.post("/rate/v/<reference>")
def kiosk_submit(reference: str):
    return _take_rating(lambda: ticket_from_reference(reference),
                        url_for("rating.kiosk_submit", reference=reference),
                        url_for("rating.kiosk_thanks"))


@bp.get("/rate/thanks")
def kiosk_thanks():
    return render_template("rating/thanks.html", phone_token=None)


def _phone_ticket(token: str) -> Ticket:
    return office_ticket(ticket_by_token(db.session, token))


@bp.get("/t/<token>/rate")
def phone_form(token: str):
    return _show_form(lambda: _phone_ticket(token), url_for("rating.phone_submit", token=token),
                      phone_token=token)


@bp.post("/t/<token>/rate")
def phone_submit(token: str):
    return _take_rating(lambda: _phone_ticket(token),
                        url_for("rating.phone_submit", token=token),
                        url_for("rating.phone_thanks", token=token), phone_token=token)


@bp.get("/t/<token>/rate/thanks")
def phone_thanks(token: str):
    try:
        ticket = _phone_ticket(token)
    except Refusal as refusal:
        return _refused(refusal, phone_token=token)
    if rating_for(db.session, ticket) is None:
        return redirect(url_for("rating.phone_form", token=token), code=303)
    return render_template("rating/thanks.html", phone_token=token, idle=False)
