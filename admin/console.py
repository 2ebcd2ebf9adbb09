"""The counter console: pick a counter, then call, recall, start, no-show, transfer, finish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import Date, bindparam, select
from sqlalchemy.orm import selectinload

from admin.auth import role_required, signed_in_staff
from models import (
    Counter,
    Section,
    SegmentOutcome,
    Service,
    Ticket,
    VisitSegment,
    db,
)
from models.audit import audit
from models.base import UTCDateTime, begin_write, day_start, now_utc
from models.calling import NOW_SERVING, call_next, current_ticket
from models.counter_actions import TICKET_ACTIONS, TicketByToken, finish, set_paused, transfer
from models.refusals import NotAtCounter, UnknownTicket
from models.sql import Prepared, Sql
from models.staff import STAFF_ROLES
from models.tickets import QueueError, business_day
from models.waiting_list import waiting_in_calling_order
from web.office import current_office

bp = Blueprint("console", __name__, url_prefix="/staff/console")


@dataclass(frozen=True)
class Done:
    """An action's news that is not a refusal: what happened, for the clerk to confirm."""

    message_th: str
    message_en: str


def _counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None or counter.office_id != current_office().id or not counter.active:
        abort(404)
    return counter


# A staff member's calls of a day, from their calls since the day began
# (ix_visit_segment_staff_called): the console shows them at every refresh.
MY_CALLS_TODAY = Prepared(
    select(VisitSegment.outcome, VisitSegment.started_at, VisitSegment.finished_at)
    .join(Ticket, Ticket.id == VisitSegment.ticket_id)
    .where(VisitSegment.staff_id == bindparam("staff_id"),
           VisitSegment.called_at >= bindparam("day_start", type_=UTCDateTime),
           Ticket.business_day == bindparam("day", type_=Date)))


def my_figures() -> dict[str, float | int | None]:
    """Today's figures of the signed-in staff member (their own, nobody else's)."""
    today = business_day(now_utc())
    rows = Sql.of(db.session).all(MY_CALLS_TODAY, {
        "staff_id": g.staff.id, "day": today, "day_start": day_start(today)})
    served = [r for r in rows if r.outcome is SegmentOutcome.SERVED]
    minutes = [(r.finished_at - r.started_at) / timedelta(minutes=1) for r in served
               if r.started_at and r.finished_at]
    return {
        "served": len(served),
        "transferred": sum(r.outcome is SegmentOutcome.TRANSFERRED for r in rows),
        "no_show": sum(r.outcome is SegmentOutcome.NO_SHOW for r in rows),
        "mean_minutes": round(sum(minutes) / len(minutes), 1) if minutes else None,
    }


def console_context(counter: Counter, news: QueueError | Done | None = None) -> dict:
    today = business_day(now_utc())
    waiting = waiting_in_calling_order(db.session, counter, today,
                                       current_app.config["PRIORITY_RATIO"])
    targets = db.session.scalars(
        select(Service).join(Section, Service.section_id == Section.id)
        .where(Service.office_id == counter.office_id, Service.active.is_(True))
        .order_by(Section.sort_order, Service.sort_order)).all()
    return {"counter": counter, "ticket": current_ticket(db.session, counter),
            "waiting": waiting,
            "targets": targets, "figures": my_figures(),
            "error": news if isinstance(news, QueueError) else None,
            "done": news if isinstance(news, Done) else _flashed_done()}


def _flashed_done() -> Done | None:
    """The news of a form posted without htmx, which was answered by a redirect here. (Not
    read by the panel's htmx refreshes: reading flashes takes every category's away.)"""
    if request.headers.get("HX-Request"):
        return None
    messages = get_flashed_messages(category_filter=["console"])
    return Done(*messages[-1]) if messages else None


def render_console(counter: Counter, news: QueueError | Done | None = None, status: int = 200):
    template = "console/_panel.html" if request.headers.get("HX-Request") \
        else "console/counter.html"
    return render_template(template, **console_context(counter, news)), status


@bp.get("/")
@role_required(*STAFF_ROLES)
def choose():
    counters = db.session.scalars(
        select(Counter).where(Counter.office_id == current_office().id,
                              Counter.active.is_(True))
        .options(selectinload(Counter.services), selectinload(Counter.staff))
        .order_by(Counter.sort_order)).all()
    mine = signed_in_staff().section_id
    counters = sorted(counters, key=lambda c: c.section_id != mine)
    at_counters = dict(db.session.execute(NOW_SERVING, {"office_id": current_office().id}).all())
    return render_template("console/choose.html", counters=counters, at_counters=at_counters)


@bp.post("/<int:counter_id>/open")
@role_required(*STAFF_ROLES)
def open_counter(counter_id: int):
    """Work at the counter; taking it over from a colleague still signed in there is logged
    (their console then says who works there now)."""
    begin_write(db.session)
    counter = _counter(counter_id)
    previous = counter.staff
    if previous is not None and previous.id != g.staff.id:
        audit(db.session, counter.office_id, g.staff, "counter.take_over",
              f"counter {counter.label}", from_staff=previous.username)
    counter.staff_id = g.staff.id
    db.session.commit()
    remember_counter(counter.id)
    return redirect(url_for("console.counter", counter_id=counter_id), code=303)


@bp.get("/<int:counter_id>")
@role_required(*STAFF_ROLES)
def counter(counter_id: int):
    return render_console(_counter(counter_id))


def remember_counter(counter_id: int) -> None:
    """The counters this session works at: signing out frees them (and no other device's)."""
    known = session.get("counters", [])
    if counter_id not in known:
        session["counters"] = sorted({*known, counter_id})


def _hold(counter: Counter) -> None:
    """A console acts only at a counter its clerk works at: one a colleague has taken over is
    refused (their calls would be recorded as this clerk's), a free one becomes this clerk's."""
    if counter.staff_id in (None, g.staff.id):
        counter.staff_id = g.staff.id
        remember_counter(counter.id)  # (also one held since an earlier session of this clerk)
    else:
        name = counter.staff.display_name
        raise QueueError("counter_taken_over",
                         f"{name} ทำงานที่ช่องนี้แล้ว กด “รับช่องนี้ต่อ” หากจะทำงานที่ช่องนี้",
                         f"{name} works at this counter now; press “Take over this counter” "
                         "to work here")


def _write(counter_id: int, action) -> tuple[Counter | None, Any]:
    """Run action(counter) as a write and commit: (the counter, the news it returned, if
    any); or, when it raised a QueueError, rolled back: (None, the console refusing, 409)."""
    begin_write(db.session)
    counter = _counter(counter_id)
    try:
        _hold(counter)
        news = action(counter)
    except QueueError as exc:
        db.session.rollback()
        return None, render_console(_counter(counter_id), exc, 409)
    db.session.commit()
    return counter, news


def _act(counter_id: int, action) -> tuple:
    """action as a write (_write), answered with the console and its news, or its refusal."""
    counter, news = _write(counter_id, action)
    if counter is None:
        return news
    if not request.headers.get("HX-Request"):
        if isinstance(news, Done):
            flash((news.message_th, news.message_en), "console")
        return redirect(url_for("console.counter", counter_id=counter_id), code=303)
    return render_console(counter, news)


@bp.post("/<int:counter_id>/call-next")
@role_required(*STAFF_ROLES)
def call(counter_id: int):
    ratio = current_app.config["PRIORITY_RATIO"]

    def action(counter: Counter) -> None:
        if call_next(db.session, counter, g.staff, priority_ratio=ratio) is None:
            raise QueueError("queue_empty", "ไม่มีคิวรอ", "Nobody is waiting")
    return _act(counter_id, action)


@bp.post("/<int:counter_id>/finish-and-call-next")
@role_required(*STAFF_ROLES)
def finish_and_call(counter_id: int):
    """Finish the visit at the counter, then call the next: one tap. The form names the ticket
    it showed, so a double tap finds that ticket gone and calls nobody. The finish is
    committed first (as the API's call-next with "finish" does) and stands whatever the call
    then answers; nobody waiting is then news, not a refusal."""
    shown = request.form.get("ticket", "")

    def finish_shown(counter: Counter) -> None:
        try:  # (finish checks the ticket is at this counter itself, as for the API)
            finish(db.session, TicketByToken(shown, counter.office_id), at_counter=counter.id)
        except UnknownTicket:  # an empty or made-up form field
            raise NotAtCounter() from None

    def call_after(counter: Counter) -> QueueError | None:
        if call_next(db.session, counter, g.staff,
                     priority_ratio=current_app.config["PRIORITY_RATIO"]) is None:
            return QueueError("queue_empty", "จบงานแล้ว ไม่มีคิวรอ", "Finished; nobody is waiting")
        return None

    finished, refusal = _write(counter_id, finish_shown)
    if finished is None:
        return refusal
    return _act(counter_id, call_after)


@bp.post("/<int:counter_id>/ticket/<verb>")
@role_required(*STAFF_ROLES)
def ticket_action(counter_id: int, verb: str):
    operation = TICKET_ACTIONS.get(verb)
    if operation is None:
        abort(404)

    def action(counter: Counter) -> None:
        ticket = current_ticket(db.session, counter)
        if ticket is None:
            raise QueueError("no_ticket", "ไม่มีคิวที่ช่องนี้", "No ticket at this counter")
        operation(db.session, ticket)
    return _act(counter_id, action)


@bp.post("/<int:counter_id>/transfer")
@role_required(*STAFF_ROLES)
def transfer_ticket(counter_id: int):
    code = request.form.get("service", "")
    front = request.form.get("position") == "front"

    def action(counter: Counter) -> Done:
        ticket = current_ticket(db.session, counter)
        target = db.session.scalar(select(Service).where(
            Service.office_id == counter.office_id, Service.code == code))
        if ticket is None or target is None:
            raise QueueError("bad_transfer", "เลือกคิวและงานบริการปลายทางก่อนโอน",
                             "Choose the ticket and the target service first")
        number = ticket.number
        transfer(db.session, ticket, target, front=front)
        where_th, where_en = ("หัวคิว", "the front of its queue") if front \
            else ("ท้ายคิว", "the back of its queue")
        return Done(f"โอนคิว {number} ไปยัง{target.name_th} ({where_th}) แล้ว",
                    f"{number} transferred to {target.name_en or target.name_th}, "
                    f"at {where_en}")
    return _act(counter_id, action)


@bp.post("/<int:counter_id>/<any(pause, resume):verb>")
@role_required(*STAFF_ROLES)
def pause(counter_id: int, verb: str):
    return _act(counter_id, lambda counter: set_paused(db.session, counter, verb == "pause"))

