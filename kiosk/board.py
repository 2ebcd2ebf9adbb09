"""The display board at the waiting area: now serving per counter, last calls, voice calls."""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kiosk.announce import call_speech
from kiosk.events import latest_event_id, stream
from models import Counter, QueueEvent, Ticket, TicketStatus, db
from models.base import BANGKOK, now_utc
from web.office import current_office

bp = Blueprint("board", __name__, url_prefix="/board")

CALL_KINDS = ("called", "recalled")
BOARD_KINDS = {"called", "recalled", "started", "finished", "no_show", "transferred", "paused",
               "resumed"}
LAST_CALLS = 8


def board_state(office_id: int) -> dict:
    counters = db.session.scalars(
        select(Counter).where(Counter.office_id == office_id, Counter.active.is_(True))
        .order_by(Counter.sort_order)).all()
    serving = {t.counter_id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.office_id == office_id,
                             Ticket.status.in_((TicketStatus.CALLED, TicketStatus.SERVING)))
        .options(selectinload(Ticket.service)))}
    day_start = datetime.combine(now_utc().astimezone(BANGKOK).date(), time(), BANGKOK)
    calls = db.session.scalars(
        select(QueueEvent).where(QueueEvent.office_id == office_id,
                                 QueueEvent.kind.in_(CALL_KINDS),
                                 QueueEvent.created_at >= day_start)
        .order_by(QueueEvent.id.desc()).limit(LAST_CALLS)).all()
    return {"counters": counters, "serving": serving, "calls": calls,
            "last_call_id": calls[0].id if calls else 0}


def announcements(events: list[QueueEvent]) -> list[dict]:
    spoken = []
    for event in events:
        if event.kind in CALL_KINDS:
            thai, english = call_speech(event.data["number"], event.data["counter"])
            spoken.append({"id": event.id, "number": event.data["number"],
                           "counter": event.data["counter"], "th": thai, "en": english})
    return spoken


@bp.get("/")
def board():
    office = current_office()
    return render_template("board/board.html", **board_state(office.id), announce=[])


@bp.get("/panel")
def panel():
    response = Response(render_template("board/_panel.html",
                                        **board_state(current_office().id), announce=[]))
    response.cache_control.no_store = True
    return response


@bp.get("/events")
def events():
    office_id = current_office().id
    last_id = request.headers.get("Last-Event-ID", type=int)
    if last_id is None:
        last_id = latest_event_id(office_id)
    app = current_app._get_current_object()

    def render(batch: list[QueueEvent]) -> list[tuple[str, str]]:
        if not any(e.kind in BOARD_KINDS for e in batch):
            return []
        return [("board", render_template("board/_panel.html", **board_state(office_id),
                                          announce=announcements(batch)))]

    response = Response(stream_with_context(stream(app, "board", office_id, last_id, render)),
                        mimetype="text/event-stream")
    response.cache_control.no_store = True
    response.headers["X-Accel-Buffering"] = "no"
    return response
