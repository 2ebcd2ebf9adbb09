"""The display board at the waiting area: now serving per counter, last calls, voice calls."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, stream_with_context
from sqlalchemy import bindparam, select

from kiosk.announce import call_speech
from kiosk.events import latest_event_id, stream
from models import Counter, QueueEvent, db
from models.base import day_start, now_utc
from models.calling import NOW_SERVING
from models.tickets import business_day
from web.office import current_office
from web.routing import id_header

bp = Blueprint("board", __name__, url_prefix="/board")

CALL_KINDS = ("called", "recalled")
LAST_CALL_COUNT = 8
# Calls read to find the last eight tickets: a recall calls a ticket again, and the board lists
# each ticket once, at its latest call (a waiting room reads a repeated number as two people);
# a transfer after its latest call takes it off (it no longer goes to that counter). Where the
# last 24 calls and transfers hold fewer than eight tickets, fewer are listed.
LAST_CALLS_READ = LAST_CALL_COUNT * 3
LISTED_KINDS = (*CALL_KINDS, "transferred")


# The board is drawn again on every call, for every board at once: Core SQL, built once.
_COUNTERS = Counter.__table__
_EVENTS = QueueEvent.__table__
BOARD_COUNTERS = (select(_COUNTERS.c.id, _COUNTERS.c.label, _COUNTERS.c.paused)
                  .where(_COUNTERS.c.office_id == bindparam("office_id"),
                         _COUNTERS.c.active.is_(True))
                  .order_by(_COUNTERS.c.sort_order))
# The latest calls of any day, newest first; board_state keeps today's. (With "today" in the
# WHERE, a board before the day's eighth call walked the office's events back to the oldest:
# 282 ms with 591,000 of them. This walk stops after LAST_CALLS_READ calls and transfers.)
LAST_CALLS = (select(_EVENTS.c.id, _EVENTS.c.kind, _EVENTS.c.data, _EVENTS.c.created_at)
              .where(_EVENTS.c.office_id == bindparam("office_id"),
                     _EVENTS.c.kind.in_(LISTED_KINDS))
              .order_by(_EVENTS.c.id.desc()).limit(LAST_CALLS_READ))


def board_state(office_id: int) -> dict:
    """Counters (id, label, paused), who each serves, and today's last calls (id, data)."""
    connection = db.session.connection()
    params = {"office_id": office_id}
    counters = connection.execute(BOARD_COUNTERS, params).all()
    serving = {row.counter_id: row for row in connection.execute(NOW_SERVING, params)}
    since = day_start(business_day(now_utc()))
    events = [event for event in connection.execute(LAST_CALLS, params)
              if event.created_at >= since]
    # The board announces calls newer than the latest it was drawn with, listed or not.
    last_call_id = next((event.id for event in events if event.kind in CALL_KINDS), 0)
    return {"counters": counters, "serving": serving,
            "calls": latest_call_of_each_ticket(events), "last_call_id": last_call_id}


def latest_call_of_each_ticket(calls) -> list:
    """The newest LAST_CALL_COUNT calls, newest first, one per ticket number: a recall or a call
    at the counter a ticket was transferred to replaces the ticket's earlier call, and a
    ticket transferred since its latest call is not listed until it is called again."""
    seen: set[str] = set()
    listed = []
    for event in calls:  # newest first: a ticket's first event here is its latest
        if event.data["number"] in seen:
            continue
        seen.add(event.data["number"])
        if event.kind in CALL_KINDS:
            listed.append(event)
            if len(listed) == LAST_CALL_COUNT:
                break
    return listed


def announcements(events: list) -> list[dict]:
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
    last_id = id_header("Last-Event-ID")
    if last_id is None:
        last_id = latest_event_id(office_id)
    app = current_app._get_current_object()

    def render(batch: list) -> list[tuple[str, str]]:  # the followed events: all redraw it
        return [("board", render_template("board/_panel.html", **board_state(office_id),
                                          announce=announcements(batch)))]

    response = Response(stream_with_context(stream(app, "board", office_id, last_id, render)),
                        mimetype="text/event-stream")
    response.cache_control.no_store = True
    response.headers["X-Accel-Buffering"] = "no"
    return response
