"""The rating rules as the citizen meets them: find the visit, check it, read the form.

At the kiosk the visit is found by the ticket's QR (a USB scanner types the status URL and
Enter into a focused field) or by the number typed on the on-screen keypad, today's tickets
only (or yesterday's that has just finished, as numbers restart at midnight). The form is then
reached through a short-lived signed reference, so typing a number never hands out the
ticket's token. Every refusal carries a message in Thai and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from models import Service, Ticket, TicketStatus, db
from models.base import now_utc
from models.ratings import (
    MAX_COMMENT,
    Aspect,
    RatingError,
    check_can_rate,
    rating_for,
    window_from,
)
from models.tickets import business_day, ticket_by_token
from web.office import current_office

# A kiosk form left open longer than this is stale (the idle reset goes home long before).
REFERENCE_MAX_AGE = 15 * 60
REFERENCE_SALT = "khiu-rating-kiosk"
# What a scanner types: the status URL (…/t/TOKEN, maybe with ?query) or a bare token.
STATUS_URL = re.compile(r"/t/([A-Za-z0-9_-]{16,64})")
BARE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
TYPED_NUMBER = re.compile(r"([A-Z]{0,2})0*(\d{1,4})")
EXTRA_PAYMENT = {"yes": True, "no": False, "": None}


@dataclass
class Refusal(Exception):
    """Why this visit cannot be rated here, in Thai and English, with the page's status."""

    status: int
    code: str
    th: str
    en: str


def unknown_ticket() -> Refusal:
    return Refusal(404, "unknown_ticket",
                   "ไม่พบบัตรคิวนี้ กรุณาตรวจสอบหมายเลข หรือสแกนคิวอาร์โค้ดบนบัตรคิวอีกครั้ง",
                   "We could not find this ticket. Please check the number, or scan the QR "
                   "code on your ticket again.")


NOT_FINISHED = {
    TicketStatus.WAITING: ("บัตรคิวนี้ยังรอเรียกอยู่ ประเมินได้หลังรับบริการเสร็จแล้ว",
                           "This ticket is still waiting to be called. You can rate the "
                           "service once it is finished."),
    TicketStatus.CALLED: ("ยังให้บริการไม่เสร็จ ประเมินได้เมื่อเจ้าหน้าที่ให้บริการเสร็จแล้ว",
                          "Your service is not finished yet. You can rate it once the counter "
                          "has finished."),
    TicketStatus.NO_SHOW: ("บัตรคิวนี้ไม่ได้รับบริการ (ไม่มาตามเรียก) จึงไม่มีการบริการให้ประเมิน "
                           "หากยังต้องการรับบริการ กรุณาติดต่อเจ้าหน้าที่ประชาสัมพันธ์",
                           "This ticket was not served (nobody came when it was called), so "
                           "there is nothing to rate. If you still need the service, please "
                           "ask the information desk."),
}
NOT_FINISHED[TicketStatus.SERVING] = NOT_FINISHED[TicketStatus.CALLED]
INVALID_ANSWERS = ("คำตอบบางข้อไม่ถูกต้อง กรุณาเลือกใหม่อีกครั้ง",
                   "Some answers were not valid. Please choose again.")


def rating_window() -> timedelta:
    return window_from(current_app.config)


def refusal_for(error: RatingError, ticket: Ticket) -> Refusal:
    """The model's refusal, with a message that says what to do for a visit not finished."""
    if error.status == 422:
        return Refusal(422, error.code, *INVALID_ANSWERS)
    if error.code == "not_finished" and ticket.status in NOT_FINISHED:
        return Refusal(409, error.code, *NOT_FINISHED[ticket.status])
    return Refusal(error.status, error.code, error.message_th, error.message_en)


def check(ticket: Ticket) -> None:
    try:
        check_can_rate(db.session, ticket, rating_window())
    except RatingError as exc:
        raise refusal_for(exc, ticket) from None


def rating_state(ticket: Ticket) -> str | None:
    """For the status page: 'open', 'rated' or 'closed' once finished; None before."""
    if ticket.status != TicketStatus.FINISHED or ticket.finished_at is None:
        return None
    if rating_for(db.session, ticket) is not None:
        return "rated"
    if now_utc() - ticket.finished_at > rating_window():
        return "closed"
    return "open"


# Finding the visit at the kiosk.

def office_ticket(ticket: Ticket | None) -> Ticket:
    if ticket is None or ticket.office_id != current_office().id:
        raise unknown_ticket()
    return ticket


def keypad_prefixes() -> list[str]:
    return list(db.session.scalars(
        select(Service.ticket_prefix).distinct()
        .where(Service.office_id == current_office().id, Service.active.is_(True))
        .order_by(Service.ticket_prefix)))


def _by_typed_number(typed: str) -> Ticket:
    match = TYPED_NUMBER.fullmatch(typed.upper())
    prefix, digits = match[1], int(match[2])
    if not prefix:
        prefixes = keypad_prefixes()
        if len(prefixes) != 1:
            raise Refusal(422, "no_prefix", "กรุณาแตะตัวอักษรหน้าหมายเลขคิวด้วย เช่น A012",
                          "Please also tap the letter of your ticket number, e.g. A012.")
        prefix = prefixes[0]
    # A typed number means today's ticket: older visits are reached by their QR only. Numbers
    # restart at midnight, so while today has no ticket of that number, yesterday's counts
    # when it has just finished (a visit of yesterday's business day that ended minutes ago).
    now, minutes = now_utc(), current_app.config["RATING_BY_NUMBER_MINUTES"]
    today = business_day(now)
    found = {t.business_day: t for t in db.session.scalars(select(Ticket).where(
        Ticket.office_id == current_office().id,
        Ticket.business_day.in_([today, today - timedelta(days=1)]),
        Ticket.number == f"{prefix}{digits:03d}"))}
    ticket = found.get(today)
    yesterdays = found.get(today - timedelta(days=1))
    if ticket is None and yesterdays is not None and yesterdays.finished_at is not None \
            and yesterdays.status == TicketStatus.FINISHED \
            and now - yesterdays.finished_at <= timedelta(minutes=minutes):
        ticket = yesterdays
    ticket = office_ticket(ticket)
    # Numbers are sequential and on the board: a typed one reaches only a visit that has just
    # finished (the citizen walking to the kiosk), so nobody can rate other people's day.
    if (ticket.status == TicketStatus.FINISHED and ticket.finished_at is not None
            and now - ticket.finished_at > timedelta(minutes=minutes)):
        raise Refusal(409, "number_too_late",
                      f"หมายเลขคิวใช้ประเมินได้ภายใน {minutes} นาทีหลังรับบริการเสร็จ "
                      "กรุณาสแกนคิวอาร์โค้ดบนบัตรคิวของท่าน",
                      f"A ticket number can be typed only within {minutes} minutes after the "
                      "service finished. Please scan the QR code on your ticket.")
    return ticket


def typed_number(text: str) -> bool:
    """Whether the find field holds a typed ticket number (not a scanned QR)."""
    return TYPED_NUMBER.fullmatch(re.sub(r"[\s-]", "", text.strip()).upper()) is not None


def too_many_numbers(minutes_left: int) -> Refusal:
    return Refusal(429, "too_many_numbers",
                   "พิมพ์หมายเลขคิวที่ไม่พบหลายครั้งเกินไป กรุณาสแกนคิวอาร์โค้ดบนบัตรคิว "
                   f"หรือลองใหม่ในอีก {minutes_left} นาที",
                   "Too many ticket numbers were not found. Please scan the QR code on your "
                   f"ticket, or try again in {minutes_left} minutes.")


def find_by_code(text: str) -> Ticket:
    """The ticket a scanned QR (status URL or bare token) or a typed number names."""
    text = text.strip()
    compact = re.sub(r"[\s-]", "", text)
    if not text:
        raise Refusal(422, "empty", "กรุณาสแกนคิวอาร์โค้ดบนบัตรคิว หรือพิมพ์หมายเลขคิว",
                      "Please scan the QR code on your ticket, or type your ticket number.")
    if TYPED_NUMBER.fullmatch(compact.upper()):
        return _by_typed_number(compact)
    url = STATUS_URL.search(text)
    token = url[1] if url else text if BARE_TOKEN.fullmatch(text) else None
    return office_ticket(ticket_by_token(db.session, token) if token else None)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=REFERENCE_SALT)


def kiosk_reference(ticket: Ticket) -> str:
    return _serializer().dumps(ticket.id)


def ticket_from_reference(reference: str) -> Ticket:
    try:
        ticket_id = _serializer().loads(reference, max_age=REFERENCE_MAX_AGE)
    except SignatureExpired:
        raise Refusal(409, "expired", "หน้านี้หมดเวลาแล้ว กรุณาสแกนหรือพิมพ์หมายเลขคิวอีกครั้ง",
                      "This page has timed out. Please scan or type your ticket number "
                      "again.") from None
    except BadSignature:
        raise unknown_ticket() from None
    return office_ticket(db.session.get(Ticket, ticket_id))


# Reading the form.

def _score_field(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise Refusal(422, "invalid", *INVALID_ANSWERS)
    return int(text)


def form_values(form: MultiDict) -> dict[str, Any]:
    """rate_visit's arguments from the form; ranges are checked by rate_visit itself."""
    if not form.get("score"):
        raise Refusal(422, "no_score", "กรุณาแตะใบหน้าที่ตรงกับความพึงพอใจของท่าน",
                      "Please tap the face that shows how satisfied you are.")
    extra = form.get("extra_payment", "")
    if extra not in EXTRA_PAYMENT:
        raise Refusal(422, "invalid", *INVALID_ANSWERS)
    return {"score": _score_field(form["score"]),
            "answers": {a.value: _score_field(form[a.value]) for a in Aspect if form.get(a.value)},
            "extra_payment_asked": EXTRA_PAYMENT[extra],
            # Browsers send a textarea's newlines as CRLF but count them as one in maxlength.
            "comment": form.get("comment", "").replace("\r\n", "\n")[:MAX_COMMENT + 1]}
